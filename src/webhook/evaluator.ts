// What the webhook needs from policy evaluation, kept to one async method so that the pure, synchronous
// evaluate() and a registry-aware engine (signatures, size, platforms behind a TTL cache) plug in the same way.
import { createFacts, createPolicyEngine, type PolicyEngineOptions } from '../policy/engine.ts';
import { evaluate, type EvaluateOptions, type Evaluation, type PolicyObject } from '../policy/evaluate.ts';
import type { RegistryFacts } from '../policy/facts.ts';
import type { ImagePolicy } from '../policy/model.ts';

export interface Evaluator {
  evaluate(obj: PolicyObject, options: EvaluateOptions): Promise<Evaluation>;
  close(): void | Promise<void>;
}

/** Builds an evaluator for one set of policies; called again whenever the set changes. */
export type EvaluatorFactory = (policies: readonly ImagePolicy[]) => Evaluator;

/** Rules that need registry data stay notes: this evaluator never calls out, so it answers in microseconds. */
export const localEvaluator: EvaluatorFactory = (policies) => {
  const frozen = [...policies];
  return {
    evaluate: (obj, options) => Promise.resolve(evaluate(frozen, obj, options)),
    close: () => undefined,
  };
};

/** The engine's options but its policies (they come with each change) and its cache (one per process). */
export type EngineEvaluatorOptions = Omit<PolicyEngineOptions, 'policies' | 'facts'>;

export interface EngineEvaluator {
  factory: EvaluatorFactory;
  /** The registry cache every engine of this factory shares (null offline). */
  facts: RegistryFacts | null;
  /** Closes the cache and its sessions: once, at shutdown, after the last evaluator is done. */
  close(): void;
}

/**
 * Policy engines (registry rules evaluated) over one registry cache for the life of the process: a policy change
 * builds a new engine but keeps every fact already looked up, so a watch event never makes the next reviews cold.
 */
export function engineEvaluator(opts: EngineEvaluatorOptions = {}): EngineEvaluator {
  const offline = opts.offline ?? false;
  const facts = offline ? null : createFacts(opts);
  const factory: EvaluatorFactory = (policies) => {
    const engine = createPolicyEngine({
      policies,
      offline,
      vulnerabilities: opts.vulnerabilities,
      ...(facts ? { facts } : {}),
    });
    return { evaluate: (obj, options) => engine.evaluate(obj, options), close: () => engine.close() };
  };
  return { factory, facts, close: () => facts?.close() };
}

/**
 * The current policies and their evaluator. Swapping keeps in-flight reviews on the evaluator they started with;
 * the old one is closed once they are done, so a watch event never pulls a cache out from under a request.
 */
export class PolicySet {
  private current: { policies: readonly ImagePolicy[]; evaluator: Evaluator; users: number } | null = null;
  private readonly retired = new Set<{ evaluator: Evaluator; users: number }>();

  constructor(private readonly factory: EvaluatorFactory) {}

  /** null until the first set arrives (the webhook is not ready until then). */
  get policies(): readonly ImagePolicy[] | null {
    return this.current?.policies ?? null;
  }

  set(policies: readonly ImagePolicy[]): void {
    const old = this.current;
    this.current = { policies, evaluator: this.factory(policies), users: 0 };
    if (old) this.retire(old);
  }

  async evaluate(obj: PolicyObject, options: EvaluateOptions): Promise<Evaluation> {
    const entry = this.current;
    if (entry === null) throw new Error('no policies loaded yet');
    entry.users++;
    try {
      return await entry.evaluator.evaluate(obj, options);
    } finally {
      entry.users--;
      if (entry !== this.current && entry.users === 0 && this.retired.delete(entry)) {
        void entry.evaluator.close();
      }
    }
  }

  private retire(entry: { evaluator: Evaluator; users: number }): void {
    if (entry.users === 0) void entry.evaluator.close();
    else this.retired.add(entry);
  }

  async close(): Promise<void> {
    const all = [...this.retired, ...(this.current ? [this.current] : [])];
    this.retired.clear();
    this.current = null;
    await Promise.all(all.map((e) => e.evaluator.close()));
  }
}
