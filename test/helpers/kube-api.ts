// A small Kubernetes API server for list requests, speaking the real wire format, so the live cluster source is
// tested through @kubernetes/client-node exactly as it talks to a cluster:
//   GET /api/v1/{pods,events,secrets,serviceaccounts,nodes}, /api/v1/namespaces/{ns}/{resource},
//   GET /apis/{events.k8s.io/v1,apps/v1,batch/v1}/[namespaces/{ns}/]{resource}
// Typed lists (`PodList`, …) whose items carry no kind/apiVersion, `limit`/`continue` paging with continue
// tokens shaped like the API server's, bearer-token auth (401 Status), 403 Status objects worded as the RBAC
// authorizer words them, 404 for an API group the "cluster" does not serve, 410 for expired continue tokens,
// transient 429/5xx, and stalls. Events are stored once and served through both event APIs, converted between
// the core/v1 and events.k8s.io/v1 field names as the API server does.
//
// Custom resources (`resources` option) are served like CRDs: list items keep their kind/apiVersion. Any resource
// can be watched (`?watch=1` or `watch=true`): a chunked stream of JSON lines `{"type":…,"object":…}` starting
// after the given resourceVersion (none or "0": ADDED for every object first), BOOKMARK events on request, and an
// ERROR event carrying a 410 Expired Status, then the end of the stream, for a version older than the last
// `expire()` — the API server's answer once etcd has compacted it. `apply`/`remove` change objects and notify
// open watches.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { CertFiles } from './pki.ts';
import { serve, type TestServer } from './server.ts';

type Obj = Record<string, unknown>;

export interface ApiResource {
  /** '' for the core group. */
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
  /** Extra (custom) resources to serve, e.g. `{ group: 'regdoctor.dev', version: 'v1alpha1', … }`. */
  resources?: ApiResource[];
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

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface KubeApi extends TestServer {
  token: string;
  log: KubeApiLogEntry[];
  /** The current resourceVersion (lists report it; every change increments it). */
  resourceVersion(): string;
  /** Creates or replaces an object (with kind/apiVersion); open watches get ADDED or MODIFIED. */
  apply(obj: unknown): void;
  /** Deletes an object; open watches get DELETED. Returns whether it existed. */
  remove(ref: { apiVersion: string; kind: string; name: string; namespace?: string }): boolean;
  /** Sends a BOOKMARK at the current resourceVersion to open watches that asked for bookmarks. */
  bookmark(): void;
  /**
   * Compacts history: every resourceVersion before now is too old. Open watches get an ERROR event with a
   * 410 Expired Status and are closed; a new watch from an older version gets the same.
   */
  expire(): void;
  /** Ends every open watch stream normally (as a server-side timeout does). */
  closeWatches(): void;
  /** Watch streams currently open. */
  openWatches(): number;
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
/** The stored form of an object and its resource: core events converted, typed kinds without kind/apiVersion. */
function storedForm(
  raw: unknown,
  resources: readonly ApiResource[],
  custom: ReadonlySet<ApiResource>,
  managedFields: boolean,
): { r: ApiResource; item: Obj } | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  let o = raw as Obj;
  const group = groupOf(o.apiVersion);
  if (o.kind === 'Event' && group === 'events.k8s.io')
    o = { kind: 'Event', apiVersion: 'v1', ...toCoreEvent(o) };
  const r = resources.find((x) => x.kind === o.kind && x.group === groupOf(o.apiVersion));
  if (!r) return undefined;
  // Built-in lists are typed (items carry no kind/apiVersion); a custom resource's list is unstructured.
  const { kind: _k, apiVersion: _a, ...rest } = o;
  const item: Obj = custom.has(r) ? { ...o } : rest;
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
  return { r, item: { ...item, metadata: meta } };
}

const byKey = (a: Obj, b: Obj) => {
  const [x, y] = [storageKey(a), storageKey(b)];
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Stored objects per qualified resource (core events only; the events.k8s.io view is derived), sorted as etcd. */
function buildStore(
  objects: unknown[],
  resources: readonly ApiResource[],
  custom: ReadonlySet<ApiResource>,
  managedFields: boolean,
): Map<string, Obj[]> {
  const store = new Map<string, Map<string, Obj>>();
  for (const r of resources) store.set(qualifiedName(r), new Map());
  for (const raw of objects) {
    const s = storedForm(raw, resources, custom, managedFields);
    if (!s) continue;
    // Custom resources always carry a resourceVersion, as every object read from a real server does.
    if (custom.has(s.r) && metaOf(s.item).resourceVersion === undefined)
      s.item.metadata = { ...metaOf(s.item), resourceVersion: RESOURCE_VERSION };
    store.get(qualifiedName(s.r))?.set(storageKey(s.item), s.item);
  }
  const sorted = new Map<string, Obj[]>();
  for (const [k, m] of store) sorted.set(k, [...m.values()].sort(byKey));
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

function route(path: string, resources: readonly ApiResource[]): Route | 'unknown-group' | undefined {
  const core = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(path);
  const named = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/.exec(path);
  let group: string, version: string, ns: string | undefined, resource: string;
  if (core) [group, version, ns, resource] = ['', 'v1', core[1], core[2] ?? ''];
  else if (named) [group, version, ns, resource] = [named[1] ?? '', named[2] ?? '', named[3], named[4] ?? ''];
  else return undefined;
  const api = resources.find((r) => r.group === group && r.version === version && r.resource === resource);
  if (!api) return group && !resources.some((r) => r.group === group) ? 'unknown-group' : undefined;
  if (ns !== undefined && !api.namespaced) return undefined;
  return { api, ...(ns !== undefined ? { namespace: decodeURIComponent(ns) } : {}) };
}

/** Starts the server on 127.0.0.1. Stop it with `stop()` (or track it with a Fixture). */
export async function startKubeApi(opts: KubeApiOptions): Promise<KubeApi> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const user = opts.user ?? 'system:serviceaccount:regdoctor:scanner';
  const resources = [...API_RESOURCES, ...(opts.resources ?? [])];
  const custom = new Set(opts.resources ?? []);
  const managedFields = opts.managedFields ?? true;
  const store = buildStore(opts.objects, resources, custom, managedFields);
  const log: KubeApiLogEntry[] = [];
  let rv = Number(RESOURCE_VERSION);
  /** Versions at or below this are compacted away: a watch from one gets 410. */
  let compacted = 0;
  interface Change {
    rv: number;
    type: 'ADDED' | 'MODIFIED' | 'DELETED';
    resource: string;
    object: Obj;
  }
  const history: Change[] = [];
  interface OpenWatch {
    resource: ApiResource;
    namespace?: string;
    bookmarks: boolean;
    res: ServerResponse;
    timer?: NodeJS.Timeout;
  }
  const watches = new Set<OpenWatch>();
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
    const r = route(url.pathname, resources);
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

    if (query.watch === '1' || query.watch === 'true') return startWatch(r, query, entry, res);

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
    const meta: Obj = { resourceVersion: String(rv) };
    const last = page[page.length - 1];
    if (end < items.length && last) {
      // As the API server does: the token starts just after the last returned key.
      meta.continue = encodeContinue(`${storageKey(last)}\u0000`);
      meta.remainingItemCount = items.length - end;
    }
    send(200, { kind: `${r.api.kind}List`, apiVersion: apiVersionOf(r.api), metadata: meta, items: page });
  };

  /** An object as a watch event carries it: with kind and apiVersion, in the watched API's shape. */
  const eventObject = (api: ApiResource, stored: Obj): Obj => {
    if (custom.has(api)) return stored;
    const body = api.group === 'events.k8s.io' ? toEventsV1(stored) : stored;
    return { kind: api.kind, apiVersion: apiVersionOf(api), ...body };
  };
  const matches = (w: OpenWatch, resource: string, object: Obj) =>
    (w.resource.group === 'events.k8s.io' ? 'events' : qualifiedName(w.resource)) === resource &&
    (w.namespace === undefined || metaOf(object).namespace === w.namespace);
  const write = (w: OpenWatch, type: WatchEventType, object: Obj) =>
    w.res.write(`${JSON.stringify({ type, object })}\n`);
  const endWatch = (w: OpenWatch) => {
    clearTimeout(w.timer);
    watches.delete(w);
    w.res.end();
  };
  const expiredStatus = (from: number): Obj =>
    status(410, 'Expired', `too old resource version: ${from} (${compacted + 1})`);

  function startWatch(
    r: Route,
    query: Record<string, string>,
    entry: KubeApiLogEntry,
    res: ServerResponse,
  ): void {
    entry.status = 200;
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache, private',
      'transfer-encoding': 'chunked',
    });
    const w: OpenWatch = {
      resource: r.api,
      ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
      bookmarks: query.allowWatchBookmarks === 'true' || query.allowWatchBookmarks === '1',
      res,
    };
    const from = query.resourceVersion;
    const resource = r.api.group === 'events.k8s.io' ? 'events' : qualifiedName(r.api);
    if (from === undefined || from === '' || from === '0') {
      // "Any version": the current state as ADDED events, then changes.
      for (const o of store.get(resource) ?? []) {
        if (w.namespace === undefined || metaOf(o).namespace === w.namespace)
          write(w, 'ADDED', eventObject(r.api, o));
      }
    } else {
      const n = Number(from);
      if (!Number.isInteger(n) || n <= compacted) {
        write(w, 'ERROR', expiredStatus(n));
        res.end();
        return;
      }
      for (const c of history)
        if (c.rv > n && matches(w, c.resource, c.object)) write(w, c.type, eventObject(r.api, c.object));
    }
    watches.add(w);
    res.on('close', () => {
      clearTimeout(w.timer);
      watches.delete(w);
    });
    const seconds = Number(query.timeoutSeconds);
    if (Number.isFinite(seconds) && seconds > 0) w.timer = setTimeout(() => endWatch(w), seconds * 1000);
  }

  const change = (type: Change['type'], resource: ApiResource, object: Obj) => {
    const name = resource.group === 'events.k8s.io' ? 'events' : qualifiedName(resource);
    const c: Change = { rv, type, resource: name, object };
    history.push(c);
    for (const w of watches) if (matches(w, name, object)) write(w, type, eventObject(w.resource, object));
  };

  const server = await serve(handler, opts.tls ? { tls: opts.tls } : {});
  const stop = server.stop;
  return {
    ...server,
    token,
    log,
    resourceVersion: () => String(rv),
    apply(obj) {
      const s = storedForm(obj, resources, custom, managedFields);
      if (!s)
        throw new Error('kube-api: apply of an object whose kind/apiVersion this server does not serve');
      const key = qualifiedName(s.r);
      const list = store.get(key) ?? [];
      rv++;
      s.item.metadata = { ...metaOf(s.item), resourceVersion: String(rv) };
      const at = list.findIndex((o) => storageKey(o) === storageKey(s.item));
      if (at >= 0) list[at] = s.item;
      else {
        list.push(s.item);
        list.sort(byKey);
      }
      store.set(key, list);
      change(at >= 0 ? 'MODIFIED' : 'ADDED', s.r, s.item);
    },
    remove(ref) {
      const r = resources.find((x) => x.kind === ref.kind && apiVersionOf(x) === ref.apiVersion);
      if (!r) return false;
      const list = store.get(qualifiedName(r)) ?? [];
      const key = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
      const at = list.findIndex((o) => storageKey(o) === key);
      if (at < 0) return false;
      const [gone] = list.splice(at, 1);
      rv++;
      change('DELETED', r, { ...gone!, metadata: { ...metaOf(gone!), resourceVersion: String(rv) } });
      return true;
    },
    bookmark() {
      for (const w of watches) {
        if (!w.bookmarks) continue;
        write(w, 'BOOKMARK', {
          kind: w.resource.kind,
          apiVersion: apiVersionOf(w.resource),
          metadata: { resourceVersion: String(rv) },
        });
      }
    },
    expire() {
      compacted = rv;
      history.length = 0;
      for (const w of [...watches]) {
        write(w, 'ERROR', expiredStatus(compacted));
        endWatch(w);
      }
    },
    closeWatches() {
      for (const w of [...watches]) endWatch(w);
    },
    openWatches: () => watches.size,
    stop: () => {
      for (const w of [...watches]) clearTimeout(w.timer);
      return stop();
    },
  };
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
