// Misbehaving registries on loopback. Each answers like a registry (see fake-registry.ts) except where its
// fault is, records every request, and drops its connections on stop().
import { createServer as createNetServer, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serve, listen, stoppable, sendRegistryError, nextSeq, type TestServer } from './server.ts';
import { fakeImage, matchBlob, matchManifest, type FakeImage } from './fake-image.ts';
import { sha256 } from './oci-blobs.ts';
import { fakeRegistry, routeOf, type Route } from './fake-registry.ts';
import type { CertFiles } from './pki.ts';
import { MT } from './oci.ts';

export interface FaultServer extends TestServer {
  /** The image the well-behaved parts serve (manifest for any repo/tag, its blobs by digest). */
  image: FakeImage;
}

export interface FaultOptions {
  tls?: CertFiles;
  /** Loopback address to bind; default 127.0.0.1. */
  hostname?: string;
}

function serveOpts(o: FaultOptions) {
  return { ...(o.tls ? { tls: o.tls } : {}), ...(o.hostname ? { hostname: o.hostname } : {}) };
}

export interface StatusOptions extends FaultOptions {
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. Default: a registry JSON error for the code. */
  body?: unknown;
  contentType?: string;
  /** Which requests get the fault; the others are answered normally. Default: all. */
  on?: Route[] | 'all';
}

function defaultBody(code: number): { body: string; type: string } {
  const codes: Record<number, string> = {
    401: 'UNAUTHORIZED',
    403: 'DENIED',
    404: 'NAME_UNKNOWN',
    429: 'TOOMANYREQUESTS',
  };
  const name = codes[code];
  if (name)
    return {
      body: JSON.stringify({ errors: [{ code: name, message: name.toLowerCase() }] }),
      type: 'application/json',
    };
  return { body: `<html><body><h1>${code}</h1>test fault</body></html>`, type: 'text/html' };
}

/** Answers the chosen requests with `code`, headers and body. */
export async function status(code: number, opts: StatusOptions = {}): Promise<FaultServer> {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const def = defaultBody(code);
  const body =
    opts.body === undefined
      ? def.body
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  const type =
    opts.contentType ??
    (opts.body === undefined ? def.type : typeof opts.body === 'string' ? 'text/plain' : 'application/json');
  const server = await serve((req, res) => {
    if (opts.on !== undefined && opts.on !== 'all' && !opts.on.includes(routeOf(req)))
      return normal(req, res);
    res.writeHead(code, { 'content-type': type, ...opts.headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  }, serveOpts(opts));
  return { ...server, image };
}

/** 429 with Retry-After and Docker Hub's ratelimit headers, on manifests (ping and blobs answer normally). */
export function rateLimited(
  opts: FaultOptions & { retryAfter?: string; on?: Route[] | 'all' } = {},
): Promise<FaultServer> {
  return status(429, {
    ...opts,
    on: opts.on ?? ['manifest'],
    headers: {
      'retry-after': opts.retryAfter ?? '30',
      'ratelimit-limit': '100;w=21600',
      'ratelimit-remaining': '0;w=21600',
      'docker-ratelimit-source': '127.0.0.1',
    },
    body: {
      errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit. test fault' }],
    },
  });
}

/** A 5xx with an HTML page, the way a load balancer in front of a registry fails. */
export function serverError(
  code: 500 | 502 | 503 | 504 = 503,
  opts: StatusOptions = {},
): Promise<FaultServer> {
  return status(code, {
    contentType: 'text/html',
    body: `<html><head><title>${code}</title></head><body><center><h1>${code} Error</h1></center><hr><center>nginx</center></body></html>`,
    ...opts,
  });
}

/** 403 with a registry JSON DENIED error on manifests and blobs. */
export function denied(opts: FaultOptions & { on?: Route[] | 'all' } = {}): Promise<FaultServer> {
  return status(403, {
    ...opts,
    on: opts.on ?? ['manifest', 'blob'],
    body: { errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] },
  });
}

export interface StallOptions extends FaultOptions {
  /**
   * accept: TCP accepted, nothing ever sent (with `tls`, not even a ServerHello; a plain TCP listener either way).
   * headers: the request is read (after the TLS handshake if `tls`) but never answered.
   * body: ping answers; manifests and blobs send 200 headers and half the body, then nothing.
   * Default accept.
   */
  phase?: 'accept' | 'headers' | 'body';
}

/** A server that goes silent at the chosen point. In phase accept, each connection is recorded as method TCP. */
export async function stall(opts: StallOptions = {}): Promise<FaultServer> {
  const image = fakeImage();
  const phase = opts.phase ?? 'accept';
  if (phase === 'accept') {
    const hostname = opts.hostname ?? '127.0.0.1';
    const requests: TestServer['requests'] = [];
    const srv = createNetServer((socket: Socket) => {
      requests.push({
        method: 'TCP',
        url: '',
        headers: {},
        localAddress: socket.localAddress ?? '',
        remoteAddress: socket.remoteAddress ?? '',
        at: Date.now(),
        seq: nextSeq(),
      });
      socket.on('error', () => undefined);
      socket.resume();
    });
    const stop = stoppable(srv);
    const port = await listen(srv, hostname);
    const scheme = opts.tls ? 'https' : 'http';
    return {
      url: `${scheme}://${hostname}:${port}`,
      host: `${hostname}:${port}`,
      hostname,
      port,
      requests,
      stop,
      image,
    };
  }
  const normal = fakeRegistry(image);
  const server = await serve((req, res) => {
    if (phase === 'headers') return;
    const route = routeOf(req);
    if (route !== 'manifest' && route !== 'blob') return normal(req, res);
    const blob = matchBlob(new URL(req.url ?? '/', 'http://x').pathname);
    const data =
      route === 'manifest' ? image.manifest : (image.blobs.get(blob?.digest ?? '') ?? image.manifest);
    res.writeHead(200, {
      'content-type': route === 'manifest' ? MT.ociManifest : 'application/octet-stream',
      'content-length': data.length,
    });
    res.write(data.subarray(0, Math.floor(data.length / 2)));
  }, serveOpts(opts));
  return { ...server, image };
}

export interface HugeOptions extends FaultOptions {
  /** Send Content-Length (only for a finite size). Default true. */
  declareLength?: boolean;
}

/** Manifests answer 200 with a JSON body of `bytes` bytes, or one that never ends. */
export async function hugeManifest(bytes: number | 'endless', opts: HugeOptions = {}): Promise<FaultServer> {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const prefix = Buffer.from(`{"schemaVersion":2,"mediaType":"${MT.ociManifest}","annotations":{"pad":"`);
  const suffix = Buffer.from('"}}');
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const server = await serve((req, res) => {
    if (routeOf(req) !== 'manifest') return normal(req, res);
    const finite = bytes !== 'endless';
    const headers: Record<string, string | number> = { 'content-type': MT.ociManifest };
    if (finite && opts.declareLength !== false) headers['content-length'] = bytes;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return void res.end();
    let left = finite ? bytes - prefix.length - suffix.length : Infinity;
    res.write(prefix);
    const pump = (): void => {
      while (left > 0 && !res.destroyed) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end(suffix);
    };
    res.on('close', () => (left = 0));
    pump();
  }, serveOpts(opts));
  return { ...server, image };
}

/** Blob requests (or manifests too, with on: ['manifest', 'blob']) 307 to /loop/a, which 307s to /loop/b and back. */
export async function redirectLoop(opts: FaultOptions & { on?: Route[] } = {}): Promise<FaultServer> {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const on = opts.on ?? ['blob'];
  let base = '';
  const server = await serve((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const next =
      path === '/loop/a'
        ? '/loop/b'
        : path === '/loop/b'
          ? '/loop/a'
          : on.includes(routeOf(req))
            ? '/loop/a'
            : '';
    if (!next) return normal(req, res);
    res.writeHead(307, { location: `${base}${next}`, 'content-length': 0 });
    res.end();
  }, serveOpts(opts));
  base = server.url;
  return { ...server, image };
}

export interface CrossHostOptions extends FaultOptions {
  /** Where blobs redirect to (the blob path's digest is appended). Default: a recording server on 127.0.0.2. */
  targetUrl?: string;
  /** Require these Basic credentials on every /v2/ request, so clients have an Authorization to (not) forward. */
  requireAuth?: { username: string; password: string };
}

export interface CrossHostServer extends FaultServer {
  /** The redirect target this helper started (absent when targetUrl was given). Its requests hold the headers. */
  target?: TestServer;
}

/** Blob requests answer 307 to another host (127.0.0.2 by default), like a registry handing off to storage. */
export async function crossHostRedirect(opts: CrossHostOptions = {}): Promise<CrossHostServer> {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  let target: TestServer | undefined;
  if (!opts.targetUrl) {
    target = await serve(
      (req: IncomingMessage, res: ServerResponse) => {
        const digest = new URL(req.url ?? '/', 'http://x').pathname.split('/').pop() ?? '';
        const data = image.blobs.get(digest);
        if (!data) return sendRegistryError(res, 404, 'BLOB_UNKNOWN', 'no such object');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
        res.end(req.method === 'HEAD' ? undefined : data);
      },
      { ...(opts.tls ? { tls: opts.tls } : {}), hostname: '127.0.0.2' },
    );
  }
  const targetBase = opts.targetUrl ?? `${target?.url ?? ''}/storage`;
  const expected = opts.requireAuth
    ? `Basic ${Buffer.from(`${opts.requireAuth.username}:${opts.requireAuth.password}`).toString('base64')}`
    : undefined;
  const server = await serve((req, res) => {
    if (expected && req.headers.authorization !== expected) {
      return sendRegistryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'www-authenticate': 'Basic realm="regdoctor-test"',
      });
    }
    const blob = matchBlob(new URL(req.url ?? '/', 'http://x').pathname);
    if (!blob) return normal(req, res);
    res.writeHead(307, {
      location: `${targetBase}/${blob.digest}?X-Test-Signature=abc`,
      'content-length': 0,
    });
    res.end();
  }, serveOpts(opts));
  return {
    ...server,
    image,
    ...(target ? { target } : {}),
    async stop() {
      await server.stop();
      await target?.stop();
    },
  };
}

/** Every answer (ping, token, manifests, blobs) waits `delayMs` first: each within a longer per-request timeout. */
export async function slow(delayMs: number, opts: FaultOptions = {}): Promise<FaultServer> {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const server = await serve((req, res) => {
    const timer = setTimeout(() => normal(req, res), delayMs);
    res.on('close', () => clearTimeout(timer));
  }, serveOpts(opts));
  return { ...server, image };
}

/** Blob requests walk `hops` redirects on this server, each answered after `delayMs`, before the blob. */
export async function slowRedirects(
  hops: number,
  delayMs: number,
  opts: FaultOptions = {},
): Promise<FaultServer> {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const server = await serve((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const hop = /^\/hop\/(\d+)\/(sha256:[a-f0-9]{64})$/.exec(path);
    const blob = matchBlob(path);
    if (!hop && !blob) return normal(req, res);
    const n = hop ? Number(hop[1]) : 0;
    const digest = hop ? hop[2]! : blob!.digest;
    const timer = setTimeout(() => {
      if (n >= hops) {
        const data = image.blobs.get(digest);
        if (!data) return sendRegistryError(res, 404, 'BLOB_UNKNOWN', 'blob unknown');
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
        return void res.end(req.method === 'HEAD' ? undefined : data);
      }
      res.writeHead(307, { location: `/hop/${n + 1}/${digest}`, 'content-length': 0 });
      res.end();
    }, delayMs);
    res.on('close', () => clearTimeout(timer));
  }, serveOpts(opts));
  return { ...server, image };
}

export interface TagPagesOptions extends FaultOptions {
  /** Pages in the Link chain (Infinity: it never ends). */
  pages: number;
  tagsPerPage: number;
  /** Pad tag names so that each page weighs about this many bytes. */
  pageBytes?: number;
  /** Every page's Link points back at the page itself. */
  selfLink?: boolean;
  /** Each tag page is answered after this long. */
  delayMs?: number;
}

export interface TagPagesServer extends FaultServer {
  /** Tag pages answered, and their bytes. */
  served: { pages: number; bytes: number };
}

/** Every manifest is unknown (404 MANIFEST_UNKNOWN); the tag list is paged as told, which a client reads to tell a
 * missing tag from a missing repository. */
export async function tagPages(o: TagPagesOptions): Promise<TagPagesServer> {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const served = { pages: 0, bytes: 0 };
  const server = await serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (matchManifest(url.pathname))
      return sendRegistryError(res, 404, 'MANIFEST_UNKNOWN', 'manifest unknown');
    const m = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname);
    if (!m) return normal(req, res);
    const page = Number(url.searchParams.get('page') ?? '0');
    const tagLength = o.pageBytes ? Math.max(8, Math.floor(o.pageBytes / o.tagsPerPage) - 3) : 0;
    const tags = Array.from({ length: o.tagsPerPage }, (_, i) => `p${page}-${i}-`.padEnd(tagLength, 'x'));
    const body = Buffer.from(JSON.stringify({ name: m[1], tags }));
    const next = o.selfLink ? page : page + 1;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': body.length,
    };
    if (o.selfLink) headers.link = `<${req.url ?? ''}>; rel="next"`;
    else if (next < o.pages) headers.link = `</v2/${m[1]}/tags/list?n=1000&page=${next}>; rel="next"`;
    const answer = () => {
      served.pages++;
      served.bytes += body.length;
      res.writeHead(200, headers);
      res.end(body);
    };
    if (!o.delayMs) return answer();
    const timer = setTimeout(answer, o.delayMs);
    res.on('close', () => clearTimeout(timer));
  }, serveOpts(o));
  return { ...server, image, served };
}

/** An image index of `entries` entries that all name the same child (the fault image's manifest). */
export async function repeatedIndex(entries: number, opts: FaultOptions = {}): Promise<FaultServer> {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const entry = {
    mediaType: MT.ociManifest,
    digest: image.manifestDigest,
    size: image.manifest.length,
    platform: { architecture: 'amd64', os: 'linux' },
  };
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociIndex,
      manifests: Array.from({ length: entries }, () => entry),
    }),
  );
  const indexDigest = sha256(index);
  const server = await serve((req, res) => {
    const m = matchManifest(new URL(req.url ?? '/', 'http://x').pathname);
    if (!m || m.reference === image.manifestDigest) return normal(req, res);
    res.writeHead(200, {
      'content-type': MT.ociIndex,
      'content-length': index.length,
      'docker-content-digest': indexDigest,
    });
    res.end(req.method === 'HEAD' ? undefined : index);
  }, serveOpts(opts));
  return { ...server, image };
}

export interface TokenRedirectServer extends FaultServer {
  /** The other host the token endpoint redirects to; what it received is in `bodies` and its requests. */
  target: TestServer & { bodies: string[] };
}

/**
 * A registry behind Bearer auth whose token endpoint answers the OAuth2 POST (a refresh token in its body) with
 * `status` to another host (127.0.0.2), and a GET with a token, so a client that does not follow can still pull.
 */
export async function tokenRedirect(status: 301 | 302 | 303 | 307 | 308): Promise<TokenRedirectServer> {
  const image = fakeImage();
  const normal = fakeRegistry(image);
  const bodies: string[] = [];
  const target = await serve(
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        sendRegistryError(res, 404, 'NOT_FOUND', 'nothing here');
      });
    },
    { hostname: '127.0.0.2' },
  );
  let realm = '';
  const server = await serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      if (req.method === 'POST') {
        req.resume();
        res.writeHead(status, { location: `${target.url}/token${url.search}`, 'content-length': 0 });
        return void res.end();
      }
      return void res.end(JSON.stringify({ token: 'test-token', expires_in: 60 }));
    }
    if (req.headers.authorization !== 'Bearer test-token')
      return sendRegistryError(res, 401, 'UNAUTHORIZED', 'authentication required', {
        'www-authenticate': `Bearer realm="${realm}",service="test"`,
      });
    normal(req, res);
  });
  realm = `${server.url}/token`;
  return {
    ...server,
    image,
    target: Object.assign(target, { bodies }),
    async stop() {
      await server.stop();
      await target.stop();
    },
  };
}

export { startProxy as proxy, type ProxyOptions, type TestProxy } from './proxy.ts';
