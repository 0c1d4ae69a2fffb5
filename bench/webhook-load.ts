// Steady open-loop load of ordinary reviews against a running webhook, in its own process so that what the
// hostile side of the bench does (serving huge bodies, holding sockets) never delays this clock. Reads one JSON
// config line on stdin, warms up, prints "ready", waits for "go", sends `rate` reviews a second for `seconds`
// over kept-alive connections, and prints one JSON line of latencies and failures.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createInterface } from 'node:readline';

interface Config {
  url: string;
  ca: string;
  bodies: string[];
  rate: number;
  seconds: number;
  sockets: number;
}
/** The API server's timeoutSeconds in deploy/webhook. */
const TIMEOUT_MS = 5_000;

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const cfg = JSON.parse((await lines.next()).value as string) as Config;
const agent = new Agent({ keepAlive: true, maxSockets: cfg.sockets, ca: readFileSync(cfg.ca, 'utf8') });

type Outcome = { ms: number; ok: boolean; kind?: 'timeout' | 'error' | 'status' };
function post(body: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = request(
      `${cfg.url}/validate`,
      {
        method: 'POST',
        agent,
        timeout: TIMEOUT_MS,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          const ok = res.statusCode === 200 && text.includes('"kind":"AdmissionReview"');
          resolve({ ms: performance.now() - t0, ok, ...(ok ? {} : { kind: 'status' as const }) });
        });
        res.on('error', () => resolve({ ms: performance.now() - t0, ok: false, kind: 'error' }));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({ ms: performance.now() - t0, ok: false, kind: 'timeout' });
    });
    req.on('error', () => resolve({ ms: performance.now() - t0, ok: false, kind: 'error' }));
    req.end(body);
  });
}

// Warm-up: every body once (the registry facts get cached), then enough at once to open every socket.
for (const b of cfg.bodies) await post(b);
await Promise.all(Array.from({ length: cfg.sockets }, (_, i) => post(cfg.bodies[i % cfg.bodies.length]!)));
process.stdout.write('ready\n');
await lines.next();

const pending: Promise<Outcome>[] = [];
const n = Math.round(cfg.rate * cfg.seconds);
const start = performance.now();
for (let i = 0; i < n; i++) {
  const due = start + (i * 1000) / cfg.rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  pending.push(post(cfg.bodies[i % cfg.bodies.length]!));
}
const all = await Promise.all(pending);
const ok = all.filter((o) => o.ok).map((o) => o.ms);
process.stdout.write(
  JSON.stringify({
    sent: n,
    ms: ok,
    timeouts: all.filter((o) => o.kind === 'timeout').length,
    errors: all.filter((o) => o.kind === 'error').length,
    bad: all.filter((o) => o.kind === 'status').length,
  }) + '\n',
);
agent.destroy();
process.exit(0);
