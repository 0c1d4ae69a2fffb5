// The exporter's HTTP face: /metrics renders what the checks last recorded (in memory, never the network),
// /healthz says the process serves, /readyz says the first round of checks has completed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../cause/index.ts';
import type { Registry } from 'prom-client';
import { parseListen as parseAddress, type ListenAddress } from '../util/listen.ts';

export type { ListenAddress };

/** `:9787`, `9787`, `0.0.0.0:9787`, `127.0.0.1:0`, `[::1]:9787`, `localhost:9787`. */
export const parseListen = (addr: string): ListenAddress => parseAddress(addr, 9787);

export interface ServerState {
  registry: Registry;
  isReady(): boolean;
}

const TEXT = { 'content-type': 'text/plain; charset=utf-8' };

const INDEX = `regdoctor exporter
/metrics  Prometheus metrics
/healthz  liveness (200 while the process serves)
/readyz   readiness (200 once the first round of checks has completed)
`;

function handler(state: ServerState) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { ...TEXT, allow: 'GET, HEAD' });
      res.end('method not allowed\n');
      return;
    }
    const send = (code: number, headers: Record<string, string>, body: string) => {
      res.writeHead(code, {
        ...headers,
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(head ? undefined : body);
    };
    switch (path) {
      case '/metrics':
        state.registry.metrics().then(
          (text) => send(200, { 'content-type': state.registry.contentType }, text),
          (err: unknown) =>
            send(500, TEXT, `collecting metrics failed: ${(err as Error)?.message ?? String(err)}\n`),
        );
        return;
      case '/healthz':
        return send(200, TEXT, 'ok\n');
      case '/readyz':
        return state.isReady()
          ? send(200, TEXT, 'ready\n')
          : send(503, TEXT, 'not ready: the first round of checks is still running\n');
      case '/':
        return send(200, TEXT, INDEX);
      default:
        return send(404, TEXT, 'not found\n');
    }
  };
}

export interface MetricsServer {
  server: Server;
  /** `http://host:port`, with the port actually bound. */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(listen: ListenAddress, state: ServerState): Promise<MetricsServer> {
  const server = createServer(handler(state));
  // Scrapers keep connections open between scrapes; a lingering idle one must not hold shutdown up.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
          ? new UsageError(
              `--listen ${listen.host ?? ''}:${listen.port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : err.message}`,
            )
          : err,
      ),
    );
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port, address, family } = server.address() as AddressInfo;
  const shown = listen.host === undefined ? '127.0.0.1' : family === 'IPv6' ? `[${address}]` : address;
  return {
    server,
    url: `http://${shown}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
