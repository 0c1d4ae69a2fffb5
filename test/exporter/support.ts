// Shared pieces of the exporter tests: starting an exporter on a free port, scraping and reading samples out of the
// exposition text, waiting for a condition with a deadline, and a docker-registry that can be stopped and started
// again on the same port (startRegistry picks a new port every time).
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  parseExporterConfig,
  startExporter,
  type ExporterOptions,
  type RunningExporter,
} from '../../src/exporter/index.ts';
import type { Fixture } from '../helpers/fixture.ts';
import type { CertFiles } from '../helpers/pki.ts';
import { freePort } from '../helpers/ports.ts';
import { startDaemon, type Daemon } from '../helpers/proc.ts';
import { htpasswdFile } from '../helpers/htpasswd.ts';

export const AMD64 = { os: 'linux', architecture: 'amd64' };

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function get(url: string, opts: { method?: string; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', timeout: opts.timeoutMs ?? 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () =>
      req.destroy(new Error(`no answer from ${url} within ${opts.timeoutMs ?? 5000} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}

/** The value of the one sample `name{labels…}` (a subset of its labels) in exposition text, or undefined. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** Every sample line of `name` (any labels). */
export function samples(text: string, name: string): string[] {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
}

/** Polls `fn` until it returns a value that is not undefined/false, or fails with the last state after `ms`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function scrape(ex: RunningExporter): Promise<string> {
  const r = await get(`${ex.url}/metrics`);
  assert.equal(r.status, 200);
  return r.body;
}

/** Waits until a scrape shows `name{labels}` equal to `value`; returns that scrape. */
export function waitForSample(
  ex: RunningExporter,
  name: string,
  labels: Record<string, string>,
  value: number,
  ms?: number,
): Promise<string> {
  return waitFor(
    `${name}${JSON.stringify(labels)} == ${value}`,
    async () => {
      const text = await scrape(ex);
      return sample(text, name, labels) === value ? text : undefined;
    },
    ms,
  );
}

/** Starts an exporter on 127.0.0.1 with a free port from YAML config text; closed by the fixture. */
export async function exporterFrom(
  fx: Fixture,
  yaml: string,
  opts: Omit<ExporterOptions, 'config'> = {},
): Promise<RunningExporter & { lines: string[] }> {
  const config = parseExporterConfig(yaml, 'test config');
  const lines: string[] = [];
  const ex = await startExporter({
    listen: '127.0.0.1:0',
    platform: AMD64,
    log: (l) => lines.push(l),
    ...opts,
    config,
  });
  fx.onCleanup(() => ex.close());
  return Object.assign(ex, { lines });
}

export interface RestartableRegistry {
  host: string;
  port: number;
  url: string;
  running(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A docker-registry on a fixed port whose storage survives stop()/start(), for outage-and-recovery tests. */
export async function restartableRegistry(
  fx: Fixture,
  opts: { tls?: CertFiles; htpasswd?: Record<string, string> } = {},
): Promise<RestartableRegistry> {
  const dir = await fx.subdir('restartable-registry');
  const port = await freePort();
  const http: Record<string, unknown> = { addr: `127.0.0.1:${port}`, secret: 'regdoctor-test-secret' };
  if (opts.tls) http.tls = { certificate: opts.tls.certPath, key: opts.tls.keyPath };
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(dir, 'data') } },
    http,
  };
  if (opts.htpasswd) {
    await writeFile(join(dir, 'htpasswd'), htpasswdFile(opts.htpasswd));
    config.auth = { htpasswd: { realm: 'regdoctor-test', path: join(dir, 'htpasswd') } };
  }
  await mkdir(join(dir, 'data'), { recursive: true });
  const configPath = join(dir, 'config.yml');
  await writeFile(configPath, stringify(config));
  const scheme = opts.tls ? 'https' : 'http';
  const url = `${scheme}://127.0.0.1:${port}`;
  let daemon: Daemon | null = null;
  const reg: RestartableRegistry = {
    host: `127.0.0.1:${port}`,
    port,
    url,
    running: () => daemon !== null,
    async start() {
      assert.equal(daemon, null, 'already running');
      const d = startDaemon('docker-registry', ['serve', configPath], { cwd: dir });
      daemon = d;
      await waitFor(
        `docker-registry on ${url}`,
        async () => {
          if (d.child.exitCode !== null) throw new Error(`docker-registry exited: ${d.output()}`);
          return tcpAnswers(port);
        },
        15_000,
      );
    },
    async stop() {
      const d = daemon;
      daemon = null;
      await d?.stop();
    },
  };
  fx.onCleanup(() => reg.stop());
  await reg.start();
  return reg;
}

function tcpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/', timeout: 1000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

// Kubernetes objects for the cluster tests, as a snapshot or the kube-api test server holds them.
export type Obj = Record<string, unknown>;
const T0 = '2026-05-01T10:00:00Z';

export const meta = (name: string, namespace: string, extra: Obj = {}) => ({
  name,
  namespace,
  uid: `uid-${namespace}-${name}`,
  ...extra,
});

export function podTemplate(image: string, spec: Obj = {}): Obj {
  return { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'main', image }], ...spec } };
}

export function workload(kind: string, name: string, namespace: string, spec: Obj): Obj {
  const apiVersion = kind === 'CronJob' ? 'batch/v1' : 'apps/v1';
  return { apiVersion, kind, metadata: meta(name, namespace), spec };
}

export function failingPod(name: string, namespace: string, image: string, waiting: Obj): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta(name, namespace),
    spec: { containers: [{ name: 'main', image }], nodeName: 'node-1' },
    status: {
      phase: 'Pending',
      containerStatuses: [{ name: 'main', image, ready: false, restartCount: 0, state: { waiting } }],
    },
  };
}

export function event(
  name: string,
  namespace: string,
  pod: string,
  reason: string,
  message: string,
  count = 1,
): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: meta(name, namespace),
    involvedObject: {
      kind: 'Pod',
      name: pod,
      namespace,
      uid: `uid-${namespace}-${pod}`,
      fieldPath: 'spec.containers{main}',
    },
    reason,
    message,
    type: reason === 'Pulled' ? 'Normal' : 'Warning',
    count,
    firstTimestamp: T0,
    lastTimestamp: T0,
  };
}

/** A kubectl `List` of objects: what --snapshot reads. */
export const list = (items: Obj[]): Obj => ({ apiVersion: 'v1', kind: 'List', items });
