// One admission decision: which requests are evaluated at all, how violations become a denial message or
// warnings, and why an UPDATE is judged only on what it changes.
import { podSpecOf, readPodSpec, type Note, type PolicyObject, type Violation } from '../policy/evaluate.ts';
import { inReview } from '../policy/lookups.ts';
import {
  BadReview,
  boundedMessage,
  boundedWarnings,
  type AdmissionRequest,
  type AdmissionResponse,
} from './admission.ts';

/** The kinds the webhook evaluates, by API group. Anything else is allowed untouched. */
export const WORKLOAD_KINDS: Readonly<Record<string, string>> = {
  Pod: '',
  Deployment: 'apps',
  StatefulSet: 'apps',
  DaemonSet: 'apps',
  ReplicaSet: 'apps',
  Job: 'batch',
  CronJob: 'batch',
};

/**
 * More containers than any pod runs. A 3 MiB review can carry 60,000 of them, and evaluating those took seconds
 * of one thread and over 256 Mi: such an object is denied without being evaluated.
 */
export const MAX_CONTAINERS = 256;

/** `kubectl debug` adds containers through this subresource; other subresources (status, scale…) run no images. */
const EVALUATED_SUBRESOURCES = new Set(['', 'ephemeralcontainers']);

export interface Decision {
  response: AdmissionResponse;
  /** Set when the object was evaluated: what it was, for the log. */
  subject?: string;
  /** Warn-mode findings in full, for the log (the response's warnings are cut to 120 characters). */
  warned?: string[];
  notes: Note[];
}

export interface Evaluate {
  evaluate(
    obj: PolicyObject,
    options: { defaultNamespace: string },
  ): Promise<{
    violations: Violation[];
    notes: Note[];
  }>;
}

type Meta = {
  name?: unknown;
  generateName?: unknown;
  namespace?: unknown;
  deletionTimestamp?: unknown;
};

function asObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new BadReview(`${what} is not an object`);
  return v as Record<string, unknown>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The object to evaluate, and how many containers its pod spec has (counted before anything is parsed). */
function target(
  raw: unknown,
  what: string,
  kind: string,
  req: AdmissionRequest,
): { o: PolicyObject; containers: number } {
  const obj = asObject(raw, what);
  const meta = (typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}) as Meta;
  // On CREATE with generateName the API server has not picked the name yet.
  const name =
    str(meta.name) || req.name || (str(meta.generateName) ? `${str(meta.generateName)}*` : '(unnamed)');
  const namespace = str(meta.namespace) || req.namespace || 'default';
  const o: PolicyObject = { ...obj, kind, metadata: { ...(obj.metadata as object), name, namespace } };
  const containers = countContainers(podSpecOf(o));
  if (containers > MAX_CONTAINERS) return { o, containers };
  const spec = readPodSpec(o);
  if (typeof spec === 'string') throw new BadReview(`${what}: ${kind} ${namespace}/${name}: ${spec}`);
  return { o, containers };
}

function countContainers(spec: unknown): number {
  if (typeof spec !== 'object' || spec === null) return 0;
  const s = spec as Record<string, unknown>;
  return [s.initContainers, s.containers, s.ephemeralContainers].reduce<number>(
    (n, list) => n + (Array.isArray(list) ? list.length : 0),
    0,
  );
}

/** Identifies a violation across the old and new object of an UPDATE. */
const key = (v: Violation) => [v.policy, v.rule, v.containerType, v.container, v.image].join('\0');

function where(v: Violation): string {
  const type = v.containerType === 'container' ? 'container' : v.containerType.replace('C', ' c');
  return `${type} ${JSON.stringify(v.container)}`;
}

/**
 * Decides one AdmissionReview. Its registry lookups (of the object and, for an UPDATE, the old object) share one
 * budget of new images and one turn in the lookup queue (policy/lookups.ts).
 */
export function review(req: AdmissionRequest, policies: Evaluate): Promise<Decision> {
  return inReview(() => decide(req, policies));
}

async function decide(req: AdmissionRequest, policies: Evaluate): Promise<Decision> {
  const allow: Decision = { response: { uid: req.uid, allowed: true }, notes: [] };
  if (req.operation !== 'CREATE' && req.operation !== 'UPDATE') return allow;
  const kind = req.kind.kind;
  if (WORKLOAD_KINDS[kind] !== req.kind.group) return allow;
  if (!EVALUATED_SUBRESOURCES.has(req.subResource ?? '')) return allow;
  const { o: obj, containers } = target(req.object, 'request.object', kind, req);
  // An object on its way out is updated only to remove finalizers; denying that would wedge the deletion.
  if (req.operation === 'UPDATE' && (obj.metadata as Meta).deletionTimestamp) return allow;
  const subject = `${kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
  if (containers > MAX_CONTAINERS) {
    const message = `${subject} has ${containers} containers; the webhook evaluates at most ${MAX_CONTAINERS} per object, so it is denied unevaluated`;
    return {
      response: { uid: req.uid, allowed: false, status: { code: 403, reason: 'Forbidden', message } },
      subject,
      notes: [],
    };
  }
  const options = { defaultNamespace: obj.metadata.namespace ?? 'default' };
  const now = await policies.evaluate(obj, options);

  // An UPDATE is denied only for what it introduces: a policy created after a Deployment must not block scaling
  // it, labelling it or a controller's metadata update. What was already there is reported as a warning.
  let before = new Set<string>();
  if (req.operation === 'UPDATE' && req.oldObject != null) {
    const old = target(req.oldObject, 'request.oldObject', kind, req);
    // An old object past the cap is not evaluated either: everything in the update counts as introduced.
    if (old.containers <= MAX_CONTAINERS)
      before = new Set((await policies.evaluate(old.o, options)).violations.map(key));
  }
  const denied = now.violations.filter((v) => v.mode === 'enforce' && !before.has(key(v)));
  const warned = now.violations.filter((v) => v.mode === 'warn' || before.has(key(v)));
  const response: AdmissionResponse = { uid: req.uid, allowed: denied.length === 0 };
  if (denied.length) {
    response.status = {
      code: 403,
      reason: 'Forbidden',
      message: boundedMessage(
        `${subject} violates ImagePolicy:`,
        denied.map((v) => `[${v.policy}/${v.rule}] ${where(v)}: ${v.message}`),
      ),
    };
  }
  const warnedLines = warned.map(
    (v) =>
      `${v.policy}/${v.rule}${v.mode === 'enforce' ? ' (already present)' : ''}: ${where(v)}: ${v.message}`,
  );
  if (warned.length) response.warnings = boundedWarnings(warnedLines);
  return { response, subject, notes: now.notes, ...(warned.length ? { warned: warnedLines } : {}) };
}
