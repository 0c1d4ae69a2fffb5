// Section webhook-hostile (issue 9, Show): the webhook answers ordinary reviews with p99 < 100 ms while hostile
// reviews run. The real webhook (built CLI, its own process, registry rules on) serves ordinary reviews of images
// on a local docker-registry (warm: their facts are cached, as most reviews are) at a steady rate from a separate
// load process (webhook-load.ts), while this process keeps hostile reviews in flight: a 3 MiB body, images on a
// registry that never answers, on one that sends endless bodies or tag pages, a slowloris flood up to the
// connection caps, and tags shaped against backtracking patterns. A new webhook per case, so its peak RSS
// (VmHWM) is that case's.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { connect as tcpConnect } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage } from '../src/demo/image.ts';
import { pushImage } from '../src/demo/push.ts';
import { startRegistry } from '../src/demo/registry.ts';
import * as faults from '../test/helpers/faults.ts';
import type { Cleanup } from './cleanup.ts';
import { table, type Target } from './table.ts';
import { deploymentReview, percentile, selfSignedCert, startWebhookProcess } from './webhook.ts';

const SECONDS = 12;
const RATE = 50;
const SOCKETS = 8;
const N_IMAGES = 12;
const P99_TARGET_MS = 100;
const MB = 1024 * 1024;

interface Hostile {
  label: string;
  /** Starts the attack against the webhook at `url`; returns what stops it and a line of what it did. */
  start(url: string): () => Promise<string>;
}

/** Keeps `inflight` hostile reviews going, each a new body (new image names: no cached fact helps). */
function reviews(inflight: number, body: (i: number) => string, from = '127.0.0.2'): Hostile['start'] {
  return (url) => {
    let running = true;
    let sent = 0;
    const statuses = new Map<string, number>();
    const agent = new Agent({
      keepAlive: true,
      maxSockets: inflight,
      rejectUnauthorized: false,
      localAddress: from,
    });
    const one = (i: number) =>
      new Promise<void>((resolve) => {
        const text = body(i);
        const req = request(
          `${url}/validate`,
          {
            method: 'POST',
            agent,
            timeout: 15_000,
            headers: {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(text)),
            },
          },
          (res) => {
            const k = String(res.statusCode);
            statuses.set(k, (statuses.get(k) ?? 0) + 1);
            res.resume();
            res.on('end', resolve);
            res.on('error', () => resolve());
          },
        );
        const failed = (k: string) => () => {
          statuses.set(k, (statuses.get(k) ?? 0) + 1);
          req.destroy();
          resolve();
        };
        req.on('timeout', failed('timeout'));
        req.on('error', failed('error'));
        req.end(text);
      });
    const loops = Array.from({ length: inflight }, async () => {
      while (running) await one(sent++);
    });
    return async () => {
      running = false;
      agent.destroy();
      await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 2_000))]);
      return `${sent} hostile reviews: ${[...statuses].map(([k, n]) => `${n}× ${k}`).join(', ')}`;
    };
  };
}

/** TLS connections that send headers one line a second and never finish, reopened as the server closes them. */
function slowloris(total: number, addresses: string[]): Hostile['start'] {
  return (url) => {
    const { hostname, port } = new URL(url);
    let running = true;
    let opened = 0;
    const open = new Set<TLSSocket>();
    const timers = new Set<NodeJS.Timeout>();
    const dial = (from: string) => {
      if (!running) return;
      opened++;
      const s = connect({
        socket: tcpConnect({ host: hostname, port: Number(port), localAddress: from }),
        rejectUnauthorized: false,
      });
      open.add(s);
      s.on('secureConnect', () =>
        s.write('POST /validate HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n'),
      );
      const t = setInterval(() => s.writable && s.write('x-slow: 1\r\n'), 1_000);
      timers.add(t);
      s.on('error', () => undefined);
      s.on('close', () => {
        open.delete(s);
        clearInterval(t);
        timers.delete(t);
        // Reopen after a breath: the flood stays at the caps without spinning.
        setTimeout(() => dial(from), 100).unref();
      });
    };
    for (let i = 0; i < total; i++) dial(addresses[i % addresses.length]!);
    return async () => {
      running = false;
      const held = open.size;
      for (const s of open) s.destroy();
      for (const t of timers) clearInterval(t);
      return `${opened} connections opened, ${held} open at the end`;
    };
  };
}

function podReview(uid: string, images: string[], pad = 0): string {
  if (!pad) return deploymentReview(uid, images);
  const r = JSON.parse(deploymentReview(uid, images)) as {
    request: { object: { spec: { template: { spec: { containers: { env: unknown[] }[] } } } } };
  };
  const value = 'v'.repeat(1000);
  for (const c of r.request.object.spec.template.spec.containers)
    c.env = Array.from({ length: pad }, (_, i) => ({ name: `E${i}`, value }));
  return JSON.stringify(r);
}

async function vmHwmMb(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024;
}

/** Runs the load process: warm-up, then `go` once the attack is under way; resolves with its result. */
function loadProcess(cfg: object): { ready: Promise<void>; go(): void; result: Promise<LoadResult> } {
  const script = fileURLToPath(new URL('./webhook-load.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.write(JSON.stringify(cfg) + '\n');
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const result = new Promise<LoadResult>((resolve, reject) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('ready\n')) onReady();
    });
    child.once('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as LoadResult);
      else reject(new Error(`load process exited ${code}`));
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), result };
}

interface LoadResult {
  sent: number;
  ms: number[];
  timeouts: number;
  errors: number;
  bad: number;
}

export async function webhookHostileSection(
  cli: string,
  registryBinary: string | null,
  cleanup: Cleanup,
  progress: (s: string) => void,
): Promise<{ text: string; targets: Target[]; failures: string[] }> {
  if (!registryBinary)
    return { text: 'Not measured: docker-registry is not installed.\n', targets: [], failures: [] };
  const dir = await mkdtemp(join(tmpdir(), 'regdoctor-bench-webhook-hostile-'));
  cleanup.add('webhook-hostile temp dir', () => rm(dir, { recursive: true, force: true }));
  const tls = await selfSignedCert(dir);
  const registry = await startRegistry(registryBinary);
  cleanup.add('webhook-hostile registry', () => registry.stop());
  const good = new URL(registry.url).host;
  progress(`webhook-hostile: pushing ${N_IMAGES} images`);
  const images: string[] = [];
  for (let i = 0; i < N_IMAGES; i++) {
    const repo = `bench/svc-${i}`;
    await pushImage(
      registry.url,
      repo,
      '1.0',
      await buildImage({ os: 'linux', architecture: 'amd64' }, `svc ${i}`),
    );
    images.push(`${good}/${repo}:1.0`);
  }
  const stalled = await faults.stall({ phase: 'headers' });
  const endless = await faults.hugeManifest('endless');
  const big = await faults.hugeManifest(250 * 1024);
  const pages = await faults.tagPages({ pages: Infinity, tagsPerPage: 100_000, pageBytes: 7.8 * MB });
  for (const s of [stalled, endless, big, pages]) cleanup.add('webhook-hostile fault server', () => s.stop());
  const policy = join(dir, 'policy.yaml');
  await writeFile(
    policy,
    JSON.stringify({
      apiVersion: 'regdoctor.dev/v1alpha1',
      kind: 'ImagePolicy',
      metadata: { name: 'facts' },
      spec: {
        maxImageSize: '100Mi',
        allowedPlatforms: ['linux/amd64'],
        blockedImages: ['**:*-*-*-*-*-*-rc'],
      },
    }),
  );
  const plain = [good, stalled.host, endless.host, big.host, pages.host].flatMap((h) => [
    '--plain-http-registry',
    h,
  ]);
  const ordinary = images.map((img, i) => deploymentReview(`ordinary-${i}`, [img]));
  const dashes = (i: number) => `x${'-'.repeat(127 - String(i).length)}${i}`;
  const cases: Hostile[] = [
    { label: 'none (baseline)', start: () => async () => 'no attack' },
    {
      label: '(a) 3 MiB review bodies, 256 containers, 4 in flight',
      start: reviews(4, (i) =>
        podReview(
          `big-${i}`,
          Array.from({ length: 256 }, (_, k) => images[k % N_IMAGES]!),
          11,
        ),
      ),
    },
    {
      label: '(b) a registry that never answers, 32 in flight',
      start: reviews(32, (i) => deploymentReview(`stall-${i}`, [`${stalled.host}/h/r${i}:1`])),
    },
    {
      label: '(c) manifests that never end, 8 in flight',
      start: reviews(8, (i) => deploymentReview(`endless-${i}`, [`${endless.host}/h/r${i}:1`])),
    },
    {
      label: '(c) 250 KiB manifests, 8 in flight',
      start: reviews(8, (i) => deploymentReview(`big-${i}`, [`${big.host}/h/r${i}:1`])),
    },
    {
      label: '(c) missing tag, endless 7.8 MB tag pages, 8 in flight',
      start: reviews(8, (i) => deploymentReview(`pages-${i}`, [`${pages.host}/h/r${i}:gone`])),
    },
    { label: '(d) slowloris, 128 from one address (its cap)', start: slowloris(128, ['127.0.0.2']) },
    {
      label: '(d) slowloris, 640 from five addresses (total cap 512)',
      start: slowloris(640, ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']),
    },
    {
      label: '(e) `*-*-*-*-*-*-rc` vs 128-char dash tags, 64 containers, 8 in flight',
      start: reviews(8, (i) =>
        deploymentReview(
          `redos-${i}`,
          Array.from({ length: 64 }, (_, k) => `${good}/bench/svc-${k % N_IMAGES}:${dashes(i * 64 + k)}`),
        ),
      ),
    },
    {
      label: '(e) the same dash tags, one container a review, 8 in flight',
      start: reviews(8, (i) =>
        deploymentReview(`redos1-${i}`, [`${good}/bench/svc-${i % N_IMAGES}:${dashes(i)}`]),
      ),
    },
    {
      label: '(control for e) 64 new plain tags a review, 8 in flight',
      start: reviews(8, (i) =>
        deploymentReview(
          `new-${i}`,
          Array.from({ length: 64 }, (_, k) => `${good}/bench/svc-${k % N_IMAGES}:t${i * 64 + k}`),
        ),
      ),
    },
  ];
  const only = process.env.WEBHOOK_HOSTILE_CASES?.split(',');
  const rows: string[][] = [];
  const targets: Target[] = [];
  const failures: string[] = [];
  const notes: string[] = [];
  for (const [n, c] of cases.entries()) {
    if (only && !only.includes(String(n))) continue;
    progress(`webhook-hostile: ${c.label}`);
    const hook = await startWebhookProcess(cli, [
      '--tls-cert',
      tls.cert,
      '--tls-key',
      tls.key,
      '--policy',
      policy,
      ...plain,
    ]);
    cleanup.add('webhook-hostile webhook', () => hook.stop());
    try {
      const load = loadProcess({
        url: hook.url,
        ca: tls.cert,
        bodies: ordinary,
        rate: RATE,
        seconds: SECONDS,
        sockets: SOCKETS,
      });
      await load.ready;
      const stop = c.start(hook.url);
      // Let the attack build up (bodies in flight, lookups started, the flood at its cap) before measuring.
      await new Promise((r) => setTimeout(r, 1_500));
      const load1 = loadavg()[0]!;
      load.go();
      const r = await load.result;
      notes.push(`${c.label}: ${await stop()}`);
      const rss = await vmHwmMb(hook.child.pid!);
      const p99 = r.ms.length ? percentile(r.ms, 99) : Infinity;
      const failed = r.sent - r.ms.length;
      rows.push([
        c.label,
        r.ms.length ? `${percentile(r.ms, 50).toFixed(1)} ms` : '—',
        r.ms.length ? `${p99.toFixed(1)} ms` : '—',
        r.ms.length ? `${Math.max(...r.ms).toFixed(1)} ms` : '—',
        `${failed} (${r.timeouts} timeouts, ${r.errors} errors, ${r.bad} bad)`,
        `${rss.toFixed(0)} MB`,
        load1.toFixed(2),
      ]);
      targets.push({
        what: `ordinary reviews while ${c.label}: p99 < ${P99_TARGET_MS} ms, none failed`,
        measured: `${p99.toFixed(1)} ms, ${failed} failed`,
        met: p99 < P99_TARGET_MS && failed === 0,
      });
    } catch (e) {
      failures.push(`${c.label}: ${(e as Error).message}`);
    } finally {
      await hook.stop();
    }
  }
  const text =
    `The built webhook (one process per case, --decision-timeout 4s, registry rules maxImageSize + allowedPlatforms ` +
    `+ a blockedImages pattern); ordinary reviews: ${RATE}/s for ${SECONDS} s from a separate process over ${SOCKETS} ` +
    `kept-alive connections, ${N_IMAGES} images on a local docker-registry, cached after a warm-up; hostile clients ` +
    "from 127.0.0.2+, started 1.5 s before. RSS: the webhook's peak (VmHWM). load: 1-min load average at the start.\n" +
    table(['hostile case', 'p50', 'p99', 'max', 'failed of ' + RATE * SECONDS, 'webhook RSS', 'load'], rows) +
    notes.map((n) => `  ${n}\n`).join('');
  return { text, targets, failures };
}
