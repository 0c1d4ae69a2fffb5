// A node:http / node:https server on a loopback address with request recording and a stop() that also drops
// open connections (a stalled or streaming response would otherwise keep close() waiting forever).
import {
  createServer as createHttp,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Server } from 'node:net';
import type { Socket } from 'node:net';
import type { CertFiles } from './pki.ts';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The local address the request arrived on (tells 127.0.0.1 from 127.0.0.2). */
  localAddress: string;
  /** Who sent it (tells a test network namespace's traffic from this machine's). */
  remoteAddress: string;
  at: number;
  /** Process-wide arrival order across every test server and proxy (orders requests to different servers). */
  seq: number;
}

export interface TestServer {
  /** `http(s)://host:port` */
  url: string;
  /** `host:port` */
  host: string;
  hostname: string;
  port: number;
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Serve HTTPS with these files. */
  tls?: CertFiles;
  /** With `tls`: require a client certificate signed by this CA (PEM); a client without one is refused in the handshake. */
  clientCa?: string;
  /** Loopback address to bind; 127.0.0.1 unless given (127.0.0.2 works on Linux for a second "host"). */
  hostname?: string;
  /** Port to bind (default: any free one). */
  port?: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let arrivals = 0;
/** The next process-wide arrival number (for servers that record connections themselves). */
export const nextSeq = (): number => ++arrivals;

export function record(req: IncomingMessage): RecordedRequest {
  return {
    method: req.method ?? '',
    url: req.url ?? '',
    headers: { ...req.headers },
    localAddress: req.socket.localAddress ?? '',
    remoteAddress: req.socket.remoteAddress ?? '',
    at: Date.now(),
    seq: nextSeq(),
  };
}

/** Tracks raw sockets so stop() can destroy them; returns the stop function. */
export function stoppable(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
    return stopped;
  };
}

export function listen(server: Server, hostname: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      const addr = server.address();
      if (addr && typeof addr === 'object') resolve(addr.port);
      else reject(new Error('no port'));
    });
  });
}

/** Starts an HTTP(S) server on a free loopback port; every request is recorded before `handler` sees it. */
export async function serve(handler: Handler, opts: ServeOptions = {}): Promise<TestServer> {
  const hostname = opts.hostname ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const wrapped: Handler = (req, res) => {
    requests.push(record(req));
    // Tests often assert on the request while a client is still reading the response; errors from clients that
    // hang up mid-response are expected here.
    res.on('error', () => undefined);
    handler(req, res);
  };
  const server = opts.tls
    ? createHttps(
        {
          cert: opts.tls.certPem,
          key: opts.tls.keyPem,
          ...(opts.clientCa ? { ca: opts.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
        },
        wrapped,
      )
    : createHttp(wrapped);
  // A TLS client that rejects our certificate resets the connection; that must not crash the test process.
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_err, socket) => socket.destroy());
  const stop = stoppable(server);
  const port = await listen(server, hostname, opts.port);
  const scheme = opts.tls ? 'https' : 'http';
  return {
    url: `${scheme}://${hostname}:${port}`,
    host: `${hostname}:${port}`,
    hostname,
    port,
    requests,
    stop,
  };
}

/** Sends a registry-style JSON error body. */
export function sendRegistryError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ errors: [{ code, message, detail: null }] });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(body);
}
