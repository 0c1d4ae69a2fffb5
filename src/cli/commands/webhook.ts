// `regdoctor webhook`: flags and signals around src/webhook. Everything heavy is imported after --help.
import { UsageError } from '../../cause/index.ts';
import { EXIT, helpText, parseFlags, positiveInt, type Command } from '../command.ts';
import { parseListen as parseAddress } from '../../util/listen.ts';
import {
  ENGINE_FLAGS,
  ENGINE_REGISTRY_FLAGS,
  ENGINE_REGISTRY_FLAGS_HELP,
  engineRegistryOptions,
  rejectWithOffline,
  vulnerabilityIndex,
} from '../policy-engine-flags.ts';
import { stderrLogger, writeStdout } from '../../output/index.ts';

const HELP = `Usage: regdoctor webhook --tls-cert FILE --tls-key FILE (--policy FILE... | --watch-policies) [flags]

Runs the validating admission webhook: the API server POSTs an AdmissionReview (admission.k8s.io/v1) to
https://…/validate for every CREATE or UPDATE of a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or
CronJob, and the webhook answers with the ImagePolicy decision (the same as \`regdoctor policy check\`):
enforce-mode violations deny the request, warn-mode ones come back as warnings (kubectl prints them). An UPDATE
is denied only for violations it introduces; ones already there become warnings. Deploy with deploy/webhook
(docs/webhook.md).

Registry rules (requiredSignatures, maxImageSize, allowedPlatforms; minimumSeverity with --vulns) look images up
in their registries once per image and keep the answer for --cache-ttl, across policy changes. Fail-closed: a
registry that cannot be asked is a violation of the rule that needed it, in the policy's mode, naming the cause
(e.g. CONNECTION_REFUSED); a lookup still running at --decision-timeout gives 503, and the API server applies
the webhook's failurePolicy.

Examples:
  regdoctor webhook --tls-cert tls.crt --tls-key tls.key --policy policies/
  regdoctor webhook --tls-cert /tls/tls.crt --tls-key /tls/tls.key --watch-policies   # in the cluster
  regdoctor webhook --tls-cert tls.crt --tls-key tls.key --policy p.yaml --docker-config /creds/config.json \\
    --ca-file /certs/internal-ca.pem --vulns /reports/

Flags:
  --listen [HOST]:PORT          address to serve HTTPS on (default :8443)
  --tls-cert FILE               serving certificate (PEM); re-read when the file changes
  --tls-key FILE                its private key (PEM)
  --policy FILE|DIR             ImagePolicy file(s), repeatable; read once at start
  --watch-policies              use the cluster's ImagePolicy objects (list + watch; needs get/list/watch)
  --kubeconfig FILE             with --watch-policies: kubeconfig (default $KUBECONFIG, ~/.kube/config, in-cluster)
  --context NAME                kubeconfig context
  --decision-timeout DURATION   longest a decision may take before the answer is 503 and the API server
                                applies failurePolicy (default 4s; keep it below the webhook's timeoutSeconds)
  --shutdown-delay DURATION     on SIGTERM, keep serving (readyz failing) this long so endpoints drop the pod
                                before it stops accepting (default 0s; the Deployment uses 5s)
  --shutdown-grace DURATION     then wait this long for requests in flight (default 10s)
  --cache-ttl DURATION          how long registry facts (digests, sizes, platforms, signature verdicts) are
                                reused (default 5m; failed lookups are retried after at most 10s)
  --vulns FILE|DIR              vulnerability reports for minimumSeverity, repeatable: Trivy JSON or
                                trivy-operator VulnerabilityReports; read once at start
  --max-new-images N            images not yet in the cache that one review may look up (default 16, at most
                                256); past it their registry rules are unmet, naming why, and the same request
                                again gets further (the looked-up images stay cached)
  --offline                     no registry requests: requiredSignatures, maxImageSize, allowedPlatforms (and
                                minimumSeverity of images without a digest) are logged as notes, never enforced

${ENGINE_REGISTRY_FLAGS_HELP}

Endpoints: POST /validate, GET /healthz (alive), GET /readyz (policies loaded, not shutting down).
Exit codes: 0 stopped by SIGTERM/SIGINT; 2 usage error (bad flags, unreadable certificate or policy).
`;

export const flags = {
  listen: { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  policy: { type: 'string', multiple: true },
  'watch-policies': { type: 'boolean' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'decision-timeout': { type: 'string' },
  'shutdown-delay': { type: 'string' },
  'shutdown-grace': { type: 'string' },
  'cache-ttl': { type: 'string' },
  'max-new-images': { type: 'string' },
  ...ENGINE_FLAGS,
  ...ENGINE_REGISTRY_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

/** The webhook listens on IPv4 (0.0.0.0) when no host is given. */
export function parseListen(text: string): { host: string; port: number } {
  const { host, port } = parseAddress(text, 8443);
  return { host: host ?? '0.0.0.0', port };
}

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`webhook takes no arguments (got ${positionals.join(' ')})`);
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if (!cert || !key)
    throw new UsageError('webhook needs --tls-cert and --tls-key (the API server calls HTTPS only)');
  const files = values.policy ?? [];
  const watchCluster = Boolean(values['watch-policies']);
  if (files.length === 0 && !watchCluster)
    throw new UsageError('webhook needs --policy FILE or --watch-policies');
  if (files.length && watchCluster) throw new UsageError('--policy and --watch-policies cannot be combined');
  if (!watchCluster && (values.kubeconfig || values.context)) {
    throw new UsageError('--kubeconfig and --context are for --watch-policies');
  }
  if (files.includes('-')) throw new UsageError('--policy -: the webhook reads policy files, not stdin');
  const vulnFiles = values.vulns ?? [];
  if (vulnFiles.includes('-')) throw new UsageError('--vulns -: the webhook reads report files, not stdin');
  if (values.offline)
    rejectWithOffline(values, ['cache-ttl', 'max-new-images', ...Object.keys(ENGINE_REGISTRY_FLAGS)]);
  const newPerReview = positiveInt('max-new-images', values['max-new-images'], 16, 256);
  const listen = parseListen(values.listen ?? ':8443');

  const [{ parseDuration }, { startWebhook }] = await Promise.all([
    import('../../util/duration.ts'),
    import('../../webhook/index.ts'),
  ]);
  const duration = (flag: string, text: string | undefined, fallback: number, allowZero = false) => {
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms < 0 || (!allowZero && ms === 0) || ms > 3600_000) {
      throw new UsageError(`--${flag} must be ${allowZero ? 'between 0s' : 'above 0s'} and 1h`);
    }
    return ms;
  };
  const decisionTimeoutMs = duration('decision-timeout', values['decision-timeout'], 4_000);
  const delayMs = duration('shutdown-delay', values['shutdown-delay'], 0, true);
  const graceMs = duration('shutdown-grace', values['shutdown-grace'], 10_000, true);
  const cacheTtlMs = duration('cache-ttl', values['cache-ttl'], 5 * 60_000);
  const registry = values.offline ? undefined : await engineRegistryOptions(values);
  let vulnerabilities;
  if (vulnFiles.length) {
    const { loadReportFiles } = await import('../../vuln/load.ts');
    const warn = stderrLogger(() => 'warning: ');
    vulnerabilities = await vulnerabilityIndex([await loadReportFiles(vulnFiles)], warn);
  }
  const log = stderrLogger(() => `${new Date().toISOString()} webhook: `);

  const hook = await startWebhook({
    ...listen,
    tls: { certFile: cert, keyFile: key },
    ...(watchCluster
      ? { cluster: { kubeconfig: values.kubeconfig, context: values.context } }
      : { policyFiles: files }),
    engine: {
      registry,
      vulnerabilities,
      cacheTtlMs,
      offline: Boolean(values.offline),
      lookups: { newPerReview },
    },
    decisionTimeoutMs,
    log,
  });
  const registryMode = values.offline
    ? 'offline: registry rules are notes'
    : `registry rules on, cache ${cacheTtlMs / 1000} s, at most ${newPerReview} new images looked up a review`;
  log(
    `serving ${hook.url}/validate (${watchCluster ? 'policies from the cluster' : `policies from ${files.join(', ')}`}; ${registryMode}${vulnerabilities ? `; ${vulnerabilities.reports.length} vulnerability reports` : ''})`,
  );

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log(`${signal}: shutting down`);
  // Readiness fails at once (the server is closing), so the endpoints controller drops the pod; the delay covers
  // the time until every API server has noticed.
  hook.server.drain();
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  await hook.close(graceMs);
  log('stopped');
  return EXIT.ok;
};
export default run;
