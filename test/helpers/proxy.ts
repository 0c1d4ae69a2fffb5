// An HTTP proxy on loopback: CONNECT tunnels (what clients use for https:// and, in undici, for http:// too)
// and absolute-form forwarding for plain http://. It can refuse with 407 or 502, or demand Basic credentials.
import { connect, type Socket } from 'node:net';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { listen, record, stoppable, type RecordedRequest } from './server.ts';

export interface ProxyOptions {
  /** Refuse every request with this status. */
  refuse?: 407 | 502;
  /** Require `Proxy-Authorization: Basic` with these credentials (407 otherwise). */
  auth?: { username: string; password: string };
  hostname?: string;
  /** Names the proxy resolves itself (`registry.test` → `127.0.0.1`): hosts only the proxy can reach. */
  resolve?: Record<string, string>;
}

export interface TestProxy {
  url: string;
  host: string;
  hostname: string;
  port: number;
  /** Every request the proxy saw; CONNECTs have method CONNECT and url `host:port`. */
  requests: RecordedRequest[];
  /** `host:port` targets of CONNECT requests that were tunnelled. */
  tunnels: string[];
  stop(): Promise<void>;
}

const REASON: Record<number, string> = { 407: 'Proxy Authentication Required', 502: 'Bad Gateway' };

export async function startProxy(opts: ProxyOptions = {}): Promise<TestProxy> {
  const hostname = opts.hostname ?? '127.0.0.1';
  const requests: RecordedRequest[] = [];
  const tunnels: string[] = [];
  const upstreams = new Set<Socket>();
  const expected = opts.auth
    ? `Basic ${Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64')}`
    : undefined;

  const refusal = (req: IncomingMessage): number | undefined => {
    if (opts.refuse) return opts.refuse;
    if (expected && req.headers['proxy-authorization'] !== expected) return 407;
    return undefined;
  };

  const server = createServer((req, res) => {
    requests.push(record(req));
    res.on('error', () => undefined);
    const code = refusal(req);
    if (code) {
      res.writeHead(code, code === 407 ? { 'proxy-authenticate': 'Basic realm="regdoctor-proxy"' } : {});
      return void res.end(`${code} ${REASON[code]}`);
    }
    if (!req.url?.startsWith('http://')) {
      res.writeHead(400);
      return void res.end('absolute-form URL expected');
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const target = new URL(req.url);
    const lookupHost = opts.resolve?.[target.hostname] ?? target.hostname;
    const up = httpRequest(
      {
        hostname: lookupHost,
        port: target.port || 80,
        path: target.pathname + target.search,
        method: req.method,
        headers,
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
  });

  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    requests.push(record(req));
    client.on('error', () => undefined);
    const code = refusal(req);
    if (code) {
      const extra = code === 407 ? 'Proxy-Authenticate: Basic realm="regdoctor-proxy"\r\n' : '';
      client.end(
        `HTTP/1.1 ${code} ${REASON[code]}\r\n${extra}Content-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    const target = req.url ?? '';
    const i = target.lastIndexOf(':');
    const name = target.slice(0, i).replace(/^\[|\]$/g, '');
    const up = connect(Number(target.slice(i + 1)), opts.resolve?.[name] ?? name);
    upstreams.add(up);
    up.once('close', () => upstreams.delete(up));
    let open = false;
    up.once('connect', () => {
      open = true;
      tunnels.push(target);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => {
      if (open) client.destroy();
      else if (!client.destroyed)
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    client.once('close', () => up.destroy());
  });
  server.on('clientError', (_e, socket) => socket.destroy());

  const stopServer = stoppable(server);
  const port = await listen(server, hostname);
  return {
    url: `http://${hostname}:${port}`,
    host: `${hostname}:${port}`,
    hostname,
    port,
    requests,
    tunnels,
    async stop() {
      for (const s of upstreams) s.destroy();
      await stopServer();
    },
  };
}
