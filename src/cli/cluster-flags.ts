// Flags and set-up shared by the cluster commands (`scan`, `pod`): where the cluster comes from, how to probe.
import { UsageError } from '../cause/index.ts';
import { stderrLogger } from '../output/index.ts';
import type { ClusterSource } from '../cluster/types.ts';
import type { Platform } from '../platform/index.ts';
import type { ProbeSession } from '../probe/session.ts';
import type { Options } from './command.ts';
import { outputFormat, type OutputFormat } from './output.ts';

/** Node timers fire at once past 2^31-1 ms; no single registry request needs more than a day. */
const MAX_TIMEOUT_MS = 24 * 3600 * 1000;

export const CLUSTER_FLAGS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
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
} as const satisfies Options;

export const CLUSTER_FLAGS_HELP = `Cluster flags:
  --kubeconfig FILE             kubeconfig to use (default $KUBECONFIG, ~/.kube/config, or in-cluster config)
  --context NAME                kubeconfig context
  -n, --namespace NS            only this namespace
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
  -v, --verbose                 every registry request on stderr (credentials as ***)`;

type Values = {
  [K in keyof typeof CLUSTER_FLAGS]?: (typeof CLUSTER_FLAGS)[K] extends { multiple: true }
    ? string[]
    : (typeof CLUSTER_FLAGS)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

export interface ClusterContext {
  source: ClusterSource;
  format: OutputFormat;
  session: ProbeSession | null;
  defaultPlatform: Platform;
  plainHttp: (registry: string) => boolean;
  concurrency: number;
}

export interface RegistryAccess {
  /** A fresh session with the flags' timeout, CAs, TLS exceptions and proxy settings. */
  newSession: () => ProbeSession;
  plainHttp: (registry: string) => boolean;
  timeoutMs: number;
}

/** The probe flags (--timeout, --ca-file, --insecure-skip-tls-verify-registry, --plain-http-registry, -v). */
export async function registryAccess(
  values: Pick<
    Values,
    'timeout' | 'ca-file' | 'insecure-skip-tls-verify-registry' | 'plain-http-registry' | 'verbose'
  >,
): Promise<RegistryAccess> {
  const [{ parseDuration }, { ProbeSession }, { proxyEnvFrom }, { apiHost }, { readCaFiles }] =
    await Promise.all([
      import('../util/duration.ts'),
      import('../probe/session.ts'),
      import('../transport/proxy.ts'),
      import('../reference/index.ts'),
      import('./registry-flags.ts'),
    ]);
  const timeoutMs = values.timeout !== undefined ? parseDuration(values.timeout) : 10_000;
  // A zero or huge timeout would time every probe out at once and report NETWORK_TIMEOUT for every image.
  if (timeoutMs <= 0) throw new UsageError('--timeout must be positive');
  if (timeoutMs > MAX_TIMEOUT_MS) throw new UsageError('--timeout must be at most 24h');
  const ca = await readCaFiles(values['ca-file'] ?? []);
  // Keyed like URL.host: the API host, without a default :443.
  const hostKey = (r: string) => apiHost(r).replace(/:443$/, '');
  const insecure = new Set((values['insecure-skip-tls-verify-registry'] ?? []).map(hostKey));
  const plain = new Set(values['plain-http-registry'] ?? []);
  const proxyEnv = proxyEnvFrom(process.env);
  return {
    newSession: () =>
      new ProbeSession({
        timeoutMs,
        proxyEnv,
        tlsFor: (host) => ({ ca: ca.length ? ca : undefined, insecure: insecure.has(host) }),
        log: values.verbose ? stderrLogger(() => '') : undefined,
      }),
    plainHttp: (r) => plain.has(r),
    timeoutMs,
  };
}

/** `formats` are the -o values the command supports. */
export async function clusterContext(
  values: Values,
  formats: readonly OutputFormat[],
): Promise<ClusterContext> {
  const format = outputFormat(values.output, formats);
  const concurrency = values.concurrency === undefined ? 16 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new UsageError('--concurrency must be a positive integer');
  const [{ chooseSource }, platformMod] = await Promise.all([
    import('../cluster/index.ts'),
    import('../platform/index.ts'),
  ]);
  const access = await registryAccess(values);
  const defaultPlatform = values.platform
    ? platformMod.parsePlatform(values.platform)
    : platformMod.hostPlatform();
  const source = chooseSource({
    snapshot: values.snapshot,
    kubeconfig: values.kubeconfig,
    context: values.context,
  });
  const session = values['no-probe'] ? null : access.newSession();
  return { source, format, session, defaultPlatform, plainHttp: access.plainHttp, concurrency };
}
