// A reverse proxy in front of a registry (HTTP or HTTPS) that records every request and can be switched to
// failing (503 for everything) or stalling (requests read, never answered): a client's registry traffic counted,
// and an outage or a hung registry staged, without touching the client.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { CertFiles } from './pki.ts';
import { serve, sendRegistryError, type TestServer } from './server.ts';

export type ProxyMode = 'pass' | 'fail' | 'stall';

export interface CountingProxy extends TestServer {
  /** `GET /v2/team/app/manifests/1`, … in arrival order. */
  lines(): string[];
  mode: ProxyMode;
  /** Requests stalled and still open (the client has not given up on them). */
  held(): number;
}

export interface CountingProxyOptions {
  /** Serve HTTPS with this certificate. */
  tls?: CertFiles;
  /** With `tls`: require a client certificate signed by this CA (PEM). */
  clientCa?: string;
  /** CA (PEM) to trust for an HTTPS upstream. */
  ca?: string;
  /** Address to bind (default 127.0.0.1); `port` too when given. */
  hostname?: string;
  port?: number;
  /** In `pass` mode, requests (`GET /v2/…` as in lines()) to stall anyway: a registry that hangs for some images only. */
  holds?: (line: string) => boolean;
}

export async function countingProxy(
  upstream: string,
  opts: CountingProxyOptions = {},
): Promise<CountingProxy> {
  const state = { mode: 'pass' as ProxyMode };
  const held = new Set<ServerResponse>();
  const request = upstream.startsWith('https:') ? httpsRequest : httpRequest;
  const server = await serve(
    (req, res) => {
      if (state.mode === 'fail') return sendRegistryError(res, 503, 'UNAVAILABLE', 'staged outage');
      if (state.mode === 'stall' || opts.holds?.(`${req.method} ${req.url}`)) {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      const up = request(
        `${upstream}${req.url ?? '/'}`,
        {
          method: req.method,
          headers: { ...req.headers, host: new URL(upstream).host },
          ...(opts.ca ? { ca: opts.ca } : {}),
        },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(up);
    },
    {
      ...(opts.tls ? { tls: opts.tls } : {}),
      ...(opts.clientCa ? { clientCa: opts.clientCa } : {}),
      ...(opts.hostname ? { hostname: opts.hostname } : {}),
      ...(opts.port ? { port: opts.port } : {}),
    },
  );
  const stop = server.stop;
  const proxy = Object.assign(server, {
    lines: () => server.requests.map((r) => `${r.method} ${r.url}`),
    mode: 'pass' as ProxyMode,
    held: () => held.size,
    stop: async () => {
      for (const res of held) res.destroy();
      await stop();
    },
  });
  // An accessor, so that `proxy.mode = 'fail'` reaches the handler (Object.assign would copy a plain value).
  Object.defineProperty(proxy, 'mode', {
    get: () => state.mode,
    set: (v: ProxyMode) => void (state.mode = v),
  });
  return proxy;
}
