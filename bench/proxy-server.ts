// Child-process side of the counting proxy: forwards every request to one upstream registry and counts it by kind.
// It lives in its own process so that its work never competes with the in-process probe for the bench's event
// loop, and it exits as soon as the bench (its IPC parent) goes away — even if the bench is killed.
import { Agent, createServer, request } from 'node:http';
import type { Socket } from 'node:net';
import { kindOf, type Counts } from './kinds.ts';

const upstream = new URL(process.argv[2] ?? '');
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
let counts: Counts = { requests: {}, connections: 0, nonHttp: 0 };
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade']);

function withoutHop(h: Record<string, string | string[] | undefined>) {
  return Object.fromEntries(Object.entries(h).filter(([k]) => !HOP.has(k.toLowerCase())));
}

const server = createServer((req, res) => {
  const key = `${kindOf(req.url ?? '/', Boolean(req.headers.authorization))} ${req.method ?? 'GET'}`;
  counts.requests[key] = (counts.requests[key] ?? 0) + 1;
  const up = request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: withoutHop(req.headers),
      agent,
    },
    (ur) => {
      res.writeHead(ur.statusCode ?? 502, withoutHop(ur.headers));
      ur.pipe(res);
    },
  );
  up.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`proxy: ${e.message}`);
  });
  req.pipe(up);
});
server.on('connection', () => counts.connections++);
// Answer garbage the way a plain-HTTP server does (a 400), so a client probing HTTPS first sees the same thing as
// against the bare registry and falls back to HTTP.
server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
  // HPE_* are parse errors (bytes that are not HTTP); resets of idle keep-alive connections are not counted.
  if (!err.code?.startsWith('HPE_') || !socket.writable) {
    socket.destroy();
    return;
  }
  counts.nonHttp++;
  socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
});

process.on('message', (m: { id?: number; op?: string }) => {
  if (m.op === 'snapshot') process.send?.({ id: m.id, counts });
  if (m.op === 'reset') {
    counts = { requests: {}, connections: 0, nonHttp: 0 };
    process.send?.({ id: m.id, counts });
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => {
  process.send?.({ ready: (server.address() as { port: number }).port });
});
