// Section 1b: probeImage in-process — one image on a fresh session, and N distinct images sharing one session.
import { dockerConfigSource } from '../src/registry/credsource.ts';
import type { Fixture } from './fixtures.ts';
import { count, describe, total } from './kinds.ts';
import { measureSession, type SessionResult } from './session.ts';
import { ms } from './stats.ts';
import { table, type Target } from './table.ts';

export function sessionRow(r: SessionResult): string[] {
  const c = r.counts;
  const pings = c ? count(c, 'ping') : Number.NaN;
  const requests = c ? total(c) : Number.NaN;
  return [
    r.label,
    ms(r.time.median),
    ms(r.time.median / r.images),
    `${r.time.n}${r.failures ? ` (+${r.failures} failed)` : ''}`,
    `${r.requestCount}`,
    `${requests}${r.stable ? '' : ' (varied)'}`,
    `${pings}`,
    ((requests - pings) / r.images).toFixed(2),
    c ? describe(c) : (r.firstFailure ?? '—'),
  ];
}

export const SESSION_HEAD = [
  'scenario',
  'median',
  'per image',
  'runs',
  'requestCount',
  'proxy saw',
  'pings',
  'req/image (excl. ping)',
  'requests by kind',
];

export async function inProcess(
  fx: Fixture,
  runs: { single: number; many: number },
): Promise<{ text: string; targets: Target[]; failures: string[] }> {
  const credentials = dockerConfigSource({ dockerConfig: fx.emptyConfig });
  const proxy = fx.open.proxy;
  const ref = fx.open.ref;
  const results = [
    await measureSession(
      {
        label: 'cold: 1 multi-platform image, new session',
        proxy,
        images: [ref(fx.multi)],
        concurrency: 1,
        credentials,
      },
      { runs: runs.single, warmups: 2 },
    ),
    await measureSession(
      {
        label: 'cold: 1 single-platform image, new session',
        proxy,
        images: [ref(fx.single)],
        concurrency: 1,
        credentials,
      },
      { runs: runs.single, warmups: 2 },
    ),
    await measureSession(
      {
        label: `${fx.many.length} images, one session, sequential`,
        proxy,
        images: fx.many.map(ref),
        concurrency: 1,
        credentials,
      },
      { runs: runs.many, warmups: 1 },
    ),
    await measureSession(
      {
        label: `${fx.many.length} images, one session, 8 at once`,
        proxy,
        images: fx.many.map(ref),
        concurrency: 8,
        credentials,
      },
      { runs: runs.many, warmups: 1 },
    ),
  ];
  const targets: Target[] = results.slice(2).map((r) => {
    const pings = r.counts ? count(r.counts, 'ping') : Number.NaN;
    return { what: `/v2/ ping once per session (${r.label})`, measured: `${pings}`, met: pings === 1 };
  });
  const failures = results
    .filter((r) => r.failures)
    .map((r) => `${r.label}: ${r.failures} failed (${r.firstFailure})`);
  return { text: table(SESSION_HEAD, results.map(sessionRow)), targets, failures };
}
