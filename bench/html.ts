// Section 8 (issue 13): `regdoctor scan -o html` of 2,500 failing pods, probed against a real registry, opened in
// Debian's headless Chromium: how big the file is, how long the CLI takes to write it, how soon the page is
// usable, and what Expand all, a filter, j and opening a finding cost, with the longest main-thread task.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBrowser } from '../test/helpers/browser.ts';
import type { Cleanup } from './cleanup.ts';
import { cleanEnv } from './process.ts';
import { seeded } from './scan-random.ts';
import { planRepos, startScanRegistry } from './scan-registry.ts';
import { runTimed } from './scan-run.ts';
import { generateSnapshot } from './scan-snapshot.ts';
import { median } from './stats.ts';
import { table, type Target } from './table.ts';

/* eslint-disable @typescript-eslint/no-explicit-any -- the page functions run in the browser (no DOM types here) */
declare const document: any;
declare const window: any;
declare const performance: any;
declare const requestAnimationFrame: any;
declare const PerformanceObserver: any;

const SEED = 20261306;
const REPOS = 120;
const LOADS = 5;
/** The client's pause after typing before it filters (html-client.ts). */
const FILTER_DEBOUNCE_MS = 120;

export interface SectionResult {
  text: string;
  targets: Target[];
  failures: string[];
}

const fmt = (ms: number) => `${ms.toFixed(0)} ms`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

export async function htmlSection(
  cli: string,
  registryBinary: string,
  cleanup: Cleanup,
  progress: (s: string) => void,
): Promise<SectionResult> {
  const failures: string[] = [];
  const tmp = await mkdtemp(join(tmpdir(), 'regdoctor-bench-html-'));
  cleanup.add('html temp dir', () => rm(tmp, { recursive: true, force: true }));
  const repos = planRepos(seeded(SEED), REPOS);
  progress(`html: pushing ${REPOS} repositories`);
  const reg = await startScanRegistry(registryBinary, repos, cleanup);
  const snap = await generateSnapshot(seeded(SEED + 1), repos, reg.host, tmp, {
    pods: 3_000,
    nodes: 20,
    failingPods: 2_500,
    uniqueImages: 800,
    missingRepoShare: 0.075,
    transientShare: 0.075,
  });

  progress('html: scan -o html');
  const args = [cli, 'scan', '--snapshot', snap.path, '--plain-http-registry', reg.host];
  const run = await runTimed(
    process.execPath,
    [...args, '--platform', 'linux/amd64', '-o', 'html'],
    cleanEnv(),
  );
  const json = await runTimed(
    process.execPath,
    [...args, '--platform', 'linux/amd64', '-o', 'json'],
    cleanEnv(),
  );
  if (run.code !== 1) {
    failures.push(`scan -o html exited ${run.code}: ${run.stderr.slice(0, 300)}`);
    return { text: '', targets: [], failures };
  }
  const file = join(tmp, 'scan.html');
  await writeFile(file, run.stdout);

  const browser = await startBrowser({
    subdir: (name) => mkdtemp(join(tmp, `${name}-`)),
    onCleanup: (fn) => cleanup.add('chromium', fn),
  });
  await browser.context.addInitScript(() => {
    const w = window as { __longest: number };
    w.__longest = 0;
    new PerformanceObserver((list: any) => {
      for (const e of list.getEntries()) w.__longest = Math.max(w.__longest, e.duration);
    }).observe({ type: 'longtask', buffered: true });
  });

  progress(`html: ${LOADS} page loads`);
  const readyAt: number[] = [];
  const script: number[] = [];
  for (let i = 1; i < LOADS; i++) {
    const o = await browser.open(file);
    readyAt.push(o.readyAt);
    script.push(o.readyMs);
    await o.page.close();
  }
  // The last load stays open for the interactions.
  const { page, problems, readyAt: at, readyMs } = await browser.open(file);
  readyAt.push(at);
  script.push(readyMs);
  if (problems.length) failures.push(`html page problems: ${problems.slice(0, 3).join('; ')}`);
  const loadLongest = await page.evaluate(() => window.__longest as number);

  progress('html: interactions');
  // Each measured from the event to the end of the next frame after it (style, layout and paint included).
  const expand = await page.evaluate(async () => {
    const t = performance.now();
    document.getElementById('expand-all').click();
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return {
      ms: performance.now() - t,
      rows: document.querySelectorAll('details.finding').length,
      nodes: document.getElementsByTagName('*').length,
      heap: (performance as any).memory?.usedJSHeapSize ?? 0,
    };
  });
  const open = await page.evaluate(async () => {
    const data = JSON.parse(document.getElementById('regdoctor-data').textContent);
    const i = data.data.findings.findIndex((x: any) => x.probe !== null);
    const t = performance.now();
    document.querySelector(`#f-${i} > summary`).click();
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t;
  });
  const jKey = await page.evaluate(async () => {
    const t = performance.now();
    document.dispatchEvent(new (window as any).KeyboardEvent('keydown', { key: 'j', bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t;
  });
  const filter = await page.evaluate(async (debounce: number) => {
    const data = JSON.parse(document.getElementById('regdoctor-data').textContent);
    const input = document.getElementById('filter');
    input.value = data.data.findings[1234].pod;
    const t = performance.now();
    input.dispatchEvent(new (window as any).Event('input'));
    while (document.querySelectorAll('details.finding').length !== 1) {
      await new Promise((r) => requestAnimationFrame(r));
      if (performance.now() - t > 10_000) break;
    }
    return performance.now() - t - debounce;
  }, FILTER_DEBOUNCE_MS);
  const after = await page.evaluate(() => ({ longest: window.__longest as number }));
  const info = await page.evaluate(() => {
    const d = JSON.parse(document.getElementById('regdoctor-data').textContent);
    return { findings: d.data.findings.length as number, probes: d.probes.length as number };
  });
  if (info.findings !== 2_500) failures.push(`the report holds ${info.findings} findings, not 2,500`);
  if (expand.rows !== info.findings) failures.push(`Expand all showed ${expand.rows} of ${info.findings}`);

  const rows = [
    ['findings / unique probes in the page', `${info.findings} / ${info.probes}`],
    ['file size (-o html)', `${mib(run.stdout.length)} (-o json: ${mib(json.stdout.length)})`],
    ['scan -o html, whole process (probes included)', fmt(run.ms)],
    [`page usable: navigation → first render, median of ${LOADS}`, fmt(median(readyAt))],
    [`  of which the report script (parse data, draw)`, fmt(median(script))],
    ['longest main-thread task while loading', fmt(loadLongest)],
    ['Expand all (2,500 rows) → next frame', fmt(expand.ms)],
    ['open a finding with its probe waterfall → next frame', fmt(open)],
    ['j (next finding, 2,500 rows shown) → next frame', fmt(jKey)],
    [`filter to one pod (after the ${FILTER_DEBOUNCE_MS} ms typing pause)`, fmt(filter)],
    ['longest main-thread task overall', fmt(after.longest)],
    ['JS heap / DOM elements after Expand all', `${mib(expand.heap)} / ${expand.nodes}`],
  ];
  const text =
    `Snapshot: ${snap.pods} pods, ${snap.failingPods} failing; ${REPOS} repositories on docker-registry.\n` +
    `Chromium ${browser.context.browser()?.version() ?? '(persistent context)'} headless, file:// page.\n\n` +
    table(['measure', 'value'], rows);
  const targets: Target[] = [
    {
      what: '2,500-finding report usable within 1.5 s of navigation',
      measured: fmt(median(readyAt)),
      met: median(readyAt) < 1_500,
    },
    { what: 'Expand all of 2,500 findings within 1 s', measured: fmt(expand.ms), met: expand.ms < 1_000 },
    { what: 'no main-thread task over 1 s', measured: fmt(after.longest), met: after.longest < 1_000 },
  ];
  return { text, targets, failures };
}
