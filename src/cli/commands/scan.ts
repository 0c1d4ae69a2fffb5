import { readFile } from 'node:fs/promises';
import { UsageError } from '../../cause/index.ts';
import { redact } from '../../credentials/index.ts';
import { EXIT, parseFlags, useColour, type Command } from '../command.ts';
import { outputFormat } from '../registry-flags.ts';

const HELP = `Usage: regdoctor scan [flags]

Names the root cause of every image-pull failure in a cluster: finds containers (init, regular, ephemeral)
waiting on a pull error and pods stuck pulling, reads their events, audits their pull secrets with the kubelet's
matching rules, then probes each unique image once with the pod's own credentials and its node's platform.

Examples:
  regdoctor scan                                   # current kubeconfig context, all namespaces
  regdoctor scan -n shop -o json
  kubectl get pods,events,secrets,serviceaccounts,nodes,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs -A -o json > snap.json
  regdoctor scan --snapshot snap.json --no-probe

Cluster flags:
  --kubeconfig FILE             kubeconfig to use (default $KUBECONFIG, ~/.kube/config, or in-cluster config)
  --context NAME                kubeconfig context
  -n, --namespace NS            only this namespace
  -A, --all-namespaces          every namespace (the default)
  --snapshot FILE|DIR|-         read \`kubectl get … -o json|yaml\` output instead of a live cluster
  --no-secrets                  do not read secrets (no pull-secret audit; probes go anonymously)
Probe flags:
  --no-probe                    classify from messages and secrets only; no registry traffic
  --platform OS/ARCH            platform for pods whose node is unknown (default linux/<this machine's arch>)
  --ca-file FILE                extra CA certificate(s) to trust, repeatable
  --insecure-skip-tls-verify-registry HOST   skip TLS verification for this registry, repeatable
  --plain-http-registry HOST    talk plain HTTP to this registry, repeatable
  --timeout DURATION            per-request timeout (default 10s)
  --concurrency N               probes in flight (default 16; at most 4 connections per registry)
Output:
  -o, --output text|json|yaml|wide
  -v, --verbose                 every registry request on stderr (credentials as ***)

Exit codes: 0 no findings, 1 findings, 2 error.
`;

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, {
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    namespace: { type: 'string', short: 'n' },
    'all-namespaces': { type: 'boolean', short: 'A' },
    snapshot: { type: 'string' },
    'no-secrets': { type: 'boolean' },
    'no-probe': { type: 'boolean' },
    platform: { type: 'string' },
    'ca-file': { type: 'string', multiple: true },
    'insecure-skip-tls-verify-registry': { type: 'string', multiple: true },
    'plain-http-registry': { type: 'string', multiple: true },
    timeout: { type: 'string' },
    concurrency: { type: 'string' },
    output: { type: 'string', short: 'o' },
    verbose: { type: 'boolean', short: 'v' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (positionals.length)
    throw new UsageError(`scan takes no arguments (got ${positionals.join(' ')}); use -n NAMESPACE`);
  if (values.namespace !== undefined && values['all-namespaces'])
    throw new UsageError('-n and -A cannot be combined');
  const format =
    values.output === 'wide' || values.output === 'yaml' ? values.output : outputFormat(values.output);
  const concurrency = values.concurrency === undefined ? 16 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError('--concurrency must be a positive integer');

  const [
    { chooseSource },
    { scanCluster },
    { parseDuration },
    platformMod,
    { ProbeSession },
    { proxyEnvFrom },
    { apiHost },
  ] = await Promise.all([
    import('../../cluster/index.ts'),
    import('../../scan/index.ts'),
    import('../../util/duration.ts'),
    import('../../platform/index.ts'),
    import('../../probe/session.ts'),
    import('../../transport/proxy.ts'),
    import('../../reference/index.ts'),
  ]);
  const timeoutMs = values.timeout !== undefined ? parseDuration(values.timeout) : 10_000;
  const defaultPlatform = values.platform
    ? platformMod.parsePlatform(values.platform)
    : platformMod.hostPlatform();
  const ca: string[] = [];
  for (const f of values['ca-file'] ?? []) {
    const pem = await readFile(f, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`--ca-file ${f}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    });
    if (!pem.includes('-----BEGIN CERTIFICATE-----'))
      throw new UsageError(`--ca-file ${f}: no PEM certificate in it`);
    ca.push(pem);
  }
  const hostKey = (r: string) => apiHost(r).replace(/:443$/, '');
  const insecure = new Set((values['insecure-skip-tls-verify-registry'] ?? []).map(hostKey));
  const plain = new Set(values['plain-http-registry'] ?? []);

  const source = chooseSource({
    snapshot: values.snapshot,
    kubeconfig: values.kubeconfig,
    context: values.context,
  });
  const progress =
    process.stderr.isTTY && format !== 'json' ? (t: string) => process.stderr.write(`\r\x1b[2K${t}`) : null;
  progress?.(`reading ${source.describe()}…`);
  const state = await source.load({ namespace: values.namespace ?? null, secrets: !values['no-secrets'] });
  const session = values['no-probe']
    ? null
    : new ProbeSession({
        timeoutMs,
        proxyEnv: proxyEnvFrom(process.env),
        tlsFor: (host) => ({ ca: ca.length ? ca : undefined, insecure: insecure.has(host) }),
        log: values.verbose ? (line) => process.stderr.write(`${redact(line)}\n`) : undefined,
      });
  try {
    const result = await scanCluster(state, {
      session,
      defaultPlatform,
      plainHttp: (r) => plain.has(r),
      concurrency,
      onProgress: progress ? (done, total) => progress(`probing ${done}/${total} unique images…`) : undefined,
    });
    progress?.('');
    const { renderScanText, renderScanWide, scanJson } = await import('../../report/scan.ts');
    let out: string;
    if (format === 'json') out = `${JSON.stringify(scanJson(result), null, 2)}\n`;
    else if (format === 'yaml') out = (await import('yaml')).stringify(scanJson(result));
    else if (format === 'wide') out = renderScanWide(result);
    else out = renderScanText(result, { colour: useColour() });
    process.stdout.write(redact(out));
    return result.findings.length ? EXIT.problem : EXIT.ok;
  } finally {
    await session?.close();
  }
};
export default run;
