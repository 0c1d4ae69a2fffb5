// Section `scan-offline` (issue 9): the scale bench's 10,000-pod snapshot, and one of larger pod specs, read by
// `scan --no-probe` next to a process that only reads and JSON.parses them. Needs no registry: nothing is probed,
// so the images name an address that is never contacted.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.ts';
import { measureOffline, renderOffline, type Offline } from './scan-offline.ts';
import { seeded } from './scan-random.ts';
import { planRepos } from './scan-registry.ts';
import { rssMeter } from './scan-run.ts';
import { generateSnapshot } from './scan-snapshot.ts';
import { OFFLINE_RUNS, REPOS, SEED, SHAPE } from './scan.ts';
import type { SectionResult } from './scan.ts';

/** Containers with 10 environment variables each: the same 10,000 pods in about 1.6 times the bytes. */
const LARGE_ENV = 10;
const NEVER_CONTACTED = '127.0.0.1:9';

export async function scanOfflineSection(
  cli: string,
  cleanup: Cleanup,
  progress: (s: string) => void,
): Promise<SectionResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'regdoctor-bench-scan-offline-'));
  cleanup.add('scan-offline temp dir', () => rm(tmp, { recursive: true, force: true }));
  const meter = await rssMeter(tmp);
  const results: Offline[] = [];
  for (const [label, env] of [
    [`${SHAPE.pods} pods`, 0],
    [`${SHAPE.pods} pods, ${LARGE_ENV} env vars per container`, LARGE_ENV],
  ] as const) {
    const rnd = seeded(SEED);
    const dir = join(tmp, env ? 'large' : 'plain');
    await mkdir(dir);
    progress(`scan-offline: generating ${label}`);
    const snap = await generateSnapshot(rnd, planRepos(rnd, REPOS), NEVER_CONTACTED, dir, { ...SHAPE, env });
    progress(`scan-offline: ${label}, ${OFFLINE_RUNS} runs each`);
    const args = [cli, 'scan', '--snapshot', snap.path, '--no-probe', '-o', 'json'];
    results.push(await measureOffline(label, meter, args, snap, OFFLINE_RUNS));
    await rm(dir, { recursive: true, force: true });
  }
  const { text, targets } = renderOffline(results);
  return {
    text: `Peak RSS and CPU: ${meter.how}.\n${text}`,
    targets,
    failures: results.flatMap((r) => r.failures),
  };
}
