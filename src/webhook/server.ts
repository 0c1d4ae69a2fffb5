// The HTTPS side of the webhook. Whatever a client sends, the answer is an HTTP status with a Kubernetes-style
// Status body (or an AdmissionReview) and the process keeps serving: a webhook that crashes on one bad request
// takes every deployment in the cluster down with it (failurePolicy: Fail) or lets everything through (Ignore).
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { newRunRedactor, runWithRedactor } from '../credentials/index.ts';
import { cleanLine, cleanStrings } from '../output/index.ts';
import { parseAdmissionReview, reviewResponse, BadReview } from './admission.ts';
import { ByteBudget, DEFAULT_LIMITS, limitConnections } from './limits.ts';
import { review, type Evaluate } from './review.ts';
import { watchTlsFiles, type TlsFiles, type TlsWatcher } from './tls.ts';

/** The API server's own limit on a request body (3 MiB): no AdmissionReview it sends can be larger. */
export const BODY_LIMIT_BYTES = 3 * 1024 * 1024;
/** The longest a decision may take by default (the CLI's --decision-timeout default is shorter). */
export const DECISION_TIMEOUT_MS = 8_000;

/** The server's resource limits (limits.ts); each defaults to DEFAULT_LIMITS. */
export type ServerLimits = Partial<typeof DEFAULT_LIMITS>;

export interface WebhookServerOptions extends ServerLimits {
  tls: TlsFiles;
  policies: Evaluate;
  /** Whether /readyz says ready (policies loaded); the server also stops being ready while shutting down. */
  ready: () => boolean;
  port?: number;
  host?: string;
  bodyLimitBytes?: number;
  /**
   * Longest a decision may take. Past it the answer is 503, so the API server applies the configured
   * failurePolicy now rather than when its own timeoutSeconds runs out.
   */
  decisionTimeoutMs?: number;
  /** How often the certificate files are checked for rotation (default 10 s; 0 = never). */
  tlsReloadIntervalMs?: number;
  log?: (line: string) => void;
}

export interface WebhookServer {
  url: string;
  port: number;
  /** Requests answered so far, by HTTP status (for logs and tests). */
  answered: Map<number, number>;
  /** Request-body bytes granted now and requests waiting, for ordinary and for large bodies (limits.ts). */
  bodiesInFlight(): Record<'ordinary' | 'large', { used: number; waiting: number }>;
  /** Makes /readyz fail while still serving reviews: the first step of a graceful shutdown. */
  drain(): void;
  /** Stops accepting, finishes requests in flight (up to graceMs, then cuts them), stops the TLS watcher. */
  close(graceMs?: number): Promise<void>;
}

interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  code: number;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  413: 'RequestEntityTooLarge',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

function statusBody(code: number, message: string): StatusBody {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: REASONS[code] ?? 'Unknown',
    code,
  };
}

/** The client went away before its request was read: nothing to answer, and not the server's failure. */
class ClientGone extends Error {}

class HttpFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** V8's JSON.parse messages quote the input around the error, and a pod spec can hold secrets: position only. */
function jsonError(err: unknown): string {
  const pos = /position (\d+)/.exec((err as Error)?.message ?? '');
  return pos ? `request body is not valid JSON (at byte ${pos[1]})` : 'request body is not valid JSON';
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        reject(new HttpFailure(413, `request body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
      done = true;
    });
    // An abort surfaces as 'error' (ECONNRESET "aborted") or only as 'close' before 'end'.
    const gone = () => {
      if (!done) reject(new ClientGone('client closed the connection before sending its whole request'));
      done = true;
    };
    req.on('error', gone);
    req.on('close', gone);
  });
}

function definedOnly(o: ServerLimits): ServerLimits {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k in DEFAULT_LIMITS));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HttpFailure(503, `no decision within ${ms} ms (registry lookups too slow?)`)),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function startWebhookServer(opts: WebhookServerOptions): Promise<WebhookServer> {
  const limit = opts.bodyLimitBytes ?? BODY_LIMIT_BYTES;
  const decisionMs = opts.decisionTimeoutMs ?? DECISION_TIMEOUT_MS;
  const lim = { ...DEFAULT_LIMITS, ...definedOnly(opts) };
  const ordinary = new ByteBudget(lim.bodyBudgetBytes);
  // Each large body takes the whole of its queue: one at a time.
  const large = new ByteBudget(limit);
  // Every line and every answer passes the output boundary: a registry's or a pod's text can hold secrets or
  // control characters, and the API server shows the message to whoever created the pod.
  const sink = opts.log ?? (() => undefined);
  const log = (line: string) => sink(cleanLine(line));
  const answered = new Map<number, number>();
  let closing = false;
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  // Notes (rules not evaluated, selectors not decidable) repeat on every review: logged once each.
  const notesSeen = new Set<string>();
  const tls: TlsWatcher = await watchTlsFiles(opts.tls, {
    intervalMs: opts.tlsReloadIntervalMs ?? 10_000,
    onReload: (ctx) => server.setSecureContext(ctx),
    log,
  });

  const send = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) => {
    answered.set(code, (answered.get(code) ?? 0) + 1);
    if (res.headersSent || res.destroyed) return;
    const text = JSON.stringify(cleanStrings(body));
    res.writeHead(code, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...(closing ? { connection: 'close' } : {}),
      ...headers,
    });
    res.end(text);
  };
  const fail = (res: ServerResponse, code: number, message: string, headers?: Record<string, string>) =>
    send(res, code, statusBody(code, message), headers);

  async function validate(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return fail(res, 405, 'only POST is allowed on /validate', { allow: 'POST' });
    // Before the first policy list the webhook knows nothing to enforce; 503 leaves it to failurePolicy.
    if (!opts.ready()) return fail(res, 503, 'policies not loaded yet');
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') {
      return fail(res, 400, `content-type must be application/json, not ${JSON.stringify(type || 'none')}`);
    }
    const tooLarge = () => {
      // The rest of an oversized body is not read: answer and drop the connection.
      fail(res, 413, `request body is larger than ${limit} bytes`, { connection: 'close' });
      res.on('finish', () => req.destroy());
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return tooLarge();
    // The body is read only once its bytes fit the budget; until then the request waits, holding no memory.
    const size = Number.isFinite(declared) ? declared : limit;
    const release =
      size > lim.largeBodyBytes
        ? await large.acquire(limit, decisionMs)
        : await ordinary.acquire(size, decisionMs);
    if (release === null) {
      log(`503: no room for a ${size}-byte review body within ${decisionMs} ms`);
      return fail(res, 503, 'too many reviews in flight; try again');
    }
    res.on('close', release);
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (err) {
      if (err instanceof HttpFailure) return tooLarge();
      if (err instanceof ClientGone) return;
      throw err;
    }
    let decoded: unknown;
    try {
      decoded = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return fail(res, 400, jsonError(err));
    }
    try {
      const request = parseAdmissionReview(decoded);
      const decision = await withTimeout(review(request, opts.policies), decisionMs);
      const r = decision.response;
      for (const n of decision.notes) {
        const k = `${n.policy}\0${n.rule}\0${n.message}`;
        if (notesSeen.has(k) || notesSeen.size >= 1000) continue;
        notesSeen.add(k);
        log(`note: policy ${n.policy}: ${n.rule} ${n.message}`);
      }
      if (decision.subject && (!r.allowed || r.warnings)) {
        log(
          `${r.allowed ? 'warned' : 'denied'} ${decision.subject} (uid ${r.uid})${
            r.status ? `: ${r.status.message}` : ''
          }${decision.warned ? `; warnings: ${decision.warned.join('; ')}` : ''}`,
        );
      }
      send(res, 200, reviewResponse(r));
    } catch (err) {
      if (err instanceof BadReview) return fail(res, 400, err.message);
      if (err instanceof HttpFailure) {
        log(`503: ${err.message}`);
        return fail(res, err.code, err.message);
      }
      throw err;
    }
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    inFlight.add(res);
    res.on('close', () => inFlight.delete(res));
    const path = (req.url ?? '/').split('?')[0];
    const work = async () => {
      if (path === '/validate') return validate(req, res);
      if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'only GET is allowed here');
      if (path === '/healthz') return send(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const ready = !closing && !draining && opts.ready();
        return ready
          ? send(res, 200, { status: 'ready' })
          : fail(res, 503, closing || draining ? 'shutting down' : 'policies not loaded yet');
      }
      return fail(res, 404, `no such path ${JSON.stringify(path)} (POST /validate, GET /healthz, /readyz)`);
    };
    // Each request is one run: the secrets it learns (registry tokens) are masked in its answer and logs, and
    // dropped with it.
    void runWithRedactor(newRunRedactor(), () =>
      work().catch((err: unknown) => {
        if (req.destroyed && res.destroyed) return; // the client left; nobody to answer
        log(`internal error: ${(err as Error)?.message ?? String(err)}`);
        fail(res, 500, 'internal error');
      }),
    );
  };

  const server: Server = createServer(
    {
      ...tls.current,
      handshakeTimeout: lim.handshakeTimeoutMs,
      requestTimeout: lim.requestTimeoutMs,
      headersTimeout: Math.min(lim.headersTimeoutMs, lim.requestTimeoutMs),
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: Math.min(1_000, lim.headersTimeoutMs),
      keepAliveTimeout: 30_000,
    },
    handler,
  );
  limitConnections(server, lim.maxConnections, lim.maxConnectionsPerAddress);
  // A client that fails the handshake or sends garbage must cost one socket, not the process. The socket is
  // destroyed, not just ended: a slowloris client never closes its side, and a half-closed socket stays open.
  server.on('tlsClientError', (_err, socket: Socket) => socket.destroy());
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = err.code ?? '';
    const reply =
      code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : code.startsWith('HPE_')
          ? '400 Bad Request'
          : '';
    if (!reply || !socket.writable) return void socket.destroy();
    socket.end(`HTTP/1.1 ${reply}\r\nconnection: close\r\n\r\n`, () => socket.destroy());
    setTimeout(() => socket.destroy(), 1_000).unref();
  });
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8443, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      const a = server.address();
      if (a && typeof a === 'object') resolve(a.port);
      else reject(new Error('no port'));
    });
  });
  const shown = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';
  const url = `https://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    answered,
    bodiesInFlight: () => ({ ordinary: ordinary.state(), large: large.state() }),
    drain: () => {
      draining = true;
    },
    close(graceMs = 10_000) {
      closed ??= (async () => {
        closing = true;
        tls.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
        const drained = (async () => {
          while (inFlight.size > 0) await new Promise((r) => setTimeout(r, 20));
        })();
        await Promise.race([drained, deadline]);
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
