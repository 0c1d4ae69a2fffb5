// Section hostile, input part: whole `regdoctor` processes reading hostile input — snapshot, policy and manifest
// files, an API server's answers — and an exporter scraped while it checks a 10,000-pod cluster (issue 9, item 9).
// Each case is one run: wall time, peak RSS (GNU time), the exit code and the first line of stderr. Targets: every
// case ≤ 15 s and ≤ 300 MB, refused in one line naming the limit, exit 2 (a legitimate input: read, exit 0 or 1);
// scrapes of a busy exporter p99 ≤ 100 ms.
import { spawn } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../src/demo/registry.ts';
import { serve } from '../test/helpers/server.ts';
import { writeKubeconfig } from '../test/helpers/kube-api.ts';
import type { Cleanup } from './cleanup.ts';
import { counter, get, memory } from './exporter.ts';
import { cleanEnv, timeWithPeakRss } from './process.ts';
import { REPOS, SEED, SHAPE } from './scan.ts';
import { seeded } from './scan-random.ts';
import { planRepos } from './scan-registry.ts';
import { generateSnapshot, type GeneratedSnapshot } from './scan-snapshot.ts';
import { percentile } from './stats.ts';
import { table, type Target } from './table.ts';

const TIME_TARGET_MS = 15_000;
const RSS_TARGET_MB = 300;
const SCRAPE_P99_TARGET_MS = 100;
const MB = 1024 * 1024;

/** Writes `n` bytes of `unit` repeated, in pieces (some cases are tens of MB). */
async function repeated(path: string, unit: string, bytes: number): Promise<string> {
  const fh = await open(path, 'w');
  const piece = Buffer.from(unit.repeat(Math.max(1, Math.floor(MB / unit.length))));
  for (let written = 0; written < bytes; written += piece.length) await fh.write(piece);
  await fh.close();
  return path;
}

interface Case {
  label: string;
  /** Measured before this work (same machine, same input), or what the issue measured. */
  before: string;
  /** The one line on stderr that refuses the input (exit 2); none for a legitimate input, read (exit 0 or 1). */
  refused?: RegExp;
  prepare: (dir: string) => Promise<string[]>;
}

const POLICY = {
  apiVersion: 'regdoctor.dev/v1alpha1',
  kind: 'ImagePolicy',
  metadata: { name: 'no-latest' },
  spec: { disallowLatestTag: true },
};

const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
};

/** A server that answers every list with a 200 that never ends, until the client goes away. */
async function endlessApi(cleanup: Cleanup): Promise<string> {
  const item = Buffer.from(`{"kind":"Pod","metadata":{"name":"${'x'.repeat(60_000)}"}},`);
  const server = await serve((_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"kind":"PodList","items":[');
    const pump = () => {
      while (!res.destroyed && res.write(item));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
  });
  cleanup.add('endless API server', () => server.stop());
  return server.url;
}

/** A server that answers every list with a PodList whose one item opens 40 M arrays. */
async function deepApi(cleanup: Cleanup): Promise<string> {
  const piece = Buffer.alloc(MB, '[');
  const server = await serve((_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"kind":"PodList","items":[');
    let left = 40;
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        left--;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  });
  cleanup.add('deep API server', () => server.stop());
  return server.url;
}

/** `dir`/kubectl-N.yaml: the most of the 10,000-pod cluster's pods that `kubectl -o yaml` fits in N MiB. */
async function kubectlYaml(dir: string, mib: number): Promise<string> {
  const list = JSON.parse(await readFile(join(dir, 'cluster.json'), 'utf8')) as { items: unknown[] };
  const yaml = (n: number) => stringify({ apiVersion: 'v1', kind: 'List', items: list.items.slice(0, n) });
  let [fits, over] = [0, list.items.length];
  while (over - fits > 1) {
    const n = (fits + over) >> 1;
    if (Buffer.byteLength(yaml(n)) <= mib * MB) fits = n;
    else over = n;
  }
  const f = join(dir, `kubectl-${mib}.yaml`);
  await writeFile(f, yaml(fits));
  return f;
}

function cases(cleanup: Cleanup): Case[] {
  return [
    {
      label: 'scan --snapshot: 16 MB of `---` lines',
      before: '109 s, 3.9 GB',
      refused: /dashes\.yaml is YAML larger than 4 MiB/,
      prepare: async (dir) => {
        const f = await repeated(join(dir, 'dashes.yaml'), '---\n', 16 * MB);
        return ['scan', '--snapshot', f, '--no-probe'];
      },
    },
    {
      label: 'policy check --policy: 16 MB of `---` lines',
      before: 'parseAllDocuments of 4 M documents (as scan)',
      refused: /policy-dashes\.yaml: is YAML larger than 4 MiB/,
      prepare: async (dir) => {
        const pod = join(dir, 'pod.json');
        await writeFile(pod, JSON.stringify(POD));
        const policy = await repeated(join(dir, 'policy-dashes.yaml'), '---\n', 16 * MB);
        return ['policy', 'check', '--policy', policy, '-f', pod, '--offline'];
      },
    },
    {
      label: 'scan --snapshot: 40 MB of `[`',
      before: '9.3 s, 2.1 GB (issue: 2 GB)',
      refused: /deep\.json nests deeper than 1000 levels/,
      prepare: async (dir) => [
        'scan',
        '--snapshot',
        await repeated(join(dir, 'deep.json'), '[', 40 * MB),
        '--no-probe',
      ],
    },
    {
      label: 'scan --snapshot: 25 MB of nested `{"a":`',
      before: '133 s, 4.4 GB, then aborted',
      refused: /deep-objects\.json nests deeper than 1000 levels/,
      prepare: async (dir) => [
        'scan',
        '--snapshot',
        await repeated(join(dir, 'deep-objects.json'), '{"a":', 25 * MB),
        '--no-probe',
      ],
    },
    {
      label: 'policy check -f: 40 MB of `[` as the manifest',
      before: '(the manifests reader, as the snapshot one)',
      refused: /deep-manifest\.json.* nests deeper than 1000 levels/,
      prepare: async (dir) => {
        const policy = join(dir, 'policy.yaml');
        await writeFile(policy, stringify(POLICY));
        const deep = await repeated(join(dir, 'deep-manifest.json'), '[', 40 * MB);
        return ['policy', 'check', '--policy', policy, '-f', deep, '--offline'];
      },
    },
    {
      label: 'scan --snapshot: 30 MiB of kubectl YAML (~9,700 pods)',
      before: '31 s, 1.5 GB (under the old 32 MiB limit)',
      refused: /kubectl-30\.yaml is YAML larger than 4 MiB; .* save it as JSON/,
      prepare: async (dir) => ['scan', '--snapshot', await kubectlYaml(dir, 30), '--no-probe'],
    },
    {
      label: 'scan --snapshot: 4 MiB of kubectl YAML (the most YAML read)',
      before: '(a legitimate input at the YAML limit)',
      prepare: async (dir) => ['scan', '--snapshot', await kubectlYaml(dir, 4), '--no-probe', '-o', 'name'],
    },
    {
      label: 'scan (live): an API answer that never ends',
      before: '4.9 GB (issue)',
      refused: /listing \S+: the answer is larger than 64 MiB/,
      prepare: async (dir) => {
        const kubeconfig = await writeKubeconfig(dir, { server: await endlessApi(cleanup), token: 't' });
        return ['scan', '--kubeconfig', kubeconfig, '--no-probe'];
      },
    },
    {
      label: 'scan (live): an API answer nested 40 M deep',
      before: '(JSON.parse: ~2 GB at this depth)',
      refused: /the answer nests deeper than 1000 levels/,
      prepare: async (dir) => {
        const kubeconfig = await writeKubeconfig(dir, { server: await deepApi(cleanup), token: 't' });
        return ['scan', '--kubeconfig', kubeconfig, '--no-probe'];
      },
    },
  ];
}

/** The scan section's 10,000-pod cluster, as `dir`/cluster.json, its images on a closed port (checks end at once). */
function tenThousandPods(dir: string): Promise<GeneratedSnapshot> {
  const rnd = seeded(SEED);
  return generateSnapshot(rnd, planRepos(rnd, REPOS), '127.0.0.1:9', dir, SHAPE);
}

/**
 * An exporter checking a 10,000-pod snapshot every 10 s, scraped every 20 ms for 25 s. The scrapes count only if
 * cluster checks completed while they ran (the exporter's own check counter says how many).
 */
async function busyExporter(
  cli: string,
  dir: string,
  snap: GeneratedSnapshot,
): Promise<{ text: string; target: Target; failures: string[] }> {
  const config = join(dir, 'exporter.yaml');
  await writeFile(config, stringify({ interval: '10s', timeout: '5s', cluster: { enabled: true } }));
  const base = `http://127.0.0.1:${await freePort()}`;
  const child = spawn(
    process.execPath,
    [cli, 'exporter', '--config', config, '--listen', base.slice('http://'.length), '--snapshot', snap.path],
    { env: cleanEnv(), stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const lat: number[] = [];
  let checks = Number.NaN;
  let rssMb = Number.NaN;
  try {
    const end = Date.now() + 25_000;
    while (Date.now() < end) {
      const t = performance.now();
      // Scrapes before the server listens fail at once and are not counted.
      if (
        await get(`${base}/metrics`).then(
          () => true,
          () => false,
        )
      )
        lat.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 20));
    }
    const { body } = await get(`${base}/metrics`);
    checks = counter(body, 'regdoctor_check_duration_seconds_count{check="cluster"}');
    rssMb = (await memory(child.pid!))?.peak ?? Number.NaN;
  } finally {
    child.kill('SIGTERM');
  }
  const load = loadavg()[0]!.toFixed(1);
  const failures =
    checks >= 1 ? [] : [`exporter: no cluster check completed while it was scraped (${checks})`];
  const p99 = percentile(lat, 99);
  const measured =
    `${lat.length} scrapes over ${checks} cluster checks: p50 ${percentile(lat, 50).toFixed(1)} ms, ` +
    `p99 ${p99.toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms; exporter peak RSS ${rssMb.toFixed(0)} MB`;
  return {
    text:
      `Exporter checking a 10,000-pod snapshot (${(snap.bytes / MB).toFixed(0)} MiB) every 10 s, scraped every ` +
      `20 ms for 25 s: ${measured} (before: max 2.6 s); load average ${load}.\n`,
    target: {
      what: `exporter scrapes while it checks 10,000 pods: p99 ≤ ${SCRAPE_P99_TARGET_MS} ms`,
      measured,
      met: p99 <= SCRAPE_P99_TARGET_MS && failures.length === 0,
    },
    failures,
  };
}

export async function hostileInputSection(
  cli: string,
  cleanup: Cleanup,
  progress: (s: string) => void,
): Promise<{ text: string; targets: Target[]; failures: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'regdoctor-bench-hostile-input-'));
  cleanup.add('hostile input temp dir', () => rm(dir, { recursive: true, force: true }));
  const rows: string[][] = [];
  const targets: Target[] = [];
  const failures: string[] = [];
  progress('hostile input: generating a 10,000-pod snapshot');
  const snap = await tenThousandPods(dir);
  for (const c of cases(cleanup)) {
    progress(`hostile input: ${c.label}`);
    const r = await timeWithPeakRss(process.execPath, [cli, ...(await c.prepare(dir))], dir, 120_000);
    const lines = r.stderr.trim().split('\n');
    const expected = c.refused
      ? r.code === 2 && lines.length === 1 && c.refused.test(lines[0]!)
      : r.code === 0 || r.code === 1;
    if (!expected)
      failures.push(`${c.label}: exit ${r.code}, stderr ${JSON.stringify(r.stderr.slice(0, 300))}`);
    rows.push([
      c.label,
      c.before,
      `${(r.ms / 1000).toFixed(1)} s`,
      `${r.rssMb.toFixed(0)} MB`,
      lines[0]!.replace(dir, '…').slice(0, 110),
    ]);
    targets.push({
      what: `${c.label}: ≤ ${TIME_TARGET_MS / 1000} s and ≤ ${RSS_TARGET_MB} MB${c.refused ? ', refused in one line, exit 2' : ''}`,
      measured: `${(r.ms / 1000).toFixed(1)} s, ${r.rssMb.toFixed(0)} MB, exit ${r.code}`,
      met: r.ms <= TIME_TARGET_MS && r.rssMb <= RSS_TARGET_MB && expected,
    });
  }
  progress('hostile input: an exporter scraped while it checks 10,000 pods');
  const busy = await busyExporter(cli, dir, snap);
  targets.push(busy.target);
  failures.push(...busy.failures);
  const text = table(['case', 'before', 'wall', 'peak RSS', 'the error'], rows) + busy.text;
  return { text, targets, failures };
}
