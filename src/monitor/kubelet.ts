// What the kubelet tells us about a finished pull, and the kubelet's own bucketing of it, so that regdoctor's pull
// histogram lines up with `kubelet_image_pull_duration_seconds` (kubernetes pkg/kubelet/metrics/metrics.go).

/** kubelet `imagePullDurationBuckets`, in seconds. */
export const PULL_DURATION_BUCKETS = [
  1, 5, 10, 20, 30, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600,
];

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/** kubelet `imageSizeBuckets`: binary units despite the "MB"/"GB" labels; a size belongs to the last bound it exceeds. */
const SIZE_BUCKETS: ReadonlyArray<readonly [number, string]> = [
  [0, '0-10MB'],
  [10 * MiB, '10MB-100MB'],
  [100 * MiB, '100MB-500MB'],
  [500 * MiB, '500MB-1GB'],
  [1 * GiB, '1GB-5GB'],
  [5 * GiB, '5GB-10GB'],
  [10 * GiB, '10GB-20GB'],
  [20 * GiB, '20GB-30GB'],
  [30 * GiB, '30GB-40GB'],
  [40 * GiB, '40GB-60GB'],
  [60 * GiB, '60GB-100GB'],
  [100 * GiB, 'GT100GB'],
];

/** Every value the `image_size_in_bytes` label can take. */
export const IMAGE_SIZE_LABELS: readonly string[] = [...SIZE_BUCKETS.map(([, l]) => l), 'N/A'];

/** The kubelet's label for an image size; unknown (older kubelets say nothing) and 0 are both "N/A", as there. */
export function imageSizeBucket(bytes: number | null): string {
  if (bytes === null || !(bytes > 0)) return 'N/A';
  for (let i = SIZE_BUCKETS.length - 1; i >= 0; i--) {
    const [lower, label] = SIZE_BUCKETS[i]!;
    if (bytes > lower) return label;
  }
  return 'N/A';
}

export interface PulledEvent {
  image: string;
  /** Including time spent waiting in the kubelet's pull queue when the message says so (what the kubelet measures). */
  seconds: number;
  bytes: number | null;
}

const UNIT_SECONDS: Record<string, number> = {
  h: 3600,
  m: 60,
  s: 1,
  ms: 1e-3,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ns: 1e-9,
};

// Go's time.Duration.String(): "1h2m3.5s", "850ms", "0s". Longer units first so "ms" is not read as "m".
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|μs|ns))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|μs|ns)/g;

export function parseGoDuration(text: string): number | null {
  if (!GO_DURATION.test(text)) return null;
  let total = 0;
  for (const m of text.matchAll(GO_DURATION_PART)) total += Number(m[1]) * UNIT_SECONDS[m[2]!]!;
  return total;
}

// Forms seen across kubelet versions (pkg/kubelet/images/image_manager.go):
//   Successfully pulled image "x" in 3.2s (3.2s including waiting). Image size: 12345 bytes.
//   Successfully pulled image "x" in 3.2s (3.2s including waiting)
//   Successfully pulled image "x" in 3.212345678s
// "Container image … already present on machine" shares the Pulled reason but measured no pull: not a match.
const PULLED =
  /^Successfully pulled image "([^"]+)" in (\S+?)(?: \((\S+) including waiting\))?\.?(?: Image size: (\d+) bytes\.?)?\s*$/;

/** Parses a kubelet `Pulled` event message; null for anything that is not a completed pull. */
export function parsePulledEvent(message: string): PulledEvent | null {
  const m = PULLED.exec(message.trim());
  if (!m) return null;
  const pulled = parseGoDuration(m[2]!);
  const waiting = m[3] === undefined ? null : parseGoDuration(m[3]);
  const seconds = waiting ?? pulled;
  if (seconds === null) return null;
  const bytes = m[4] === undefined ? null : Number(m[4]);
  return { image: m[1]!, seconds, bytes: bytes !== null && Number.isSafeInteger(bytes) ? bytes : null };
}

/** What the tracker needs of an event: both event APIs normalise to this (src/cluster/types.ts ClusterEvent). */
export interface TrackedEvent {
  namespace: string;
  involved: { kind: string; name: string; uid?: string; fieldPath?: string };
  reason: string;
  message: string;
  count: number;
  firstSeen: number;
}

/** How long an event is remembered after it was last listed: past the API server's default event TTL (1 h). */
export const PULLED_EVENT_MEMORY_MS = 2 * 3600 * 1000;

/**
 * Turns repeated listings of the same events into new occurrences, so that each kubelet `Pulled` event is counted
 * once however many polls see it. An event is identified by what it is about and when it first happened; a
 * recurrence the API server folded into it (its count went up) is a new occurrence. Events are forgotten
 * `memoryMs` after they were last listed, which keeps the memory bounded by the cluster's own event retention.
 */
export class PulledEventTracker {
  private readonly seen = new Map<string, { count: number; lastListed: number }>();

  constructor(private readonly memoryMs = PULLED_EVENT_MEMORY_MS) {}

  /** The `Pulled` messages that are new since the previous call, one entry per occurrence. */
  newOccurrences(events: Iterable<TrackedEvent>, now = Date.now()): string[] {
    const out: string[] = [];
    for (const e of events) {
      if (e.reason !== 'Pulled') continue;
      const i = e.involved;
      const key = JSON.stringify([
        e.namespace,
        i.kind,
        i.name,
        i.uid ?? '',
        i.fieldPath ?? '',
        e.firstSeen,
        e.message,
      ]);
      const count = Math.max(1, e.count);
      const before = this.seen.get(key);
      for (let n = before?.count ?? 0; n < count; n++) out.push(e.message);
      this.seen.set(key, { count: Math.max(count, before?.count ?? 0), lastListed: now });
    }
    for (const [key, v] of this.seen) if (now - v.lastListed > this.memoryMs) this.seen.delete(key);
    return out;
  }

  get size(): number {
    return this.seen.size;
  }
}
