// The node agent: answers the ImagePullChecks labelled for its node with a probe from the node itself (its DNS,
// routes, firewall and proxy), with the credentials the kubelet would use, and writes the result into the check's
// status. Bounded everywhere: checks probed at once, checks queued, each probe's deadline, the wait for policies,
// the time a finished check lingers. Stopping (SIGTERM) lets probes in flight finish for a grace period.
import { newRunRedactor, redact, runWithRedactor } from '../credentials/index.ts';
import type { KubeconfigChoice } from '../cluster/kubeconfig.ts';
import type { Platform } from '../platform/index.ts';
import { parsePlatform } from '../platform/index.ts';
import { probeImage } from '../probe/probe.ts';
import type { Session } from '../registry/session.ts';
import type { ImagePolicy } from '../policy/model.ts';
import { watchImagePolicies, type PolicyWatch } from '../webhook/watch.ts';
import { openCheckApi, type CheckApi } from './api.ts';
import {
  isFinished,
  nodeLabelValue,
  NODE_LABEL,
  parseCheck,
  type CheckStatus,
  type ImagePullCheck,
} from './check.ts';
import { checkCredentials } from './credentials.ts';
import { imageBytesOf, imageFsStats, judgeDisk } from './disk.ts';
import { refusal } from './gate.ts';
import { resultJson } from './result.ts';
import { agentRuntime } from './runtime.ts';

export interface AgentOptions extends KubeconfigChoice {
  /** The node this agent runs on (the downward API's spec.nodeName). */
  node: string;
  /** Names this agent in status.agent (its pod name). */
  agentName: string;
  /** Where the node's `/` is mounted (default /host). */
  nodeRoot?: string;
  /** The image filesystem to stat, as the node sees it (default: the first runtime root that exists). */
  imageFs?: string;
  /** The platform to probe for when a check names none (default: this machine's). */
  platform: Platform;
  /** A session for probing; the agent shares one among checks that start within sessionMaxAgeMs. */
  session: () => Session;
  plainHttp?: (registry: string) => boolean;
  /** Checks probed at once (default 4). */
  concurrency?: number;
  /** Checks waiting beyond those; more are answered Failed ("busy") at once (default 256). */
  queueLimit?: number;
  /** A finished check is deleted this long after it finished (default 10 min). */
  ttlMs?: number;
  /** Any check is deleted this long after it was created, finished or not (default 1 h). */
  maxAgeMs?: number;
  /** One probe's deadline, on top of its per-request timeouts (default 2 min). */
  checkDeadlineMs?: number;
  /** How long a check waits for the ImagePolicies to be listed before it is failed (default 15 s). */
  policyWaitMs?: number;
  /** Refuse every check unless an enforcing ImagePolicy has allowedRegistries. */
  requireAllowList?: boolean;
  /** Per API request (default 30 s). */
  apiTimeoutMs?: number;
  /** First retry delay of the watches (default 0.8 s). */
  retryDelayMs?: number;
  watchTimeoutSeconds?: number;
  /** How often expired checks are looked for (default: a quarter of ttlMs, at most 30 s). */
  sweepIntervalMs?: number;
  sessionMaxAgeMs?: number;
  log?: (line: string) => void;
  now?: () => number;
}

export interface AgentStats {
  probed: number;
  refused: number;
  failed: number;
  deleted: number;
  inFlight: number;
  queued: number;
  apiRequests: number;
  /** Requests this agent's probes sent to registries. */
  registryRequests: number;
}

export interface Agent {
  /** Resolves once checks and policies have been listed. */
  readonly synced: Promise<void>;
  stats(): AgentStats;
  /** Stops taking checks; probes in flight get graceMs to finish and write their status (default 20 s). */
  stop(graceMs?: number): Promise<void>;
}

const iso = (ms: number) => new Date(ms).toISOString();

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const log = opts.log ?? (() => undefined);
  const now = opts.now ?? Date.now;
  const ttlMs = opts.ttlMs ?? 10 * 60_000;
  const maxAgeMs = opts.maxAgeMs ?? 60 * 60_000;
  const concurrency = opts.concurrency ?? 4;
  const queueLimit = opts.queueLimit ?? 256;
  const nodeRoot = opts.nodeRoot ?? '/host';
  const stopper = new AbortController();
  const api: CheckApi = await openCheckApi({
    kubeconfig: opts.kubeconfig,
    context: opts.context,
    inCluster: opts.inCluster,
    inClusterRoot: opts.inClusterRoot,
    timeoutMs: opts.apiTimeoutMs,
    signal: stopper.signal,
  });
  // Where the node's runtime configuration is mounted, probes pull as that runtime does (its mirrors, CA files,
  // the proxy of its service); without it, straight from the registry.
  const runtime = await agentRuntime(api, opts.node, nodeRoot);
  const throughRuntime = runtime.runtime
    ? { nodeRoot, runtime: runtime.runtime, ...(runtime.version ? { runtimeVersion: runtime.version } : {}) }
    : {};
  log(
    runtime.runtime
      ? `probing through ${runtime.runtime}${runtime.version ? ` ${runtime.version}` : ''} as configured under ${nodeRoot} (${runtime.from})`
      : `no container runtime configuration under ${nodeRoot}: probing the registries directly (${runtime.from})`,
  );
  const stats = { probed: 0, refused: 0, failed: 0, deleted: 0 };
  /** Registry requests of the sessions already closed. */
  let closedRequests = 0;
  const known = new Map<string, ImagePullCheck>();
  /** Checks queued or in flight. */
  const taken = new Set<string>();
  /**
   * Checks this agent answered, and when: the watch may still deliver the `Running` it wrote before the final
   * status (another connection than the status write), and that stale event must not start a second probe; a check
   * is one probe, so no status seen within a minute of the answer starts another. After that an unfinished-looking
   * check is taken again (its final status write may have failed).
   */
  const answered = new Map<string, number>();
  const queue: string[] = [];
  const running = new Set<Promise<void>>();
  let stopping = false;

  let policies: ImagePolicy[] = [];
  let policyWatch: PolicyWatch | null = null;
  let policyError = 'not listed yet';
  policyWatch = await watchImagePolicies({
    kubeconfig: opts.kubeconfig,
    context: opts.context,
    inCluster: opts.inCluster,
    inClusterRoot: opts.inClusterRoot,
    retryDelayMs: opts.retryDelayMs,
    watchTimeoutSeconds: opts.watchTimeoutSeconds,
    onChange: (list) => (policies = list),
    log: (line) => {
      policyError = line;
      log(line);
    },
  });

  // One session for the checks that start close together (a scan sends many at once): they share connections,
  // pings and tokens. A newer check gets a fresh one, so a registry that recovered is not judged by a stale ping.
  const sessionMaxAgeMs = opts.sessionMaxAgeMs ?? 15_000;
  let shared: { session: Session; born: number; users: number } | null = null;
  const retired = new Set<{ session: Session; users: number }>();
  const takeSession = () => {
    if (!shared || now() - shared.born > sessionMaxAgeMs) {
      if (shared) retired.add(shared);
      shared = { session: opts.session(), born: now(), users: 0 };
    }
    const s = shared;
    s.users++;
    return {
      session: s.session,
      release: async () => {
        s.users--;
        if (s !== shared && s.users === 0) {
          retired.delete(s);
          closedRequests += s.session.requestCount;
          await s.session.close();
        }
      },
    };
  };

  const writeStatus = async (c: ImagePullCheck, status: CheckStatus): Promise<void> => {
    try {
      await api.setStatus(c.name, status);
    } catch (err) {
      // Deleted meanwhile (the creator gave up), or the API server is away: the next list shows it again.
      log(`check ${c.name}: writing status ${status.phase ?? ''} failed: ${redact((err as Error).message)}`);
    }
  };

  const finish = (c: ImagePullCheck, startedAt: number, phase: 'Refused' | 'Failed', message: string) => {
    if (phase === 'Refused') stats.refused++;
    else stats.failed++;
    log(`check ${c.name}: ${phase}: ${message}`);
    return writeStatus(c, {
      phase,
      startedAt: iso(startedAt),
      finishedAt: iso(now()),
      agent: opts.agentName,
      message: redact(message),
    });
  };

  const policiesSynced = async (): Promise<boolean> => {
    if (policyWatch?.isSynced()) return true;
    const wait = opts.policyWaitMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const ok = await Promise.race([
      policyWatch!.synced.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), wait))),
    ]);
    clearTimeout(timer);
    return ok;
  };

  async function run(c: ImagePullCheck): Promise<void> {
    const startedAt = now();
    if (c.spec.nodeName !== opts.node) {
      return finish(
        c,
        startedAt,
        'Refused',
        `labelled for this node (${opts.node}) but spec.nodeName is ${c.spec.nodeName}`,
      );
    }
    await writeStatus(c, { phase: 'Running', startedAt: iso(startedAt), agent: opts.agentName });
    if (!(await policiesSynced())) {
      return finish(
        c,
        startedAt,
        'Failed',
        `ImagePolicies could not be listed, so the agent cannot tell whether the registry is allowed (${policyError})`,
      );
    }
    const refused = refusal(policies, c.spec.image, c.spec.namespace, {
      requireAllowList: opts.requireAllowList,
    });
    if (refused) return finish(c, startedAt, 'Refused', refused);
    let platform = opts.platform;
    if (c.spec.platform !== undefined) {
      try {
        platform = parsePlatform(c.spec.platform);
      } catch (err) {
        return finish(c, startedAt, 'Refused', (err as Error).message);
      }
    }
    const creds = await checkCredentials(api, c, opts.node, now()).catch(
      (err: unknown) => ({ failed: (err as Error).message }) as const,
    );
    if ('refused' in creds) return finish(c, startedAt, 'Refused', creds.refused);
    if ('failed' in creds) return finish(c, startedAt, 'Failed', creds.failed);

    const { session, release } = takeSession();
    let timer: NodeJS.Timeout | undefined;
    try {
      const deadline = opts.checkDeadlineMs ?? 120_000;
      const late = new Promise<null>((r) => (timer = setTimeout(() => r(null), deadline)));
      let result = await Promise.race([
        // The probe's own budget ends it at the deadline; the race is the backstop for anything that does not.
        probeImage(c.spec.image, session, {
          platform,
          credentials: creds.source,
          plainHttp: opts.plainHttp,
          budget: { deadlineMs: deadline },
          ...throughRuntime,
        }),
        late,
      ]);
      if (result === null) {
        return finish(c, startedAt, 'Failed', `the probe did not finish within ${deadline / 1000} s`);
      }
      const imageFs = await imageFsStats(nodeRoot, opts.imageFs, runtime.runtime);
      const imageBytes = imageBytesOf(result);
      if (imageFs && imageBytes !== null) result = judgeDisk(result, imageFs, imageBytes);
      const json = resultJson(result, { name: opts.node, agent: opts.agentName, imageFs, imageBytes });
      stats.probed++;
      log(
        `check ${c.name}: ${c.spec.image}: ${result.cause ?? 'pullable'}${creds.note ? ` (${creds.note})` : ''}`,
      );
      await writeStatus(c, {
        phase: 'Completed',
        startedAt: iso(startedAt),
        finishedAt: iso(now()),
        agent: opts.agentName,
        ...(creds.note ? { message: creds.note } : {}),
        result: redactDeep(json),
      });
    } finally {
      clearTimeout(timer);
      await release();
    }
  }

  const pump = () => {
    while (!stopping && running.size < concurrency && queue.length > 0) {
      const name = queue.shift()!;
      const c = known.get(name);
      if (!c || isFinished(c.status)) {
        taken.delete(name);
        continue;
      }
      // Each check is one run: the secrets it reads (its pull secrets, registry tokens) are masked in its status
      // and log lines, and dropped with it.
      const p = runWithRedactor(newRunRedactor(), () =>
        run(c).catch((err: unknown) => log(`check ${name}: ${redact((err as Error).message)}`)),
      ).finally(() => {
        running.delete(p);
        taken.delete(name);
        answered.set(name, now());
        pump();
      });
      running.add(p);
    }
  };

  const consider = (c: ImagePullCheck) => {
    // Running but not taken here: an earlier agent on this node stopped mid-probe; this one probes again.
    if (stopping || isFinished(c.status) || taken.has(c.name)) return;
    const at = answered.get(c.name);
    if (at !== undefined && now() - at < 60_000) return;
    if (queue.length >= queueLimit) {
      void finish(
        c,
        now(),
        'Failed',
        `the agent on ${opts.node} is busy (${queue.length} checks waiting); try again`,
      );
      return;
    }
    taken.add(c.name);
    queue.push(c.name);
    pump();
  };

  const accept = (raw: unknown): ImagePullCheck | null => {
    const c = parseCheck(raw);
    if ('error' in c) {
      log(`ImagePullCheck ${JSON.stringify(c.name ?? '(unnamed)')} is not valid: ${c.error}`);
      return null;
    }
    return c;
  };

  const checks = api.watch(`${NODE_LABEL}=${nodeLabelValue(opts.node)}`, {
    log,
    retryDelayMs: opts.retryDelayMs,
    watchTimeoutSeconds: opts.watchTimeoutSeconds,
    onList(items) {
      known.clear();
      for (const raw of items) {
        const c = accept(raw);
        if (c) known.set(c.name, c);
      }
      for (const c of known.values()) consider(c);
    },
    onEvent(type, raw) {
      if (type === 'DELETED') {
        const name = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
        if (typeof name === 'string') {
          known.delete(name);
          answered.delete(name);
        }
        return;
      }
      const c = accept(raw);
      if (!c) return;
      known.set(c.name, c);
      consider(c);
    },
  });

  // Expiry: finished checks after the TTL, any check after the maximum age (its creator is gone).
  const sweepEvery = opts.sweepIntervalMs ?? Math.min(30_000, Math.max(1_000, ttlMs / 4));
  const sweep = async () => {
    const t = now();
    for (const [name, at] of answered) if (t - at >= 60_000) answered.delete(name);
    for (const c of [...known.values()]) {
      const finishedAt = c.status?.finishedAt ? Date.parse(c.status.finishedAt) : NaN;
      const expired = isFinished(c.status) && Number.isFinite(finishedAt) && t - finishedAt >= ttlMs;
      const tooOld = Number.isFinite(c.created) && t - c.created >= maxAgeMs && !taken.has(c.name);
      if (!expired && !tooOld) continue;
      try {
        if (await api.remove(c.name)) stats.deleted++;
        known.delete(c.name);
      } catch (err) {
        log(`check ${c.name}: delete failed: ${redact((err as Error).message)}`);
      }
    }
  };
  let sweeping: Promise<void> | null = null;
  const sweeper = setInterval(() => {
    sweeping ??= sweep().finally(() => (sweeping = null));
  }, sweepEvery);

  return {
    synced: Promise.all([checks.synced, policyWatch.synced]).then(() => undefined),
    stats: () => ({
      ...stats,
      inFlight: running.size,
      queued: queue.length,
      apiRequests: api.requests(),
      registryRequests:
        closedRequests +
        (shared?.session.requestCount ?? 0) +
        [...retired].reduce((n, r) => n + r.session.requestCount, 0),
    }),
    async stop(graceMs = 20_000) {
      if (stopping) return;
      stopping = true;
      clearInterval(sweeper);
      checks.stop();
      policyWatch?.stop();
      queue.length = 0;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...running, sweeping]),
        new Promise((r) => (timer = setTimeout(r, graceMs))),
      ]);
      clearTimeout(timer);
      // Whatever is still running is cut off; its check stays Running and the next agent on the node takes it.
      stopper.abort();
      await Promise.all([shared?.session.close(), ...[...retired].map((s) => s.session.close())]);
    },
  };
}

/** Redacts every string in a JSON value (the rendered JSON's escaping could hide a secret from a text redaction). */
function redactDeep(v: unknown): unknown {
  if (typeof v === 'string') return redact(v);
  if (Array.isArray(v)) return v.map(redactDeep);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x)]));
  return v;
}
