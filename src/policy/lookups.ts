// How much registry work reviews may put in flight (issue 9). A review naming 64 new images used to start 64
// lookups at once; eight such reviews queued ~1000 requests in the HTTP agent, first come first served, so a
// review of one new image waited behind all of them and ordinary reviews waited on a busy, garbage-collecting
// thread (p99 0.2–0.9 s in bench webhook-hostile). Three bounds, all counted in images (every lookup of one image
// — its tag, platforms, sizes, signatures — runs under that image's one slot, so lookups never wait on each other
// and cannot deadlock):
//   - a review starts lookups for at most `newPerReview` images; the next ones are not looked up, and each of
//     their registry rules is unmet with cause POLICY_REJECTED (fail-closed, as for any unverifiable rule);
//   - at most `perReview` images of one review, `perRegistry` of one registry and `inAll` in the process are
//     being looked up at once;
//   - images waiting for a slot are served round robin between reviews (first come first served within one), so
//     a review of one new image waits for at most one lookup of each other review, not for all of them.
import { AsyncLocalStorage } from 'node:async_hooks';
import { RegdoctorError } from '../cause/index.ts';

export interface LookupLimits {
  /** Images a review may start lookups for (images already cached or being looked up cost nothing). */
  newPerReview: number;
  /** Images of one review looked up at once: less than perRegistry, so one review never holds a registry. */
  perReview: number;
  /** Images of one registry looked up at once; the registry gets as many connections. */
  perRegistry: number;
  /** Images looked up at once in all. */
  inAll: number;
}

export const DEFAULT_LOOKUP_LIMITS: LookupLimits = {
  newPerReview: 16,
  perReview: 4,
  perRegistry: 8,
  inAll: 32,
};

/** One admission review: the images it started lookups for. */
export interface ReviewScope {
  readonly admitted: Set<string>;
}

const reviews = new AsyncLocalStorage<ReviewScope>();

/**
 * Runs `fn` as one review: its new images count against one budget and share one turn in the queue. Outside a
 * review (`policy check` on the command line) there is no budget and no per-review bound.
 */
export function inReview<T>(fn: () => T): T {
  return reviews.run({ admitted: new Set() }, fn);
}

export function currentReview(): ReviewScope | undefined {
  return reviews.getStore();
}

/** An image this review may not look up: over its budget of new images. Never cached. */
export class LookupRefused extends RegdoctorError {
  constructor(limit: number) {
    super(
      'POLICY_REJECTED',
      `not looked up: the review names more than ${limit} images not in the webhook's cache, and at most ${limit} are looked up per review (they stay cached: the same request again gets further)`,
    );
    this.name = 'LookupRefused';
  }
}

/** A lookup that waited for a slot past its deadline: the webhook's queue, not the registry; never cached. */
export class LookupQueueTimeout extends RegdoctorError {
  constructor(registry: string, waitedMs: number, limits: LookupLimits) {
    super(
      'NETWORK_TIMEOUT',
      `not looked up: waited ${waitedMs} ms for a lookup slot (at most ${limits.perRegistry} images of ${registry} and ${limits.inAll} in all are looked up at once; is the registry slow?)`,
    );
    this.name = 'LookupQueueTimeout';
  }
}

interface Job {
  key: string;
  registry: string;
  review: ReviewScope | null;
  waiters: { resolve: (release: () => void) => void; reject: (e: Error) => void }[];
  timer: NodeJS.Timeout;
}

interface Active {
  registry: string;
  review: ReviewScope | null;
  users: number;
}

/** Lookups outside any review (the CLI): one queue, no per-review bound. */
const NO_REVIEW = {};

export class LookupGate {
  private readonly active = new Map<string, Active>();
  private readonly queued = new Map<string, Job>();
  /** Reviews with images waiting, in arrival order, each with its images first come first served. */
  private readonly turns = new Map<object, Job[]>();
  private readonly byRegistry = new Map<string, number>();
  private readonly byReview = new Map<object, number>();
  /** When each review was last granted a slot (a grant counter), for least-recently-served order. */
  private readonly served = new WeakMap<object, number>();
  private grants = 0;

  constructor(readonly limits: LookupLimits) {}

  /** Images being looked up now, and images waiting for a slot. */
  state(): { active: number; waiting: number } {
    return { active: this.active.size, waiting: this.queued.size };
  }

  /**
   * Resolves with a release function once image `key` holds a slot (at once if it already does: every lookup of
   * one image shares its slot). Rejects with LookupQueueTimeout after `waitMs` in the queue.
   */
  enter(key: string, registry: string, review: ReviewScope | null, waitMs: number): Promise<() => void> {
    const running = this.active.get(key);
    if (running) {
      running.users++;
      return Promise.resolve(this.releaser(key, running));
    }
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      const job = this.queued.get(key);
      if (job) {
        job.waiters.push(waiter);
        return;
      }
      const started = performance.now();
      const fresh: Job = {
        key,
        registry,
        review,
        waiters: [waiter],
        timer: setTimeout(() => {
          this.unqueue(fresh);
          const e = new LookupQueueTimeout(registry, Math.round(performance.now() - started), this.limits);
          for (const w of fresh.waiters) w.reject(e);
        }, waitMs),
      };
      this.queued.set(key, fresh);
      const turn = review ?? NO_REVIEW;
      const list = this.turns.get(turn);
      if (list) list.push(fresh);
      else this.turns.set(turn, [fresh]);
      this.pump();
    });
  }

  private releaser(key: string, a: Active): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--a.users > 0) return;
      this.active.delete(key);
      this.count(this.byRegistry, a.registry, -1);
      this.count(this.byReview, a.review ?? NO_REVIEW, -1);
      this.pump();
    };
  }

  private count<K>(m: Map<K, number>, k: K, d: number): number {
    const n = (m.get(k) ?? 0) + d;
    if (n > 0) m.set(k, n);
    else m.delete(k);
    return n;
  }

  private unqueue(job: Job): void {
    clearTimeout(job.timer);
    this.queued.delete(job.key);
    const turn = job.review ?? NO_REVIEW;
    const list = this.turns.get(turn);
    if (!list) return;
    const at = list.indexOf(job);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) this.turns.delete(turn);
  }

  private runnable(job: Job): boolean {
    if ((this.byRegistry.get(job.registry) ?? 0) >= this.limits.perRegistry) return false;
    return job.review === null || (this.byReview.get(job.review) ?? 0) < this.limits.perReview;
  }

  /**
   * Grants slots while there is room: to the oldest image that can run of the review served least recently
   * (reviews never served first, in arrival order).
   */
  private pump(): void {
    while (this.active.size < this.limits.inAll) {
      let next: Job | undefined;
      let nextServed = Infinity;
      for (const [turn, list] of this.turns) {
        const served = this.served.get(turn) ?? -1;
        if (served >= nextServed) continue;
        const job = list.find((j) => this.runnable(j));
        if (job) {
          next = job;
          nextServed = served;
        }
      }
      if (!next) return;
      this.unqueue(next);
      this.served.set(next.review ?? NO_REVIEW, this.grants++);
      const a: Active = { registry: next.registry, review: next.review, users: next.waiters.length };
      this.active.set(next.key, a);
      this.count(this.byRegistry, next.registry, 1);
      this.count(this.byReview, next.review ?? NO_REVIEW, 1);
      // One release per waiter: the slot is free once every lookup of the image has ended.
      for (const w of next.waiters) w.resolve(this.releaser(next.key, a));
    }
  }
}
