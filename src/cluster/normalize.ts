// Raw Kubernetes objects (from a snapshot file or the API) → ClusterState. Both sources feed the same function, so
// a live load and a snapshot of the same objects give equal states.
//
// Malformed objects: a snapshot of a big cluster can hold one object that a plugin or an old kubectl wrote oddly,
// and refusing the whole bundle for it would hide every other finding. So an object with a recognised kind whose
// fields have the wrong type becomes a `skipped` entry (`pod/web-1`, its namespace, and the bad field path), and
// the rest loads. Input that is not Kubernetes objects at all is the caller's error (see snapshot.ts).
import type * as z from 'zod/mini';
import { issueText } from '../util/schema.ts';
import {
  key,
  LEAN_SCHEMAS,
  LOOSE_SCHEMAS,
  WORKLOAD_KINDS,
  type ClusterEvent,
  type ClusterScope,
  type ClusterState,
  type Node,
  type Pod,
  type Secret,
  type ServiceAccount,
  type Workload,
} from './types.ts';

export type Skipped = ClusterState['skipped'][number];

/** Which reader an object goes to; null for kinds regdoctor does not use (ConfigMap, Service, …). */
export type ObjectClass =
  'pod' | 'coreEvent' | 'eventsV1' | 'secret' | 'serviceAccount' | 'node' | 'workload' | null;

const WORKLOAD_GROUPS: Record<string, readonly string[]> = {
  ReplicaSet: ['apps', 'extensions'],
  Deployment: ['apps', 'extensions'],
  DaemonSet: ['apps', 'extensions'],
  StatefulSet: ['apps'],
  Job: ['batch'],
  CronJob: ['batch'],
};

function groupOf(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string') return undefined;
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Sorts an object by kind and API group. A kind regdoctor reads but in another group (a CRD that happens to be
 * called `Job`) is not ours; an object without apiVersion is taken at its kind, as hand-written files often omit it.
 */
export function classify(obj: Record<string, unknown>): ObjectClass {
  const kind = obj.kind;
  const group = groupOf(obj.apiVersion);
  const core = group === undefined || group === '';
  switch (kind) {
    case 'Pod':
      return core ? 'pod' : null;
    case 'Secret':
      return core ? 'secret' : null;
    case 'ServiceAccount':
      return core ? 'serviceAccount' : null;
    case 'Node':
      return core ? 'node' : null;
    case 'Event':
      if (group === 'events.k8s.io') return 'eventsV1';
      if (group === '') return 'coreEvent';
      if (group === undefined) return 'regarding' in obj || 'note' in obj ? 'eventsV1' : 'coreEvent';
      return null;
    default:
      if (typeof kind === 'string' && (WORKLOAD_KINDS as readonly string[]).includes(kind)) {
        return group === undefined || WORKLOAD_GROUPS[kind]?.includes(group) ? 'workload' : null;
      }
      return null;
  }
}

function metaOf(obj: Record<string, unknown>): { name?: string; namespace?: string } {
  const m = obj.metadata;
  if (!m || typeof m !== 'object') return {};
  const { name, namespace } = m as Record<string, unknown>;
  return {
    ...(typeof name === 'string' ? { name } : {}),
    ...(typeof namespace === 'string' ? { namespace } : {}),
  };
}

/** `pod/web-1`, as kubectl names objects; `pod/(no name)` when even that is missing. */
export function objectLabel(obj: Record<string, unknown>): string {
  const kind = typeof obj.kind === 'string' ? obj.kind.toLowerCase() : 'object';
  return `${kind}/${metaOf(obj).name ?? '(no name)'}`;
}

/** The first few zod issues as `field.path: message`; values are never quoted, since a secret's may be sensitive. */
export function describeIssues(error: z.core.$ZodError): string {
  const shown = error.issues.slice(0, 3).map((i) => {
    const path = i.path
      .map((p, n) => (typeof p === 'number' ? `[${p}]` : `${n === 0 ? '' : '.'}${String(p)}`))
      .join('');
    return `${path || '(object)'}: ${issueText(i)}`;
  });
  const more = error.issues.length > 3 ? ` (and ${error.issues.length - 3} more)` : '';
  return shown.join('; ') + more;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what regdoctor never reads and must not carry: `managedFields` (large, and present in API answers but not
 * in kubectl output, so keeping it would make live and snapshot states differ), and on secrets the last-applied
 * annotation, which holds the secret's data in clear text.
 */
function trimmed(obj: Record<string, unknown>, isSecret: boolean): Record<string, unknown> {
  const meta = obj.metadata;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return obj;
  const m = meta as Record<string, unknown>;
  const annotations = m.annotations;
  const stripAnnotation =
    isSecret && annotations && typeof annotations === 'object' && LAST_APPLIED in (annotations as object);
  if (!('managedFields' in m) && !stripAnnotation) return obj;
  const { managedFields: _drop, ...rest } = m;
  if (stripAnnotation) {
    const { [LAST_APPLIED]: _secret, ...others } = annotations as Record<string, unknown>;
    rest.annotations = others;
  }
  return { ...obj, metadata: rest };
}

/** Milliseconds since the epoch of an RFC 3339 time (seconds or microseconds); 0 when absent or unparsable. */
export function parseTime(s: string | null | undefined): number {
  if (!s) return 0;
  const t = Date.parse(s);
  return Number.isNaN(t) ? 0 : t;
}

const firstTime = (...times: (string | null | undefined)[]): number => {
  for (const t of times) {
    const ms = parseTime(t);
    if (ms > 0) return ms;
  }
  return 0;
};

type CoreEvent = z.infer<typeof LOOSE_SCHEMAS.coreEvent>;
type EventsV1 = z.infer<typeof LOOSE_SCHEMAS.eventsV1>;

function involvedOf(ref: CoreEvent['involvedObject']): ClusterEvent['involved'] {
  return {
    kind: ref.kind ?? '',
    name: ref.name ?? '',
    ...(ref.uid !== undefined ? { uid: ref.uid } : {}),
    ...(ref.fieldPath !== undefined ? { fieldPath: ref.fieldPath } : {}),
  };
}

/**
 * A core/v1 Event. Old-style recorders (the kubelet) fill `count`/`firstTimestamp`/`lastTimestamp`; events written
 * through events.k8s.io show here with `eventTime` and `series` instead and no count. The count is the larger of
 * the two counters, and an event seen once has count 1.
 */
export function fromCoreEvent(e: CoreEvent): ClusterEvent {
  const created = e.metadata.creationTimestamp;
  const lastSeen = Math.max(
    parseTime(e.series?.lastObservedTime),
    parseTime(e.lastTimestamp),
    parseTime(e.eventTime),
    e.series || e.lastTimestamp || e.eventTime ? 0 : parseTime(created),
  );
  return {
    namespace: e.metadata.namespace ?? e.involvedObject.namespace ?? '',
    involved: involvedOf(e.involvedObject),
    reason: e.reason ?? '',
    message: e.message ?? '',
    type: e.type ?? '',
    count: Math.max(1, e.count ?? 0, e.series?.count ?? 0),
    lastSeen,
    firstSeen: firstTime(e.firstTimestamp, e.eventTime, created) || lastSeen,
  };
}

/** An events.k8s.io/v1 (or v1beta1) Event: the same stored object as core/v1 under other field names. */
export function fromEventsV1(e: EventsV1): ClusterEvent {
  const created = e.metadata.creationTimestamp;
  const lastSeen = Math.max(
    parseTime(e.series?.lastObservedTime),
    parseTime(e.deprecatedLastTimestamp),
    parseTime(e.eventTime),
    e.series || e.deprecatedLastTimestamp || e.eventTime ? 0 : parseTime(created),
  );
  return {
    namespace: e.metadata.namespace ?? e.regarding.namespace ?? '',
    involved: involvedOf(e.regarding),
    reason: e.reason ?? '',
    message: e.note ?? '',
    type: e.type ?? '',
    count: Math.max(1, e.deprecatedCount ?? 0, e.series?.count ?? 0),
    lastSeen,
    firstSeen: firstTime(e.deprecatedFirstTimestamp, e.eventTime, created) || lastSeen,
  };
}

/** Two views of one event (same uid through both APIs, or one file read twice): keep what either knows. */
function mergeEvents(a: ClusterEvent, b: ClusterEvent): ClusterEvent {
  const firsts = [a.firstSeen, b.firstSeen].filter((t) => t > 0);
  return {
    ...a,
    reason: a.reason || b.reason,
    message: a.message || b.message,
    type: a.type || b.type,
    count: Math.max(a.count, b.count),
    lastSeen: Math.max(a.lastSeen, b.lastSeen),
    firstSeen: firsts.length > 0 ? Math.min(...firsts) : 0,
  };
}

const order = <T extends string | number>(x: T, y: T): number => (x < y ? -1 : x > y ? 1 : 0);

/** By time, then by what the event is about (no arrays per comparison: a 10,000-pod state sorts 12,500 events). */
function compareEvents(a: ClusterEvent, b: ClusterEvent): number {
  return (
    order(a.lastSeen, b.lastSeen) ||
    order(a.firstSeen, b.firstSeen) ||
    order(a.namespace, b.namespace) ||
    order(a.involved.kind, b.involved.kind) ||
    order(a.involved.name, b.involved.name) ||
    order(a.reason, b.reason) ||
    order(a.message, b.message)
  );
}

const byKey = <T>(m: Map<string, T>): Map<string, T> =>
  new Map([...m.entries()].sort(([x], [y]) => order(x, y)));

export interface NormalizeOptions {
  /** Becomes ClusterState.source. */
  source: string;
  scope: ClusterScope;
  /**
   * Entries the reader has (forbidden resources, unreadable list items); object-level ones are added. Read when
   * the state is made, so a streaming reader may add to it until then.
   */
  skipped?: Skipped[];
}

/**
 * Parses every object with its schema and builds the state. Objects of other kinds are ignored; a later object
 * with the same namespace/name replaces an earlier one (a directory of overlapping dumps); pods are sorted by
 * namespace/name, events by time, maps by key, so that the order of the input does not show in the result.
 * Keys: pods, secrets, service accounts `namespace/name`; workloads `namespace/Kind/name`; nodes by bare name,
 * which is what a pod's `spec.nodeName` holds.
 */
export function normalize(objects: Iterable<unknown>, opts: NormalizeOptions): ClusterState {
  const n = normalizer(opts);
  for (const raw of objects) n.add(raw);
  return n.state();
}

/** normalize() one object at a time: a reader that streams its input adds each object as it is parsed. */
export interface Normalizer {
  add(raw: unknown): void;
  /** The state of everything added (call once, at the end). */
  state(): ClusterState;
}

export function normalizer(opts: NormalizeOptions): Normalizer {
  const { scope } = opts;
  /** Object-level entries; the reader's (opts.skipped) are read when the state is made, so it may add late. */
  const skipped: Skipped[] = [];
  const pods = new Map<string, Pod>();
  const events = new Map<string, ClusterEvent>();
  const secrets = new Map<string, Secret>();
  const serviceAccounts = new Map<string, ServiceAccount>();
  const nodes = new Map<string, Node>();
  const workloads = new Map<string, Workload>();
  const inScope = (ns: string | undefined) => scope.namespace === null || ns === scope.namespace;
  const schemas = scope.lean ? LEAN_SCHEMAS : LOOSE_SCHEMAS;

  const parse = <S extends z.ZodMiniType>(
    schema: S,
    obj: Record<string, unknown>,
  ): z.infer<S> | undefined => {
    const r = schema.safeParse(obj, { reportInput: true });
    if (r.success) return r.data as z.infer<S>;
    const { namespace } = metaOf(obj);
    skipped.push({
      resource: objectLabel(obj),
      ...(namespace !== undefined ? { namespace } : {}),
      reason: `invalid object: ${describeIssues(r.error)}`,
    });
    return undefined;
  };

  const add = (raw: unknown): void => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return;
    const cls = classify(raw as Record<string, unknown>);
    if (cls === null) return;
    if (cls === 'secret' && !scope.secrets) return;
    const obj = trimmed(raw as Record<string, unknown>, cls === 'secret');
    // Nodes are cluster-scoped; everything else is filtered by namespace before parsing (cheaper, and an
    // out-of-scope broken object is not worth a skipped entry).
    if (cls !== 'node' && cls !== 'coreEvent' && cls !== 'eventsV1' && !inScope(metaOf(obj).namespace))
      return;
    switch (cls) {
      case 'pod': {
        const p = parse(schemas.pod, obj);
        if (p) pods.set(key(p.metadata.namespace, p.metadata.name), p);
        break;
      }
      case 'coreEvent':
      case 'eventsV1': {
        const e = cls === 'coreEvent' ? parse(schemas.coreEvent, obj) : parse(schemas.eventsV1, obj);
        if (!e) break;
        const ev = cls === 'coreEvent' ? fromCoreEvent(e as CoreEvent) : fromEventsV1(e as EventsV1);
        if (!inScope(ev.namespace)) break;
        // The two APIs are views of one stored object, so the uid is the identity; the name is unique per
        // namespace and serves when a hand-written event has no uid.
        const id = e.metadata.uid ?? `name:${key(ev.namespace, e.metadata.name)}`;
        const seen = events.get(id);
        events.set(id, seen ? mergeEvents(seen, ev) : ev);
        break;
      }
      case 'secret': {
        const s = parse(schemas.secret, obj);
        if (s) secrets.set(key(s.metadata.namespace, s.metadata.name), s);
        break;
      }
      case 'serviceAccount': {
        const sa = parse(schemas.serviceAccount, obj);
        if (sa) serviceAccounts.set(key(sa.metadata.namespace, sa.metadata.name), sa);
        break;
      }
      case 'node': {
        const n = parse(schemas.node, obj);
        if (n) nodes.set(n.metadata.name, n);
        break;
      }
      case 'workload': {
        const w = parse(schemas.workload, obj);
        if (w) workloads.set(key(w.metadata.namespace, `${w.kind}/${w.metadata.name}`), w);
        break;
      }
    }
  };

  const state = (): ClusterState => {
    skipped.unshift(...(opts.skipped ?? []));
    skipped.sort((a, b) => {
      const x = `${a.resource}\0${a.namespace ?? ''}\0${a.reason}`;
      const y = `${b.resource}\0${b.namespace ?? ''}\0${b.reason}`;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    return {
      source: opts.source,
      pods: [...byKey(pods).values()],
      events: [...events.values()].sort(compareEvents),
      secrets: byKey(secrets),
      serviceAccounts: byKey(serviceAccounts),
      nodes: byKey(nodes),
      workloads: byKey(workloads),
      skipped,
    };
  };
  return { add, state };
}

/**
 * The items of a list with each item's kind and apiVersion filled in. The API server leaves them out of typed
 * lists (`PodList` items carry neither), while kubectl's generic `List` keeps them; an item's own values win.
 */
export function listItems(list: { kind?: unknown; apiVersion?: unknown; items: unknown[] }): unknown[] {
  const listKind = typeof list.kind === 'string' ? list.kind : '';
  const itemKind = listKind.endsWith('List') && listKind !== 'List' ? listKind.slice(0, -4) : undefined;
  const apiVersion = typeof list.apiVersion === 'string' ? list.apiVersion : undefined;
  if (itemKind === undefined) return list.items;
  return list.items.map((item) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return item;
    const o = item as Record<string, unknown>;
    if (typeof o.kind === 'string') return o;
    return { kind: itemKind, ...(apiVersion !== undefined ? { apiVersion } : {}), ...o };
  });
}
