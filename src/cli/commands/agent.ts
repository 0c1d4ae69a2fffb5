// `regdoctor agent`: flags and signals around src/agent. Everything heavy is imported after --help.
import { hostname } from 'node:os';
import { UsageError } from '../../cause/index.ts';
import { EXIT, parseFlags, positiveInt, type Command } from '../command.ts';
import { registryAccess } from '../cluster-flags.ts';
import { stderrLogger, writeStdout } from '../../output/index.ts';

const HELP = `Usage: regdoctor agent [--node NODE] [flags]

The node agent (a DaemonSet, deploy/agent; docs/agent.md): answers the ImagePullCheck objects labelled for its
node (regdoctor.dev/node=NODE) — created by \`regdoctor probe --node\` and \`regdoctor scan --from-nodes\` — with a
probe from the node itself: its DNS, routes, firewall and proxy, with the secrets the check names and the node's
platform. The result goes into the check's status; finished checks are deleted after --ttl. An image whose
registry an enforcing ImagePolicy refuses (allowedRegistries, blockedImages) is not probed.

Flags:
  --node NODE                      the node this agent runs on (default $NODE_NAME)
  --agent-name NAME                written into status.agent (default $POD_NAME, else the host name)
  --node-root DIR                  where the node's / is mounted (default /host)
  --image-fs PATH                  the image filesystem to stat, as the node sees it (default: the first of
                                   /var/lib/containerd, /var/lib/containers/storage, /var/lib/docker found)
  --platform OS/ARCH[/VARIANT]     platform for checks that name none (default: this machine's)
  --concurrency N                  checks probed at once (default 4)
  --queue N                        checks waiting beyond those; more are failed as busy (default 256)
  --ttl DURATION                   delete a finished check this long after it finished (default 10m)
  --max-age DURATION               delete any check this long after it was created (default 1h)
  --check-deadline DURATION        one probe's deadline (default 2m)
  --require-allow-list             refuse every check unless an enforcing ImagePolicy has allowedRegistries
  --kubeconfig FILE                kubeconfig (default $KUBECONFIG, ~/.kube/config, in-cluster)
  --context NAME                   kubeconfig context
Probe flags (what the node's runtime is configured with):
  --ca-file FILE                   extra CA certificate(s) to trust, repeatable
  --insecure-skip-tls-verify-registry HOST   skip TLS verification for this registry, repeatable
  --plain-http-registry HOST       talk plain HTTP to this registry, repeatable
  --timeout DURATION               per registry request (default 10s)
  -v, --verbose                    every registry request on stderr (credentials as ***)

HTTPS_PROXY, HTTP_PROXY and NO_PROXY in the agent's environment apply to its probes.
Exit codes: 0 stopped by SIGTERM/SIGINT; 2 usage error.
`;

export const flags = {
  node: { type: 'string' },
  'agent-name': { type: 'string' },
  'node-root': { type: 'string' },
  'image-fs': { type: 'string' },
  platform: { type: 'string' },
  concurrency: { type: 'string' },
  queue: { type: 'string' },
  ttl: { type: 'string' },
  'max-age': { type: 'string' },
  'check-deadline': { type: 'string' },
  'require-allow-list': { type: 'boolean' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'ca-file': { type: 'string', multiple: true },
  'insecure-skip-tls-verify-registry': { type: 'string', multiple: true },
  'plain-http-registry': { type: 'string', multiple: true },
  timeout: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(HELP);
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`agent takes no arguments (got ${positionals.join(' ')})`);
  const node = values.node ?? process.env.NODE_NAME ?? '';
  if (!node) throw new UsageError('agent needs --node NODE (or NODE_NAME from the downward API)');
  const [{ parseDuration }, { parsePlatform, hostPlatform }, { startAgent }] = await Promise.all([
    import('../../util/duration.ts'),
    import('../../platform/index.ts'),
    import('../../agent/agent.ts'),
  ]);
  const duration = (flag: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const ms = parseDuration(text);
    if (ms < 1000 || ms > 7 * 24 * 3600_000) throw new UsageError(`--${flag} must be between 1s and 168h`);
    return ms;
  };
  const access = await registryAccess(values);
  const log = stderrLogger(() => `${new Date().toISOString()} agent: `);
  const agentName = values['agent-name'] ?? process.env.POD_NAME ?? hostname();
  const agent = await startAgent({
    node,
    agentName,
    nodeRoot: values['node-root'] ?? '/host',
    imageFs: values['image-fs'],
    platform: values.platform ? parsePlatform(values.platform) : hostPlatform(),
    session: access.newSession,
    plainHttp: access.plainHttp,
    concurrency: positiveInt('concurrency', values.concurrency, 4, 64),
    queueLimit: positiveInt('queue', values.queue, 256, 10_000),
    ttlMs: duration('ttl', values.ttl, 10 * 60_000),
    maxAgeMs: duration('max-age', values['max-age'], 60 * 60_000),
    checkDeadlineMs: duration('check-deadline', values['check-deadline'], 120_000),
    requireAllowList: Boolean(values['require-allow-list']),
    kubeconfig: values.kubeconfig,
    context: values.context,
    log,
  });
  log(`answering ImagePullChecks for node ${node} as ${agentName}`);
  void agent.synced.then(() => log('checks and ImagePolicies listed'));
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log(`${signal}: finishing the checks in flight`);
  await agent.stop();
  const s = agent.stats();
  log(`stopped (${s.probed} probed, ${s.refused} refused, ${s.failed} failed, ${s.deleted} deleted)`);
  // A watch whose response never began cannot be cancelled through the client library, and its socket would keep
  // the process alive; everything that matters is done, so the process ends even then.
  setTimeout(() => process.exit(EXIT.ok), 2000).unref();
  return EXIT.ok;
};
export default run;
