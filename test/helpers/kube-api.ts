// A small Kubernetes API server for list requests, speaking the real wire format, so the live cluster source is
// tested through @kubernetes/client-node exactly as it talks to a cluster:
//   GET /api/v1/{pods,events,secrets,serviceaccounts,nodes}, /api/v1/namespaces/{ns}/{resource},
//   GET /apis/{events.k8s.io/v1,apps/v1,batch/v1}/[namespaces/{ns}/]{resource}
// Typed lists (`PodList`, …) whose items carry no kind/apiVersion, `limit`/`continue` paging with continue
// tokens shaped like the API server's, bearer-token auth (401 Status), 403 Status objects worded as the RBAC
// authorizer words them, 404 for an API group the "cluster" does not serve, 410 for expired continue tokens,
// transient 429/5xx, and stalls. Events are stored once and served through both event APIs, converted between
// the core/v1 and events.k8s.io/v1 field names as the API server does.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CertFiles } from './pki.ts';
import { serve, type TestServer } from './server.ts';

type Obj = Record<string, unknown>;

interface ApiResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

const API_RESOURCES: ApiResource[] = [
  { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true },
  { group: '', version: 'v1', resource: 'events', kind: 'Event', namespaced: true },
  { group: '', version: 'v1', resource: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', version: 'v1', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false },
  { group: 'events.k8s.io', version: 'v1', resource: 'events', kind: 'Event', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'statefulsets', kind: 'StatefulSet', namespaced: true },
  { group: 'apps', version: 'v1', resource: 'daemonsets', kind: 'DaemonSet', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'jobs', kind: 'Job', namespaced: true },
  { group: 'batch', version: 'v1', resource: 'cronjobs', kind: 'CronJob', namespaced: true },
];

/** `pods`, `deployments.apps`, `events.events.k8s.io`. */
const qualifiedName = (r: { group: string; resource: string }) =>
  r.group ? `${r.resource}.${r.group}` : r.resource;
const apiVersionOf = (r: ApiResource) => (r.group ? `${r.group}/${r.version}` : r.version);

export interface ForbidRule {
  /** Qualified resource: `secrets`, `nodes`, `deployments.apps`, `events.events.k8s.io`. */
  resource: string;
  /** Only this namespace's list; unset forbids the resource at every scope. */
  namespace?: string;
}

export interface TransientFault {
  resource: string;
  status: 429 | 500 | 502 | 503 | 504;
  /** How many requests for the resource fail before it answers normally. */
  times: number;
  /** Retry-After header value (seconds), if any. */
  retryAfter?: string;
}

export interface KubeApiOptions {
  /** Objects as a snapshot holds them (with kind/apiVersion); events in either API's shape. */
  objects: unknown[];
  /** The bearer token clients must send; a random one when unset. */
  token?: string;
  /** Serve HTTPS with this certificate (the kubeconfig then needs its CA); plain HTTP without. */
  tls?: CertFiles;
  /** The user named in 403 messages. */
  user?: string;
  forbid?: ForbidRule[];
  /** Qualified resources whose API the server does not serve (404), e.g. `events.events.k8s.io`. */
  missing?: string[];
  faults?: TransientFault[];
  /** The first N requests that carry a continue token get 410 Expired. */
  expireContinue?: number;
  /** Qualified resources whose requests are never answered. */
  stall?: string[];
  /** Add a managedFields entry to objects that have none, as a real server's answers carry (default true). */
  managedFields?: boolean;
}

export interface KubeApiLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** Qualified resource, when the path named one. */
  resource?: string;
  namespace?: string;
  authorized: boolean;
}

export interface KubeApi extends TestServer {
  token: string;
  log: KubeApiLogEntry[];
}

const RESOURCE_VERSION = '481900';

function status(code: number, reason: string, message: string, details?: Obj, extra: Obj = {}): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: extra.metadata ?? {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** core/v1 Event → events.k8s.io/v1 Event (the API server's conversion; unset fields stay unset). */
export function toEventsV1(e: Obj): Obj {
  const {
    kind: _k,
    apiVersion: _a,
    involvedObject,
    message,
    source,
    firstTimestamp,
    lastTimestamp,
    count,
    reportingComponent,
    ...rest
  } = e;
  const out: Obj = { ...rest, eventTime: rest.eventTime ?? null };
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== null) out[k] = v;
  };
  set('regarding', involvedObject);
  set('note', message);
  set('deprecatedSource', source);
  set('deprecatedFirstTimestamp', firstTimestamp);
  set('deprecatedLastTimestamp', lastTimestamp);
  set('deprecatedCount', count);
  set('reportingController', reportingComponent);
  return out;
}

/** events.k8s.io/v1 Event → core/v1 Event. */
export function toCoreEvent(e: Obj): Obj {
  const {
    kind: _k,
    apiVersion: _a,
    regarding,
    note,
    deprecatedSource,
    deprecatedFirstTimestamp,
    deprecatedLastTimestamp,
    deprecatedCount,
    reportingController,
    ...rest
  } = e;
  const out: Obj = { ...rest };
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== null) out[k] = v;
  };
  set('involvedObject', regarding);
  set('message', note);
  set('source', deprecatedSource);
  set('firstTimestamp', deprecatedFirstTimestamp);
  set('lastTimestamp', deprecatedLastTimestamp);
  set('count', deprecatedCount);
  set('reportingComponent', reportingController);
  return out;
}

function metaOf(o: Obj): Obj {
  return (o.metadata as Obj | undefined) ?? {};
}

const storageKey = (o: Obj) => {
  const m = metaOf(o);
  return m.namespace ? `${String(m.namespace)}/${String(m.name)}` : String(m.name);
};

function groupOf(apiVersion: unknown): string {
  const s = typeof apiVersion === 'string' ? apiVersion : 'v1';
  return s.includes('/') ? s.slice(0, s.indexOf('/')) : '';
}

/** Stored objects per qualified resource (core events only; the events.k8s.io view is derived), sorted as etcd. */
function buildStore(objects: unknown[], managedFields: boolean): Map<string, Obj[]> {
  const store = new Map<string, Map<string, Obj>>();
  for (const r of API_RESOURCES) store.set(qualifiedName(r), new Map());
  for (const raw of objects) {
    if (!raw || typeof raw !== 'object') continue;
    let o = raw as Obj;
    const group = groupOf(o.apiVersion);
    if (o.kind === 'Event' && group === 'events.k8s.io')
      o = { kind: 'Event', apiVersion: 'v1', ...toCoreEvent(o) };
    const r = API_RESOURCES.find((x) => x.kind === o.kind && x.group === groupOf(o.apiVersion));
    if (!r) continue;
    const { kind: _k, apiVersion: _a, ...item } = o;
    const meta = { ...metaOf(item) };
    if (managedFields && meta.managedFields === undefined) {
      meta.managedFields = [
        {
          apiVersion: apiVersionOf(r),
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': {} } },
          manager: 'kube-controller-manager',
          operation: 'Update',
          time: meta.creationTimestamp ?? '2024-05-14T09:00:00Z',
        },
      ];
    }
    store.get(qualifiedName(r))?.set(storageKey(item), { ...item, metadata: meta });
  }
  const sorted = new Map<string, Obj[]>();
  for (const [k, m] of store) {
    sorted.set(
      k,
      [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v),
    );
  }
  return sorted;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

const encodeContinue = (start: string): string =>
  Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: Number(RESOURCE_VERSION), start })).toString(
    'base64url',
  );

function decodeContinue(token: string): ContinueToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    return t.v === 'meta.k8s.io/v1' && typeof t.start === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

interface Route {
  api: ApiResource;
  namespace?: string;
}

function route(path: string): Route | 'unknown-group' | undefined {
  const core = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(path);
  const named = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(path);
  let group: string, version: string, ns: string | undefined, resource: string;
  if (core) [group, version, ns, resource] = ['', 'v1', core[1], core[2] ?? ''];
  else if (named) [group, version, ns, resource] = [named[1] ?? '', named[2] ?? '', named[3], named[4] ?? ''];
  else return undefined;
  const api = API_RESOURCES.find(
    (r) => r.group === group && r.version === version && r.resource === resource,
  );
  if (!api) return group && !API_RESOURCES.some((r) => r.group === group) ? 'unknown-group' : undefined;
  if (ns !== undefined && !api.namespaced) return undefined;
  return { api, ...(ns !== undefined ? { namespace: decodeURIComponent(ns) } : {}) };
}

/** Starts the server on 127.0.0.1. Stop it with `stop()` (or track it with a Fixture). */
export async function startKubeApi(opts: KubeApiOptions): Promise<KubeApi> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const user = opts.user ?? 'system:serviceaccount:regdoctor:scanner';
  const store = buildStore(opts.objects, opts.managedFields ?? true);
  const log: KubeApiLogEntry[] = [];
  const faultsLeft = new Map((opts.faults ?? []).map((f) => [f.resource, { ...f }]));
  let expireLeft = opts.expireContinue ?? 0;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const authorized = req.headers.authorization === `Bearer ${token}`;
    const entry: KubeApiLogEntry = {
      method: req.method ?? '',
      path: url.pathname,
      query,
      status: 0,
      authorized,
    };
    log.push(entry);
    const send = (code: number, body: Obj, headers: Record<string, string> = {}) => {
      entry.status = code;
      res.writeHead(code, {
        'content-type': 'application/json',
        'cache-control': 'no-cache, private',
        'audit-id': randomBytes(16).toString('hex'),
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    // Authentication comes before routing, as in the API server: an anonymous caller learns nothing.
    if (!authorized) return send(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (req.method !== 'GET') {
      return send(
        405,
        status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
      );
    }
    const r = route(url.pathname);
    if (r === undefined || r === 'unknown-group') {
      return send(404, status(404, 'NotFound', 'the server could not find the requested resource', {}));
    }
    const name = qualifiedName(r.api);
    entry.resource = name;
    if (r.namespace !== undefined) entry.namespace = r.namespace;
    if (opts.missing?.includes(name)) {
      return send(404, status(404, 'NotFound', 'the server could not find the requested resource', {}));
    }
    const denied = opts.forbid?.some(
      (f) => f.resource === name && (f.namespace === undefined || f.namespace === r.namespace),
    );
    if (denied) {
      const scope = r.namespace !== undefined ? `in the namespace "${r.namespace}"` : 'at the cluster scope';
      return send(
        403,
        status(
          403,
          'Forbidden',
          `${name} is forbidden: User "${user}" cannot list resource "${r.api.resource}" in API group "${r.api.group}" ${scope}`,
          { ...(r.api.group ? { group: r.api.group } : {}), kind: r.api.resource },
        ),
      );
    }
    if (opts.stall?.includes(name)) return; // never answered; the client's timeout must fire
    const fault = faultsLeft.get(name);
    if (fault && fault.times > 0) {
      fault.times--;
      const reason = fault.status === 429 ? 'TooManyRequests' : 'InternalError';
      const message =
        fault.status === 429
          ? 'Too many requests, please try again later.'
          : 'an error on the server has prevented the request from succeeding';
      return send(
        fault.status,
        status(fault.status, reason, message, {}),
        fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      );
    }

    let items = store.get(r.api.group === 'events.k8s.io' ? 'events' : name) ?? [];
    if (r.namespace !== undefined) items = items.filter((o) => metaOf(o).namespace === r.namespace);
    if (r.api.group === 'events.k8s.io') items = items.map(toEventsV1);

    let start = 0;
    if (query.continue !== undefined) {
      const t = decodeContinue(query.continue);
      if (!t)
        return send(
          400,
          status(400, 'BadRequest', 'continue key is not valid: illegal base64 data at input byte 0'),
        );
      if (expireLeft > 0) {
        expireLeft--;
        return send(
          410,
          status(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
            undefined,
            { metadata: { continue: query.continue } },
          ),
        );
      }
      start = items.findIndex((o) => storageKey(o) >= t.start);
      if (start < 0) start = items.length;
    }
    const limit = Number(query.limit ?? '0');
    const end = Number.isInteger(limit) && limit > 0 ? Math.min(items.length, start + limit) : items.length;
    const page = items.slice(start, end);
    const meta: Obj = { resourceVersion: RESOURCE_VERSION };
    const last = page[page.length - 1];
    if (end < items.length && last) {
      // As the API server does: the token starts just after the last returned key.
      meta.continue = encodeContinue(`${storageKey(last)}\u0000`);
      meta.remainingItemCount = items.length - end;
    }
    send(200, { kind: `${r.api.kind}List`, apiVersion: apiVersionOf(r.api), metadata: meta, items: page });
  };

  const server = await serve(handler, opts.tls ? { tls: opts.tls } : {});
  return { ...server, token, log };
}

export interface KubeconfigSpec {
  server: string;
  token: string;
  /** The CA to trust for an HTTPS server; without it the file says insecure-skip-tls-verify. */
  caPem?: string;
  /** Context name (default `test`). */
  context?: string;
  /** current-context, when it should differ from `context` (e.g. a name the file does not define). */
  currentContext?: string;
  namespace?: string;
  /** File name inside dir (default `kubeconfig`). */
  file?: string;
}

/** Writes a kubeconfig with one cluster, one token user and one context; returns its path. */
export async function writeKubeconfig(dir: string, spec: KubeconfigSpec): Promise<string> {
  const context = spec.context ?? 'test';
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: 'test-cluster',
        cluster: {
          server: spec.server,
          ...(spec.caPem
            ? { 'certificate-authority-data': Buffer.from(spec.caPem).toString('base64') }
            : { 'insecure-skip-tls-verify': true }),
        },
      },
    ],
    users: [{ name: 'test-user', user: { token: spec.token } }],
    contexts: [
      {
        name: context,
        context: {
          cluster: 'test-cluster',
          user: 'test-user',
          ...(spec.namespace ? { namespace: spec.namespace } : {}),
        },
      },
    ],
    'current-context': spec.currentContext ?? context,
  };
  await mkdir(dir, { recursive: true });
  const path = join(dir, spec.file ?? 'kubeconfig');
  await writeFile(path, stringify(config), { mode: 0o600 });
  return path;
}
