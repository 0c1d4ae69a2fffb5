// The seed's way, timed in the same run: one `skopeo inspect --tls-verify=false docker://IMAGE` per unique failing
// image, one after another. When the whole loop would run past the budget, it stops after a random sample and the
// total is extrapolated linearly — the result says so.
import type { Counts } from './kinds.ts';
import { cleanEnv } from './process.ts';
import type { CountingProxy } from './proxy.ts';
import type { FailingImage } from './scan-plan.ts';
import type { Random } from './scan-random.ts';
import { runTimed } from './scan-run.ts';

export const SKOPEO_BUDGET_MS = 180_000;
export const MIN_SAMPLE = 200;

export interface SkopeoLoop {
  images: number;
  /** How many were actually run (all, or the sample). */
  ran: number;
  sampled: boolean;
  measuredMs: number;
  /** measuredMs, or its linear extrapolation to every image when sampled. */
  totalMs: number;
  /** Requests the images that ran made (not extrapolated). */
  counts: Counts;
  /** Runs whose exit code disagreed with the image's class (exists → 0, missing → non-zero). */
  unexpected: string[];
}

export async function skopeoLoop(
  skopeo: string,
  images: FailingImage[],
  authfile: string,
  proxy: CountingProxy,
  rnd: Random,
  onProgress: (done: number, total: number) => void,
  signal: AbortSignal,
): Promise<SkopeoLoop> {
  const env = cleanEnv();
  // A random order makes any prefix a random sample, so the decision to stop needs no second pass.
  const order = rnd.shuffle(images);
  const unexpected: string[] = [];
  let sampled = false;
  await proxy.reset();
  const started = performance.now();
  let ran = 0;
  for (const img of order) {
    // On Ctrl-C the bench is tearing the registry down; more spawns would only slow that.
    signal.throwIfAborted();
    const run = await runTimed(
      skopeo,
      [
        // The scan is asked for linux/amd64; skopeo is told the same, whatever this machine is.
        '--override-os',
        'linux',
        '--override-arch',
        'amd64',
        'inspect',
        '--tls-verify=false',
        '--authfile',
        authfile,
        `docker://${img.ref}`,
      ],
      env,
      60_000,
      signal,
    );
    ran++;
    const pulls = img.cls === 'transient';
    if ((run.code === 0) !== pulls) {
      unexpected.push(`${img.ref}: exit ${run.code} ${run.stderr.trim().split('\n').pop() ?? ''}`);
    }
    if (ran % 50 === 0) onProgress(ran, order.length);
    // Decided once, at the sample size: a rule that kept checking would stop preferentially on a slow stretch.
    if (ran === MIN_SAMPLE && ((performance.now() - started) / ran) * order.length > SKOPEO_BUDGET_MS) {
      sampled = ran < order.length;
      break;
    }
  }
  const measuredMs = performance.now() - started;
  return {
    images: order.length,
    ran,
    sampled,
    measuredMs,
    totalMs: sampled ? (measuredMs / ran) * order.length : measuredMs,
    counts: await proxy.snapshot(),
    unexpected,
  };
}
