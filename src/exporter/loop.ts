// The exporter's schedule: every `interval` a round of checks — each registry, the cluster, then every monitored
// image — each started after its own random delay (up to 10% of the interval, so many exporters or many images do
// not hit a registry in the same second) and run through one limiter. Results go straight into the metrics; a
// scrape only reads them, so nothing here is ever on a scrape's path.
import type { Cause } from '../cause/index.ts';
import type { ClusterSource, ClusterState } from '../cluster/types.ts';
import { newRunRedactor, runWithRedactor } from '../credentials/index.ts';
import { cleanLine } from '../output/index.ts';
import { probeKey } from '../diagnose/index.ts';
import { PulledEventTracker } from '../monitor/kubelet.ts';
import type { CheckKind, MonitorMetrics, PullFailureCount } from '../monitor/metrics.ts';
import type { Platform } from '../platform/index.ts';
import { probeImage, type ProbeOptions } from '../probe/probe.ts';
import type { CredentialSource } from '../registry/auth.ts';
import { ManifestCache } from '../registry/cache.ts';
import type { Session } from '../registry/session.ts';
import type { ProbeResult } from '../result/index.ts';
import { sharesRepository } from '../probe/batch.ts';
import { scanCluster } from '../scan/index.ts';
import { bareVerdict, checkRegistry, timedOut } from './checks.ts';
import { podSlices, workloadSlices, yieldToEventLoop } from './slices.ts';
import type { ExporterConfig, RegistryConfig } from './config.ts';
import { Limiter } from './limiter.ts';
import { tryParseReference } from '../reference/index.ts';
import type { Targets } from './targets.ts';
import { workloadImages, type WorkloadImage } from './workloads.ts';

export interface LoopOptions {
  config: ExporterConfig;
  targets: Targets;
  metrics: MonitorMetrics;
  /** null: no cluster checks. */
  cluster: ClusterSource | null;
  /** The platform image checks resolve (the exporter's own node's, by default). */
  platform: Platform;
  /** One line per change of a check's outcome (already through the output boundary). */
  log: (line: string) => void;
  /** [0, 1); tests make the jitter predictable. */
  random?: () => number;
  /** Image checks pull as this node's container runtime does. */
  runtime?: NodeRuntime;
}

/** ProbeOptions' runtime fields: where the node's `/` is, its runtime and version. */
export type NodeRuntime = Pick<ProbeOptions, 'runtime' | 'nodeRoot' | 'runtimeVersion'>;

/** A check gets this long past its timeout before it is reported as NETWORK_TIMEOUT without a verdict. */
const DEADLINE_GRACE_MS = 1000;
/** A round's share of the interval over which checks are spread. */
const JITTER_SHARE = 0.1;

interface ImageUse {
  credentials: CredentialSource | undefined;
  identities: string[];
  /** Where it comes from, for log lines: `config` or `ns/Kind/name`. */
  from: string;
}

interface ProbeWork {
  image: string;
  credentials: CredentialSource | undefined;
  images: Set<string>;
}

export class CheckLoop {
  private stopped = false;
  private readonly limiter: Limiter;
  private readonly random: () => number;
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();
  private readonly sessions = new Set<Session>();
  private readonly outcomes = new Map<string, string | null>();
  /**
   * Manifests by digest across rounds: an image whose tag still names the same digest costs a HEAD and its blobs,
   * no manifest GET (what Docker Hub counts against the pull limit) — as a node that has the image would.
   */
  private readonly manifests = new ManifestCache();
  private readonly pulled = new PulledEventTracker();
  private clusterImages: WorkloadImage[] = [];
  private running: Promise<void> | undefined;
  private markReady!: () => void;
  /** Settles when the first round of checks has completed. */
  readonly ready: Promise<void>;
  isReady = false;
  rounds = 0;

  constructor(private readonly o: LoopOptions) {
    this.limiter = new Limiter(o.config.concurrency);
    this.random = o.random ?? Math.random;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Stops scheduling, wakes every pending delay and closes every session, so in-flight checks end quickly. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.sleepers) {
      clearTimeout(s.timer);
      s.wake();
    }
    this.sleepers.clear();
    await Promise.all([...this.sessions].map((s) => s.close()));
  }

  get inFlight(): number {
    return this.limiter.inFlight;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const started = Date.now();
      // A round is one run: the tokens and pull secrets it learns are masked in its log lines, then dropped.
      await runWithRedactor(newRunRedactor(), () => this.round());
      if (this.stopped) break;
      this.rounds++;
      if (!this.isReady) {
        this.isReady = true;
        this.markReady();
      }
      await this.sleep(started + this.o.config.intervalMs - Date.now());
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    // Even a zero wait goes through a timer: a loop of resolved promises would starve I/O and signals.
    ms = Math.max(ms, 0);
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleepers.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      this.sleepers.add(entry);
    });
  }

  private jitter(): Promise<void> {
    return this.sleep(this.random() * JITTER_SHARE * this.o.config.intervalMs);
  }

  private async round(): Promise<void> {
    await Promise.all([
      ...this.o.config.registries.map(async (reg) => {
        await this.jitter();
        if (!this.stopped) await this.limiter.run(() => this.registryCheck(reg));
      }),
      (async () => {
        if (this.o.cluster) {
          await this.jitter();
          if (!this.stopped) await this.limiter.run(() => this.clusterCheck(this.o.cluster!));
        }
        if (!this.stopped) await this.imageChecks();
      })(),
    ]);
  }

  /** Records a check's outcome and logs the change, if it is one: failing, failing differently, or ok again. */
  private note(check: string, cause: string | null, summary: string): void {
    const before = this.outcomes.get(check);
    this.outcomes.set(check, cause);
    if (before === cause || (before === undefined && cause === null)) return;
    const line =
      cause === null
        ? `${check}: ok again (was ${before})`
        : `${check}: ${cause}: ${summary.replace(/\s*\n\s*/g, ' ')}`;
    this.o.log(cleanLine(`${new Date().toISOString()} ${line}`));
  }

  private observe(kind: CheckKind, startedMs: number, ok: boolean): void {
    this.o.metrics.observeCheck(kind, (performance.now() - startedMs) / 1000, ok);
  }

  /**
   * Runs `probe` and returns its verdict, or NETWORK_TIMEOUT once the deadline passes; `settled` resolves when
   * the probe itself has ended, which the caller waits for so that its limiter slot stays taken until then.
   */
  private deadline(
    image: string,
    probe: Promise<ProbeResult>,
  ): { verdict: Promise<ProbeResult>; settled: Promise<unknown> } {
    const ms = this.o.config.timeoutMs + DEADLINE_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ProbeResult>((resolve) => {
      timer = setTimeout(() => resolve(timedOut(image, this.o.config.timeoutMs)), ms);
    });
    const verdict = Promise.race([probe, late]).finally(() => clearTimeout(timer));
    return { verdict, settled: probe.catch(() => undefined) };
  }

  private newSession(): Session {
    const s = this.o.targets.session();
    this.sessions.add(s);
    return s;
  }

  private async closeSession(s: Session): Promise<void> {
    this.sessions.delete(s);
    await s.close();
  }

  private async registryCheck(reg: RegistryConfig): Promise<void> {
    const t0 = performance.now();
    const session = this.newSession();
    try {
      const probe = checkRegistry(
        reg,
        session,
        this.o.targets,
        this.o.platform,
        this.o.config.timeoutMs,
      ).catch((err: unknown) => failure(reg.host, 'UNKNOWN', err));
      const { verdict, settled } = this.deadline(reg.host, probe);
      const result = await verdict;
      if (this.stopped) return;
      this.o.metrics.recordProbe(reg.host, result);
      this.observe('registry', t0, true);
      this.note(`registry ${reg.host}`, result.cause, result.summary);
      // Past the deadline the session is closed under the probe, which then ends at once.
      await this.closeSession(session);
      await settled;
    } finally {
      await this.closeSession(session);
    }
  }

  private async clusterCheck(source: ClusterSource): Promise<void> {
    const t0 = performance.now();
    const { namespaces, readSecrets } = this.o.config.cluster;
    try {
      const scopes = namespaces.length ? namespaces : [null];
      const states: ClusterState[] = [];
      // One namespace at a time: the loader already lists several resources at once.
      for (const namespace of scopes) states.push(await source.load({ namespace, secrets: readSecrets }));
      if (this.stopped) return;
      const rows: PullFailureCount[] = [];
      const images: WorkloadImage[] = [];
      // In slices, yielding in between, so that a scrape never waits for a whole large cluster (slices.ts).
      for (const state of states) {
        for (const slice of podSlices(state)) {
          const scan = await scanCluster(slice, {
            session: null,
            defaultPlatform: this.o.platform,
            secretsRead: readSecrets,
          });
          for (const f of scan.findings) rows.push({ namespace: f.namespace, cause: f.cause, count: 1 });
          await yieldToEventLoop();
          if (this.stopped) return;
        }
        for (const message of this.pulled.newOccurrences(state.events))
          this.o.metrics.observePulledEvent(message);
        for (const workloads of workloadSlices(state)) {
          images.push(...workloadImages(state, { secretsRead: readSecrets, workloads }));
          await yieldToEventLoop();
        }
      }
      this.o.metrics.setPullFailures(rows);
      this.clusterImages = images;
      this.observe('cluster', t0, true);
      this.note('cluster', null, '');
    } catch (err) {
      if (this.stopped) return;
      // The last good pull-failure counts and workload images stay: stale, and visible as such through
      // regdoctor_last_successful_check_timestamp_seconds{check="cluster"}.
      this.observe('cluster', t0, false);
      // One check id whatever the source calls itself: a live source names its context only after a load.
      this.note('cluster', 'cannot load', `${source.describe()}: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** The images to check this round: the config's, then the workloads', the first maxImages of them. */
  private imageUses(): Map<string, ImageUse[]> {
    const uses = new Map<string, ImageUse[]>();
    const add = (image: string, use: ImageUse) => {
      const list = uses.get(image);
      if (list) list.push(use);
      else uses.set(image, [use]);
    };
    for (const image of this.o.config.images) {
      const registry = tryParseReference(image)?.registry ?? null;
      const credentials = registry === null ? undefined : this.o.targets.credentials(registry);
      add(image, { credentials, identities: credentials ? [`config ${registry}`] : [], from: 'config' });
    }
    const cluster = [...this.clusterImages].sort((a, b) => a.image.localeCompare(b.image));
    for (const w of cluster) {
      add(w.image, {
        credentials: w.credentials,
        identities: w.identities,
        from: `${w.namespace}/${w.workload}`,
      });
    }
    return uses;
  }

  private async imageChecks(): Promise<void> {
    const all = this.imageUses();
    const images = [...all.keys()];
    const kept = new Set(images.slice(0, this.o.config.maxImages));
    for (const tracked of this.o.metrics.trackedImages())
      if (!kept.has(tracked)) this.o.metrics.forgetImage(tracked);
    // Outcomes of images no longer monitored go too: tags come and go, and this map must not grow with them.
    for (const check of this.outcomes.keys()) {
      if (check.startsWith('image ') && !kept.has(check.slice('image '.length))) this.outcomes.delete(check);
    }
    this.o.metrics.dropImages(images.length - kept.size);
    if (kept.size === 0) return;

    // One probe per (image, credentials): users of an image with the same credentials share its answer.
    const work = new Map<string, ProbeWork>();
    const pending = new Map<string, { left: number; worst: ProbeResult | null }>();
    for (const image of kept) {
      let probes = 0;
      for (const use of all.get(image)!) {
        const key = probeKey(image, use.identities, this.o.platform);
        const w = work.get(key);
        if (w) {
          if (!w.images.has(image)) probes++;
          w.images.add(image);
        } else {
          work.set(key, { image, credentials: use.credentials, images: new Set([image]) });
          probes++;
        }
      }
      pending.set(image, { left: probes, worst: null });
    }
    const tagsFirst = sharesRepository([...work.values()].map((w) => w.image));

    // A session per round, shared by its image checks: one dial, ping and token per registry and scope, as a
    // scan does; the next round starts from nothing, so an outage is seen again.
    const session = this.newSession();
    try {
      await Promise.all(
        [...work.values()].map(async (w) => {
          await this.jitter();
          if (this.stopped) return;
          await this.limiter.run(async () => {
            const t0 = performance.now();
            const probe = probeImage(w.image, session, {
              platform: this.o.platform,
              credentials: w.credentials,
              plainHttp: this.o.targets.plainHttp,
              tagsFirst: tagsFirst(w.image),
              budget: { deadlineMs: this.o.config.timeoutMs },
              manifests: this.manifests,
              ...this.o.runtime,
            }).catch((err: unknown) => failure(w.image, 'UNKNOWN', err));
            const { verdict, settled } = this.deadline(w.image, probe);
            const result = await verdict;
            if (this.stopped) return;
            this.observe('image', t0, true);
            for (const image of w.images) this.settleImage(image, result, pending);
            await settled;
          });
        }),
      );
    } finally {
      await this.closeSession(session);
    }
  }

  /** Publishes an image's availability once every probe of it has answered; any failing user makes it unavailable. */
  private settleImage(
    image: string,
    result: ProbeResult,
    pending: Map<string, { left: number; worst: ProbeResult | null }>,
  ): void {
    const p = pending.get(image);
    if (!p) return;
    if (result.cause !== null && p.worst === null) p.worst = result;
    if (--p.left > 0) return;
    const cause: Cause | null = p.worst?.cause ?? null;
    this.o.metrics.setImageAvailability(image, cause);
    this.note(`image ${image}`, cause, p.worst?.summary ?? '');
  }
}

function failure(image: string, cause: Cause, err: unknown): ProbeResult {
  return bareVerdict(image, cause, `internal error: ${(err as Error)?.message ?? String(err)}`);
}
