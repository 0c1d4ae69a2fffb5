// The runtime oracle: registries with access logs (counting proxies in front of real docker-registry
// instances, staged to serve, fail with 503, miss the image or present an untrusted certificate), a node root
// holding one runtime configuration, the real runtime run against it (ctr with the root's certs.d as hosts
// dir, or skopeo with the root's etc/containers mounted over /etc/containers), and what src/runtime predicts
// for the same root: the order in which registries see their first request, and whether the pull succeeds; then
// regdoctor's own probe through that runtime configuration against the same registries: the order its requests
// reached them, which one served the image, and the failure (the real runtime's message, classified) when none did.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Fixture } from '../helpers/fixture.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import type { RunningContainerd } from '../helpers/containerd.ts';
import { cleanEnv } from '../helpers/containerd.ts';
import { skopeoPull } from '../helpers/containers-image.ts';
import type { Captured } from '../helpers/proc.ts';
import type { CertFiles } from '../helpers/pki.ts';
import { classify } from '../../src/classify/index.ts';
import type { Cause } from '../../src/cause/index.ts';
import { probeImage } from '../../src/probe/probe.ts';
import { Session } from '../../src/registry/session.ts';
import type { ProbeResult } from '../../src/result/index.ts';
import { planPull, rootedFs, type PullPlan } from '../../src/runtime/index.ts';
import { closedPort } from '../helpers/ports.ts';

/** ok: serves the image; fail: 503 to everything; empty: a registry without the image (404); untrusted: TLS
 * with a certificate nobody configured (the handshake fails, so no request is ever logged); down: nothing
 * listens (connections are refused, nothing is logged). */
export type ServerState = 'ok' | 'fail' | 'empty' | 'untrusted' | 'down';

export interface Server {
  name: string;
  state: ServerState;
  /** It refuses, in the TLS handshake, a client without a certificate from the test CA (nothing is logged). */
  clientAuth: boolean;
  /** null for a server that is down. */
  proxy: CountingProxy | null;
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
  servers: Record<
    string,
    ServerState | { state: ServerState; tls: 'trusted' | 'untrusted'; clientAuth?: boolean }
  >;
  /** A request header whose value at each server is recorded, for the real run and the probe apart. */
  header?: string;
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
  /** regdoctor's probe through the same node root, against the same servers. */
  probe: ProbeResult;
  /** Servers in the order of their first request from regdoctor's probe. */
  probeOrder: string[];
  /** The server the image came from (its layers), in the real run and in regdoctor's probe; null: none. */
  realServedBy: string | null;
  probeServedBy: string | null;
  /** The real runtime's error message, classified: the cause a reader of the pod's events would be given. */
  realCause: { cause: Cause; alternatives: Cause[] } | null;
  /** The case's `header` as each server received it, per request: from the real runtime, from the probe. */
  headers: Record<string, { real: (string | undefined)[]; probe: (string | undefined)[] }>;
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

async function startServer(
  fx: Fixture,
  w: OracleWorld,
  name: string,
  spec: OracleCase['servers'][string],
): Promise<Server> {
  const state = typeof spec === 'string' ? spec : spec.state;
  const clientAuth = typeof spec !== 'string' && spec.clientAuth === true;
  if (state === 'down') {
    const port = await closedPort();
    return {
      name,
      state,
      clientAuth,
      proxy: null,
      host: `127.0.0.1:${port}`,
      port,
      url: `http://127.0.0.1:${port}`,
    };
  }
  const tls = typeof spec === 'string' ? (state === 'untrusted' ? 'untrusted' : undefined) : spec.tls;
  const cert = tls === 'trusted' ? w.pki.valid : tls === 'untrusted' ? w.pki.untrusted : undefined;
  const upstream = state === 'empty' ? w.empty : w.backend;
  const proxy = await fx.start(
    countingProxy(upstream, {
      ...(cert ? { tls: cert } : {}),
      ...(clientAuth ? { clientCa: w.pki.ca.certPem } : {}),
    }),
  );
  if (state === 'fail') proxy.mode = 'fail';
  return { name, state, clientAuth, proxy, host: proxy.host, port: proxy.port, url: proxy.url };
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
  if (plan.findings.some((f) => f.stops === 'before-request')) return { order: [], ok: false };
  const seen: string[] = [];
  let ok = true;
  const phases: ('resolve' | 'fetch')[] = plan.runtime === 'containerd' ? ['resolve', 'fetch'] : ['resolve'];
  for (const step of phases) {
    let served = false;
    for (const e of plan.endpoints.filter((x) => x.steps.includes(step) && !x.refused)) {
      const s = serverOf(e, servers);
      // A server that wants a client certificate the endpoint does not present refuses the handshake.
      const refused = s?.clientAuth === true && !e.tls.clientCert;
      if (s && s.state !== 'untrusted' && s.state !== 'down' && !refused && !seen.includes(s.name))
        seen.push(s.name);
      if (s?.state === 'ok' && !refused) {
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
  const requests = (s: Server, from = 0) => (s.proxy?.requests ?? []).slice(from);
  const orderOf = (from: Map<string, number>) =>
    Object.values(servers)
      .filter((s) => requests(s, from.get(s.name)).length > 0)
      .sort((a, b) => requests(a, from.get(a.name))[0]!.seq - requests(b, from.get(b.name))[0]!.seq)
      .map((s) => s.name);
  /** The last server, by arrival, that answered a layer request with the layer (an `ok` one). */
  const servedBy = (from: Map<string, number>) =>
    Object.values(servers)
      .filter((s) => s.state === 'ok')
      .flatMap((s) => requests(s, from.get(s.name)).map((r) => ({ s, r })))
      .filter(({ r }) => r.url.includes('/blobs/'))
      .sort((a, b) => b.r.seq - a.r.seq)[0]?.s.name ?? null;
  const none = new Map<string, number>();
  const realOrder = orderOf(none);
  const realOk = run.exitCode === 0;
  const version = c.runtime === 'containerd' ? '1.6.20' : '1.26.4';
  const plan = await planPull(rootedFs(root), image, { runtime: c.runtime, version });
  const p = predict(plan, servers);
  const log = Object.values(servers)
    .flatMap((s) => requests(s).map((r) => ({ seq: r.seq, line: `${s.name}: ${r.method} ${r.url}` })))
    .sort((a, b) => a.seq - b.seq)
    .map((x) => x.line);
  // regdoctor's probe, after the runtime's run: only requests past this mark are its own.
  const mark = new Map(Object.values(servers).map((s) => [s.name, requests(s).length]));
  const session = new Session({ timeoutMs: 5000 });
  let probe: ProbeResult;
  try {
    probe = await probeImage(image, session, {
      platform: { os: 'linux', architecture: 'amd64' },
      runtime: c.runtime,
      nodeRoot: root,
      runtimeVersion: version,
    });
  } finally {
    await session.close();
  }
  const byUrl = (url: string | null | undefined) =>
    url ? (Object.values(servers).find((s) => s.port === Number(new URL(url).port))?.name ?? url) : null;
  const classified = realOk ? null : classify(lastError(run.stderr));
  const headerAt = (s: Server, from: number, to?: number) =>
    requests(s, from)
      .slice(0, to === undefined ? undefined : to - from)
      .map((r) => {
        const v = r.headers[(c.header ?? '').toLowerCase()];
        return Array.isArray(v) ? v.join(', ') : v;
      });
  const headers = Object.fromEntries(
    c.header
      ? Object.values(servers).map((s) => [
          s.name,
          { real: headerAt(s, 0, mark.get(s.name)), probe: headerAt(s, mark.get(s.name) ?? 0) },
        ])
      : [],
  );
  return {
    name: c.name,
    runtime: c.runtime,
    realOrder,
    realOk,
    predictedOrder: p.order,
    predictedOk: p.ok,
    plan,
    run,
    log,
    probe,
    probeOrder: orderOf(mark),
    realServedBy: realOk ? servedBy(none) : null,
    probeServedBy: byUrl(probe.runtime?.servedBy),
    realCause: classified && { cause: classified.cause, alternatives: classified.alternatives },
    headers,
  };
}

/** The runtime's final error line: ctr's `ctr: …`, skopeo's `FATA[…] …` (debug lines before it are left out). */
export function lastError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return (lines.findLast((l) => /^ctr: |level=fatal|^FATA/.test(l)) ?? lines.at(-1) ?? '').replace(
    /^time="[^"]*" level=fatal msg=/,
    '',
  );
}

/** Whether regdoctor's verdict is the real runtime's: served by the same server, or failed with its cause. */
export function sameOutcome(r: OracleRow): boolean {
  if (r.realOk !== (r.probe.cause === null)) return false;
  if (r.realOk) return r.realServedBy === r.probeServedBy;
  const real = r.realCause;
  if (real === null) return false;
  const same = (a: Cause, b: Cause) =>
    a === b ||
    // A runtime's "manifest unknown" cannot tell a missing repository from a missing tag (docker-registry
    // answers MANIFEST_UNKNOWN to both); the probe's tag list can, so either reading of the message agrees.
    (NOT_FOUND.has(a) && NOT_FOUND.has(b));
  return [real.cause, ...real.alternatives].some((c) => same(c, r.probe.cause!));
}

const NOT_FOUND: ReadonlySet<Cause> = new Set(['MANIFEST_NOT_FOUND', 'REPOSITORY_NOT_FOUND']);

export function table(rows: OracleRow[]): string {
  const order = (o: string[]) => o.join(' → ') || '—';
  const outcome = (ok: boolean, served: string | null, cause: string | null) =>
    ok ? `pulled from ${served ?? '?'}` : `failed: ${cause ?? '?'}`;
  const line = (r: OracleRow) =>
    `| ${r.name} | ${r.runtime} | ${order(r.realOrder)} | ${outcome(r.realOk, r.realServedBy, r.realCause?.cause ?? null)} | ${order(r.predictedOrder)} | ${order(r.probeOrder)} | ${outcome(r.probe.cause === null, r.probeServedBy, r.probe.cause)} | ${r.realOrder.join() === r.predictedOrder.join() && r.realOrder.join() === r.probeOrder.join() && r.realOk === r.predictedOk && sameOutcome(r) ? 'match' : 'DIFFERS'} |`;
  return [
    '| configuration | runtime | real order | real outcome | regdoctor plan order | regdoctor probe order | regdoctor outcome | |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(line),
  ].join('\n');
}
