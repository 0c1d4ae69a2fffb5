// The API calls around ImagePullChecks — create, get, status, delete, list — and the objects an agent reads for a
// check (the secrets it names, the pod it names, its own node), each bounded by a timeout, each answer kept as the
// server's JSON (live-call.ts). @kubernetes/client-node is loaded here, on first use, never at start-up.
import type * as K8s from '@kubernetes/client-node';
import { loadKubeConfig, type KubeconfigChoice } from '../cluster/kubeconfig.ts';
import { callJson, StatusError } from '../cluster/live-call.ts';
import { startReflector, type Reflector, type ReflectorOptions } from '../cluster/reflector.ts';
import {
  CHECK_GROUP,
  CHECK_PLURAL,
  CHECK_VERSION,
  parseCheck,
  type CheckStatus,
  type ImagePullCheck,
} from './check.ts';

const CHECKS = { group: CHECK_GROUP, version: CHECK_VERSION, plural: CHECK_PLURAL };
export const CHECKS_PATH = `/apis/${CHECK_GROUP}/${CHECK_VERSION}/${CHECK_PLURAL}`;

export interface CheckApi {
  /** `context "prod" (https://…)`, for messages. */
  label: string;
  /** The context's namespace (kubectl's default for -n). */
  namespace: string;
  create(body: Record<string, unknown>): Promise<ImagePullCheck>;
  /** null when it does not exist (any more). */
  get(name: string): Promise<ImagePullCheck | null>;
  /** Replaces status through the status subresource. */
  setStatus(name: string, status: CheckStatus): Promise<void>;
  /** false when it was already gone. */
  remove(name: string): Promise<boolean>;
  /** Watches checks matching the label selector (list + watch, re-list on 410). */
  watch(
    labelSelector: string,
    handlers: Pick<ReflectorOptions, 'onList' | 'onEvent' | 'log'> &
      Partial<Pick<ReflectorOptions, 'retryDelayMs' | 'watchTimeoutSeconds'>>,
  ): Reflector;
  /** A core object as JSON; null for 404. A 403 throws StatusError (the caller decides what no access means). */
  read(kind: 'secret' | 'pod', namespace: string, name: string): Promise<unknown>;
  node(name: string): Promise<unknown>;
  /** The kubelet's configuration through the API server's node proxy (`nodes/proxy` get). */
  configz(node: string): Promise<unknown>;
  /** API requests sent so far. */
  requests(): number;
}

export interface CheckApiOptions extends KubeconfigChoice {
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Aborts every request in flight (the agent's SIGTERM). */
  signal?: AbortSignal;
}

export async function openCheckApi(opts: CheckApiOptions): Promise<CheckApi> {
  const k8s: typeof K8s = await import('@kubernetes/client-node');
  const cfg = loadKubeConfig(k8s, opts);
  const custom = cfg.kc.makeApiClient(k8s.CustomObjectsApi);
  const core = cfg.kc.makeApiClient(k8s.CoreV1Api);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let count = 0;
  const signal = () =>
    opts.signal
      ? AbortSignal.any([opts.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
  const call = async (
    send: (o: K8s.ConfigurationOptions) => Promise<unknown>,
    contentType?: string,
  ): Promise<unknown> => {
    count++;
    return (await callJson(k8s, send, { signal: signal(), ...(contentType ? { contentType } : {}) })).json;
  };
  const orNull = async (p: Promise<unknown>): Promise<unknown> => {
    try {
      return await p;
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) return null;
      throw err;
    }
  };
  const asCheck = (raw: unknown): ImagePullCheck => {
    const c = parseCheck(raw);
    if ('error' in c)
      throw new Error(`ImagePullCheck ${c.name ?? '(unnamed)'} from the API server: ${c.error}`);
    return c;
  };

  return {
    label: cfg.label,
    namespace: cfg.namespace,
    async create(body) {
      return asCheck(await call((o) => custom.createClusterCustomObject({ ...CHECKS, body }, o)));
    },
    async get(name) {
      const raw = await orNull(call((o) => custom.getClusterCustomObject({ ...CHECKS, name }, o)));
      return raw === null ? null : asCheck(raw);
    },
    async setStatus(name, status) {
      // A JSON patch that sets the whole status: a merge patch would drop every null in the result (cause: null).
      await call(
        (o) =>
          custom.patchClusterCustomObjectStatus(
            { ...CHECKS, name, body: [{ op: 'add', path: '/status', value: status }] },
            o,
          ),
        'application/json-patch+json',
      );
    },
    async remove(name) {
      return (await orNull(call((o) => custom.deleteClusterCustomObject({ ...CHECKS, name }, o)))) !== null;
    },
    watch(labelSelector, handlers) {
      return startReflector({
        k8s,
        kc: cfg.kc,
        path: CHECKS_PATH,
        what: 'ImagePullCheck',
        labelSelector,
        list: (o) => {
          count++;
          return custom.listClusterCustomObject({ ...CHECKS, labelSelector }, o);
        },
        timeoutMs,
        ...handlers,
      });
    },
    read(kind, namespace, name) {
      return orNull(
        call((o) =>
          kind === 'secret'
            ? core.readNamespacedSecret({ name, namespace }, o)
            : core.readNamespacedPod({ name, namespace }, o),
        ),
      );
    },
    node(name) {
      return orNull(call((o) => core.readNode({ name }, o)));
    },
    configz(node) {
      return call((o) => core.connectGetNodeProxyWithPath({ name: node, path: 'configz' }, o));
    },
    requests: () => count,
  };
}
