// `regdoctor exporter`: the long-running Prometheus exporter. Flags are parsed before anything heavy loads, so
// `--help` stays fast; the exporter module (and prom-client with it) is imported only to actually run.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../cause/index.ts';
import type { ClusterSource } from '../../cluster/types.ts';
import type { ExporterConfig } from '../../exporter/config.ts';
import { EXIT, helpText, parseFlags, type Command } from '../command.ts';
import { RUNTIME_FLAGS, runtimeChoice } from '../runtime-flags.ts';
import { writeStdout, writeStderr } from '../../output/index.ts';

const HELP = `Usage: regdoctor exporter [--config FILE] [--listen ADDR] [cluster flags]

Checks registries and images on a schedule, and optionally the cluster's workloads and failing pulls, and serves
the results as Prometheus metrics. A scrape only reads the last results; it never waits for a registry.

Endpoints: /metrics, /healthz (alive), /readyz (200 once the first round of checks has completed).

Flags:
  --config FILE        YAML config: interval, timeout, concurrency, maxImages, registries, images, cluster
                       (see docs/exporter.md); relative caFile/dockerConfig paths are relative to FILE
  --listen ADDR        [HOST]:PORT to serve on (default :9787, every interface)
Cluster (any of these turns the cluster checks on, as cluster.enabled does):
  --kubeconfig FILE    kubeconfig to use (default $KUBECONFIG, ~/.kube/config, or in-cluster config)
  --context NAME       kubeconfig context
  --in-cluster         use the pod's service account, ignoring any kubeconfig
  --snapshot FILE|DIR  read \`kubectl get … -o json|yaml\` output (re-read every interval) instead of a cluster
Node runtime (image checks pull as this node's runtime does: its mirrors, CA files and proxy; docs/runtime.md):
  --node-root DIR      the node's / (e.g. /host in a DaemonSet); default / with --runtime
  --runtime containerd|crio|docker   the node's runtime (default: detected under --node-root)
  --runtime-version VERSION          the runtime's version, where its behaviour changed between releases
  -h, --help

Stops on SIGTERM or SIGINT (exit 0). One line per change of a check's outcome goes to stderr.
`;

export const flags = {
  config: { type: 'string' },
  listen: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'in-cluster': { type: 'boolean' },
  snapshot: { type: 'string' },
  ...RUNTIME_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

async function loadConfig(path: string | undefined): Promise<ExporterConfig> {
  const { parseExporterConfig } = await import('../../exporter/config.ts');
  if (path === undefined) return parseExporterConfig('', '(no --config)');
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`--config ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  const config = parseExporterConfig(text, path);
  // Files named in the config live next to it (a ConfigMap and a Secret mounted side by side).
  const base = dirname(resolve(path));
  for (const r of config.registries) {
    if (r.caFile) r.caFile = resolve(base, r.caFile);
    if (r.dockerConfig) r.dockerConfig = resolve(base, r.dockerConfig);
  }
  return config;
}

async function clusterSource(
  values: { kubeconfig?: string; context?: string; 'in-cluster'?: boolean; snapshot?: string },
  enabled: boolean,
): Promise<ClusterSource | null> {
  const asked =
    values.kubeconfig !== undefined ||
    values.context !== undefined ||
    values['in-cluster'] ||
    values.snapshot !== undefined;
  if (!asked && !enabled) return null;
  const { chooseSource, liveSource } = await import('../../cluster/index.ts');
  if (values['in-cluster']) {
    if (values.kubeconfig !== undefined || values.context !== undefined || values.snapshot !== undefined)
      throw new UsageError('--in-cluster cannot be combined with --kubeconfig, --context or --snapshot');
    return liveSource({ inCluster: true });
  }
  return chooseSource({ snapshot: values.snapshot, kubeconfig: values.kubeconfig, context: values.context });
}

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  if (positionals.length) throw new UsageError(`exporter takes no arguments (got ${positionals.join(' ')})`);
  const runtime = await runtimeChoice(values);
  const config = await loadConfig(values.config);
  const cluster = await clusterSource(values, config.cluster.enabled);
  const { startExporter, parseListen, DEFAULT_LISTEN } = await import('../../exporter/index.ts');
  parseListen(values.listen ?? DEFAULT_LISTEN);
  const exporter = await startExporter({
    config,
    listen: values.listen,
    cluster,
    ...(runtime ? { runtime } : {}),
  });
  writeStderr(
    `regdoctor exporter: serving ${exporter.url}/metrics; ${config.registries.length} registries, ` +
      `${config.images.length} images${cluster ? `, cluster ${cluster.describe()}` : ''}, every ${config.intervalMs / 1000} s\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolveSignal) => {
    process.once('SIGTERM', () => resolveSignal('SIGTERM'));
    process.once('SIGINT', () => resolveSignal('SIGINT'));
  });
  writeStderr(`regdoctor exporter: ${signal}, shutting down\n`);
  await exporter.close();
  // A keep-alive socket of the Kubernetes client can outlive the close; nothing is left to do by then.
  setTimeout(() => process.exit(EXIT.ok), 2000).unref();
  return EXIT.ok;
};
export default run;
