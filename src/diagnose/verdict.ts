// What a kubelet message alone says: the classifier, plus the one case it cannot see — a pull that has been
// `Pulling` with no outcome, where the only message is the start of the pull.
import type { Cause } from '../cause/index.ts';
import { classify, type Classification } from '../classify/index.ts';

export const STUCK_REASON = 'Pulling';

const STUCK_ALTERNATIVES: Cause[] = ['NETWORK_TIMEOUT', 'REGISTRY_ERROR'];

// A scan classifies the same kubelet messages over and over (every event of a pod, every pod of a workload); the
// classifier is pure, so its verdicts are shared. Bounded so a long-running process does not grow without limit.
const MAX_CACHED = 10_000;
const cache = new Map<string, Classification>();

export function messageVerdict(reason: string, message: string): Classification {
  const k = `${reason}\0${message}`;
  let c = cache.get(k);
  if (!c) {
    if (cache.size >= MAX_CACHED) cache.clear();
    c = Object.freeze(verdictOf(reason, message));
    cache.set(k, c);
  }
  return c;
}

function verdictOf(reason: string, message: string): Classification {
  const c = classify(message, { reason });
  if (reason !== STUCK_REASON || (c.cause !== 'UNKNOWN' && c.cause !== 'BACKOFF_NO_DETAIL')) return c;
  // A pull that never finishes is a slow or stalled transfer: the runtime's progress deadline is what ends it.
  return {
    ...c,
    cause: 'PULL_TIMEOUT',
    confidence: 'likely',
    alternatives: STUCK_ALTERNATIVES,
    explanation: 'the pull started but has not finished or failed',
    evidence: message,
  };
}
