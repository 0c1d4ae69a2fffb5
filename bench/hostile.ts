// Section hostile: whole `regdoctor probe` (and `inspect`, `scan --snapshot`) processes against registries that
// try to hold them or fill their heap (issue 9, item 9). Each case is one run: wall time from spawn to exit, peak
// RSS from GNU time, the verdict, and what the hostile server had to serve. Targets: every case ≤ 15 s and ≤ 300 MB.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as faults from '../test/helpers/faults.ts';
import type { TestServer } from '../test/helpers/server.ts';
import type { Cleanup } from './cleanup.ts';
import { timeWithPeakRss } from './process.ts';
import { table, type Target } from './table.ts';

const TIME_TARGET_MS = 15_000;
const RSS_TARGET_MB = 300;
/** Flags every case runs with: the per-request timeout and the probe's one total deadline. */
const BOUNDS = ['--timeout', '5s', '--deadline', '12s'];
/** Each answer of a slow server waits just under the per-request timeout. */
const DELAY_MS = 4500;

interface Case {
  label: string;
  /** What the issue measured before, or what it would take unbounded. */
  unbounded: string;
  start: () => Promise<TestServer & { served?: { pages: number; bytes: number } }>;
  args: (host: string, dir: string) => string[] | Promise<string[]>;
  /** The exit code expected (1: the image is not pullable). */
  exit?: number;
}

const tag = (host: string, repo = 'team/app', t = 'gone') => `${host}/${repo}:${t}`;
const probe = (...images: string[]) => ['probe', ...images, '--plain-http', '-o', 'json', ...BOUNDS];
const MB = 1024 * 1024;
const EIGHT = 'abcdefgh'.split('');

/**
 * `dir`/snapshot.json: eight pods in ImagePullBackOff on `images`, as `kubectl get pods -o json` prints them (the
 * fields scan reads), so that `scan --snapshot` probes each image as it would in a cluster.
 */
async function backOffPods(dir: string, images: string[]): Promise<string> {
  const items = images.map((image, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `app-${i}`,
      namespace: 'shop',
      uid: `uid-${i}`,
      creationTimestamp: '2026-12-06T10:00:00Z',
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'app', image }] },
    status: {
      phase: 'Pending',
      containerStatuses: [
        {
          name: 'app',
          image,
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } },
        },
      ],
    },
  }));
  const f = join(dir, 'snapshot.json');
  await writeFile(f, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return f;
}

const CASES: Case[] = [
  {
    label: 'every answer delayed 4.5 s (timeout 5 s)',
    unbounded: '≥ 22.5 s (issue: 46 s at 9 s a step)',
    start: () => faults.slow(DELAY_MS),
    args: (h) => probe(tag(h, 'team/app', '1')),
  },
  {
    // The issue's own case: 9 s a step, within the default --timeout 10s; only the deadline can end it.
    label: 'every answer delayed 9 s (default timeout 10 s)',
    unbounded: '≥ 36 s (issue: 46 s)',
    start: () => faults.slow(9000),
    args: (h) => ['probe', tag(h, 'team/app', '1'), '--plain-http', '-o', 'json', '--deadline', '12s'],
  },
  {
    label: 'five slow redirects before each blob',
    unbounded: '≥ 45 s (issue: 55 s)',
    start: () => faults.slowRedirects(5, DELAY_MS),
    args: (h) => probe(tag(h, 'team/app', '1')),
  },
  {
    label: 'missing tag + ten slow tag pages',
    unbounded: '≥ 45 s (issue: 100 s)',
    start: () => faults.tagPages({ pages: 10, tagsPerPage: 1000, delayMs: DELAY_MS }),
    args: (h) => probe(tag(h)),
  },
  {
    label: 'missing tag + ten 7.8 MB tag pages',
    unbounded: '78 MB read (issue: 362 MB RSS)',
    start: () => faults.tagPages({ pages: 10, tagsPerPage: 100_000, pageBytes: 7.8 * MB }),
    args: (h) => probe(tag(h)),
  },
  {
    label: 'missing tag + ten 3.9 MB tag pages (under the page cap)',
    unbounded: '39 MB read',
    start: () => faults.tagPages({ pages: 10, tagsPerPage: 50_000, pageBytes: 3.9 * MB }),
    args: (h) => probe(tag(h)),
  },
  {
    label: 'eight images, each ten 3.9 MB tag pages',
    unbounded: '312 MB read (issue: 1.27 GB RSS at 7.8 MB)',
    start: () => faults.tagPages({ pages: 10, tagsPerPage: 50_000, pageBytes: 3.9 * MB }),
    args: (h) => probe(...EIGHT.map((r) => tag(h, `team/${r}`))),
  },
  {
    label: 'eight images, each ten 7.8 MB tag pages',
    unbounded: '624 MB read (issue: 1.27 GB RSS)',
    start: () => faults.tagPages({ pages: 10, tagsPerPage: 100_000, pageBytes: 7.8 * MB }),
    args: (h) => probe(...EIGHT.map((r) => tag(h, `team/${r}`))),
  },
  {
    label: 'scan --snapshot: eight pods, each image ten 7.8 MB tag pages',
    unbounded: '624 MB read (issue: 1.27 GB RSS)',
    start: () => faults.tagPages({ pages: 10, tagsPerPage: 100_000, pageBytes: 7.8 * MB }),
    args: async (h, dir) => [
      'scan',
      '--snapshot',
      await backOffPods(
        dir,
        EIGHT.map((r) => tag(h, `team/${r}`)),
      ),
      '--plain-http-registry',
      h,
      '-o',
      'json',
      ...BOUNDS,
    ],
  },
  {
    // The issue: a page over ~150k tags ended in a RangeError that was swallowed.
    label: 'one page of 200,000 tags',
    unbounded: 'RangeError, swallowed',
    start: () => faults.tagPages({ pages: 1, tagsPerPage: 200_000 }),
    args: (h) => probe(tag(h)),
  },
  {
    label: 'a Link that points at its own page',
    unbounded: '10 pages, tags ×10',
    start: () => faults.tagPages({ pages: 1, tagsPerPage: 1000, selfLink: true }),
    args: (h) => probe(tag(h)),
  },
  {
    label: 'an endless chain of tag pages',
    unbounded: 'pages without end',
    start: () => faults.tagPages({ pages: Infinity, tagsPerPage: 1000 }),
    args: (h) => probe(tag(h)),
  },
  {
    label: 'a manifest body that never ends',
    unbounded: 'heap until it dies',
    start: () => faults.hugeManifest('endless'),
    args: (h) => probe(tag(h, 'team/app', '1')),
  },
  {
    label: 'headers read, never answered',
    unbounded: 'forever',
    start: () => faults.stall({ phase: 'headers' }),
    args: (h) => probe(tag(h, 'team/app', '1')),
  },
  {
    label: 'inspect: 20,000 index entries naming one child',
    unbounded: '~1,500 manifest GETs (issue)',
    start: () => faults.repeatedIndex(20_000),
    args: (h) => ['inspect', tag(h, 'team/app', '1'), '--plain-http', '-o', 'json', ...BOUNDS],
    exit: 0,
  },
];

/** A scan's `-o json` report (one document): the cause of each finding; null for other output. */
function scanCauses(stdout: string): string[] | null {
  try {
    const o = JSON.parse(stdout) as { findings?: { cause: string | null }[] };
    return o.findings ? o.findings.map((f) => f.cause ?? 'none') : null;
  } catch {
    return null;
  }
}

/** The causes of the JSON lines a probe printed (one per image), or the inspect verdict. */
function verdicts(stdout: string): string {
  const scan = scanCauses(stdout);
  const causes =
    scan ??
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        const o = JSON.parse(l) as {
          cause?: string | null;
          probe?: { cause: string | null };
          platforms?: unknown[];
        };
        if (o.platforms) return o.probe?.cause ?? `inspected ${o.platforms.length} platform(s)`;
        return o.cause ?? 'pullable';
      });
  const counts = new Map<string, number>();
  for (const c of causes) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([c, n]) => (n > 1 ? `${n}× ${c}` : c)).join(', ') || 'no output';
}

export async function hostileSection(
  cli: string,
  cleanup: Cleanup,
  progress: (s: string) => void,
): Promise<{ text: string; targets: Target[]; failures: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'regdoctor-bench-hostile-'));
  cleanup.add('hostile temp dir', () => rm(dir, { recursive: true, force: true }));
  const rows: string[][] = [];
  const targets: Target[] = [];
  const failures: string[] = [];
  let worstMs = 0;
  let worstRss = 0;
  for (const c of CASES) {
    progress(`hostile: ${c.label}`);
    const server = await c.start();
    try {
      const r = await timeWithPeakRss(process.execPath, [cli, ...(await c.args(server.host, dir))], dir);
      if (r.code !== (c.exit ?? 1)) failures.push(`${c.label}: exit ${r.code} (${c.exit ?? 1} expected)`);
      worstMs = Math.max(worstMs, r.ms);
      worstRss = Math.max(worstRss, r.rssMb);
      const manifests = server.requests.filter((q) => q.url.includes('/manifests/')).length;
      const served = server.served
        ? `${server.served.pages} pages, ${(server.served.bytes / MB).toFixed(1)} MB`
        : `${server.requests.length} requests, ${manifests} to manifests`;
      rows.push([
        c.label,
        c.unbounded,
        `${(r.ms / 1000).toFixed(1)} s`,
        `${r.rssMb.toFixed(0)} MB`,
        verdicts(r.stdout),
        served,
      ]);
      targets.push({
        what: `${c.label}: ≤ ${TIME_TARGET_MS / 1000} s and ≤ ${RSS_TARGET_MB} MB`,
        measured: `${(r.ms / 1000).toFixed(1)} s, ${r.rssMb.toFixed(0)} MB`,
        met: r.ms <= TIME_TARGET_MS && r.rssMb <= RSS_TARGET_MB,
      });
    } finally {
      await server.stop();
    }
  }
  const text =
    `Flags: ${BOUNDS.join(' ')} (per-request timeout, and the one deadline of each image); one run per case.\n` +
    table(['case', 'unbounded (before)', 'wall', 'peak RSS', 'verdict', 'the server served'], rows) +
    `Worst: ${(worstMs / 1000).toFixed(1)} s, ${worstRss.toFixed(0)} MB.\n`;
  return { text, targets, failures };
}
