// The creator's side of ImagePullChecks: create checks for one run, wait for the node agents' answers through one
// watch over the run's label (not one poll per check), and delete every check the run created, whatever happened.
// Every wait is bounded: a node whose agent does not take a check within `answerMs` has no agent (the caller falls
// back or says so); a taken check that does not finish within `waitMs` has timed out.
import { randomBytes } from 'node:crypto';
import type { Reflector } from '../cluster/reflector.ts';
import type { ProbeResult } from '../result/index.ts';
import type { CheckApi } from './api.ts';
import { isFinished, newCheck, parseCheck, RUN_LABEL, type CheckSpec, type ImagePullCheck } from './check.ts';
import { parseResult, type NodeFacts } from './result.ts';

export type NodeAnswer =
  | {
      kind: 'result';
      check: string;
      agent: string;
      probe: ProbeResult;
      node: NodeFacts | null;
      message?: string;
    }
  | { kind: 'refused' | 'failed'; check: string; agent: string; message: string }
  /** No agent took the check within answerMs (none runs on the node, or it cannot reach the API server). */
  | { kind: 'unanswered'; check: string | null; message: string }
  /** Taken, but not finished within waitMs. */
  | { kind: 'timeout'; check: string; agent: string; message: string };

export interface CheckRunOptions {
  /** How long an agent has to take a check (default 15 s). */
  answerMs?: number;
  /** How long a check may take in all (default 90 s). */
  waitMs?: number;
  log?: (line: string) => void;
  /** Called when a check is taken (Running) or answered. */
  onProgress?: (check: ImagePullCheck) => void;
}

interface Pending {
  resolve: (c: ImagePullCheck) => void;
  onRunning: () => void;
}

export class CheckRun {
  readonly id = randomBytes(6).toString('hex');
  private readonly seen = new Map<string, ImagePullCheck>();
  private readonly pending = new Map<string, Pending>();
  private readonly created = new Set<string>();
  private reflector: Reflector | null = null;
  private lastError = 'no answer';

  constructor(
    private readonly api: CheckApi,
    private readonly opts: CheckRunOptions = {},
  ) {}

  private update(raw: unknown): void {
    const c = parseCheck(raw);
    if ('error' in c) return;
    this.seen.set(c.name, c);
    const p = this.pending.get(c.name);
    if (!p) return;
    this.opts.onProgress?.(c);
    if (isFinished(c.status)) p.resolve(c);
    else if (c.status?.phase === 'Running') p.onRunning();
  }

  /** Starts the run's watch; false when its first list did not succeed within answerMs (lastError says why). */
  private async watch(): Promise<boolean> {
    if (!this.reflector) {
      this.reflector = this.api.watch(`${RUN_LABEL}=${this.id}`, {
        log: (line) => {
          this.lastError = line;
          this.opts.log?.(line);
        },
        onList: (items) => items.forEach((i) => this.update(i)),
        onEvent: (type, obj) => {
          if (type !== 'DELETED') this.update(obj);
        },
      });
    }
    if (this.reflector.isSynced()) return true;
    let timer: NodeJS.Timeout | undefined;
    const synced = await Promise.race([
      this.reflector.synced.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.opts.answerMs ?? 15_000))),
    ]);
    clearTimeout(timer);
    return synced;
  }

  /** Creates a check for `spec` and waits for its answer. */
  async probe(spec: CheckSpec): Promise<NodeAnswer> {
    if (!(await this.watch())) {
      return {
        kind: 'unanswered',
        check: null,
        message: `could not watch ImagePullChecks: ${this.lastError}`,
      };
    }
    const body = newCheck(spec, this.id);
    let check: ImagePullCheck;
    try {
      check = await this.api.create(body);
    } catch (err) {
      return {
        kind: 'unanswered',
        check: null,
        message: `could not create an ImagePullCheck: ${(err as Error).message}`,
      };
    }
    this.created.add(check.name);
    const answerMs = this.opts.answerMs ?? 15_000;
    const waitMs = this.opts.waitMs ?? 90_000;
    let running = false;
    const done = await new Promise<ImagePullCheck | 'unanswered' | 'timeout'>((resolve) => {
      const answerTimer = setTimeout(() => {
        if (!running) resolve('unanswered');
      }, answerMs);
      const waitTimer = setTimeout(() => resolve('timeout'), Math.max(waitMs, answerMs));
      const settle = (v: ImagePullCheck | 'unanswered' | 'timeout') => {
        clearTimeout(answerTimer);
        clearTimeout(waitTimer);
        this.pending.delete(check.name);
        resolve(v);
      };
      this.pending.set(check.name, {
        resolve: settle,
        onRunning: () => {
          running = true;
        },
      });
      // The answer may have arrived before this check was registered.
      const known = this.seen.get(check.name);
      if (known) this.update(known);
    });
    const agent = (typeof done === 'object' ? done : this.seen.get(check.name))?.status?.agent ?? '';
    if (done === 'unanswered') {
      return {
        kind: 'unanswered',
        check: check.name,
        message: `no regdoctor agent took the check within ${answerMs / 1000} s (is the agent DaemonSet running on node ${spec.nodeName}?)`,
      };
    }
    if (done === 'timeout') {
      return {
        kind: 'timeout',
        check: check.name,
        agent,
        message: `the agent on node ${spec.nodeName} did not finish within ${waitMs / 1000} s`,
      };
    }
    const st = done.status!;
    if (st.phase !== 'Completed') {
      return {
        kind: st.phase === 'Refused' ? 'refused' : 'failed',
        check: check.name,
        agent,
        message: st.message ?? st.phase ?? '',
      };
    }
    const parsed = parseResult(st.result);
    if ('error' in parsed) return { kind: 'failed', check: check.name, agent, message: parsed.error };
    return {
      kind: 'result',
      check: check.name,
      agent,
      probe: parsed.probe,
      node: parsed.node,
      ...(st.message ? { message: st.message } : {}),
    };
  }

  /** Stops watching and deletes every check this run created (a few at a time, each call bounded). */
  async close(): Promise<void> {
    this.reflector?.stop();
    const names = [...this.created];
    this.created.clear();
    const worker = async () => {
      for (let n = names.shift(); n !== undefined; n = names.shift()) {
        await this.api.remove(n).catch((err: unknown) => {
          this.opts.log?.(`could not delete ImagePullCheck ${n}: ${(err as Error).message}`);
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, names.length) }, worker));
  }
}
