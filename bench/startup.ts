// Section 3: start-up cost — `--help` and a whole probe process, each against a bare `node -e 0`.
import { probeArgs } from './compare.ts';
import type { Fixture } from './fixtures.ts';
import { allPullable, measureProcesses, type ProcessCase } from './measure.ts';
import { cleanEnv } from './process.ts';
import { ms, ratio } from './stats.ts';
import { table, type Target } from './table.ts';

export const HELP_TARGET = 1.3;
export const PROBE_TARGET = 2;

export async function startup(
  cli: string,
  fx: Fixture | null,
  runs: number,
): Promise<{ text: string; targets: Target[]; failures: string[]; baseline: number }> {
  const env = cleanEnv();
  const cases: ProcessCase[] = [
    { label: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], env, ok: (r) => r.code === 0 },
    {
      label: 'node bin/regdoctor --help',
      cmd: process.execPath,
      args: [cli, '--help'],
      env,
      ok: (r) => r.code === 0 && r.stdout.includes('Usage: regdoctor'),
    },
  ];
  if (fx) {
    cases.push({
      label: 'node bin/regdoctor probe (multi-platform, whole process)',
      cmd: process.execPath,
      args: probeArgs(cli, fx.open.ref(fx.multi), fx.emptyConfig),
      env,
      proxy: fx.open.proxy,
      ok: (r) => allPullable(r, 1),
    });
  }
  const results = await measureProcesses(cases, { runs, warmups: 2 });
  const base = results[0]!.time.median;
  const rows = results.map((r) => [
    r.label,
    ms(r.time.median),
    ms(r.time.min),
    ms(r.time.max),
    `${r.time.n}${r.failures ? ` (+${r.failures} failed)` : ''}`,
    ratio(r.time.median, base),
    ms(r.time.median - base),
  ]);
  const targets: Target[] = [];
  const help = results[1]!;
  targets.push({
    what: `--help ≤ ${HELP_TARGET}× node -e 0`,
    measured: `${ratio(help.time.median, base)} (${ms(help.time.median)} vs ${ms(base)})`,
    met: help.time.median / base <= HELP_TARGET,
  });
  const probe = results[2];
  if (probe) {
    targets.push({
      what: `whole probe process ≤ ${PROBE_TARGET}× node -e 0`,
      measured: `${ratio(probe.time.median, base)} (${ms(probe.time.median)} vs ${ms(base)})`,
      met: probe.time.median / base <= PROBE_TARGET,
    });
  }
  const failures = results
    .filter((r) => r.failures)
    .map((r) => `${r.label}: ${r.failures} failed (${r.firstFailure})`);
  return {
    text: table(['command', 'median', 'min', 'max', 'runs', '× node -e 0', 'over node -e 0'], rows),
    targets,
    failures,
    baseline: base,
  };
}
