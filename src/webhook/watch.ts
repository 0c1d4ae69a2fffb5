// ImagePolicy objects from the cluster, kept current with list + watch the way client-go's reflector does it: list
// for a resourceVersion, watch from there (with bookmarks, so a quiet watch still advances), re-list when the
// server says that version is gone (410, sent as an ERROR event or as the response status), reconnect after a
// watch times out. One bad object is logged and left out; it never stops the others from being enforced.
//
// @kubernetes/client-node takes about a second to import: it is loaded in start(), never at module top level.
import type * as K8s from '@kubernetes/client-node';
import { loadKubeConfig, type KubeconfigChoice } from '../cluster/kubeconfig.ts';
import { callList, StatusError } from '../cluster/live-call.ts';
import { parseImagePolicy, type ImagePolicy } from '../policy/model.ts';

export const POLICY_GROUP = 'regdoctor.dev';
export const POLICY_VERSION = 'v1alpha1';
export const POLICY_PLURAL = 'imagepolicies';

export interface PolicyWatchOptions extends KubeconfigChoice {
  /** Every change: the whole current set, sorted by name. */
  onChange: (policies: ImagePolicy[]) => void;
  log: (line: string) => void;
  /** For the list request (default 30 s). */
  timeoutMs?: number;
  /** First back-off after a failed list or a broken watch (default 1 s, doubled up to 30 s). */
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

type Raw = { metadata?: { name?: unknown; resourceVersion?: unknown } } | null | undefined;

interface WatchEnd {
  relist: boolean;
  rv: string;
  error?: string;
}

const rvOf = (o: Raw): string | undefined =>
  typeof o?.metadata?.resourceVersion === 'string' ? o.metadata.resourceVersion : undefined;
const nameOf = (o: Raw): string | undefined =>
  typeof o?.metadata?.name === 'string' ? o.metadata.name : undefined;

export async function watchImagePolicies(opts: PolicyWatchOptions): Promise<PolicyWatch> {
  const k8s: typeof K8s = await import('@kubernetes/client-node');
  const cfg = loadKubeConfig(k8s, opts);
  const api = cfg.kc.makeApiClient(k8s.CustomObjectsApi);
  const watcher = new k8s.Watch(cfg.kc);
  const path = `/apis/${POLICY_GROUP}/${POLICY_VERSION}/${POLICY_PLURAL}`;
  const stopper = new AbortController();
  const policies = new Map<string, ImagePolicy>();
  const firstDelay = opts.retryDelayMs ?? 1_000;
  let synced = false;
  let listCount = 0;
  let markSynced: () => void = () => undefined;
  const syncedP = new Promise<void>((resolve) => (markSynced = resolve));

  const publish = () =>
    opts.onChange([...policies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));

  /** Applies one object; a bad one is skipped (or, if it replaces a good version, that version is kept). */
  const apply = (obj: Raw, replace: boolean): boolean => {
    const name = nameOf(obj) ?? '(unnamed)';
    try {
      policies.set(name, parseImagePolicy(obj, 'cluster'));
      return true;
    } catch (err) {
      const kept = replace && policies.has(name) ? '; the previous version stays in force' : '; skipped';
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
    policies.clear();
    for (const item of body.items ?? []) apply(item as Raw, false);
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
          if (apply(o, type === 'MODIFIED')) publish();
        } else if (type === 'DELETED') {
          const name = nameOf(o);
          if (name !== undefined && policies.delete(name)) publish();
        }
        current = rvOf(o) ?? current;
      };
      const onDone = (err: unknown) => {
        const code = (err as { statusCode?: unknown } | null)?.statusCode;
        if (err == null) finish({ relist: false, rv: current });
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

  const run = async () => {
    let delay = firstDelay;
    while (!stopper.signal.aborted) {
      let rv: string;
      try {
        rv = await list();
        delay = firstDelay;
      } catch (err) {
        if (stopper.signal.aborted) return;
        const what = err instanceof StatusError ? `HTTP ${err.code}: ${err.message}` : (err as Error).message;
        opts.log(`listing ImagePolicies failed (${what}); retrying in ${delay / 1000} s`);
        await sleep(delay);
        delay = Math.min(delay * 2, 30_000);
        continue;
      }
      for (;;) {
        const end = await watchOnce(rv);
        if (stopper.signal.aborted) return;
        if (end.relist) {
          opts.log('ImagePolicy watch expired (410 Gone); listing again');
          break;
        }
        rv = end.rv;
        if (end.error !== undefined) {
          opts.log(`ImagePolicy watch ended (${end.error}); watching again in ${delay / 1000} s`);
          await sleep(delay);
          delay = Math.min(delay * 2, 30_000);
          if (stopper.signal.aborted) return;
        } else delay = firstDelay;
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
