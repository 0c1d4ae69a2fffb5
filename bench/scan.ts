// Section 4 (issue 3, item 6): `regdoctor scan` of a 10,000-pod snapshot against a real registry, next to the
// seed's loop of one `skopeo inspect` per unique failing image, in the same run, through the same counting proxy.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.ts';
import { checkScan, type Check } from './scan-check.ts';
import { seeded } from './scan-random.ts';
import { planRepos, startScanRegistry } from './scan-registry.ts';
import { renderScanSection, type Sample } from './scan-report.ts';
import { measureOffline, renderOffline } from './scan-offline.ts';
import { rssMeter, runScan } from './scan-run.ts';
import { skopeoLoop, type SkopeoLoop } from './scan-skopeo.ts';
import { generateSnapshot, type SnapshotShape } from './scan-snapshot.ts';
import type { Target } from './table.ts';

export const SEED = 20260301;
export const REPOS = 300;
/** The 10,000-pod cluster (also read by the hostile-input section). */
export const SHAPE: SnapshotShape = {
  pods: 10_000,
  nodes: 50,
  failingPods: 2_500,
  uniqueImages: 1_600,
  missingRepoShare: 0.075,
  transientShare: 0.075,
};
/** Measured scan runs, after one warm-up run whose output is checked. */
const SCAN_RUNS = 3;
/** Pairs of `--no-probe` scan and JSON.parse processes, for the CPU comparison (odd: the median is one pair). */
export const OFFLINE_RUNS = 9;

export interface SectionResult {
  text: string;
  targets: Target[];
  failures: string[];
}

export async function scanSection(
  cli: string,
  registryBinary: string,
  skopeo: string | null,
  cleanup: Cleanup,
  progress: (s: string) => void,
): Promise<SectionResult> {
  const failures: string[] = [];
  // run.ts cleans up on a signal; this stops the section from starting more processes meanwhile.
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted'));
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const sig of signals) process.once(sig, onSignal);
  try {
    return await measure(cli, registryBinary, skopeo, cleanup, progress, abort.signal, failures);
  } finally {
    for (const sig of signals) process.removeListener(sig, onSignal);
  }
}

async function measure(
  cli: string,
  registryBinary: string,
  skopeo: string | null,
  cleanup: Cleanup,
  progress: (s: string) => void,
  signal: AbortSignal,
  failures: string[],
): Promise<SectionResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'regdoctor-bench-scan-'));
  cleanup.add('scan temp dir', () => rm(tmp, { recursive: true, force: true }));
  const rnd = seeded(SEED);

  const setupStart = performance.now();
  const repos = planRepos(rnd, REPOS);
  progress(`scan: pushing ${REPOS} repositories (${repos.reduce((a, r) => a + r.tags.length, 0)} tags)`);
  const reg = await startScanRegistry(registryBinary, repos, cleanup);
  progress(`scan: generating a ${SHAPE.pods}-pod snapshot`);
  const genStart = performance.now();
  const snap = await generateSnapshot(rnd, repos, reg.host, tmp, SHAPE);
  const genMs = performance.now() - genStart;
  const authfile = join(tmp, 'empty-auth.json');
  await writeFile(authfile, '{"auths":{}}\n', { mode: 0o600 });
  const meter = await rssMeter(tmp);
  const setupMs = performance.now() - setupStart;

  const args = [cli, 'scan', '--snapshot', snap.path, '--plain-http-registry', reg.host];
  args.push('-o', 'json', '--platform', 'linux/amd64');
  const scanOnce = async (label: string, extra: string[] = []): Promise<Sample> => {
    signal.throwIfAborted();
    progress(`scan: ${label}`);
    await reg.proxy.reset();
    const run = await runScan(meter, process.execPath, [...args, ...extra], signal);
    return { run, counts: await reg.proxy.snapshot() };
  };

  const warm = await scanOnce('warm-up run (output checked)');
  let checks: Check[] = [];
  if (warm.run.output) checks = checkScan(warm.run.output, snap.images, snap.failingPods);
  else failures.push(`scan warm-up: ${warm.run.problem}`);
  for (const c of checks.filter((x) => !x.ok)) failures.push(`scan check: ${c.what}: ${c.detail}`);

  let loop: SkopeoLoop | null = null;
  if (skopeo) {
    progress(`scan: skopeo loop over ${snap.images.length} images`);
    loop = await skopeoLoop(
      skopeo,
      snap.images,
      authfile,
      reg.proxy,
      seeded(SEED + 1),
      (d, n) => progress(`scan: skopeo ${d}/${n}`),
      signal,
    );
    if (loop.unexpected.length)
      failures.push(`skopeo: ${loop.unexpected.length} runs with an unexpected exit (${loop.unexpected[0]})`);
  }

  const runs: Sample[] = [];
  for (let i = 0; i < SCAN_RUNS; i++) {
    const r = await scanOnce(`measured run ${i + 1}/${SCAN_RUNS}`);
    if (r.run.output) runs.push(r);
    else failures.push(`scan run ${i + 1}: ${r.run.problem}`);
  }
  // The same scan without the registry: what reading, classifying, auditing and rendering cost on their own.
  const offline = await scanOnce('--no-probe run', ['--no-probe']);
  if (!offline.run.output) failures.push(`scan --no-probe: ${offline.run.problem}`);
  progress(`scan: --no-probe against JSON.parse, ${OFFLINE_RUNS} runs each`);
  const parse = await measureOffline(
    `${SHAPE.pods} pods`,
    meter,
    [...args, '--no-probe'],
    snap,
    OFFLINE_RUNS,
    signal,
  );
  failures.push(...parse.failures);
  const vsParse = renderOffline([parse]);

  const { text, targets } = renderScanSection({
    repos,
    nodes: SHAPE.nodes,
    pushMs: reg.pushMs,
    genMs,
    setupMs,
    snap,
    rssHow: meter.how,
    warm,
    runs,
    offline,
    loop,
    checks,
  });
  return {
    text: `${text}\n--no-probe against reading + JSON.parse of the same file:\n${vsParse.text}`,
    targets: [...targets, ...vsParse.targets],
    failures,
  };
}
