// Flags and set-up shared by the cluster commands (`scan`, `pod`): where the cluster comes from, how to probe.
import { UsageError } from '../cause/index.ts';
import type { ClusterSource } from '../cluster/types.ts';
import type { Platform } from '../platform/index.ts';
import type { Session } from '../registry/session.ts';
import { positiveInt, type Options } from './command.ts';
import { outputFormat, type OutputFormat } from './output.ts';
import { REGISTRY_HOST_FLAGS, REGISTRY_HOST_FLAGS_HELP } from './registry-hosts.ts';

export const CLUSTER_FLAGS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  snapshot: { type: 'string' },
  'no-secrets': { type: 'boolean' },
  now: { type: 'string' },
  'no-probe': { type: 'boolean' },
  platform: { type: 'string' },
  'ca-file': { type: 'string', multiple: true },
  ...REGISTRY_HOST_FLAGS,
  timeout: { type: 'string' },
  deadline: { type: 'string' },
  concurrency: { type: 'string' },
  output: { type: 'string', short: 'o' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** The cluster flags as `scan` (every failing pod) or `pod` (one pod) uses them. */
export function clusterFlagsHelp(command: 'scan' | 'pod'): string {
  const one = command === 'pod';
  return `Cluster flags:
  --kubeconfig FILE             kubeconfig to use (default $KUBECONFIG, ~/.kube/config, or in-cluster config)
  --context NAME                kubeconfig context
  -n, --namespace NS            ${one ? "the pod's namespace (default: the kubeconfig context's, else default)" : 'only this namespace (default: every namespace)'}
  --snapshot FILE|DIR|-         read \`kubectl get … -o json|yaml\` output instead of a live cluster
  --no-secrets                  do not read secrets (no pull-secret audit; probes go anonymously)
  --now TIME                    measure ages (of events, of a pull in progress) from this RFC 3339 time
                                (default: a snapshot's newest timestamp; the clock for a live cluster)
Probe flags:
  --no-probe                    classify from messages and secrets only; no registry traffic
  --platform OS/ARCH            ${one ? "platform to probe for when the pod's node is unknown" : 'platform for pods whose node is unknown'} (default linux/<this machine's arch>)
  --ca-file FILE                extra CA certificate(s) to trust, repeatable
${REGISTRY_HOST_FLAGS_HELP}
  --timeout DURATION            per-request timeout (default 10s)
  --deadline DURATION           time allowed for each probe in all (default 60s)
  --concurrency N               ${one ? "probes in flight, one per image of the pod's containers (default 16, at most 256)" : 'probes in flight (default 16, at most 256; 4 connections per registry)'}
Output:
  -v, --verbose                 every registry request on stderr (credentials as ***)`;
}

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
  session: Session | null;
  /** Each probe's total allowance (--deadline). */
  deadlineMs: number;
  defaultPlatform: Platform;
  plainHttp: (registry: string) => boolean;
  concurrency: number;
  /** --now, in milliseconds since the epoch. */
  now?: number;
}

export interface RegistryAccess {
  /** A fresh session with the flags' timeout, CAs, TLS exceptions and proxy settings. */
  newSession: () => Session;
  plainHttp: (registry: string) => boolean;
  timeoutMs: number;
  /** Each probe's total allowance (--deadline). */
  deadlineMs: number;
}

/** The probe flags (--timeout, --deadline, --ca-file, --insecure-skip-tls-verify-registry, --plain-http-registry, -v). */
export async function registryAccess(
  values: Pick<
    Values,
    | 'timeout'
    | 'deadline'
    | 'ca-file'
    | 'insecure-skip-tls-verify-registry'
    | 'plain-http-registry'
    | 'verbose'
  >,
): Promise<RegistryAccess> {
  const flags = await import('./registry-flags.ts');
  const timeoutMs = flags.timeoutFlag(values.timeout);
  const deadlineMs = flags.deadlineFlag(values.deadline);
  const ca = await flags.readCaFiles(values['ca-file'] ?? []);
  const hosts = flags.registryHosts(values);
  return {
    newSession: () =>
      flags.flagSession({ timeoutMs, ca, insecure: hosts.insecure, verbose: Boolean(values.verbose) }),
    plainHttp: hosts.plainHttp,
    timeoutMs,
    deadlineMs,
  };
}

/** `formats` are the -o values the command supports. */
export async function clusterContext(
  values: Values,
  formats: readonly OutputFormat[],
): Promise<ClusterContext> {
  const format = outputFormat(values.output, formats);
  const now = values.now === undefined ? undefined : Date.parse(values.now);
  if (now !== undefined && (Number.isNaN(now) || !/^\d{4}-\d\d-\d\dT/.test(values.now!)))
    throw new UsageError(
      `--now must be an RFC 3339 time such as 2025-03-01T12:00:00Z, not ${JSON.stringify(values.now)}`,
    );
  const concurrency = positiveInt('concurrency', values.concurrency, 16, 256);
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
  return {
    source,
    format,
    session,
    deadlineMs: access.deadlineMs,
    defaultPlatform,
    plainHttp: access.plainHttp,
    concurrency,
    ...(now !== undefined ? { now } : {}),
  };
}
