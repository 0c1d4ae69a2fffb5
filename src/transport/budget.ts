// What one operation (a probe, a policy lookup, an exporter check) may spend in all: a deadline, a number of HTTP
// exchanges and a number of body bytes. The per-request timeout bounds one wait; only a budget bounds the sum, so a
// registry that answers every request just under the timeout, or redirects and paginates without end, cannot hold
// an operation for minutes or fill the heap.
import type { StepName } from '../result/index.ts';
import { TransportError } from './errors.ts';

export interface BudgetLimits {
  /** Wall time for the whole operation, in ms. */
  deadlineMs?: number;
  /** HTTP exchanges (each redirect hop counts). */
  requests?: number;
  /** Response body bytes read, summed over every exchange. */
  bytes?: number;
}

/** Defaults sized for one probe: a real pull needs about ten requests and a few hundred KiB of JSON. */
export const PROBE_BUDGET: Required<BudgetLimits> = {
  deadlineMs: 60_000,
  requests: 100,
  bytes: 64 * 1024 * 1024,
};

/** Node timers fire at once past 2^31-1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Budget {
  readonly limits: Required<BudgetLimits>;
  /** performance.now() at which the deadline passes. */
  readonly deadline: number;
  requests = 0;
  bytes = 0;

  constructor(limits: BudgetLimits = {}, now = performance.now()) {
    this.limits = {
      deadlineMs: Math.min(limits.deadlineMs ?? Infinity, MAX_TIMER_MS),
      requests: limits.requests ?? Infinity,
      bytes: limits.bytes ?? Infinity,
    };
    this.deadline = now + this.limits.deadlineMs;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - performance.now());
  }

  /** The wait allowed for one call whose own timeout is `perCall`: whichever ends first. */
  timeout(perCall: number): { ms: number; byDeadline: boolean } {
    const left = this.remainingMs();
    return left < perCall ? { ms: left, byDeadline: true } : { ms: perCall, byDeadline: false };
  }

  expired(step: StepName, what: string): TransportError {
    return new TransportError(
      'NETWORK_TIMEOUT',
      step,
      `${what}: the deadline of ${fmtMs(this.limits.deadlineMs)} for the whole operation ran out`,
      { deadlineMs: this.limits.deadlineMs },
    );
  }

  /** Counts one HTTP exchange; throws when the deadline has passed or the request allowance is spent. */
  spendRequest(step: StepName, what: string): void {
    if (this.remainingMs() <= 0) throw this.expired(step, what);
    if (this.requests >= this.limits.requests)
      throw new TransportError(
        'REGISTRY_ERROR',
        step,
        `${what}: not sent, ${this.limits.requests} requests already made for this operation (redirect or pagination without end?)`,
        { requestLimit: this.limits.requests },
      );
    this.requests++;
  }

  bytesLeft(): number {
    return Math.max(0, this.limits.bytes - this.bytes);
  }

  spendBytes(n: number): void {
    this.bytes += n;
  }

  /** Waits for `p` no longer than the deadline (for work another operation started, e.g. a shared dial). */
  race<T>(p: Promise<T>, step: StepName, what: string): Promise<T> {
    if (!Number.isFinite(this.limits.deadlineMs)) return p;
    return new Promise<T>((resolve, reject) => {
      // Timers may fire a little early by performance.now(): wait out what is left before calling it expired.
      const arm = (): NodeJS.Timeout =>
        setTimeout(() => {
          if (this.remainingMs() > 0) timer = arm();
          else reject(this.expired(step, what));
        }, Math.ceil(this.remainingMs()));
      let timer = arm();
      p.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e);
        },
      );
    });
  }
}

export function fmtMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
