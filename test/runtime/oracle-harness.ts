// The runtime oracle: registries with access logs (counting proxies in front of real docker-registry
// instances, staged to serve, fail with 503, miss the image or present an untrusted certificate), a node root
// holding one runtime configuration, the real runtime run against it (ctr with the root's certs.d as hosts
// dir, or skopeo with the root's etc/containers mounted over /etc/containers), and what src/runtime predicts
// for the same root: the order in which registries see their first request, and whether the pull succeeds.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Fixture } from '../helpers/fixture.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import type { RunningContainerd } from '../helpers/containerd.ts';
import { cleanEnv } from '../helpers/containerd.ts';
import { skopeoPull } from '../helpers/containers-image.ts';
import type { Captured } from '../helpers/proc.ts';
import type { CertFiles } from '../helpers/pki.ts';
import { planPull, rootedFs, type PullPlan } from '../../src/runtime/index.ts';

/** ok: serves the image; fail: 503 to everything; empty: a registry without the image (404); untrusted: TLS
 * with a certificate nobody configured (the handshake fails, so no request is ever logged). */
export type ServerState = 'ok' | 'fail' | 'empty' | 'untrusted';

export interface Server {
  name: string;
  state: ServerState;
  proxy: CountingProxy;
  /** `127.0.0.1:PORT` */
  host: string;
  port: number;
  url: string;
}

export interface OracleCase {
  name: string;
  runtime: 'containerd' | 'crio';
  image: string;
  /** Node root files (node path → content); `{{name}}` is replaced by that server's host, `{{name.port}}` by its port. */
  files: Record<string, string>;
  servers: Record<string, ServerState | { state: ServerState; tls: 'trusted' | 'untrusted' }>;
  /** Environment of the runtime process (what a systemd drop-in gives the service). */
  env?: Record<string, string>;
  /** A finding regdoctor must report, and what the real runtime must say, for cases decided by configuration. */
  expect?: { finding: string; stderr: RegExp };
}

export interface OracleRow {
  name: string;
  runtime: string;
  /** Servers in the order of their first request, as the real runtime sent them. */
  realOrder: string[];
  realOk: boolean;
  /** The same, predicted from src/runtime's plan and the servers' staged states. */
  predictedOrder: string[];
  predictedOk: boolean;
  plan: PullPlan;
  run: Captured;
  /** Each server's requests, `name: METHOD path`, in arrival order. */
  log: string[];
}

export interface OracleWorld {
  /** A resolv.conf pointing at 127.0.0.1: no lookup from an oracle run leaves the machine. */
  resolvConf: string;
  backend: string;
  empty: string;
  pki: { ca: CertFiles & { certDir: string }; valid: CertFiles; untrusted: CertFiles };
  digest: string;
}

function fill(text: string, servers: Record<string, Server>): string {
  return text.replace(/\{\{(\w+)(\.port)?\}\}/g, (_m, n: string, port?: string) => {
    const s = servers[n];
    if (!s) throw new Error(`unknown server ${n}`);
    return port ? String(s.port) : s.host;
  });
}

async function startServer(fx: Fixture, w: OracleWorld, name: string, spec: OracleCase['servers'][string]) {
  const state = typeof spec === 'string' ? spec : spec.state;
  const tls = typeof spec === 'string' ? (state === 'untrusted' ? 'untrusted' : undefined) : spec.tls;
  const cert = tls === 'trusted' ? w.pki.valid : tls === 'untrusted' ? w.pki.untrusted : undefined;
  const upstream = state === 'empty' ? w.empty : w.backend;
  const proxy = await fx.start(countingProxy(upstream, cert ? { tls: cert } : {}));
  if (state === 'fail') proxy.mode = 'fail';
  return { name, state, proxy, host: proxy.host, port: proxy.port, url: proxy.url };
}

/**
 * Which server an endpoint lands on: by port for 127.0.0.1, and for a name (registry.test) only through a proxy
 * that resolves it; without one the name does not resolve (DNS goes to 127.0.0.1 in these runs) and nothing is seen.
 */
function serverOf(e: PullPlan['endpoints'][number], servers: Record<string, Server>): Server | undefined {
  const u = new URL(e.url);
  if (u.hostname !== '127.0.0.1' && !e.proxy) return undefined;
  return Object.values(servers).find((s) => s.port === Number(u.port));
}

/**
 * The order regdoctor predicts: containerd resolves on the endpoints with the `resolve` step until one serves,
 * then fetches on those with `fetch`; containers/image tries whole endpoints in order. A server that cannot
 * log (untrusted TLS, an unreachable name) is tried but not seen. Success: some endpoint serves in each phase
 * and no error finding with a pull-stopping cause.
 */
export function predict(plan: PullPlan, servers: Record<string, Server>): { order: string[]; ok: boolean } {
  const seen: string[] = [];
  let ok = true;
  const phases: ('resolve' | 'fetch')[] = plan.runtime === 'containerd' ? ['resolve', 'fetch'] : ['resolve'];
  for (const step of phases) {
    let served = false;
    for (const e of plan.endpoints.filter((x) => x.steps.includes(step) && !x.refused)) {
      const s = serverOf(e, servers);
      if (s && s.state !== 'untrusted' && !seen.includes(s.name)) seen.push(s.name);
      if (s?.state === 'ok') {
        served = true;
        break;
      }
    }
    if (!served) ok = false;
  }
  const stops = plan.findings.some(
    (f) => f.severity === 'error' && (f.cause === 'POLICY_REJECTED' || f.cause === 'SHORT_NAME_UNRESOLVED'),
  );
  return { order: seen, ok: ok && !stops && plan.endpoints.some((e) => !e.refused) };
}

let namespaces = 0;

export async function runCase(
  fx: Fixture,
  w: OracleWorld,
  ctd: RunningContainerd,
  c: OracleCase,
): Promise<OracleRow> {
  const servers: Record<string, Server> = {};
  for (const [name, spec] of Object.entries(c.servers)) servers[name] = await startServer(fx, w, name, spec);
  const root = await fx.subdir('node');
  for (const [path, text] of Object.entries(c.files)) {
    const p = join(root, fill(path, servers));
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, fill(text, servers));
  }
  const image = fill(c.image, servers);
  const env = c.env ? Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, fill(v, servers)])) : {};
  const run =
    c.runtime === 'containerd'
      ? await ctd.fetch(image, {
          hostsDir: join(root, 'etc/containerd/certs.d'),
          env: cleanEnv(env),
          namespace: `oracle-${++namespaces}`,
          resolvConf: w.resolvConf,
        })
      : await skopeoPull(image, { nodeRoot: root, env, resolvConf: w.resolvConf });
  const firstSeq = (s: Server) => s.proxy.requests[0]?.seq ?? Infinity;
  const realOrder = Object.values(servers)
    .filter((s) => s.proxy.requests.length > 0)
    .sort((a, b) => firstSeq(a) - firstSeq(b))
    .map((s) => s.name);
  const plan = await planPull(rootedFs(root), image, {
    runtime: c.runtime,
    version: c.runtime === 'containerd' ? '1.6.20' : '1.26.4',
  });
  const p = predict(plan, servers);
  return {
    name: c.name,
    runtime: c.runtime,
    realOrder,
    realOk: run.exitCode === 0,
    predictedOrder: p.order,
    predictedOk: p.ok,
    plan,
    run,
    log: Object.values(servers)
      .flatMap((s) => s.proxy.requests.map((r) => ({ seq: r.seq, line: `${s.name}: ${r.method} ${r.url}` })))
      .sort((a, b) => a.seq - b.seq)
      .map((x) => x.line),
  };
}

export function table(rows: OracleRow[]): string {
  const line = (r: OracleRow) =>
    `| ${r.name} | ${r.runtime} | ${r.realOrder.join(' → ') || '—'} | ${r.realOk ? 'pulled' : 'failed'} | ${r.predictedOrder.join(' → ') || '—'} | ${r.predictedOk ? 'pulled' : 'failed'} | ${r.realOrder.join() === r.predictedOrder.join() && r.realOk === r.predictedOk ? 'match' : 'DIFFERS'} |`;
  return [
    '| configuration | runtime | real order | real outcome | regdoctor order | regdoctor outcome | |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(line),
  ].join('\n');
}
