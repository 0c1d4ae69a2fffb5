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
  resolveHost,
  type CertificateInfo,
  type TlsConfig,
} from './dial.ts';
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

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** A URL safe to print: no userinfo, no query string. */
export function safeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
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

  private tls(host: string): TlsConfig {
    return this.options.tlsFor?.(host) ?? {};
  }

  /**
   * Dials `url`'s origin stage by stage, reporting each stage, and keeps the socket for the next request to that
   * origin. Throws the first stage's TransportError.
   */
  async prime(url: URL, report: (r: StageReport) => void): Promise<void> {
    const socket = await this.dial(url, report);
    this.primed.get(this.poolKey(url))?.destroy();
    this.primed.set(this.poolKey(url), socket);
  }

  private proxyFor(url: URL): URL | null {
    return this.options.proxyEnv ? proxyFor(url, this.options.proxyEnv) : null;
  }

  private poolKey(url: URL): string {
    const proxy = this.proxyFor(url);
    return proxy && url.protocol === 'http:' ? `proxy ${proxy.origin}` : url.origin;
  }

  private async dial(url: URL, report?: (r: StageReport) => void): Promise<Socket> {
    const t = this.options.timeoutMs;
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
      () => resolveHost(hop.hostname, t),
      (a) => ({
        host: hop.hostname,
        addresses: a.map((x) => x.address),
      }),
    );
    let socket: Socket = await stage(
      'connect',
      async () => {
        const c = await connectTcp(addresses, port, t);
        if (proxy && url.protocol === 'https:') {
          const auth = proxy.username
            ? Buffer.from(
                `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`,
              ).toString('base64')
            : undefined;
          await connectViaProxy(c.socket, url.host.includes(':') ? url.host : `${url.host}:443`, auth, t);
        }
        return c;
      },
      (c) => ({ address: c.address, ...(c.failures.length ? { failedAddresses: c.failures } : {}) }),
    ).then((c) => c.socket);
    if (url.protocol === 'https:') {
      const r = await stage(
        'tls',
        () => handshakeTls(socket, url.hostname, this.tls(url.host), t),
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

  private agent(url: URL): Agent {
    const key = this.poolKey(url);
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
        this.dial(url).then(
          (sock) => cb(null, sock),
          (e: Error) => cb(e),
        );
        return undefined;
      }) as unknown as Agent['createConnection'];
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** One HTTP exchange, following redirects (at most `maxRedirects`, default 5) without leaking credentials. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const start = performance.now();
    const redirects: string[] = [];
    const seen = new Set<string>();
    let url = req.url;
    let headers = { ...req.headers };
    const max = req.maxRedirects ?? 5;
    for (;;) {
      const res = await this.once(url, req, headers);
      const location = header(res.headers, 'location');
      if (!REDIRECTS.has(res.status) || !location) {
        return { ...res, url, redirects, ms: performance.now() - start };
      }
      const next = new URL(location, url);
      if (seen.has(next.href) || next.href === url.href) {
        throw new TransportError('REGISTRY_ERROR', req.step, `redirect loop at ${safeUrl(next)}`, {
          redirects,
        });
      }
      if (redirects.length >= max) {
        throw new TransportError(
          'REGISTRY_ERROR',
          req.step,
          `more than ${max} redirects (last: ${safeUrl(next)})`,
          { redirects },
        );
      }
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new TransportError(
          'REGISTRY_ERROR',
          req.step,
          `redirect to unsupported scheme ${next.protocol}`,
        );
      }
      seen.add(url.href);
      redirects.push(safeUrl(next));
      if (next.origin !== url.origin) {
        // Credentials are for the registry only: storage back-ends get a pre-signed URL, never our token.
        headers = Object.fromEntries(
          Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'),
        );
      }
      url = next;
    }
  }

  private async once(url: URL, req: HttpRequest, headers: Record<string, string>) {
    const method = req.method ?? 'GET';
    const log = this.options.log;
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
              agent: this.agent(url),
              method,
              host: url.hostname,
              port: url.port || (url.protocol === 'https:' ? 443 : 80),
              path: proxied ? url.href : url.pathname + url.search,
              setHost: false,
              headers: { host: url.host, 'user-agent': 'regdoctor/0.1', ...headers },
            },
            (res: IncomingMessage) => {
              readBody(res, req.maxBodyBytes, req.readAtMost, req.step, safeUrl(url)).then(
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
          }, this.options.timeoutMs);
          r.on('close', () => clearTimeout(timer));
          r.on('error', (e) => {
            clearTimeout(timer);
            reject(e);
          });
          r.end(req.body);
        },
      );
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
        throw new TransportError(
          'NETWORK_TIMEOUT',
          req.step,
          `${method} ${safeUrl(url)}: no complete answer within ${this.options.timeoutMs} ms`,
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
  body: Readable,
  limit: number,
  atMost: number | undefined,
  step: StepName,
  where: string,
) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = chunk as Buffer;
    size += b.length;
    if (atMost !== undefined && size >= atMost) {
      chunks.push(b);
      body.destroy();
      return { body: Buffer.concat(chunks).subarray(0, atMost), partial: true };
    }
    if (size > limit) {
      body.destroy();
      throw new TransportError(
        'REGISTRY_ERROR',
        step,
        `${where}: response body exceeds ${limit} bytes; refusing to read more`,
        {
          limitBytes: limit,
        },
      );
    }
    chunks.push(b);
  }
  return { body: Buffer.concat(chunks), partial: false };
}
