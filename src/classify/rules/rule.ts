// The shape of a classification rule, apart from the table (index.ts) so the rule families can name it.
import type { Cause, Confidence } from '../../cause/index.ts';
import type { Operation } from '../peel.ts';

export interface Outcome {
  cause: Cause;
  alternatives?: readonly Cause[];
}

export interface Rule extends Outcome {
  id: string;
  /** Case and anchors as written; never global (the engine makes its own global copy). Linear-time only. */
  pattern: RegExp;
  confidence?: Confidence;
  wraps?: boolean;
  weak?: boolean;
  /** The rule applies only when the whole message matches this (e.g. only inside an admission denial). */
  scope?: RegExp;
  /** A wrapping rule whose nested cause is worth naming: the best inner match becomes the first alternative. */
  innerAsAlternative?: boolean;
  /** How many ": "-separated segments before the match to include in the evidence. */
  evidenceBefore?: number;
  /** Another meaning inside an operation; `null`: the words mean nothing we can name there. */
  byOperation?: Partial<Record<Operation, Outcome | null>>;
}
