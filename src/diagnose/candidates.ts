// Which containers fail to pull, and the most specific message the kubelet left about each: waiting states
// (init, regular, ephemeral), pull events matched by fieldPath or by the image they name, and pulls that have been
// running with no outcome for far longer than usual.
import type { ClusterEvent, ClusterState, ContainerStatus, Pod } from '../cluster/types.ts';
import { formatReference, parseReference } from '../reference/index.ts';
import { podEvents, SECRET_EVENT } from './events.ts';
import { resolveOwner } from './owner.ts';
import { scrubCandidates } from './scrub.ts';
import type { ContainerType } from '../result/index.ts';
import type { Candidate, PullMessage } from './types.ts';
import { STUCK_REASON, messageVerdict } from './verdict.ts';

export interface CandidateOptions {
  /** Milliseconds since epoch that "now" is (default Date.now()). */
  now?: number;
  /** A `Pulling` event with no outcome older than this is a stuck pull (default 10 minutes). */
  stuckPullingMs?: number;
}

export const DEFAULT_STUCK_PULLING_MS = 10 * 60_000;

const PULL_WAITING_REASONS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'ErrImageNeverPull',
  'InvalidImageName',
  'ImageInspectError',
  'RegistryUnavailable',
  'ErrImagePullBackOff',
  'SignatureValidationFailed',
  'PullImageError',
]);

/** Waiting reasons that mean the image is the problem (kubelet images/types.go, older releases and runtimes). */
export function isPullWaitingReason(reason: string | undefined): boolean {
  if (!reason) return false;
  return PULL_WAITING_REASONS.has(reason) || /^(?:Err)?Image|ImagePull|PullImage/.test(reason);
}

const FAILED_PULL =
  /^(?:Failed to pull image|Error: (?:ErrImagePull|ImagePullBackOff|ErrImagePullBackOff|ErrImageNeverPull|InvalidImageName|ImageInspectError|RegistryUnavailable|SignatureValidationFailed)\b)/;
const BACKOFF_PULL = /^Back-off pulling image/i;

/** Events that report a failed pull (or a pull doomed to fail) of one container. */
export function isPullFailureEvent(e: ClusterEvent): boolean {
  switch (e.reason) {
    case 'Failed':
      return FAILED_PULL.test(e.message);
    case 'BackOff':
      return BACKOFF_PULL.test(e.message);
    case 'InspectFailed':
    case 'ErrImageNeverPull':
    case SECRET_EVENT:
      return true;
    default:
      return false;
  }
}

const FIELD_PATH = /^spec\.(containers|initContainers|ephemeralContainers)\{(.+)\}$/;
const FIELD_TYPES: Record<string, ContainerType> = {
  containers: 'regular',
  initContainers: 'init',
  ephemeralContainers: 'ephemeral',
};

interface Slot {
  name: string;
  type: ContainerType;
  image: string;
  pullPolicy: string | null;
  status: ContainerStatus | undefined;
}

function slots(pod: Pod): Slot[] {
  const out: Slot[] = [];
  const add = (
    type: ContainerType,
    specs: Pod['spec']['containers'] | null | undefined,
    statuses: ContainerStatus[] | null | undefined,
  ) => {
    const names = new Set<string>();
    for (const c of specs ?? []) {
      names.add(c.name);
      const status = statuses?.find((s) => s.name === c.name);
      out.push({
        name: c.name,
        type,
        image: c.image ?? status?.image ?? '',
        pullPolicy: c.imagePullPolicy ?? null,
        status,
      });
    }
    // A status without a spec entry (a trimmed snapshot) still tells us what failed.
    for (const s of statuses ?? []) {
      if (!names.has(s.name))
        out.push({ name: s.name, type, image: s.image ?? '', pullPolicy: null, status: s });
    }
  };
  add('init', pod.spec.initContainers, pod.status.initContainerStatuses);
  add('regular', pod.spec.containers, pod.status.containerStatuses);
  add('ephemeral', pod.spec.ephemeralContainers, pod.status.ephemeralContainerStatuses);
  return out;
}

const canonicalCache = new Map<string, string>();

/** The fully qualified form, so that `nginx` and `docker.io/library/nginx:latest` compare equal. */
const canonical = (image: string): string => {
  let c = canonicalCache.get(image);
  if (c === undefined) {
    try {
      c = formatReference(parseReference(image));
    } catch {
      c = image;
    }
    if (canonicalCache.size >= 10_000) canonicalCache.clear();
    canonicalCache.set(image, c);
  }
  return c;
};

const IMAGE_IN_MESSAGE = /image \\?"([^"\\]+)\\?"/i;

function eventTargets(e: ClusterEvent, slot: Slot, canonicalImage: string): boolean {
  const fp = e.involved.fieldPath;
  if (fp) {
    const m = FIELD_PATH.exec(fp);
    if (m) return FIELD_TYPES[m[1] as string] === slot.type && m[2] === slot.name;
    // Kubelets that reference containers some other way: fall back to the image in the message.
  }
  if (e.reason === SECRET_EVENT) return true;
  const named = IMAGE_IN_MESSAGE.exec(e.message)?.[1];
  if (!named || !slot.image) return false;
  return named === slot.image || canonical(named) === canonicalImage;
}

const tierOf = (m: PullMessage): number => {
  if (m.reason === SECRET_EVENT) return 1;
  if (m.message.trim() === '') return 3;
  const cause = messageVerdict(m.reason, m.message).cause;
  if (cause === 'BACKOFF_NO_DETAIL') return 3;
  if (cause === 'UNKNOWN') return 2;
  return 0;
};

/**
 * The most specific message: a detailed one the classifier recognises, then a pull-secret event, then a detailed
 * one it does not, then a bare back-off. Within a tier the waiting state (the current one) comes first, then the
 * newest event — so the last detailed `Failed` event beats a waiting message that is only a back-off.
 */
export function bestMessage(messages: PullMessage[]): PullMessage | null {
  let best: PullMessage | null = null;
  let bestTier = Infinity;
  let bestTime = -Infinity;
  for (const m of messages) {
    const tier = tierOf(m);
    const time = m.source === 'waiting' ? Infinity : (m.event?.lastSeen ?? 0);
    if (tier < bestTier || (tier === bestTier && time >= bestTime)) {
      best = m;
      bestTier = tier;
      bestTime = time;
    }
  }
  return best;
}

function started(status: ContainerStatus | undefined): boolean {
  return !!(status?.state?.running || status?.state?.terminated);
}

function collect(state: ClusterState, pod: Pod, opts: CandidateOptions): Candidate[] {
  const now = opts.now ?? Date.now();
  const stuckAfter = opts.stuckPullingMs ?? DEFAULT_STUCK_PULLING_MS;
  const events = podEvents(state, pod);
  const out: Candidate[] = [];
  let owner: Candidate['owner'] | undefined;
  for (const slot of slots(pod)) {
    const waitingState = slot.status?.state?.waiting;
    const waiting = isPullWaitingReason(waitingState?.reason)
      ? { reason: waitingState!.reason!, message: waitingState!.message ?? '' }
      : null;
    // A container that started and waits on no pull has nothing to find, whatever its events say.
    if (!waiting && started(slot.status)) continue;
    const image = canonical(slot.image);
    const mine = events.filter((e) => eventTargets(e, slot, image));
    const lastPulled = mine.filter((e) => e.reason === 'Pulled').at(-1);
    const since = lastPulled?.lastSeen ?? -Infinity;
    const recent = mine.filter((e) => e.lastSeen > since);
    const failures = recent.filter(isPullFailureEvent);

    let stuckPulling: Candidate['stuckPulling'] = null;
    let stuckEvent: ClusterEvent | undefined;
    if (!waiting) {
      const lastPulling = recent.filter((e) => e.reason === STUCK_REASON).at(-1);
      const lastFailure = failures.filter((e) => e.reason !== 'FailedToRetrieveImagePullSecret').at(-1);
      if (lastPulling && lastPulling.lastSeen > (lastFailure?.lastSeen ?? -Infinity)) {
        // A pull is under way; it is a finding only once it has run far longer than a pull should.
        const ms = now - lastPulling.lastSeen;
        if (lastPulling.lastSeen <= 0 || ms <= stuckAfter) continue;
        stuckPulling = { since: lastPulling.lastSeen, ms };
        stuckEvent = lastPulling;
      } else if (failures.length === 0) continue;
    }

    const messages: PullMessage[] = [];
    if (waiting) messages.push({ source: 'waiting', reason: waiting.reason, message: waiting.message });
    if (stuckEvent)
      messages.push({
        source: 'event',
        reason: STUCK_REASON,
        message: stuckEvent.message,
        event: stuckEvent,
      });
    else
      for (const e of failures)
        messages.push({ source: 'event', reason: e.reason, message: e.message, event: e });
    const best = bestMessage(messages);
    if (!best) continue;

    owner ??= resolveOwner(state, pod);
    out.push({
      namespace: pod.metadata.namespace ?? '',
      pod: pod.metadata.name,
      container: slot.name,
      containerType: slot.type,
      owner,
      node: pod.spec.nodeName ?? null,
      image: slot.image,
      imagePullPolicy: slot.pullPolicy,
      waiting,
      best,
      events: stuckEvent
        ? [...failures.filter((e) => e.lastSeen <= stuckEvent.lastSeen), stuckEvent]
        : failures,
      stuckPulling,
      source: pod,
      scrubbed: false,
    });
  }
  return out;
}

/** The pod's failing containers, with every message redacted. */
export function podCandidates(state: ClusterState, pod: Pod, opts: CandidateOptions = {}): Candidate[] {
  return scrubCandidates(state, collect(state, pod, opts));
}

/** Every failing container of the state, with every message redacted (in one pass for the whole state). */
export function findCandidates(state: ClusterState, opts: CandidateOptions = {}): Candidate[] {
  return scrubCandidates(
    state,
    state.pods.flatMap((pod) => collect(state, pod, opts)),
  );
}
