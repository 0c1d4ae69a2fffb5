// `regdoctor exporter` as a library: config in, a running metrics server and check loop out. The CLI command loads
// this module only after its flags parse, since it brings prom-client along.
import type { ClusterSource } from '../cluster/types.ts';
import { createMonitorMetrics, type MonitorMetrics } from '../monitor/metrics.ts';
import { hostPlatform, type Platform } from '../platform/index.ts';
import type { ExporterConfig } from './config.ts';
import { CheckLoop, type NodeRuntime } from './loop.ts';
import { parseListen, startServer } from './server.ts';
import { loadTargets } from './targets.ts';
import { stderrLogger } from '../output/index.ts';

export {
  parseExporterConfig,
  type ExporterConfig,
  type RegistryConfig,
  type ClusterConfig,
} from './config.ts';
export { parseListen, type ListenAddress } from './server.ts';

export const DEFAULT_LISTEN = ':9787';

export interface ExporterOptions {
  config: ExporterConfig;
  /** `[HOST]:PORT` (default `:9787`); port 0 picks a free one. */
  listen?: string;
  /** Where workloads, pods and events come from; null or absent: no cluster checks. */
  cluster?: ClusterSource | null;
  /** Platform image checks resolve (default: this machine's). */
  platform?: Platform;
  /** Receives one line per change of a check's outcome (default: stderr). */
  log?: (line: string) => void;
  /** [0, 1) source for the jitter (default Math.random). */
  random?: () => number;
  env?: NodeJS.ProcessEnv;
  /** Image checks pull as this node's container runtime does (`--node-root`, `--runtime`, `--runtime-version`). */
  runtime?: NodeRuntime;
}

export interface RunningExporter {
  /** `http://host:port` of the metrics server. */
  url: string;
  port: number;
  metrics: MonitorMetrics;
  /** Settles when the first round of checks has completed (when /readyz turns 200). */
  ready: Promise<void>;
  isReady(): boolean;
  /** Completed rounds so far. */
  rounds(): number;
  /** Stops the checks and closes the server; safe to call twice. */
  close(): Promise<void>;
}

export async function startExporter(opts: ExporterOptions): Promise<RunningExporter> {
  const listen = parseListen(opts.listen ?? DEFAULT_LISTEN);
  const targets = await loadTargets(opts.config, { env: opts.env });
  const metrics = createMonitorMetrics({ maxImages: opts.config.maxImages });
  const loop = new CheckLoop({
    config: opts.config,
    targets,
    metrics,
    cluster: opts.cluster ?? null,
    platform: opts.platform ?? hostPlatform(),
    log: opts.log ?? stderrLogger(() => 'regdoctor exporter: '),
    random: opts.random,
    runtime: opts.runtime,
  });
  const server = await startServer(listen, { registry: metrics.registry, isReady: () => loop.isReady });
  loop.start();
  let closing: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    metrics,
    ready: loop.ready,
    isReady: () => loop.isReady,
    rounds: () => loop.rounds,
    close: () => (closing ??= Promise.all([loop.stop(), server.close()]).then(() => undefined)),
  };
}
