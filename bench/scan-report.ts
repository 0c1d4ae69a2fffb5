// Section 4's text: the set-up, the comparison table, where the scan's requests go, the output checks, and the
// two targets of issue 3, item 6.
import { describe, total, type Counts } from './kinds.ts';
import { attribute, type Check } from './scan-check.ts';
import { TARGET_RSS_RATIO } from './scan-offline.ts';
import type { Repo } from './scan-registry.ts';
import type { ScanRun } from './scan-run.ts';
import { SKOPEO_BUDGET_MS, type SkopeoLoop } from './scan-skopeo.ts';
import type { GeneratedSnapshot } from './scan-snapshot.ts';
import { median, ms, ratio } from './stats.ts';
import { table, type Target } from './table.ts';

export const TARGET_TIME_RATIO = 0.25;
export const TARGET_REQUESTS_PER_IMAGE = 1.2;

export interface Sample {
  run: ScanRun;
  counts: Counts;
}

export interface Measured {
  repos: Repo[];
  nodes: number;
  pushMs: number;
  genMs: number;
  setupMs: number;
  snap: GeneratedSnapshot;
  rssHow: string;
  warm: Sample;
  /** Measured runs whose output could be read. */
  runs: Sample[];
  offline: Sample;
  loop: SkopeoLoop | null;
  checks: Check[];
}

const secs = (x: number) => (Number.isFinite(x) ? `${(x / 1000).toFixed(1)} s` : '—');
const mib = (kb: number | null) => (kb === null ? '—' : `${(kb / 1024).toFixed(0)} MiB`);

function setup(m: Measured): string {
  const { snap, repos } = m;
  const tags = repos.reduce((a, r) => a + r.tags.length, 0);
  const byClass = (cls: string) => snap.images.filter((i) => i.cls === cls).length;
  return (
    `Registry: ${repos.length} repositories, ${tags} tags (${repos.filter((r) => r.multiPlatform).length} multi-platform ` +
    `indexes, the rest single linux/amd64), pushed in ${secs(m.pushMs)}.\n` +
    `Snapshot: ${snap.pods} pods (${snap.failingPods} failing), ${snap.events} events, ${m.nodes} amd64 nodes, ` +
    `${(snap.bytes / 1024 / 1024).toFixed(0)} MiB of kubectl-style JSON, generated in ${secs(m.genMs)}. ` +
    `Whole set-up: ${secs(m.setupMs)}.\n` +
    `Unique failing images: ${snap.images.length} — ${byClass('missing-tag')} missing tags of existing repositories, ` +
    `${byClass('missing-repo')} in missing repositories, ${byClass('transient')} that exist (failed with a timeout or a 503).\n` +
    `Peak RSS: ${m.rssHow}.\n`
  );
}

function comparison(m: Measured, scanMs: number, counts: Counts): string {
  const { runs, offline, loop, snap } = m;
  const times = runs.map((r) => r.run.ms);
  const rss = runs.map((r) => r.run.maxRssKb).filter((x): x is number => x !== null);
  const stable = runs.every((r) => total(r.counts) === total(counts));
  const rows: string[][] = [
    [
      `regdoctor scan (median of ${runs.length}; min ${secs(Math.min(...times))}, max ${secs(Math.max(...times))})`,
      secs(scanMs),
      rss.length ? mib(Math.max(...rss)) : '—',
      `${total(counts)}${stable ? '' : ' (varied)'}`,
      (total(counts) / snap.images.length).toFixed(2),
      describe(counts),
    ],
    [
      'regdoctor scan --no-probe (1 run: read, classify, audit, render)',
      secs(offline.run.ms),
      mib(offline.run.maxRssKb),
      `${total(offline.counts)}`,
      '—',
      describe(offline.counts),
    ],
  ];
  if (loop) {
    rows.push([
      loop.sampled
        ? `skopeo loop, ${loop.ran} of ${loop.images} images (random sample, EXTRAPOLATED)`
        : `skopeo loop, all ${loop.images} images`,
      secs(loop.totalMs),
      '—',
      `${total(loop.counts)}${loop.sampled ? ' (sample)' : ''}`,
      (total(loop.counts) / loop.ran).toFixed(2),
      describe(loop.counts),
    ]);
  }
  let text = table(['command', 'wall time', 'peak RSS', 'requests', 'req/image', 'requests by kind'], rows);
  if (loop?.sampled) {
    text +=
      `The whole skopeo loop would take over ${secs(SKOPEO_BUDGET_MS)}: ${loop.ran} randomly chosen images took ` +
      `${secs(loop.measuredMs)} (${ms(loop.measuredMs / loop.ran)} each); its time above is that rate × ${loop.images} images.\n`;
  } else if (loop) {
    text += `skopeo: ${ms(loop.totalMs / loop.ran)} per image (one process each, sequential).\n`;
  } else {
    text += 'skopeo is not installed: no loop to compare with.\n';
  }
  text +=
    `Order: one warm-up scan (its output is checked below; ${secs(m.warm.run.ms)}, ${total(m.warm.counts)} requests), ` +
    `the skopeo loop, ${runs.length} measured scans, one --no-probe scan; the registry is warm for all of them. ` +
    `The scan's own count (summary.registryRequests): ${runs[0]?.run.output?.summary.registryRequests ?? '—'}.\n`;
  return text;
}

function requestsByClass(m: Measured, counts: Counts): string {
  return (
    "\nWhere the scan's requests go:\n" +
    table(
      ['images', 'count', 'requests', 'per image', 'made of'],
      attribute(counts, m.snap.images).map((a) => [
        a.label,
        a.images ? `${a.images}` : '—',
        `${a.requests}`,
        a.images ? (a.requests / a.images).toFixed(2) : '—',
        a.how,
      ]),
    )
  );
}

function rssTarget(m: Measured): Target {
  const rss = m.runs.map((r) => r.run.maxRssKb).filter((x): x is number => x !== null);
  const peak = Math.max(...rss);
  const size = `${(m.snap.bytes / 1024 / 1024).toFixed(0)} MiB`;
  return {
    what: `scan (probing) peak RSS ≤ ${TARGET_RSS_RATIO}× the snapshot's ${size}`,
    measured: rss.length
      ? `${mib(peak)} (max of ${rss.length}) = ${ratio(peak * 1024, m.snap.bytes)}`
      : 'no run',
    met: rss.length > 0 && peak * 1024 <= TARGET_RSS_RATIO * m.snap.bytes,
  };
}

export function renderScanSection(m: Measured): { text: string; targets: Target[] } {
  const scanMs = median(m.runs.map((r) => r.run.ms));
  const counts = m.runs[0]?.counts ?? m.warm.counts;
  const perImage = total(counts) / m.snap.images.length;
  const text =
    setup(m) +
    '\n' +
    comparison(m, scanMs, counts) +
    requestsByClass(m, counts) +
    "\nChecks of the scan's JSON (warm-up run):\n" +
    (m.checks.length
      ? m.checks.map((c) => `  ${c.ok ? '[ok]  ' : '[FAIL]'} ${c.what}: ${c.detail}`).join('\n') + '\n'
      : '  (no output to check)\n');
  const { loop } = m;
  const targets: Target[] = [
    {
      what: `scan wall time ≤ ${TARGET_TIME_RATIO}× the skopeo loop`,
      measured: loop
        ? `${secs(scanMs)} vs ${secs(loop.totalMs)}${loop.sampled ? ' (extrapolated)' : ''} = ${ratio(scanMs, loop.totalMs)}`
        : 'skopeo is not installed',
      met: loop !== null && m.runs.length > 0 && scanMs / loop.totalMs <= TARGET_TIME_RATIO,
    },
    {
      what: `≤ ${TARGET_REQUESTS_PER_IMAGE} registry requests per unique failing image`,
      measured: `${total(counts)} requests / ${m.snap.images.length} images = ${perImage.toFixed(2)}`,
      met: m.runs.length > 0 && perImage <= TARGET_REQUESTS_PER_IMAGE,
    },
    rssTarget(m),
  ];
  return { text, targets };
}
