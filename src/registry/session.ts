// State shared by every registry operation of one run: connections, the per-endpoint dial + ping, tokens, tag
// lists. This is what makes probing many images cost one ping and one token per registry/scope, not one per image.
// Sessions are built here and nowhere else (createSession), from the same knobs every command has.
import { readFile } from 'node:fs/promises';
import { RegdoctorError } from '../cause/index.ts';
import { apiHost } from '../reference/index.ts';
import type { Budget } from '../transport/budget.ts';
import { fromSystemError, type TransportError } from '../transport/errors.ts';
import {
  header,
  Transport,
  type HttpResponse,
  type StageReport,
  type TransportOptions,
} from '../transport/http.ts';
import type { TlsConfig } from '../transport/dial.ts';
import { proxyEnvFrom, type ProxyEnv } from '../transport/proxy.ts';
import { Authenticator, type PingResult } from './auth.ts';
import { parseChallenges } from './challenge.ts';
import type { Endpoint } from './endpoint.ts';
import { LIMITS } from './limits.ts';

export interface OriginState {
  stages: StageReport[];
  /** The dial or ping failure, if any; every operation on this endpoint reports it. */
  error?: TransportError;
  ping?: PingResult & { response: HttpResponse };
}

/** What every command can say about reaching registries (flags, exporter config, policy engine options). */
export interface SessionOptions {
  /** Per-request timeout in ms (default 10 s). */
  timeoutMs?: number;
  /** Extra CA certificates (PEM) trusted for every host (a token realm on another host of the same PKI too). */
  ca?: readonly string[];
  /** Registries (as references name them, e.g. `registry.local:5000`) whose certificate is not verified; true = all. */
  insecure?: boolean | Iterable<string>;
  /** Proxy settings; default: from the environment. */
  proxyEnv?: ProxyEnv;
  /** One line per request and response, credentials masked. */
  log?: (line: string) => void;
  connectionsPerOrigin?: number;
}

/** URL.host of a registry's API host: without a default :443, as the transport asks for TLS settings. */
export function urlHost(registry: string): string {
  return apiHost(registry).replace(/:443$/, '');
}

/** The one place a session is made from user-facing options. */
export function createSession(o: SessionOptions = {}): Session {
  const ca = o.ca?.length ? [...o.ca] : undefined;
  const all = o.insecure === true;
  const hosts = new Set(o.insecure && o.insecure !== true ? [...o.insecure].map(urlHost) : []);
  return new Session({
    timeoutMs: o.timeoutMs ?? 10_000,
    proxyEnv: o.proxyEnv ?? proxyEnvFrom(process.env),
    tlsFor: (host) => ({ ca, insecure: all || hosts.has(host) }),
    log: o.log,
    connectionsPerOrigin: o.connectionsPerOrigin,
  });
}

export class Session {
  readonly transport: Transport;
  readonly auth: Authenticator;
  private readonly origins = new Map<string, Promise<OriginState>>();
  private readonly memos = new Map<string, { promise: Promise<unknown>; weight: number }>();
  private memoWeight = 0;
  private readonly gates = new Map<string, { active: number; waiting: (() => void)[] }>();
  private readonly endpointTls = new Map<string, Promise<TlsConfig>>();

  /** Low-level: transport options as they are. Commands use createSession(). */
  constructor(options: TransportOptions) {
    this.transport = new Transport(options);
    this.auth = new Authenticator(this.transport);
  }

  /**
   * Dials and pings an endpoint's API root once per session; later callers get the same state (and the same
   * failure). The first caller's budget bounds the work; every caller's own deadline bounds its wait.
   */
  origin(
    root: URL,
    tls: TlsConfig | undefined,
    budget: Budget | undefined,
    /** A state the caller found failed by another caller's deadline: replaced, not reused. */
    replace?: Promise<OriginState>,
    /** The endpoint's own headers (a runtime's hosts.toml `header`): a gateway may refuse a ping without them. */
    headers?: Record<string, string>,
  ): { state: Promise<OriginState>; reused: boolean } {
    const key = JSON.stringify([root.href, tls ? this.tlsKey(tls) : null, headers ?? null]);
    if (replace && this.origins.get(key) === replace) this.origins.delete(key);
    const existing = this.origins.get(key);
    if (existing) return { state: existing, reused: true };
    const state = this.connect(root, tls, budget, headers);
    this.origins.set(key, state);
    // A failure remembered for the session is the registry's; one caused by the first caller's own deadline
    // running out is not, and must not fail every later probe of this registry.
    void state.then((s) => {
      if (s.error?.detail.deadlineMs !== undefined && this.origins.get(key) === state)
        this.origins.delete(key);
    });
    return { state, reused: false };
  }

  private readonly tlsKeys = new WeakMap<TlsConfig, number>();
  private nextTlsKey = 0;
  private tlsKey(tls: TlsConfig): number {
    let k = this.tlsKeys.get(tls);
    if (k === undefined) this.tlsKeys.set(tls, (k = this.nextTlsKey++));
    return k;
  }

  private async connect(
    root: URL,
    tls: TlsConfig | undefined,
    budget: Budget | undefined,
    headers: Record<string, string> | undefined,
  ) {
    const stages: StageReport[] = [];
    try {
      await this.transport.prime(root, (r) => stages.push(r), { tls, budget });
    } catch (err) {
      return { stages, error: fromSystemError(err, stages.at(-1)?.stage ?? 'connect', 'connect') };
    }
    try {
      const res = await this.transport.request({
        url: root,
        maxBodyBytes: LIMITS.errorBytes,
        step: 'ping',
        tls,
        budget,
        ...(headers ? { headers } : {}),
      });
      const ping = {
        status: res.status,
        challenges: parseChallenges(res.headers['www-authenticate']),
        apiVersion: header(res.headers, 'docker-distribution-api-version'),
        ms: res.ms,
        response: res,
      };
      return { stages, ping };
    } catch (err) {
      return { stages, error: fromSystemError(err, 'ping', `GET ${root.href}`) };
    }
  }

  /**
   * The TLS settings of an endpoint that brings its own (a runtime's hosts.toml entry): its CA and client
   * certificate files, read once per session, on top of what the session trusts for that host. Undefined for an
   * endpoint without any: the session's settings apply.
   */
  tlsOf(endpoint: Endpoint): Promise<TlsConfig> | undefined {
    const t = endpoint.tls;
    if (!t) return undefined;
    const host = new URL(endpoint.url).host;
    const key = JSON.stringify([host, t]);
    let p = this.endpointTls.get(key);
    if (!p) {
      const base = this.transport.options.tlsFor?.(host) ?? {};
      p = (async () => {
        const read = (file: string, what: string) =>
          readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
            throw new RegdoctorError('TLS_UNTRUSTED', `cannot read the ${what} ${file} of ${endpoint.url}`, {
              step: 'tls',
              code: e.code,
            });
          });
        const extra = [
          ...(t.caPem ?? []),
          ...(await Promise.all((t.caFiles ?? []).map((f) => read(f, 'CA file')))),
        ];
        return {
          ca: base.ca || extra.length ? [...(base.ca ?? []), ...extra] : undefined,
          insecure: Boolean(base.insecure || t.skipVerify),
          cert: t.certPem ?? (t.clientCert ? await read(t.clientCert, 'client certificate') : undefined),
          key: t.keyPem ?? (t.clientKey ? await read(t.clientKey, 'client key') : undefined),
        };
      })();
      this.endpointTls.set(key, p);
    }
    return p;
  }

  /**
   * A read done once per session and key (a repository's tag list per identity: a scan of many missing tags in one
   * repository lists its tags once). A failure is forgotten, so the next caller tries again. What is kept weighs
   * `weight` each and at most `maxWeight` in all: past that the oldest answers are dropped (a scan over a thousand
   * repositories must not keep a thousand tag lists).
   */
  once<T>(key: string, fetch: () => Promise<T>, weight: (v: T) => number, maxWeight: number): Promise<T> {
    const known = this.memos.get(key);
    if (known) {
      // Most recently used last: the oldest go first.
      this.memos.delete(key);
      this.memos.set(key, known);
      return known.promise as Promise<T>;
    }
    const entry: { promise: Promise<unknown>; weight: number } = { promise: fetch(), weight: 0 };
    this.memos.set(key, entry);
    entry.promise.then(
      (v) => {
        if (this.memos.get(key) !== entry) return;
        entry.weight = weight(v as T);
        this.memoWeight += entry.weight;
        for (const [k, e] of this.memos) {
          if (this.memoWeight <= maxWeight || e === entry) break;
          this.memos.delete(k);
          this.memoWeight -= e.weight;
        }
      },
      () => {
        if (this.memos.get(key) === entry) this.memos.delete(key);
      },
    );
    return entry.promise as Promise<T>;
  }

  /**
   * Runs `fn` with at most `max` of the same `kind` in flight in this session; the rest wait their turn. For reads
   * whose answers are large (tag lists): eight probes listing 8 MiB each at once would hold them all in memory.
   */
  async limited<T>(kind: string, max: number, fn: () => Promise<T>): Promise<T> {
    let gate = this.gates.get(kind);
    if (!gate) this.gates.set(kind, (gate = { active: 0, waiting: [] }));
    const g = gate;
    // A slot is handed straight to the next waiter, so a caller arriving meanwhile cannot take it as well.
    if (g.active >= max) await new Promise<void>((resolve) => g.waiting.push(resolve));
    else g.active++;
    try {
      return await fn();
    } finally {
      const next = g.waiting.shift();
      if (next) next();
      else g.active--;
    }
  }

  private readonly children = new Map<string, Session>();

  /**
   * This session as a process with proxy settings `env` reaches registries: a container runtime's service has its
   * own HTTP(S)_PROXY and NO_PROXY, and those, not this process's, decide which hops a node's pull takes. One
   * session per distinct environment (so probes through it still share pings and tokens), closed with this one.
   */
  withProxyEnv(env: ProxyEnv): Session {
    const key = JSON.stringify([env.httpProxy ?? '', env.httpsProxy ?? '', env.noProxy ?? '']);
    let child = this.children.get(key);
    if (!child) {
      child = new Session({ ...this.transport.options, proxyEnv: env });
      this.children.set(key, child);
    }
    return child;
  }

  get requestCount(): number {
    let n = this.transport.requestCount;
    for (const c of this.children.values()) n += c.requestCount;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all([this.transport.close(), ...[...this.children.values()].map((c) => c.close())]);
  }
}
