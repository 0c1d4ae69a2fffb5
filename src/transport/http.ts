// HTTP for registry calls: keep-alive agents whose sockets come from our own dial stages (so the first
// connection's DNS/TCP/TLS evidence is the same socket the requests then use), bounded bodies, deadlines on every
// call, and redirects followed by hand so that credentials never travel to another host.
//
// node:http rather than undici on purpose: undici is ~1 MB of JavaScript plus a WebAssembly parser that V8 keeps
// optimising after the work is done, which alone tripled the start-up-to-exit time of a one-shot `probe` process
// (measured in `npm run bench`). node:http's parser is native and already loaded.
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Readable } from 'node:stream';
import {
  connectTcp,
  connectViaProxy,
  handshakeTls,
  loadTls,
  resolveHost,
  type CertificateInfo,
  type TlsConfig,
} from './dial.ts';
import { fmtMs, type Budget } from './budget.ts';
import { TransportError, fromSystemError } from './errors.ts';
import { describeProxy, proxyFor, type ProxyEnv } from './proxy.ts';
import type { StepName } from '../result/index.ts';

export type Headers = Record<string, string | string[] | undefined>;

export interface TransportOptions {
  timeoutMs: number;
  /** TLS settings for a host (`host[:port]` as in URL.host). */
  tlsFor?: (host: string) => TlsConfig;
  proxyEnv?: ProxyEnv;
  /** Receives one line per request/response; Authorization values are already replaced by `***`. */
  log?: (line: string) => void;
  /** Concurrent connections per origin (a per-registry concurrency limit). */
  connectionsPerOrigin?: number;
}

export interface StageReport {
  stage: 'dns' | 'connect' | 'tls';
  ms: number;
  ok: boolean;
  detail: Record<string, unknown>;
}

export interface HttpRequest {
  url: URL;
  method?: 'GET' | 'HEAD' | 'POST';
  headers?: Record<string, string>;
  /** Form body for POST (OAuth2 token requests); never logged. */
  body?: string;
  /** A larger body is an error (hostile or broken server). */
  maxBodyBytes: number;
  /** Stop reading (without error) after this many bytes: enough to prove a blob downloads. */
  readAtMost?: number;
  maxRedirects?: number;
  /** The step this request belongs to, for error attribution. */
  step: StepName;
  /** What the whole operation may still spend (deadline, requests, bytes); every hop is charged to it. */
  budget?: Budget;
  /** TLS settings for the request's own origin (an endpoint's); redirects to other hosts use `tlsFor`. */
  tls?: TlsConfig;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  /** True when `readAtMost` cut the body short. */
  partial: boolean;
  url: URL;
  /** Redirect targets followed, query strings removed (pre-signed URLs carry credentials). */
  redirects: string[];
  ms: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** The only headers that follow a redirect to another origin: nothing that could carry a credential. */
const CROSS_ORIGIN_HEADERS = new Set(['accept', 'range', 'user-agent']);

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** A URL safe to print: no userinfo, no query string. */
export function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
}

interface Hop {
  method: NonNullable<HttpRequest['method']>;
  headers: Record<string, string>;
  body: string | undefined;
  tls: TlsConfig | undefined;
}

export class Transport {
  readonly options: TransportOptions;
  private readonly agents = new Map<string, Agent>();
  private readonly primed = new Map<string, Socket>();
  /** HTTP exchanges sent (each redirect hop counts), for benchmarks and dedup tests. */
  requestCount = 0;

  constructor(options: TransportOptions) {
    // Node timers overflow past 2^31-1 ms and fire at once; no registry call needs longer than that.
    this.options = { ...options, timeoutMs: Math.min(Math.max(1, options.timeoutMs), 2 ** 31 - 1) };
  }

  private readonly tlsIds = new WeakMap<TlsConfig, number>();
  private nextTlsId = 0;

  private tls(host: string, own?: TlsConfig): TlsConfig {
    return own ?? this.options.tlsFor?.(host) ?? {};
  }

  /**
   * Dials `url`'s origin stage by stage, reporting each stage, and keeps the socket for the next request to that
   * origin. Throws the first stage's TransportError.
   */
  async prime(
    url: URL,
    report: (r: StageReport) => void,
    opts: { tls?: TlsConfig; budget?: Budget } = {},
  ): Promise<void> {
    const socket = await this.dial(url, opts.tls, opts.budget, report);
    const key = this.poolKey(url, opts.tls);
    this.primed.get(key)?.destroy();
    this.primed.set(key, socket);
  }

  private proxyFor(url: URL): URL | null {
    return this.options.proxyEnv ? proxyFor(url, this.options.proxyEnv) : null;
  }

  /** Connections are pooled per origin, and apart for an endpoint's own TLS settings (client certificates…). */
  private poolKey(url: URL, tls?: TlsConfig): string {
    const proxy = this.proxyFor(url);
    if (proxy && url.protocol === 'http:') return `proxy ${proxy.origin}`;
    if (!tls) return url.origin;
    let id = this.tlsIds.get(tls);
    if (id === undefined) this.tlsIds.set(tls, (id = this.nextTlsId++));
    return `${url.origin} tls#${id}`;
  }

  private async dial(
    url: URL,
    ownTls: TlsConfig | undefined,
    budget: Budget | undefined,
    report?: (r: StageReport) => void,
  ): Promise<Socket> {
    const timeout = () => {
      const t = budget?.timeout(this.options.timeoutMs) ?? { ms: this.options.timeoutMs, byDeadline: false };
      if (t.ms <= 0) throw budget!.expired('connect', `connecting to ${url.host}`);
      return t.ms;
    };
    const proxy = this.proxyFor(url);
    const hop = proxy ?? url;
    const port = Number(hop.port || (hop.protocol === 'https:' ? 443 : 80));
    const via = proxy ? { proxy: describeProxy(proxy) } : {};
    const stage = async <T>(
      name: StageReport['stage'],
      fn: () => Promise<T>,
      detail: (v: T) => Record<string, unknown>,
    ) => {
      const start = performance.now();
      try {
        const v = await fn();
        report?.({ stage: name, ms: performance.now() - start, ok: true, detail: { ...via, ...detail(v) } });
        return v;
      } catch (err) {
        const e = fromSystemError(err, name, name);
        const cause = proxy && name !== 'tls' && e.cause !== 'PROXY_ERROR' ? 'PROXY_ERROR' : e.cause;
        const mapped =
          cause === e.cause
            ? e
            : new TransportError(cause, name, `proxy ${describeProxy(proxy!)}: ${e.message}`, e.detail);
        const { step: _step, ...seen } = mapped.detail;
        report?.({
          stage: name,
          ms: performance.now() - start,
          ok: false,
          detail: { ...via, ...seen, error: mapped.message },
        });
        throw mapped;
      }
    };
    const addresses = await stage(
      'dns',
      () => resolveHost(hop.hostname, timeout()),
      (a) => ({
        host: hop.hostname,
        addresses: a.map((x) => x.address),
      }),
    );
    let socket: Socket = await stage(
      'connect',
      async () => {
        const c = await connectTcp(addresses, port, timeout());
        if (proxy && url.protocol === 'https:') {
          const auth = proxy.username
            ? Buffer.from(
                `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`,
              ).toString('base64')
            : undefined;
          await connectViaProxy(
            c.socket,
            url.host.includes(':') ? url.host : `${url.host}:443`,
            auth,
            timeout(),
          );
        }
        return c;
      },
      (c) => ({ address: c.address, ...(c.failures.length ? { failedAddresses: c.failures } : {}) }),
    ).then((c) => c.socket);
    if (url.protocol === 'https:') {
      // Loading node:tls (the first time) is start-up work, not part of the handshake the tls stage reports.
      await loadTls();
      const r = await stage(
        'tls',
        () => handshakeTls(socket, url.hostname, this.tls(url.host, ownTls), timeout()),
        (r) => ({
          ...((r.certificate as CertificateInfo | null) ?? {}),
          ...(r.ignoredProblem
            ? {
                verification: 'skipped by --insecure-skip-tls-verify',
                ignoredProblem: r.ignoredProblem.message,
                ignoredCause: r.ignoredProblem.cause,
              }
            : {}),
        }),
      );
      socket = r.socket;
    }
    return socket;
  }

  private agent(url: URL, tls: TlsConfig | undefined): Agent {
    const key = this.poolKey(url, tls);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxSockets: this.options.connectionsPerOrigin ?? 4 });
      // The socket comes from our dial (or the one `prime` already opened), handed over through the callback.
      agent.createConnection = ((_opts: unknown, cb: (err: Error | null, socket?: Duplex) => void) => {
        const pre = this.primed.get(key);
        if (pre && !pre.destroyed) {
          this.primed.delete(key);
          setImmediate(() => cb(null, pre));
          return undefined;
        }
        // No budget here: the agent outlives one operation; the request's own timer bounds this dial.
        this.dial(url, tls, undefined).then(
          (sock) => cb(null, sock),
          (e: Error) => cb(e),
        );
        return undefined;
      }) as unknown as Agent['createConnection'];
      this.agents.set(key, agent);
    }
    return agent;
  }

  /**
   * One HTTP exchange, following redirects (at most `maxRedirects`, default 5) without leaking credentials: a hop
   * to another origin carries no Authorization nor any header that could hold a secret, and never a request body
   * (301/302/303 turn a POST into a body-less GET, as Go does; a 307/308 that would re-send the body elsewhere is
   * refused).
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const start = performance.now();
    const redirects: string[] = [];
    const seen = new Set<string>();
    let url = req.url;
    let hop: Hop = { method: req.method ?? 'GET', headers: { ...req.headers }, body: req.body, tls: req.tls };
    const max = req.maxRedirects ?? 5;
    for (;;) {
      const res = await this.once(url, req, hop);
      const location = header(res.headers, 'location');
      if (!REDIRECTS.has(res.status) || !location) {
        return { ...res, url, redirects, ms: performance.now() - start };
      }
      const next = new URL(location, url);
      const fail = (message: string) =>
        new TransportError('REGISTRY_ERROR', req.step, message, { redirects: [...redirects] });
      if (seen.has(next.href) || next.href === url.href) throw fail(`redirect loop at ${safeUrl(next)}`);
      if (redirects.length >= max) throw fail(`more than ${max} redirects (last: ${safeUrl(next)})`);
      if (next.protocol !== 'https:' && next.protocol !== 'http:')
        throw fail(`redirect to unsupported scheme ${next.protocol}`);
      const crossOrigin = next.origin !== url.origin;
      const keepsMethod = res.status === 307 || res.status === 308 || hop.method === 'HEAD';
      if (crossOrigin && keepsMethod && hop.body !== undefined)
        throw fail(
          `${hop.method} ${safeUrl(url)} answered ${res.status} to another host (${next.host}); not re-sending its body there`,
        );
      seen.add(url.href);
      redirects.push(safeUrl(next));
      hop = {
        method: keepsMethod ? hop.method : 'GET',
        // Credentials are for the registry only: storage back-ends get a pre-signed URL, never our token.
        headers: crossOrigin
          ? Object.fromEntries(
              Object.entries(hop.headers).filter(([k]) => CROSS_ORIGIN_HEADERS.has(k.toLowerCase())),
            )
          : hop.headers,
        body: keepsMethod ? hop.body : undefined,
        tls: crossOrigin ? undefined : hop.tls,
      };
      if (!keepsMethod) delete hop.headers['content-type'];
      url = next;
    }
  }

  private async once(url: URL, req: HttpRequest, hop: Hop) {
    const { method, headers } = hop;
    const log = this.options.log;
    req.budget?.spendRequest(req.step, `${method} ${safeUrl(url)}`);
    const wait = req.budget?.timeout(this.options.timeoutMs) ?? {
      ms: this.options.timeoutMs,
      byDeadline: false,
    };
    // The operation's byte allowance caps this body too; the message says which limit was hit.
    const bytesLeft = req.budget?.bytesLeft() ?? Infinity;
    const limit = Math.min(req.maxBodyBytes, bytesLeft);
    this.requestCount++;
    log?.(`> ${method} ${safeUrl(url)}`);
    if (log)
      for (const [k, v] of Object.entries(headers))
        log(`>   ${k}: ${k.toLowerCase() === 'authorization' ? `${v.split(' ')[0]} ***` : v}`);
    const proxied = this.poolKey(url).startsWith('proxy ');
    const t0 = performance.now();
    let timedOut = false;
    try {
      const res = await new Promise<{ status: number; headers: Headers; body: Buffer; partial: boolean }>(
        (resolve, reject) => {
          const r = httpRequest(
            {
              agent: this.agent(url, hop.tls),
              method,
              host: url.hostname,
              port: url.port || (url.protocol === 'https:' ? 443 : 80),
              path: proxied ? url.href : url.pathname + url.search,
              setHost: false,
              headers: { host: url.host, 'user-agent': 'regdoctor/0.1', ...headers },
            },
            (res: IncomingMessage) => {
              const atMost = method === 'HEAD' ? 0 : req.readAtMost;
              readBody(res, limit, atMost, req.step, safeUrl(url), limit < req.maxBodyBytes).then(
                ({ body, partial }) =>
                  resolve({ status: res.statusCode ?? 0, headers: flatHeaders(res), body, partial }),
                reject,
              );
            },
          );
          // One deadline for the whole exchange, headers and body: a server that stalls anywhere is cut off.
          const timer = setTimeout(() => {
            timedOut = true;
            r.destroy(new Error('deadline'));
          }, wait.ms);
          r.on('close', () => clearTimeout(timer));
          r.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
          });
          r.end(hop.body);
        },
      );
      req.budget?.spendBytes(res.body.length);
      log?.(
        `< ${res.status} ${safeUrl(url)} (${Math.round(performance.now() - t0)} ms, ${res.body.length} bytes)`,
      );
      if (log) {
        for (const k of [
          'content-type',
          'docker-content-digest',
          'www-authenticate',
          'location',
          'content-length',
          'ratelimit-remaining',
          'retry-after',
        ]) {
          const v = header(res.headers, k);
          if (v) log(`<   ${k}: ${k === 'location' ? safeUrl(new URL(v, url)) : v}`);
        }
      }
      return res;
    } catch (err) {
      if (timedOut && !(err instanceof TransportError)) {
        if (wait.byDeadline) throw req.budget!.expired(req.step, `${method} ${safeUrl(url)}`);
        throw new TransportError(
          'NETWORK_TIMEOUT',
          req.step,
          `${method} ${safeUrl(url)}: no complete answer within ${fmtMs(this.options.timeoutMs)}`,
          { timeoutMs: this.options.timeoutMs },
        );
      }
      if (
        (err as { code?: string }).code === 'HPE_INVALID_CONSTANT' ||
        /Expected HTTP|HPE_/.test((err as Error).message ?? '')
      ) {
        throw new TransportError(
          'HTTP_HTTPS_MISMATCH',
          req.step,
          `${safeUrl(url)} did not answer in HTTP (does it expect TLS?)`,
          {
            parser: (err as Error).message,
          },
        );
      }
      throw fromSystemError(err, req.step, `${method} ${safeUrl(url)}`);
    }
  }

  async close(): Promise<void> {
    for (const s of this.primed.values()) s.destroy();
    this.primed.clear();
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}

/** Headers with repeated fields kept apart (several WWW-Authenticate challenges, for one). */
function flatHeaders(res: IncomingMessage): Headers {
  const out: Headers = {};
  for (const [k, v] of Object.entries(res.headersDistinct)) out[k] = v && v.length === 1 ? v[0] : v;
  return out;
}

async function readBody(
  body: IncomingMessage,
  limit: number,
  atMost: number | undefined,
  step: StepName,
  where: string,
  /** The limit is what is left of the operation's byte allowance, not this request's own cap. */
  byBudget: boolean,
) {
  const tooLarge = () => {
    body.destroy();
    return new TransportError(
      'REGISTRY_ERROR',
      step,
      byBudget
        ? `${where}: the operation's allowance of response bytes is spent (${limit} left); refusing to read more`
        : `${where}: response body exceeds ${limit} bytes; refusing to read more`,
      { limitBytes: limit },
    );
  };
  // A declared length says up front what is coming: over the limit, nothing is read; within it, the body is
  // copied into one buffer of that size as it arrives instead of being held twice (chunks, then their concat).
  // (A HEAD's Content-Length describes the body a GET would get: atMost is 0 there, and nothing is read.)
  const declared = Number(body.headers['content-length']);
  const known =
    atMost === undefined && Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
  if (known !== undefined && known > limit) throw tooLarge();
  const whole = known !== undefined ? Buffer.allocUnsafe(known) : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as Readable) {
    const b = chunk as Buffer;
    if (atMost !== undefined && size + b.length >= atMost) {
      chunks.push(b);
      body.destroy();
      return { body: Buffer.concat(chunks).subarray(0, atMost), partial: true };
    }
    if (size + b.length > limit || (whole && size + b.length > whole.length)) throw tooLarge();
    if (whole) b.copy(whole, size);
    else chunks.push(b);
    size += b.length;
  }
  if (whole) return { body: size === whole.length ? whole : whole.subarray(0, size), partial: false };
  return { body: Buffer.concat(chunks), partial: false };
}
