// Objects of one collection kept current with list + watch, the way client-go's reflector does it: list for a
// resourceVersion, watch from there (with bookmarks, so a quiet watch still advances), re-list when the server
// says that version is gone (410, sent as an ERROR event or as the response status), reconnect after a watch
// times out. Every retry — a failed list, a broken watch, a re-list — waits on one exponential backoff (backoff.ts),
// so a server that keeps answering 410 sees a LIST every 30–60 s, not hundreds a second. What the objects mean is the caller's:
// it gets each list's items and each watch event.
import type * as K8s from '@kubernetes/client-node';
import { Backoff } from './backoff.ts';
import { callList, StatusError } from './live-call.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ReflectorOptions {
  k8s: typeof K8s;
  kc: K8s.KubeConfig;
  /** The collection's path: `/apis/regdoctor.dev/v1alpha1/imagepullchecks`. */
  path: string;
  /** One list request (the generated list method given the per-call options; the label selector baked in). */
  list: (options: K8s.ConfigurationOptions) => Promise<unknown>;
  /** Sent with every watch, as the list sends it. */
  labelSelector?: string;
  /** What is watched, for log lines: `ImagePolicy`, `ImagePullCheck`. */
  what: string;
  log: (line: string) => void;
  /** Every list's items: the whole current set, replacing what the caller knew. */
  onList: (items: unknown[]) => void;
  onEvent: (type: WatchEventType, obj: unknown) => void;
  /** For the list request (default 30 s). */
  timeoutMs?: number;
  /** First back-off (default 0.8 s, doubled up to 30 s, with up to 100 % jitter). */
  retryDelayMs?: number;
  /** Asked of the server per watch; client-go picks 5–10 min. */
  watchTimeoutSeconds?: number;
}

export interface Reflector {
  /** Resolves after the first successful list. */
  readonly synced: Promise<void>;
  isSynced(): boolean;
  /** Lists done so far (the first one, and one per re-list). */
  lists(): number;
  stop(): void;
}

interface WatchEnd {
  relist: boolean;
  rv: string;
  error?: string;
}

type Raw = { metadata?: { resourceVersion?: unknown } } | null | undefined;

const rvOf = (o: Raw): string | undefined =>
  typeof o?.metadata?.resourceVersion === 'string' ? o.metadata.resourceVersion : undefined;

export function startReflector(opts: ReflectorOptions): Reflector {
  const stopper = new AbortController();
  const backoff = new Backoff({ initialMs: opts.retryDelayMs ?? 800 });
  const nextWait = () => backoff.next();
  const watcher = new opts.k8s.Watch(opts.kc);
  let synced = false;
  let listCount = 0;
  let markSynced: () => void = () => undefined;
  const syncedP = new Promise<void>((resolve) => (markSynced = resolve));

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
    const body = await callList(opts.k8s, opts.list, { signal });
    listCount++;
    opts.onList(body.items ?? []);
    if (!synced) {
      synced = true;
      markSynced();
    }
    const rv = (body.metadata as { resourceVersion?: unknown } | null | undefined)?.resourceVersion;
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
        events++;
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
        if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') opts.onEvent(type, obj);
        current = rvOf(obj as Raw) ?? current;
      };
      const onDone = (err: unknown) => {
        const code = (err as { statusCode?: unknown } | null)?.statusCode;
        // As the reflector: a watch that ends at once with nothing in it is a failure (backed off), or a server
        // that closes every watch would be asked again in a tight loop.
        if (err == null && events === 0 && performance.now() - started < 1_000)
          finish({ relist: false, rv: current, error: 'closed within a second with no events' });
        else if (err == null) finish({ relist: false, rv: current });
        else finish({ relist: code === 410, rv: current, error: (err as Error).message ?? String(err) });
      };
      const query = {
        resourceVersion: rv,
        allowWatchBookmarks: true,
        timeoutSeconds,
        ...(opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
      };
      watcher.watch(opts.path, query, onEvent, onDone).then((c) => {
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
        const wait = nextWait();
        opts.log(`listing ${opts.what}s failed (${what}); retrying in ${seconds(wait)} s`);
        await sleep(wait);
        continue;
      }
      for (;;) {
        const end = await watchOnce(rv);
        if (stopper.signal.aborted) return;
        if (end.relist) {
          // A re-list waits its turn too, or a server whose history keeps moving gets a LIST storm; what was
          // listed last stays in force meanwhile.
          const wait = nextWait();
          opts.log(`${opts.what} watch expired (410 Gone); listing again in ${seconds(wait)} s`);
          await sleep(wait);
          break;
        }
        rv = end.rv;
        if (end.error !== undefined) {
          const wait = nextWait();
          opts.log(`${opts.what} watch ended (${end.error}); watching again in ${seconds(wait)} s`);
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
    stop: () => stopper.abort(),
  };
}
