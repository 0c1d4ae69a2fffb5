// ImagePolicy objects from the cluster, kept current with list + watch the way client-go's reflector does it: list
// for a resourceVersion, watch from there (with bookmarks, so a quiet watch still advances), re-list when the
// server says that version is gone (410, sent as an ERROR event or as the response status), reconnect after a
// watch times out. One bad object is logged and left out; it never stops the others from being enforced. An invalid
// edit of a good object keeps the good version in force, also across re-lists: a re-list ends in the state the
// missed watch events would have produced. Every retry, re-list included, waits on one jittered exponential
// backoff (backoff.ts), so a server that keeps answering 410 sees a LIST every 30–60 s, not hundreds a second.
//
// @kubernetes/client-node takes about a second to import: it is loaded in start(), never at module top level.
import type * as K8s from '@kubernetes/client-node';
import { loadKubeConfig, type KubeconfigChoice } from '../cluster/kubeconfig.ts';
import { callList, StatusError } from '../cluster/live-call.ts';
import { parseImagePolicy, type ImagePolicy } from '../policy/model.ts';
import { Backoff } from './backoff.ts';

export const POLICY_GROUP = 'regdoctor.dev';
export const POLICY_VERSION = 'v1alpha1';
export const POLICY_PLURAL = 'imagepolicies';

export interface PolicyWatchOptions extends KubeconfigChoice {
  /** Every change: the whole current set, sorted by name. */
  onChange: (policies: ImagePolicy[]) => void;
  log: (line: string) => void;
  /** For the list request (default 30 s). */
  timeoutMs?: number;
  /** First back-off after a failed list, a broken watch or a 410 (default 0.8 s, doubled up to 30 s, jittered). */
  retryDelayMs?: number;
  /** Asked of the server per watch; client-go picks 5–10 min. */
  watchTimeoutSeconds?: number;
}

export interface PolicyWatch {
  /** Resolves after the first successful list (the webhook's readiness). */
  readonly synced: Promise<void>;
  /** True once synced. */
  isSynced(): boolean;
  /** Lists done so far (the first one, and one per re-list). */
  lists(): number;
  stop(): void;
}

type Raw = { metadata?: { name?: unknown; uid?: unknown; resourceVersion?: unknown } } | null | undefined;

interface WatchEnd {
  relist: boolean;
  rv: string;
  error?: string;
}

const rvOf = (o: Raw): string | undefined =>
  typeof o?.metadata?.resourceVersion === 'string' ? o.metadata.resourceVersion : undefined;
const nameOf = (o: Raw): string | undefined =>
  typeof o?.metadata?.name === 'string' ? o.metadata.name : undefined;
const uidOf = (o: Raw): string | undefined =>
  typeof o?.metadata?.uid === 'string' ? o.metadata.uid : undefined;

/** A policy in force and the object it came from (a re-listed object with another uid is a new object). */
interface InForce {
  policy: ImagePolicy;
  uid: string | undefined;
}

export async function watchImagePolicies(opts: PolicyWatchOptions): Promise<PolicyWatch> {
  const k8s: typeof K8s = await import('@kubernetes/client-node');
  const cfg = loadKubeConfig(k8s, opts);
  const api = cfg.kc.makeApiClient(k8s.CustomObjectsApi);
  const watcher = new k8s.Watch(cfg.kc);
  const path = `/apis/${POLICY_GROUP}/${POLICY_VERSION}/${POLICY_PLURAL}`;
  const stopper = new AbortController();
  let policies = new Map<string, InForce>();
  const backoff = new Backoff({ initialMs: opts.retryDelayMs ?? 800 });
  let synced = false;
  let listCount = 0;
  let markSynced: () => void = () => undefined;
  const syncedP = new Promise<void>((resolve) => (markSynced = resolve));

  const publish = () =>
    opts.onChange(
      [...policies.values()]
        .map((e) => e.policy)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    );

  /**
   * Puts one object into `into`. A bad one is skipped, unless `previous` holds a good version of the same object:
   * that version stays in force. Returns whether `into` changed.
   */
  const apply = (obj: Raw, previous: ReadonlyMap<string, InForce>, into: Map<string, InForce>): boolean => {
    const name = nameOf(obj) ?? '(unnamed)';
    const uid = uidOf(obj);
    try {
      into.set(name, { policy: parseImagePolicy(obj, 'cluster'), uid });
      return true;
    } catch (err) {
      const old = previous.get(name);
      const same = old !== undefined && (old.uid === undefined || uid === undefined || old.uid === uid);
      if (same) into.set(name, old);
      const kept = same ? '; the previous version stays in force' : '; skipped';
      opts.log(`ImagePolicy ${JSON.stringify(name)} is not valid${kept}: ${(err as Error).message}`);
      return false;
    }
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        stopper.signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      stopper.signal.addEventListener('abort', done, { once: true });
    });

  async function list(): Promise<string> {
    const signal = AbortSignal.any([stopper.signal, AbortSignal.timeout(opts.timeoutMs ?? 30_000)]);
    const body = await callList(
      k8s,
      (o) =>
        api.listClusterCustomObject(
          { group: POLICY_GROUP, version: POLICY_VERSION, plural: POLICY_PLURAL },
          o,
        ),
      { signal },
    );
    const next = new Map<string, InForce>();
    for (const item of body.items ?? []) apply(item as Raw, policies, next);
    policies = next;
    listCount++;
    const rv = (body.metadata as { resourceVersion?: unknown } | null | undefined)?.resourceVersion;
    publish();
    if (!synced) {
      synced = true;
      markSynced();
    }
    return typeof rv === 'string' ? rv : '';
  }

  function watchOnce(rv: string): Promise<WatchEnd> {
    return new Promise((resolve) => {
      let current = rv;
      let settled = false;
      let events = 0;
      const started = performance.now();
      let controller: AbortController | undefined;
      const timeoutSeconds = opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
      // A watch the network silently dropped never ends by itself; the server should have closed it by now.
      const guard = setTimeout(
        () => finish({ relist: false, rv: current, error: 'watch silent for too long' }),
        (timeoutSeconds + 30) * 1000,
      );
      guard.unref();
      const finish = (end: WatchEnd) => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        stopper.signal.removeEventListener('abort', onStop);
        controller?.abort();
        resolve(end);
      };
      const onStop = () => finish({ relist: false, rv: current });
      stopper.signal.addEventListener('abort', onStop, { once: true });
      const onEvent = (type: string, obj: unknown) => {
        if (settled) return;
        if (type === 'ERROR') {
          const status = obj as { code?: unknown; message?: unknown } | null;
          const gone = status?.code === 410;
          finish({
            relist: gone,
            rv: current,
            ...(gone ? {} : { error: String(status?.message ?? 'error') }),
          });
          return;
        }
        const o = obj as Raw;
        if (type === 'ADDED' || type === 'MODIFIED') {
          if (apply(o, type === 'MODIFIED' ? policies : new Map(), policies)) publish();
        } else if (type === 'DELETED') {
          const name = nameOf(o);
          if (name !== undefined && policies.delete(name)) publish();
        }
        current = rvOf(o) ?? current;
        events++;
      };
      const onDone = (err: unknown) => {
        const code = (err as { statusCode?: unknown } | null)?.statusCode;
        // As the reflector: a watch that ends at once with nothing in it is a failure (backed off), or a
        // server that closes every watch would be asked again in a tight loop.
        if (err == null && events === 0 && performance.now() - started < 1_000)
          finish({ relist: false, rv: current, error: 'closed within a second with no events' });
        else if (err == null) finish({ relist: false, rv: current });
        else finish({ relist: code === 410, rv: current, error: (err as Error).message ?? String(err) });
      };
      watcher
        .watch(path, { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds }, onEvent, onDone)
        .then((c) => {
          controller = c;
          if (settled) c.abort();
        }, onDone);
    });
  }

  const seconds = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 0);
  const run = async () => {
    while (!stopper.signal.aborted) {
      let rv: string;
      try {
        rv = await list();
      } catch (err) {
        if (stopper.signal.aborted) return;
        const what = err instanceof StatusError ? `HTTP ${err.code}: ${err.message}` : (err as Error).message;
        const wait = backoff.next();
        opts.log(`listing ImagePolicies failed (${what}); retrying in ${seconds(wait)} s`);
        await sleep(wait);
        continue;
      }
      for (;;) {
        const end = await watchOnce(rv);
        if (stopper.signal.aborted) return;
        if (end.relist) {
          // As the reflector: a re-list waits its turn too, or a server whose history keeps moving gets a LIST
          // storm — the policies listed last stay in force meanwhile.
          const wait = backoff.next();
          opts.log(`ImagePolicy watch expired (410 Gone); listing again in ${seconds(wait)} s`);
          await sleep(wait);
          break;
        }
        rv = end.rv;
        if (end.error !== undefined) {
          const wait = backoff.next();
          opts.log(`ImagePolicy watch ended (${end.error}); watching again in ${seconds(wait)} s`);
          await sleep(wait);
          if (stopper.signal.aborted) return;
        }
      }
    }
  };
  void run();

  return {
    synced: syncedP,
    isSynced: () => synced,
    lists: () => listCount,
    stop() {
      stopper.abort();
    },
  };
}
