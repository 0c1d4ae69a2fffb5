// Repeated, interleaved runs of whole processes behind a counting proxy. Interleaving (A B C A B C …) spreads
// machine noise evenly across the commands being compared instead of letting it land on whichever ran last.
import { sameCounts, type Counts } from './kinds.ts';
import { timeProcess, type ProcessRun } from './process.ts';
import type { CountingProxy } from './proxy.ts';
import { summarize, type Summary } from './stats.ts';

export interface ProcessCase {
  label: string;
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The proxy the command talks through, when it talks to a registry. */
  proxy?: CountingProxy;
  /** Did the run do its job (exit code, output)? A failed run is reported, never silently timed. */
  ok(run: ProcessRun): boolean;
}

export interface CaseResult {
  label: string;
  time: Summary;
  counts?: Counts;
  /** Whether every measured run made the same requests as the first. */
  stableCounts: boolean;
  failures: number;
  firstFailure?: string;
}

export async function measureProcesses(
  cases: ProcessCase[],
  opts: { runs: number; warmups: number },
): Promise<CaseResult[]> {
  const times = cases.map(() => [] as number[]);
  const results: CaseResult[] = cases.map((c) => ({
    label: c.label,
    time: summarize([]),
    stableCounts: true,
    failures: 0,
  }));
  for (let round = 0; round < opts.warmups + opts.runs; round++) {
    const measured = round >= opts.warmups;
    for (const [i, c] of cases.entries()) {
      const r = results[i]!;
      await c.proxy?.reset();
      const run = await timeProcess(c.cmd, c.args, c.env);
      const counts = await c.proxy?.snapshot();
      if (!c.ok(run)) {
        r.failures++;
        r.firstFailure ??= `exit ${run.code}: ${(run.stderr || run.stdout).trim().split('\n').slice(-2).join(' ')}`;
        continue;
      }
      if (!measured) continue;
      times[i]!.push(run.ms);
      if (counts) {
        if (!r.counts) r.counts = counts;
        else if (!sameCounts(r.counts, counts)) r.stableCounts = false;
      }
    }
  }
  for (const [i, r] of results.entries()) r.time = summarize(times[i]!);
  return results;
}

/** Every line of `regdoctor probe -o json` output says the image is pullable (cause null). */
export function allPullable(run: ProcessRun, expected: number): boolean {
  if (run.code !== 0) return false;
  const lines = run.stdout.split('\n').filter(Boolean);
  if (lines.length !== expected) return false;
  return lines.every((l) => {
    try {
      return (JSON.parse(l) as { cause?: unknown }).cause === null;
    } catch {
      return false;
    }
  });
}
