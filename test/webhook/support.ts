// An HTTPS reverse proxy in front of an HTTPS registry that records every request and can be switched to failing
// (503 for everything) or stalling (requests read, never answered): the webhook's registry traffic counted, and an
// outage or a hung registry staged, over real TLS end to end.
import { request } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { CertFiles } from '../helpers/pki.ts';
import { serve, sendRegistryError, type TestServer } from '../helpers/server.ts';

export interface TlsCountingProxy extends TestServer {
  /** `GET /v2/team/app/manifests/1`, … in arrival order. */
  lines(): string[];
  mode: 'pass' | 'fail' | 'stall';
}

export async function tlsCountingProxy(
  upstream: string,
  cert: CertFiles,
  ca: string,
): Promise<TlsCountingProxy> {
  const state = { mode: 'pass' as TlsCountingProxy['mode'] };
  const held = new Set<ServerResponse>();
  const server = await serve(
    (req, res) => {
      if (state.mode === 'fail') return sendRegistryError(res, 503, 'UNAVAILABLE', 'staged outage');
      if (state.mode === 'stall') {
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      }
      const up = request(
        `${upstream}${req.url ?? '/'}`,
        { method: req.method, ca, headers: { ...req.headers, host: new URL(upstream).host } },
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
    { tls: cert },
  );
  const stop = server.stop;
  const proxy = Object.assign(server, {
    lines: () => server.requests.map((r) => `${r.method} ${r.url}`),
    mode: 'pass' as TlsCountingProxy['mode'],
    stop: async () => {
      for (const res of held) res.destroy();
      await stop();
    },
  });
  // An accessor, so that `proxy.mode = 'fail'` reaches the handler (Object.assign would copy a plain value).
  Object.defineProperty(proxy, 'mode', {
    get: () => state.mode,
    set: (v: TlsCountingProxy['mode']) => void (state.mode = v),
  });
  return proxy;
}
