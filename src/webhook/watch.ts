// ImagePolicy objects from the cluster, kept current by a reflector (cluster/reflector.ts: list, watch from the
// list's version, re-list on 410, one backoff for every retry). One bad object is logged and left out; it never
// stops the others from being enforced. An invalid edit of a good object keeps the good version in force, also
// across re-lists: a re-list ends in the state the missed watch events would have produced.
//
// @kubernetes/client-node takes about a second to import: it is loaded in start(), never at module top level.
import type * as K8s from '@kubernetes/client-node';
import { loadKubeConfig, type KubeconfigChoice } from '../cluster/kubeconfig.ts';
import { startReflector } from '../cluster/reflector.ts';
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

type Raw = { metadata?: { name?: unknown; uid?: unknown } } | null | undefined;

const nameOf = (o: Raw): string | undefined =>
  typeof o?.metadata?.name === 'string' ? o.metadata.name : undefined;
const uidOf = (o: Raw): string | undefined =>
  typeof o?.metadata?.uid === 'string' ? o.metadata.uid : undefined;

/** A policy in force and the object it came from (a re-listed object with another uid is a new object). */
interface InForce {
  policy: ImagePolicy;
  uid: string | undefined;
}

const NONE: ReadonlyMap<string, InForce> = new Map();

export async function watchImagePolicies(opts: PolicyWatchOptions): Promise<PolicyWatch> {
  const k8s: typeof K8s = await import('@kubernetes/client-node');
  const cfg = loadKubeConfig(k8s, opts);
  const api = cfg.kc.makeApiClient(k8s.CustomObjectsApi);
  let policies = new Map<string, InForce>();

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

  const reflector = startReflector({
    k8s,
    kc: cfg.kc,
    path: `/apis/${POLICY_GROUP}/${POLICY_VERSION}/${POLICY_PLURAL}`,
    what: 'ImagePolicy',
    list: (o) =>
      api.listClusterCustomObject({ group: POLICY_GROUP, version: POLICY_VERSION, plural: POLICY_PLURAL }, o),
    log: opts.log,
    onList: (items) => {
      const next = new Map<string, InForce>();
      for (const item of items) apply(item as Raw, policies, next);
      policies = next;
      publish();
    },
    onEvent: (type, obj) => {
      const o = obj as Raw;
      if (type === 'DELETED') {
        const name = nameOf(o);
        if (name !== undefined && policies.delete(name)) publish();
      } else if (apply(o, type === 'MODIFIED' ? policies : NONE, policies)) publish();
    },
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.retryDelayMs !== undefined ? { retryDelayMs: opts.retryDelayMs } : {}),
    ...(opts.watchTimeoutSeconds !== undefined ? { watchTimeoutSeconds: opts.watchTimeoutSeconds } : {}),
  });
  return reflector;
}
