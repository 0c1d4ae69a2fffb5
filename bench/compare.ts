// Section 1a: a whole `regdoctor probe` process against skopeo, same images, same registry, same proxy.
import type { Fixture } from './fixtures.ts';
import { describe, total } from './kinds.ts';
import { allPullable, measureProcesses, type CaseResult, type ProcessCase } from './measure.ts';
import { cleanEnv } from './process.ts';
import { ms, ratio } from './stats.ts';
import { table } from './table.ts';

export function probeArgs(cli: string, ref: string, dockerConfig: string): string[] {
  return [
    cli,
    'probe',
    ref,
    '--plain-http',
    '-o',
    'json',
    '--platform',
    'linux/amd64',
    '--docker-config',
    dockerConfig,
  ];
}

export function resultRow(first: string, r: CaseResult, extra: string[] = []): string[] {
  const c = r.counts;
  return [
    first,
    r.label,
    ms(r.time.median),
    ms(r.time.min),
    ms(r.time.max),
    `${r.time.n}${r.failures ? ` (+${r.failures} failed)` : ''}`,
    ...extra,
    c ? `${total(c)}${r.stableCounts ? '' : ' (varied)'}` : '—',
    c ? describe(c) : (r.firstFailure ?? '—'),
  ];
}

export async function probeVsSkopeo(
  fx: Fixture,
  cli: string,
  skopeo: string | null,
  runs: number,
): Promise<{ text: string; probeMedian: number; failures: string[] }> {
  const env = cleanEnv();
  const rows: string[][] = [];
  const failures: string[] = [];
  let probeMedian = Number.NaN;
  for (const [what, name] of [
    ['multi-platform index', fx.multi],
    ['single-platform', fx.single],
  ] as const) {
    const ref = fx.open.ref(name);
    const proxy = fx.open.proxy;
    const cases: ProcessCase[] = [
      {
        label: 'regdoctor probe (whole process)',
        cmd: process.execPath,
        args: probeArgs(cli, ref, fx.emptyConfig),
        env,
        proxy,
        ok: (r) => allPullable(r, 1),
      },
    ];
    if (skopeo) {
      const common = ['--tls-verify=false', '--authfile', fx.emptyConfig, `docker://${ref}`];
      cases.push(
        {
          label: 'skopeo inspect --raw',
          cmd: skopeo,
          args: ['inspect', '--raw', ...common],
          env,
          proxy,
          ok: (r) => r.code === 0,
        },
        {
          label: 'skopeo inspect --no-tags (resolves linux/amd64, reads config)',
          cmd: skopeo,
          args: ['--override-os', 'linux', '--override-arch', 'amd64', 'inspect', '--no-tags', ...common],
          env,
          proxy,
          ok: (r) => r.code === 0,
        },
      );
    }
    const results = await measureProcesses(cases, { runs, warmups: 1 });
    const raw = results[1]?.time.median ?? Number.NaN;
    for (const r of results) {
      rows.push(resultRow(what, r, [ratio(r.time.median, raw)]));
      if (r.failures) failures.push(`${what} / ${r.label}: ${r.failures} failed runs (${r.firstFailure})`);
    }
    if (name === fx.multi) probeMedian = results[0]!.time.median;
  }
  const text = table(
    ['image', 'command', 'median', 'min', 'max', 'runs', 'vs --raw', 'requests', 'requests by kind'],
    rows,
  );
  return { text, probeMedian, failures };
}
