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
// `expire()` — the API server's answer once etcd has compacted it (a watch from the compacted version itself, the
// version a list right after the compaction reports, is served). `apply`/`remove` change objects and notify open
// watches.
//
// Lists and watches take `labelSelector` and `fieldSelector` (kube-selectors.ts); a field selector on a field the
// resource does not support is a 400, and custom resources support only metadata.name, metadata.namespace and
// the fields their CRD declares in `selectableFields`. A filtered watch sees an object that starts or stops
// matching as ADDED or DELETED. Custom resources are also written as the API server writes them: create (POST,
// with generateName; uid, creationTimestamp, generation set; 409 AlreadyExists), get, update (PUT, 409 Conflict
// on a stale resourceVersion), JSON patch (RFC 6902) and merge patch (RFC 7386, where null deletes a key), delete
// (answers the deleted object), and with `statusSubresource` the /status subresource: writes to the object ignore
// status, writes to /status change only status. `configz` answers GET /api/v1/nodes/NODE/proxy/configz (RBAC
// resource `nodes/proxy`).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { parseFieldSelector, parseLabelSelector } from './kube-selectors.ts';
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
  /** A CRD's `subresources.status`: writes to the object ignore status, writes to /status change only status. */
  statusSubresource?: boolean;
  /** A CRD's `selectableFields` (`spec.nodeName`), beyond metadata.name and metadata.namespace. */
  selectableFields?: string[];
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
  /** Qualified resource: `secrets`, `nodes`, `deployments.apps`, `events.events.k8s.io`; `nodes/proxy`. */
  resource: string;
  /** Only this namespace's list; unset forbids the resource at every scope. */
  namespace?: string;
  /** Only these verbs (get, list, watch, create, update, patch, delete); unset forbids every verb. */
  verbs?: string[];
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
  /** Address to bind (default 127.0.0.1), e.g. a veth address that agents in a test network namespace reach. */
  hostname?: string;
  /** `GET /api/v1/nodes/NODE/proxy/configz` answers: the node's KubeletConfiguration (a node not listed: 404). */
  configz?: Record<string, unknown>;
  /** How watches are answered from the start (see `KubeApi.everyWatch`; default `serve`). */
  everyWatch?: WatchAnswer;
}

export type WatchAnswer = 'serve' | 'expire' | 'close';

export interface KubeApiLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** When the request arrived (performance.now(), ms). */
  at: number;
  /** Qualified resource, when the path named one. */
  resource?: string;
  namespace?: string;
  /** The object named by the path, and its subresource (`status`, `proxy`). */
  name?: string;
  subresource?: string;
  /** get, list, watch, create, update, patch, delete. */
  verb?: string;
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
  /**
   * How new watches are answered from now on: `expire` — 410 Expired whatever the version (history that keeps
   * moving); `close` — the stream ends at once, empty; `serve` — normally (the default).
   */
  everyWatch(answer: WatchAnswer): void;
  /** Watch streams currently open. */
  openWatches(): number;
  /** A stored object of a qualified resource (`imagepullchecks.regdoctor.dev`), keyed `namespace/name` or `name`. */
  stored(resource: string, key: string): Obj | undefined;
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

// ---- Named objects (module level) ----

interface ObjectTarget {
  api: ApiResource;
  namespace?: string;
  name: string;
  /** `status`, or `proxy/configz` on a node. */
  subresource?: string;
}

const VERBS: Record<string, string> = { GET: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
/** The API server's request body limit (3 MiB). */
const BODY_LIMIT = 3 * 1024 * 1024;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Field selectors the API server supports for built-in resources, beyond metadata.name and metadata.namespace. */
const BUILTIN_FIELDS: Record<string, string[]> = {
  pods: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.phase',
    'status.podIP',
    'status.nominatedNodeName',
  ],
  secrets: ['type'],
  nodes: ['spec.unschedulable'],
  events: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
};

/** generateName's suffix: five characters from the API server's alphabet (no vowels, no 0/1/3). */
function generatedSuffix(): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return [...randomBytes(5)].map((b) => alphabet[b % alphabet.length]).join('');
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Obj =
    target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Obj) } : {};
  for (const [k, v] of Object.entries(patch as Obj)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The status a JSON patch failure is answered with: a failed `test` or a missing path is 422, bad JSON 400. */
const patchError = (message: string) => (message.startsWith('json:') ? 400 : 422);

const JSON_PATCH_ERROR = 'the server rejected our request due to an error in our request';

/** RFC 6902 JSON patch (add, remove, replace, test) over objects and arrays; a string says why it failed. */
function jsonPatch(doc: Obj, ops: unknown[]): Obj | string {
  let root: unknown = structuredClone(doc);
  for (const raw of ops) {
    const op = raw as { op?: unknown; path?: unknown; value?: unknown };
    if (typeof op?.op !== 'string' || typeof op.path !== 'string')
      return 'json: invalid JSON patch operation';
    const parts =
      op.path === ''
        ? []
        : op.path
            .split('/')
            .slice(1)
            .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (parts.length === 0) {
      if (op.op === 'add' || op.op === 'replace') root = structuredClone(op.value);
      else if (op.op !== 'test') return `${JSON_PATCH_ERROR}: ${op.op} of the whole document`;
      continue;
    }
    let parent: unknown = root;
    for (const p of parts.slice(0, -1)) {
      parent = parent !== null && typeof parent === 'object' ? (parent as Obj)[p] : undefined;
    }
    if (parent === null || typeof parent !== 'object')
      return `${JSON_PATCH_ERROR}: doc is missing path: ${op.path}`;
    const last = parts.at(-1)!;
    const list = Array.isArray(parent) ? (parent as unknown[]) : null;
    const obj = parent as Obj;
    const index = last === '-' && list ? list.length : Number(last);
    const exists = list ? Number.isInteger(index) && index < list.length : Object.hasOwn(obj, last);
    switch (op.op) {
      case 'add':
        if (list) list.splice(index, 0, structuredClone(op.value));
        else obj[last] = structuredClone(op.value);
        break;
      case 'replace':
      case 'remove':
        if (!exists)
          return `${JSON_PATCH_ERROR}: ${op.op} operation does not apply: doc is missing path: ${op.path}`;
        if (list) list.splice(index, 1, ...(op.op === 'replace' ? [structuredClone(op.value)] : []));
        else if (op.op === 'replace') obj[last] = structuredClone(op.value);
        else delete obj[last];
        break;
      case 'test':
        if (JSON.stringify(list ? list[index] : obj[last]) !== JSON.stringify(op.value))
          return `${JSON_PATCH_ERROR}: testing value ${op.path} failed`;
        break;
      default:
        return `json: unknown JSON patch operation ${JSON.stringify(op.op)}`;
    }
  }
  return root !== null && typeof root === 'object' && !Array.isArray(root)
    ? (root as Obj)
    : 'json: the patch does not leave an object';
}

function objectRoute(path: string, resources: readonly ApiResource[]): ObjectTarget | undefined {
  const core = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)\/([^/]+)(?:\/(status|proxy\/configz))?$/.exec(
    path,
  );
  const named = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([a-z]+)\/([^/]+)(?:\/(status))?$/.exec(
    path,
  );
  let group: string,
    version: string,
    ns: string | undefined,
    resource: string,
    name: string,
    sub: string | undefined;
  if (core) [group, version, ns, resource, name, sub] = ['', 'v1', core[1], core[2]!, core[3]!, core[4]];
  else if (named)
    [group, version, ns, resource, name, sub] = [
      named[1]!,
      named[2]!,
      named[3],
      named[4]!,
      named[5]!,
      named[6],
    ];
  else return undefined;
  const api = resources.find((r) => r.group === group && r.version === version && r.resource === resource);
  if (!api || api.namespaced !== (ns !== undefined)) return undefined;
  if (sub === 'proxy/configz' && resource !== 'nodes') return undefined;
  return {
    api,
    ...(ns !== undefined ? { namespace: decodeURIComponent(ns) } : {}),
    name: decodeURIComponent(name),
    ...(sub !== undefined ? { subresource: sub } : {}),
  };
}

/** Starts the server on 127.0.0.1 (or opts.hostname). Stop it with `stop()` (or track it with a Fixture). */
export async function startKubeApi(opts: KubeApiOptions): Promise<KubeApi> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const user = opts.user ?? 'system:serviceaccount:regdoctor:scanner';
  const resources = [...API_RESOURCES, ...(opts.resources ?? [])];
  const custom = new Set(opts.resources ?? []);
  const managedFields = opts.managedFields ?? true;
  const store = buildStore(opts.objects, resources, custom, managedFields);
  const log: KubeApiLogEntry[] = [];
  let rv = Number(RESOURCE_VERSION);
  /** Versions below this are compacted away: a watch from one gets 410. */
  let compacted = 0;
  let watchAnswer: WatchAnswer = opts.everyWatch ?? 'serve';
  interface Change {
    rv: number;
    type: 'ADDED' | 'MODIFIED' | 'DELETED';
    resource: string;
    object: Obj;
    /** The object before a MODIFIED change (a filtered watch sees an object enter or leave its selection). */
    old?: Obj;
  }
  const history: Change[] = [];
  interface OpenWatch {
    resource: ApiResource;
    namespace?: string;
    bookmarks: boolean;
    res: ServerResponse;
    timer?: NodeJS.Timeout;
    /** labelSelector and fieldSelector together. */
    select?: (o: Obj) => boolean;
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
      at: performance.now(),
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
    // A named object (get, update, patch, delete, /status) or a node's configz: objectRequest.ts's half.
    const target = objectRoute(url.pathname, resources);
    if (target !== undefined) return objectRequest(req, res, target, entry, send);
    const watching = query.watch === '1' || query.watch === 'true';
    const verb = req.method === 'GET' ? (watching ? 'watch' : 'list') : req.method === 'POST' ? 'create' : '';
    if (verb === '') {
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
    entry.verb = verb;
    if (r.namespace !== undefined) entry.namespace = r.namespace;
    if (gate(name, r.api, r.namespace, verb, undefined, send)) return;
    if (verb === 'create') return createObject(req, r, entry, send);

    let select: ((o: Obj) => boolean) | undefined;
    try {
      select = selectorOf(r.api, query);
    } catch (err) {
      return send(400, status(400, 'BadRequest', (err as Error).message));
    }
    if (watching) return startWatch(r, query, entry, res, select);

    let items = store.get(r.api.group === 'events.k8s.io' ? 'events' : name) ?? [];
    if (r.namespace !== undefined) items = items.filter((o) => metaOf(o).namespace === r.namespace);
    if (select) items = items.filter(select);
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
  /** What a watch sees of a change: a filtered watch sees objects enter (ADDED) and leave (DELETED) its selection. */
  const seen = (w: OpenWatch, c: Change): Change['type'] | null => {
    if (!matches(w, c.resource, c.object)) return null;
    if (!w.select) return c.type;
    const now = w.select(c.object);
    if (c.type !== 'MODIFIED') return now ? c.type : null;
    const before = c.old !== undefined && w.select(c.old);
    return now ? (before ? 'MODIFIED' : 'ADDED') : before ? 'DELETED' : null;
  };
  const write = (w: OpenWatch, type: WatchEventType, object: Obj) =>
    w.res.write(`${JSON.stringify({ type, object })}\n`);
  const endWatch = (w: OpenWatch) => {
    clearTimeout(w.timer);
    watches.delete(w);
    w.res.end();
  };
  const expiredStatus = (from: number): Obj =>
    status(410, 'Expired', `too old resource version: ${from} (${compacted})`);

  function startWatch(
    r: Route,
    query: Record<string, string>,
    entry: KubeApiLogEntry,
    res: ServerResponse,
    select?: (o: Obj) => boolean,
  ): void {
    entry.status = 200;
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': 'no-cache, private',
      'transfer-encoding': 'chunked',
    });
    // The API server sends a watch's headers at once; a client may wait for them before it can cancel the watch.
    res.flushHeaders();
    const w: OpenWatch = {
      resource: r.api,
      ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
      bookmarks: query.allowWatchBookmarks === 'true' || query.allowWatchBookmarks === '1',
      res,
      ...(select ? { select } : {}),
    };
    if (watchAnswer === 'close') {
      res.end();
      return;
    }
    const from = query.resourceVersion;
    const resource = r.api.group === 'events.k8s.io' ? 'events' : qualifiedName(r.api);
    if (from === undefined || from === '' || from === '0') {
      // "Any version": the current state as ADDED events, then changes.
      for (const o of store.get(resource) ?? []) {
        if ((w.namespace === undefined || metaOf(o).namespace === w.namespace) && (select?.(o) ?? true))
          write(w, 'ADDED', eventObject(r.api, o));
      }
    } else {
      const n = Number(from);
      if (!Number.isInteger(n) || n < compacted || watchAnswer === 'expire') {
        write(w, 'ERROR', expiredStatus(n));
        res.end();
        return;
      }
      for (const c of history) {
        const type = c.rv > n ? seen(w, c) : null;
        if (type) write(w, type, eventObject(r.api, c.object));
      }
    }
    watches.add(w);
    res.on('close', () => {
      clearTimeout(w.timer);
      watches.delete(w);
    });
    const seconds = Number(query.timeoutSeconds);
    if (Number.isFinite(seconds) && seconds > 0) w.timer = setTimeout(() => endWatch(w), seconds * 1000);
  }

  const change = (type: Change['type'], resource: ApiResource, object: Obj, old?: Obj) => {
    const name = resource.group === 'events.k8s.io' ? 'events' : qualifiedName(resource);
    const c: Change = { rv, type, resource: name, object, ...(old ? { old } : {}) };
    history.push(c);
    for (const w of watches) {
      const seenAs = seen(w, c);
      if (seenAs) write(w, seenAs, eventObject(w.resource, object));
    }
  };

  // ---- Named objects, writes and selectors (custom resources served as the API server serves a CRD) ----

  type Send = (code: number, body: Obj, headers?: Record<string, string>) => void;

  /** RBAC, missing APIs, stalls and transient faults: true when it answered (or chose never to). */
  function gate(
    qualified: string,
    api: ApiResource,
    namespace: string | undefined,
    verb: string,
    objectName: string | undefined,
    send: Send,
    resourceText = api.resource,
  ): boolean {
    if (opts.missing?.includes(qualified)) {
      send(404, status(404, 'NotFound', 'the server could not find the requested resource', {}));
      return true;
    }
    const ruleName = resourceText === api.resource ? qualified : resourceText;
    const denied = opts.forbid?.some(
      (f) =>
        f.resource === ruleName &&
        (f.namespace === undefined || f.namespace === namespace) &&
        (f.verbs === undefined || f.verbs.includes(verb)),
    );
    if (denied) {
      const scope = namespace !== undefined ? `in the namespace "${namespace}"` : 'at the cluster scope';
      const what = objectName !== undefined ? `${qualified} "${objectName}"` : qualified;
      send(
        403,
        status(
          403,
          'Forbidden',
          `${what} is forbidden: User "${user}" cannot ${verb} resource "${resourceText}" in API group "${api.group}" ${scope}`,
          {
            ...(objectName !== undefined ? { name: objectName } : {}),
            ...(api.group ? { group: api.group } : {}),
            kind: api.resource,
          },
        ),
      );
      return true;
    }
    if (opts.stall?.includes(qualified)) return true; // never answered; the client's timeout must fire
    const fault = faultsLeft.get(qualified);
    if (fault && fault.times > 0) {
      fault.times--;
      const reason = fault.status === 429 ? 'TooManyRequests' : 'InternalError';
      const message =
        fault.status === 429
          ? 'Too many requests, please try again later.'
          : 'an error on the server has prevented the request from succeeding';
      send(
        fault.status,
        status(fault.status, reason, message, {}),
        fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      );
      return true;
    }
    return false;
  }

  function selectorOf(api: ApiResource, query: Record<string, string>): ((o: Obj) => boolean) | undefined {
    const tests: ((o: Obj) => boolean)[] = [];
    if (query.labelSelector) tests.push(parseLabelSelector(query.labelSelector));
    if (query.fieldSelector) {
      const fields = new Set([
        'metadata.name',
        'metadata.namespace',
        ...(api.selectableFields ?? []),
        ...(BUILTIN_FIELDS[qualifiedName(api)] ?? []),
      ]);
      tests.push(parseFieldSelector(query.fieldSelector, fields));
    }
    return tests.length ? (o) => tests.every((t) => t(o)) : undefined;
  }

  const storeName = (api: ApiResource) => (api.group === 'events.k8s.io' ? 'events' : qualifiedName(api));
  const keyOf = (namespace: string | undefined, name: string) => (namespace ? `${namespace}/${name}` : name);
  const find = (api: ApiResource, key: string) =>
    store.get(storeName(api))?.find((o) => storageKey(o) === key);

  /** Stores a new version (rv bumped) and tells the watches. */
  function putObject(api: ApiResource, item: Obj, old: Obj | undefined): Obj {
    const list = store.get(storeName(api)) ?? [];
    rv++;
    const stored = { ...item, metadata: { ...metaOf(item), resourceVersion: String(rv) } };
    const at = old ? list.indexOf(old) : -1;
    if (at >= 0) list[at] = stored;
    else {
      list.push(stored);
      list.sort(byKey);
    }
    store.set(storeName(api), list);
    change(old ? 'MODIFIED' : 'ADDED', api, stored, old);
    return stored;
  }

  function deleteObject(api: ApiResource, key: string): Obj | undefined {
    const list = store.get(storeName(api)) ?? [];
    const at = list.findIndex((o) => storageKey(o) === key);
    if (at < 0) return undefined;
    const [gone] = list.splice(at, 1);
    rv++;
    const last = { ...gone!, metadata: { ...metaOf(gone!), resourceVersion: String(rv) } };
    change('DELETED', api, last);
    return last;
  }

  const notFound = (api: ApiResource, name: string) =>
    status(404, 'NotFound', `${qualifiedName(api)} "${name}" not found`, {
      name,
      ...(api.group ? { group: api.group } : {}),
      kind: api.resource,
    });
  async function readBody(req: IncomingMessage, send: Send, arrays = false): Promise<Obj | unknown[] | null> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > BODY_LIMIT) {
        send(413, status(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${BODY_LIMIT}`));
        return null;
      }
      chunks.push(c as Buffer);
    }
    try {
      const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (v && typeof v === 'object' && (arrays || !Array.isArray(v))) return v as Obj | unknown[];
    } catch {
      // answered below
    }
    send(400, status(400, 'BadRequest', 'the object provided is unrecognized (must be of type JSON object)'));
    return null;
  }

  function createObject(req: IncomingMessage, r: Route, entry: KubeApiLogEntry, send: Send): void {
    if (!custom.has(r.api)) {
      send(
        405,
        status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
      );
      return;
    }
    void readBody(req, send).then((raw) => {
      if (!raw || Array.isArray(raw)) return;
      const body = raw;
      if (body.kind !== r.api.kind || body.apiVersion !== apiVersionOf(r.api)) {
        send(
          400,
          status(
            400,
            'BadRequest',
            `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(r.api)})`,
          ),
        );
        return;
      }
      const meta = { ...metaOf(body) };
      if (r.namespace !== undefined) {
        if (meta.namespace !== undefined && meta.namespace !== r.namespace) {
          send(
            400,
            status(
              400,
              'BadRequest',
              'the namespace of the provided object does not match the namespace sent on the request',
            ),
          );
          return;
        }
        meta.namespace = r.namespace;
      }
      if (typeof meta.name !== 'string' || meta.name === '') {
        if (typeof meta.generateName !== 'string' || meta.generateName === '') {
          send(
            422,
            status(
              422,
              'Invalid',
              `${r.api.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
            ),
          );
          return;
        }
        meta.name = `${meta.generateName}${generatedSuffix()}`;
      }
      const name = meta.name as string;
      if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
        send(
          422,
          status(
            422,
            'Invalid',
            `${r.api.kind} "${name}" is invalid: metadata.name: Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
          ),
        );
        return;
      }
      if (find(r.api, keyOf(r.namespace, name))) {
        send(
          409,
          status(409, 'AlreadyExists', `${qualifiedName(r.api)} "${name}" already exists`, {
            name,
            group: r.api.group,
            kind: r.api.resource,
          }),
        );
        return;
      }
      const { status: _dropped, ...rest } = body;
      const item: Obj = {
        ...(r.api.statusSubresource ? rest : body),
        metadata: {
          ...meta,
          uid: randomUUID(),
          creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          generation: 1,
        },
      };
      delete (item.metadata as Obj).resourceVersion;
      entry.name = name;
      send(201, putObject(r.api, item, undefined));
    });
  }

  function objectRequest(
    req: IncomingMessage,
    res: ServerResponse,
    t: ObjectTarget,
    entry: KubeApiLogEntry,
    send: Send,
  ): void {
    const qualified = qualifiedName(t.api);
    entry.resource = qualified;
    entry.name = t.name;
    if (t.namespace !== undefined) entry.namespace = t.namespace;
    if (t.subresource !== undefined) entry.subresource = t.subresource;
    const verb = VERBS[req.method ?? ''];
    if (t.subresource === 'proxy/configz') {
      entry.verb = 'get';
      if (req.method !== 'GET') {
        send(
          405,
          status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
        );
        return;
      }
      if (gate(qualified, t.api, undefined, 'get', t.name, send, 'nodes/proxy')) return;
      const config = opts.configz?.[t.name];
      if (config === undefined || !find(t.api, t.name)) return send(404, notFound(t.api, t.name));
      return send(200, { kubeletconfig: config });
    }
    if (verb === undefined || (verb !== 'get' && !custom.has(t.api))) {
      send(
        405,
        status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
      );
      return;
    }
    entry.verb = verb;
    if (t.subresource === 'status' && !t.api.statusSubresource)
      return send(404, status(404, 'NotFound', 'the server could not find the requested resource', {}));
    if (
      gate(
        qualified,
        t.api,
        t.namespace,
        verb,
        t.name,
        send,
        t.subresource ? `${t.api.resource}/${t.subresource}` : t.api.resource,
      )
    )
      return;
    const key = keyOf(t.namespace, t.name);
    const current = find(t.api, key);
    if (verb === 'get')
      return current ? send(200, eventObject(t.api, current)) : send(404, notFound(t.api, t.name));
    if (verb === 'delete') {
      const gone = current ? deleteObject(t.api, key) : undefined;
      return gone ? send(200, gone) : send(404, notFound(t.api, t.name));
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    void readBody(req, send, verb === 'patch' && contentType === 'application/json-patch+json').then(
      (raw) => {
        if (!raw) return;
        if (!current) return send(404, notFound(t.api, t.name));
        const body = raw as Obj;
        let next: Obj;
        if (verb === 'patch') {
          const type = contentType;
          if (type === 'application/merge-patch+json') next = mergePatch(current, body) as Obj;
          else if (type === 'application/json-patch+json') {
            const patched = Array.isArray(raw)
              ? jsonPatch(current, raw)
              : 'json: cannot unmarshal object into Go value of type jsonpatch.Patch';
            if (typeof patched === 'string') {
              const code = patchError(patched);
              return send(code, status(code, code === 422 ? 'Invalid' : 'BadRequest', patched));
            }
            next = patched;
          } else {
            send(
              415,
              status(
                415,
                'UnsupportedMediaType',
                `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
              ),
            );
            return;
          }
        } else next = body;
        const meta = metaOf(next);
        if (meta.name !== undefined && meta.name !== t.name) {
          send(
            400,
            status(
              400,
              'BadRequest',
              `the name of the object (${String(meta.name)}) does not match the name on the URL (${t.name})`,
            ),
          );
          return;
        }
        const cur = metaOf(current);
        if (verb === 'update' && (meta.resourceVersion === undefined || meta.resourceVersion === '')) {
          send(
            422,
            status(
              422,
              'Invalid',
              `${t.api.kind} "${t.name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
            ),
          );
          return;
        }
        if (meta.resourceVersion !== undefined && meta.resourceVersion !== cur.resourceVersion) {
          send(
            409,
            status(
              409,
              'Conflict',
              `Operation cannot be fulfilled on ${qualified} "${t.name}": the object has been modified; please apply your changes to the latest version and try again`,
              { name: t.name, group: t.api.group, kind: t.api.resource },
            ),
          );
          return;
        }
        // The server owns identity; with a status subresource, each endpoint changes only its half.
        const system = {
          uid: cur.uid,
          creationTimestamp: cur.creationTimestamp,
          generation: cur.generation,
          name: t.name,
          ...(t.namespace ? { namespace: t.namespace } : {}),
        };
        let item: Obj;
        if (t.subresource === 'status') item = { ...current, status: next.status };
        else if (t.api.statusSubresource) {
          const { status: _ignored, ...rest } = next;
          item = { ...rest, ...(current.status !== undefined ? { status: current.status } : {}) };
          item.metadata = { ...metaOf(item), ...system };
        } else item = { ...next, metadata: { ...meta, ...system } };
        if (item.status === undefined) delete item.status;
        if (JSON.stringify(item.spec) !== JSON.stringify(current.spec)) {
          item.metadata = { ...metaOf(item), generation: Number(cur.generation ?? 1) + 1 };
        }
        send(200, putObject(t.api, item, current));
      },
    );
  }

  const server = await serve(handler, {
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.hostname ? { hostname: opts.hostname } : {}),
  });
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
      const old = at >= 0 ? list[at] : undefined;
      if (at >= 0) list[at] = s.item;
      else {
        list.push(s.item);
        list.sort(byKey);
      }
      store.set(key, list);
      change(old ? 'MODIFIED' : 'ADDED', s.r, s.item, old);
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
    everyWatch(answer) {
      watchAnswer = answer;
    },
    openWatches: () => watches.size,
    stored: (resource, key) => {
      const o = store.get(resource)?.find((x) => storageKey(x) === key);
      return o ? structuredClone(o) : undefined;
    },
    stop: () => {
      for (const w of [...watches]) clearTimeout(w.timer);
      return stop();
    },
  };
}

/** The ApiResource a CRD file defines (its first served version): scope, status subresource, selectable fields. */
export function crdResource(file: URL | string): ApiResource {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a CRD document, read field by field
  const crd = parse(readFileSync(file, 'utf8')) as any;
  const v = crd.spec.versions.find((x: { served?: boolean }) => x.served !== false);
  const fields = (v.selectableFields ?? []).map((f: { jsonPath: string }) => f.jsonPath.replace(/^\./, ''));
  return {
    group: crd.spec.group,
    version: v.name,
    resource: crd.spec.names.plural,
    kind: crd.spec.names.kind,
    namespaced: crd.spec.scope === 'Namespaced',
    ...(v.subresources?.status ? { statusSubresource: true } : {}),
    ...(fields.length ? { selectableFields: fields } : {}),
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field by callers
type WireObject = Record<string, any>;

/**
 * The events of a watch (`path` with its query, `watch=1` included) until `n` have arrived, or until the server
 * ends the stream first (`ended`), e.g. after an ERROR event.
 */
export async function readWatch(
  api: KubeApi,
  path: string,
  n: number,
): Promise<{ events: WireObject[]; ended: boolean }> {
  const ctl = new AbortController();
  const res = await fetch(api.url + path, {
    headers: { authorization: `Bearer ${api.token}` },
    signal: ctl.signal,
  });
  const events: WireObject[] = [];
  let buf = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body!) {
    buf += decoder.decode(chunk as Uint8Array, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      events.push(JSON.parse(buf.slice(0, nl)) as WireObject);
      buf = buf.slice(nl + 1);
    }
    if (events.length >= n) break;
  }
  // Aborted only after the loop: breaking out first lets the body's reader finish cleanly.
  ctl.abort();
  return { events, ended: events.length < n };
}
