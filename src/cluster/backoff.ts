// How long a reflector (reflector.ts) waits before talking to the API server again after a list failed, a watch
// broke or a watch expired.
// client-go's reflector shape (wait.NewExponentialBackoffManager(800ms, 30s, 2min, 2.0, 1.0)): start at 0.8 s,
// double up to 30 s, add up to 100 % random jitter so that many clients do not retry in step, and start over
// once no backoff was needed for 2 minutes (the server is healthy again).

export interface BackoffOptions {
  /** First wait before jitter (default 800 ms). */
  initialMs?: number;
  /** Largest wait before jitter (default 30 s; with jitter a wait is below twice this). */
  maxMs?: number;
  /** A quiet stretch this long resets the wait to initialMs (default 2 min). */
  resetAfterMs?: number;
  /** [0, 1); tests pin the jitter. */
  random?: () => number;
  /** Milliseconds clock; tests move it. */
  now?: () => number;
}

export class Backoff {
  private readonly initial: number;
  private readonly max: number;
  private readonly resetAfter: number;
  private readonly random: () => number;
  private readonly now: () => number;
  private base: number;
  private last: number;

  constructor(o: BackoffOptions = {}) {
    this.initial = o.initialMs ?? 800;
    this.max = Math.max(this.initial, o.maxMs ?? 30_000);
    this.resetAfter = o.resetAfterMs ?? 120_000;
    this.random = o.random ?? Math.random;
    this.now = o.now ?? (() => performance.now());
    this.base = this.initial;
    this.last = this.now();
  }

  /** The next wait in ms: the current base plus jitter in [0, base); the base then doubles up to the cap. */
  next(): number {
    const t = this.now();
    if (t - this.last > this.resetAfter) this.base = this.initial;
    this.last = t;
    const wait = this.base + this.random() * this.base;
    this.base = Math.min(this.base * 2, this.max);
    return wait;
  }
}
