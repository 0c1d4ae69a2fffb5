// Section 2: an htpasswd (Basic) registry and 20 images in one session — how often the /v2/ ping and the
// credential check happen, in-process and through the CLI (which probes 8 at once by default).
import { dockerConfigSource } from '../src/registry/credsource.ts';
import { probeArgs } from './compare.ts';
import type { Fixture } from './fixtures.ts';
import { count, describe, total, type Counts } from './kinds.ts';
import { allPullable, measureProcesses } from './measure.ts';
import { cleanEnv } from './process.ts';
import { measureSession } from './session.ts';
import { ms, type Summary } from './stats.ts';
import { table, type Target } from './table.ts';

interface Row {
  label: string;
  time: Summary;
  counts?: Counts;
  stable: boolean;
  failures: number;
  firstFailure?: string;
}

function row(r: Row, images: number): string[] {
  const c = r.counts;
  if (!c)
    return [r.label, '—', '—', `0 (+${r.failures} failed)`, '—', '—', '—', '—', '—', r.firstFailure ?? '—'];
  const pings = count(c, 'ping');
  const checks = count(c, 'auth-check');
  const tokens = count(c, 'token');
  return [
    r.label,
    ms(r.time.median),
    ms(r.time.median / images),
    `${r.time.n}${r.failures ? ` (+${r.failures} failed)` : ''}`,
    `${pings}`,
    `${checks}`,
    `${tokens}`,
    `${total(c)}${r.stable ? '' : ' (varied)'}`,
    ((total(c) - pings) / images).toFixed(2),
    describe(c),
  ];
}

export async function authDedup(
  fx: Fixture,
  cli: string,
  runs: number,
): Promise<{ text: string; targets: Target[]; failures: string[] }> {
  const proxy = fx.locked.proxy;
  const images = fx.locked20.map(fx.locked.ref);
  const credentials = dockerConfigSource({ dockerConfig: fx.lockedConfig });
  const rows: Row[] = [];
  for (const concurrency of [1, 8]) {
    const r = await measureSession(
      {
        label: `in-process, one session, ${concurrency === 1 ? 'sequential' : `${concurrency} at once`}`,
        proxy,
        images,
        concurrency,
        credentials,
      },
      { runs, warmups: 1 },
    );
    rows.push({ ...r });
  }
  const args = probeArgs(cli, images[0]!, fx.lockedConfig);
  const [cliRun] = await measureProcesses(
    [
      {
        label: `regdoctor probe ${images.length} images (one process)`,
        cmd: process.execPath,
        args: [...args.slice(0, 2), ...images, ...args.slice(3)],
        env: cleanEnv(),
        proxy,
        ok: (r) => allPullable(r, images.length),
      },
    ],
    { runs, warmups: 1 },
  );
  rows.push({ ...cliRun!, stable: cliRun!.stableCounts });
  const targets: Target[] = [];
  for (const r of rows) {
    if (!r.counts) continue;
    const pings = count(r.counts, 'ping');
    const checks = count(r.counts, 'auth-check');
    targets.push(
      { what: `anonymous /v2/ ping once per session (${r.label})`, measured: `${pings}`, met: pings === 1 },
      {
        what: `credential check (authorized GET /v2/) once per registry+credential (${r.label})`,
        measured: `${checks} for ${images.length} images`,
        met: checks <= 1,
      },
    );
  }
  const failures = rows
    .filter((r) => r.failures)
    .map((r) => `${r.label}: ${r.failures} failed (${r.firstFailure})`);
  const text = table(
    [
      'scenario',
      'median',
      'per image',
      'runs',
      'pings',
      'auth-checks',
      'token',
      'requests',
      'req/image (excl. ping)',
      'requests by kind',
    ],
    rows.map((r) => row(r, images.length)),
  );
  return { text, targets, failures };
}
