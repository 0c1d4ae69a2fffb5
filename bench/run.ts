// `npm run bench`: measured numbers for the probe, its request counts against skopeo's, auth dedup and CLI
// start-up. It reports each target as met or missed but never fails on a number — only when it cannot measure.
import { access, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRegistryBinary } from '../src/demo/registry.ts';
import { authDedup } from './auth.ts';
import { probeLoadBreakdown } from './breakdown.ts';
import { Cleanup } from './cleanup.ts';
import { snapshotCli } from './cli.ts';
import { probeArgs, probeVsSkopeo } from './compare.ts';
import { setUp, N_IMAGES, type Fixture } from './fixtures.ts';
import { inProcess } from './inprocess.ts';
import { scanSection } from './scan.ts';
import { scanOfflineSection } from './scan-offline-section.ts';
import { exporterSection } from './exporter.ts';
import { htmlSection } from './html.ts';
import { webhookSection } from './webhook.ts';
import { webhookHostileSection } from './webhook-hostile.ts';
import { nodesSection } from './nodes.ts';
import { allPullable } from './measure.ts';
import { cleanEnv, timeProcess } from './process.ts';
import { classifySection } from './classify.ts';
import { startup } from './startup.ts';
import { hostileSection } from './hostile.ts';
import { hostileInputSection } from './hostile-input.ts';
import { heading, targets as renderTargets, type Target } from './table.ts';

// Odd counts, so each median is one real run. The brief asks for ≥ 10 process runs and ≥ 20 start-up runs.
const RUNS = { process: 11, single: 15, many: 5, auth: 5, startup: 21, breakdown: 9, classify: 5 };

const out = (s: string) => process.stdout.write(s);

// `npm run bench -- scan startup` runs only those sections; no argument runs them all.
const SECTIONS = [
  'probe',
  'auth',
  'startup',
  'scan',
  'scan-offline',
  'exporter',
  'webhook',
  'webhook-hostile',
  'classify',
  'html',
  'hostile',
  'nodes',
] as const;
type Section = (typeof SECTIONS)[number];
const only = process.argv.slice(2);
const want = (s: Section) => only.length === 0 || only.includes(s);
const progress = (s: string) => process.stderr.write(`bench: ${s}…\n`);

async function onPath(name: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const p = join(dir, name);
    if (
      await access(p, 1).then(
        () => true,
        () => false,
      )
    )
      return p;
  }
  return null;
}

async function version(cmd: string, args: string[]): Promise<string> {
  const r = await timeProcess(cmd, args, cleanEnv()).catch(() => null);
  return r?.code === 0 ? (r.stdout || r.stderr).trim().split('\n')[0]! : 'unknown';
}

async function main(cleanup: Cleanup): Promise<void> {
  const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length)
    throw new Error(`unknown section ${unknown.join(', ')} (sections: ${SECTIONS.join(', ')})`);
  const started = performance.now();
  const all: Target[] = [];
  const failures: string[] = [];
  const snapDir = await mkdtemp(join(tmpdir(), 'regdoctor-bench-cli-'));
  cleanup.add('CLI copy', () => rm(snapDir, { recursive: true, force: true }));
  const cli = await snapshotCli(snapDir);
  const [registry, skopeo] = await Promise.all([findRegistryBinary(), onPath('skopeo')]);
  out(
    `regdoctor bench — node ${process.version}, ${cpus().length} CPUs, ` +
      `skopeo: ${skopeo ? await version(skopeo, ['--version']) : 'not installed'}, ` +
      `registry: ${registry ? await version(registry, ['--version']) : 'not installed'}\n` +
      'Times are wall-clock medians after warm-up; runs of compared commands are interleaved.\n' +
      'Requests are counted by a reverse proxy (separate process) in front of the registry, the same way for every tool.\n',
  );

  let fx: Fixture | null = null;
  if (registry && (want('probe') || want('auth') || want('startup'))) {
    progress(`starting registries and pushing ${2 * N_IMAGES + 2} images`);
    fx = await setUp(registry, cleanup);
  } else if (!registry) {
    out('\ndocker-registry is not installed: only the start-up section can run.\n');
  }

  if (fx && want('probe')) {
    progress('section 1: probe vs skopeo');
    out(
      heading(
        `1a. Whole process: regdoctor probe vs skopeo (${RUNS.process} runs each, plain HTTP, linux/amd64)`,
      ),
    );
    const cmp = await probeVsSkopeo(fx, cli, skopeo, RUNS.process);
    out(cmp.text);
    if (!skopeo) out('(skopeo is not installed: its rows are missing)\n');
    failures.push(...cmp.failures);

    progress('section 1b: in-process probeImage');
    out(heading('1b. In-process probeImage (Session; the process is warm, "cold" = new session)'));
    const inproc = await inProcess(fx, { single: RUNS.single, many: RUNS.many });
    out(inproc.text);
    out(renderTargets(inproc.targets));
    all.push(...inproc.targets);
    failures.push(...inproc.failures);
  }

  if (fx && want('auth')) {
    progress('section 2: auth dedup');
    out(
      heading(
        `2. Auth dedup: htpasswd (Basic) registry, ${N_IMAGES} images in one session (${RUNS.auth} runs)`,
      ),
    );
    const auth = await authDedup(fx, cli, RUNS.auth);
    out(auth.text);
    out(renderTargets(auth.targets));
    all.push(...auth.targets);
    failures.push(...auth.failures);
  }

  if (want('startup')) {
    progress('section 3: start-up');
    out(heading(`3. CLI start-up (${RUNS.startup} interleaved runs each)`));
    const st = await startup(cli, fx, RUNS.startup);
    out(st.text);
    out(renderTargets(st.targets));
    all.push(...st.targets);
    failures.push(...st.failures);

    progress('section 3b: what the probe command loads');
    out(heading(`3b. Where a probe process's time goes (${RUNS.breakdown} runs each)`));
    const bd = await probeLoadBreakdown(
      cli,
      RUNS.breakdown,
      fx
        ? {
            args: probeArgs(cli, fx.open.ref(fx.multi), fx.emptyConfig),
            env: cleanEnv(),
            proxy: fx.open.proxy,
            ok: (r) => allPullable(r, 1),
          }
        : undefined,
    );
    out(bd.text);
    if (bd.heaviest) out(`Heaviest chunk: ${bd.heaviest}.\n`);
  }

  if (registry && want('scan')) {
    progress('section 4: cluster scan at scale');
    out(heading('4. Cluster scan at scale: regdoctor scan vs a skopeo loop (issue 3, item 6)'));
    const sc = await scanSection(cli, registry, skopeo, cleanup, progress);
    out(sc.text);
    out(renderTargets(sc.targets));
    all.push(...sc.targets);
    failures.push(...sc.failures);
  }

  if (want('scan-offline')) {
    progress('section 4b: scan --no-probe against JSON.parse');
    out(heading('4b. scan --snapshot --no-probe: peak RSS and CPU against JSON.parse of the file (issue 9)'));
    const so = await scanOfflineSection(cli, cleanup, progress);
    out(so.text);
    out(renderTargets(so.targets));
    all.push(...so.targets);
    failures.push(...so.failures);
  }

  if (registry && want('exporter')) {
    progress('section 5: exporter at 500 images');
    out(heading('5. Exporter: 500 monitored images, scrapes while checks run (issue 4, item 3)'));
    const ex = await exporterSection(cli, registry, cleanup, progress);
    out(ex.text);
    failures.push(...ex.failures);
  }

  if (want('webhook')) {
    progress('section 6: admission webhook');
    out(heading('6. Admission webhook: latency and throughput under steady load (issue 5, item 6)'));
    const wh = await webhookSection(cli, registry, cleanup, progress);
    out(wh.text);
    out(renderTargets(wh.targets));
    all.push(...wh.targets);
    failures.push(...wh.failures);
  }

  if (want('webhook-hostile')) {
    progress('section 6b: webhook under hostile reviews');
    out(
      heading(
        '6b. Admission webhook: ordinary reviews while hostile reviews run (issue 9, target p99 < 100 ms)',
      ),
    );
    const wh = await webhookHostileSection(cli, registry, cleanup, progress);
    out(wh.text);
    out(renderTargets(wh.targets));
    all.push(...wh.targets);
    failures.push(...wh.failures);
  }

  if (want('classify')) {
    progress('section 7: classifier');
    out(heading(`7. Classifier: time per message, and growth with crafted input (${RUNS.classify} runs)`));
    const cl = classifySection(RUNS.classify);
    out(cl.text);
    out(renderTargets(cl.targets));
    all.push(...cl.targets);
  }

  if (registry && want('html')) {
    progress('section 8: HTML report of 2,500 findings');
    out(heading('8. HTML report: a 2,500-finding scan in headless Chromium (issue 13)'));
    const h = await htmlSection(cli, registry, cleanup, progress);
    out(h.text);
    out(renderTargets(h.targets));
    all.push(...h.targets);
    failures.push(...h.failures);
  }

  if (want('hostile')) {
    progress('section 9: hostile registries');
    out(
      heading(
        '9. Hostile registries: a whole probe process per case, wall time and peak RSS (issue 9, item 9)',
      ),
    );
    const h = await hostileSection(cli, cleanup, progress);
    out(h.text);
    out(renderTargets(h.targets));
    all.push(...h.targets);
    failures.push(...h.failures);
    const hi = await hostileInputSection(cli, cleanup, progress);
    out(`\nHostile input: snapshots, policies and API answers (a whole process per case)\n${hi.text}`);
    out(renderTargets(hi.targets));
    all.push(...hi.targets);
    failures.push(...hi.failures);
  }

  if (want('nodes')) {
    progress('section 10: scan --from-nodes');
    out(heading('10. Probing from the nodes: scan --from-nodes over 50 agents × 20 images (issue 12)'));
    const nd = await nodesSection(cli, registry, cleanup, progress);
    out(nd.text);
    out(renderTargets(nd.targets));
    all.push(...nd.targets);
    failures.push(...nd.failures);
  }

  const missed = all.filter((t) => !t.met);
  out(heading(`Targets: ${all.length - missed.length} of ${all.length} met`));
  if (missed.length) out(renderTargets(missed));
  if (failures.length) {
    out(`\nRuns that failed (excluded from the numbers):\n${failures.map((f) => `  ${f}`).join('\n')}\n`);
  }
  out(`\nBench took ${((performance.now() - started) / 1000).toFixed(1)} s.\n`);
}

const cleanup = new Cleanup();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    process.stderr.write(`bench: ${sig}, cleaning up\n`);
    void cleanup.run().finally(() => process.exit(130));
  });
}
try {
  await main(cleanup);
} catch (e) {
  process.stderr.write(`bench: could not measure: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup.run();
}
