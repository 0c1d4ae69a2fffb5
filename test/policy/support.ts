// A reverse proxy in front of a real registry that records every request and can be switched to failing, so the
// engine tests count registry lookups (dedupe, cache) and stage an outage without touching the engine.
import { request } from 'node:http';
import { serve, sendRegistryError, type TestServer } from '../helpers/server.ts';

export interface CountingProxy extends TestServer {
  /** `GET /v2/team/app/manifests/1`, … in arrival order. */
  lines(): string[];
  /** Answer everything with 503 while true. */
  failing: boolean;
}

export async function countingProxy(upstream: string): Promise<CountingProxy> {
  const state = { failing: false };
  const server = await serve((req, res) => {
    if (state.failing) return sendRegistryError(res, 503, 'UNAVAILABLE', 'staged outage');
    const up = request(
      `${upstream}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } },
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
  });
  const proxy = Object.assign(server, {
    lines: () => server.requests.map((r) => `${r.method} ${r.url}`),
    failing: false,
  });
  // An accessor, so that `proxy.failing = true` reaches the handler (Object.assign would copy a plain value).
  Object.defineProperty(proxy, 'failing', {
    get: () => state.failing,
    set: (v: boolean) => void (state.failing = v),
  });
  return proxy;
}

/** A clock the test moves by hand: cache expiry without sleeping. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}
