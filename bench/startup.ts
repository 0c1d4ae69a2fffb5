// Section 3: start-up cost — `--help` and a whole probe process, each against a bare `node -e 0`, beside the floor
// under the probe: the same registry requests from a bare node:http script (bench/startup-floor.mjs).
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { probeArgs } from './compare.ts';
import type { Fixture } from './fixtures.ts';
import { allPullable, measureProcesses, type ProcessCase } from './measure.ts';
import { cleanEnv, timeProcess } from './process.ts';
import { ms, ratio } from './stats.ts';
import { table, type Target } from './table.ts';

const FLOOR_SCRIPT = fileURLToPath(new URL('./startup-floor.mjs', import.meta.url));

/** The requests one probe of the multi-platform image makes, as METHOD URL pairs, read from its own JSON. */
async function floorRequests(cli: string, fx: Fixture, env: NodeJS.ProcessEnv): Promise<string[]> {
  const run = await timeProcess(process.execPath, probeArgs(cli, fx.open.ref(fx.multi), fx.emptyConfig), env);
  const o = z
    .object({
      reference: z.object({ registry: z.string(), repository: z.string(), tag: z.string() }),
      manifest: z.object({ digest: z.string(), selected: z.object({ digest: z.string() }) }),
      steps: z.array(z.object({ name: z.string(), detail: z.object({ digest: z.string().optional() }) })),
    })
    .parse(JSON.parse(run.stdout));
  const base = `http://${o.reference.registry}/v2/${o.reference.repository}`;
  const blob = (step: string) => o.steps.find((s) => s.name === step)?.detail.digest ?? '';
  return [
    ['GET', `http://${o.reference.registry}/v2/`],
    ['HEAD', `${base}/manifests/${o.reference.tag}`],
    ['GET', `${base}/manifests/${o.manifest.digest}`],
    ['GET', `${base}/manifests/${o.manifest.selected.digest}`],
    ['GET', `${base}/blobs/${blob('config')}`],
    ['GET', `${base}/blobs/${blob('blob')}`],
  ].flat();
}

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
    const floor = await floorRequests(cli, fx, env);
    cases.push({
      label: `floor: the probe's ${floor.length / 2} requests from bare node:http`,
      cmd: process.execPath,
      args: [FLOOR_SCRIPT, ...floor],
      env,
      proxy: fx.open.proxy,
      ok: (r) => r.code === 0 && r.stdout.trim() === `${floor.length / 2} requests`,
    });
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
  const probe = results.at(-1);
  if (fx && probe) {
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
