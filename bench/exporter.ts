// The exporter at 500 monitored images on a local docker-registry: how long one full round of checks takes, and —
// with the built CLI running as its own process and checking continuously — what a scrape costs while checks run
// (latency over a few hundred GETs, body size) and what the process holds in memory (peak and steady RSS).
// Numbers are printed, never judged.
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildIndex, type BuiltImage } from '../src/demo/image.ts';
import { pushImage } from '../src/demo/push.ts';
import { freePort, startRegistry } from '../src/demo/registry.ts';
import { parseExporterConfig, startExporter } from '../src/exporter/index.ts';
import type { Cleanup } from './cleanup.ts';
import { cleanEnv } from './process.ts';
import { percentile } from './stats.ts';
import { table } from './table.ts';

const REPOS = 100;
const TAGS = 5;
const SCRAPES = 300;
const PUSH_CONCURRENCY = 8;
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };

async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function get(url: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** VmRSS and VmHWM (the kernel's peak) of a process, in MiB. */
export async function memory(pid: number): Promise<{ rss: number; peak: number } | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
  if (!status) return null;
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '—');

/** A sample's value in a Prometheus text exposition (NaN when absent). */
export function counter(text: string, line: string): number {
  const hit = text.split('\n').find((l) => l.startsWith(line));
  return hit ? Number(hit.slice(hit.lastIndexOf(' ') + 1)) : Number.NaN;
}

export async function exporterSection(
  cli: string,
  registryBinary: string,
  cleanup: Cleanup,
  progress: (s: string) => void,
): Promise<{ text: string; failures: string[] }> {
  const failures: string[] = [];
  const registry = await startRegistry(registryBinary);
  cleanup.add('exporter bench registry', () => registry.stop());

  progress(`exporter: pushing ${REPOS} repositories × ${TAGS} tags (multi-platform indexes)`);
  const pushStart = performance.now();
  const repos = Array.from(
    { length: REPOS },
    (_, i) => `team-${String(i % 20).padStart(2, '0')}/svc-${String(i).padStart(3, '0')}`,
  );
  await pool(repos, PUSH_CONCURRENCY, async (repo) => {
    const image: BuiltImage & { children: BuiltImage[] } = await buildIndex([AMD64, ARM64], repo);
    for (let t = 0; t < TAGS; t++) await pushImage(registry.url, repo, `1.${t}.0`, image);
  });
  const pushMs = performance.now() - pushStart;
  const images = repos.flatMap((r) =>
    Array.from({ length: TAGS }, (_, t) => `${registry.host}/${r}:1.${t}.0`),
  );

  const yaml = (interval: string) =>
    [
      `interval: ${interval}`,
      'timeout: 10s',
      'concurrency: 8',
      'registries:',
      `  - host: ${registry.host}`,
      '    plainHttp: true',
      `    checkImage: ${images[0]}`,
      'images:',
      ...images.map((i) => `  - ${i}`),
      '',
    ].join('\n');

  // 1. One full round, in process, without jitter: the checks alone.
  progress('exporter: timing full check rounds in process');
  const roundMs: number[] = [];
  for (let run = 0; run < 3; run++) {
    const ex = await startExporter({
      config: parseExporterConfig(yaml('10m'), 'bench'),
      listen: '127.0.0.1:0',
      platform: AMD64,
      random: () => 0,
      env: cleanEnv(),
      log: () => undefined,
    });
    const t0 = performance.now();
    await ex.ready;
    roundMs.push(performance.now() - t0);
    const body = (await get(`${ex.url}/metrics`)).body;
    const available = body
      .split('\n')
      .filter((l) => l.startsWith('regdoctor_image_available{') && l.endsWith(' 1')).length;
    if (available !== images.length)
      failures.push(`round ${run}: ${available} of ${images.length} images available`);
    await ex.close();
  }

  // 2. The CLI as its own process, checking continuously (interval 1s < one round), scraped back to back.
  progress(`exporter: ${SCRAPES} scrapes of a separate exporter process while it checks`);
  const dir = await mkdtemp(join(tmpdir(), 'regdoctor-bench-exporter-'));
  cleanup.add('exporter bench dir', () => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'config.yaml'), yaml('1s'));
  const port = await freePort();
  const child = spawn(
    cli,
    ['exporter', '--config', join(dir, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
    {
      env: cleanEnv(),
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup.add('exporter process', async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const url = `http://127.0.0.1:${port}`;
  const spawnedAt = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exporter exited: ${stderr}`);
    const r = await get(`${url}/readyz`).catch(() => null);
    if (r?.status === 200) break;
    if (performance.now() - spawnedAt > 120_000) throw new Error('exporter not ready within 120 s');
    await sleep(50);
  }
  const firstRoundMs = performance.now() - spawnedAt;

  const rssSamples: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const m = await memory(child.pid!);
      if (m) rssSamples.push(m.rss);
      await sleep(100);
    }
  })();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const latencies: number[] = [];
  let bodyBytes = 0;
  let before = '';
  let after = '';
  const scrapeStart = performance.now();
  for (let i = 0; i < SCRAPES; i++) {
    const t = performance.now();
    const r = await get(`${url}/metrics`, agent);
    latencies.push(performance.now() - t);
    if (r.status !== 200) failures.push(`scrape ${i}: HTTP ${r.status}`);
    bodyBytes = Buffer.byteLength(r.body);
    if (i === 0) before = r.body;
    after = r.body;
    // About 20 scrapes a second: a busy Prometheus setup, spread over several check rounds.
    await sleep(50);
  }
  const scrapeSeconds = (performance.now() - scrapeStart) / 1000;
  agent.destroy();
  sampling = false;
  await sampler;
  const mem = await memory(child.pid!);
  child.kill('SIGTERM');
  await exited;
  const imageChecks =
    counter(after, 'regdoctor_check_duration_seconds_count{check="image"}') -
    counter(before, 'regdoctor_check_duration_seconds_count{check="image"}');
  const steady = rssSamples.slice(Math.floor(rssSamples.length / 2));

  const rows = [
    [
      'images monitored',
      String(images.length),
      `${REPOS} repositories × ${TAGS} tags, linux/amd64+arm64 indexes`,
    ],
    ['push (setup)', `${(pushMs / 1000).toFixed(1)} s`, ''],
    [
      'full round, in process',
      `${roundMs.map((m) => (m / 1000).toFixed(2)).join(' / ')} s`,
      '3 exporters, no jitter, concurrency 8',
    ],
    [
      'first round, CLI process',
      `${(firstRoundMs / 1000).toFixed(2)} s`,
      'spawn → /readyz 200, jitter ≤ 0.1 s per check',
    ],
    [
      'scrape p50',
      `${f1(percentile(latencies, 50))} ms`,
      `${latencies.length} GETs over ${scrapeSeconds.toFixed(1)} s while checking`,
    ],
    ['scrape p99', `${f1(percentile(latencies, 99))} ms`, ''],
    ['scrape max', `${f1(Math.max(...latencies))} ms`, ''],
    ['/metrics body', `${(bodyBytes / 1024).toFixed(1)} KiB`, 'uncompressed text format'],
    ['image checks during scrapes', String(imageChecks), `≈ ${f1(imageChecks / images.length)} rounds`],
    ['RSS peak (VmHWM)', `${f1(mem?.peak ?? NaN)} MiB`, 'the exporter process'],
    ['RSS steady', `${f1(percentile(steady, 50))} MiB`, 'median of the second half of the samples'],
  ];
  return { text: table(['measure', 'value', 'note'], rows), failures };
}
