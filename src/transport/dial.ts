// The connection stages a runtime goes through before HTTP: DNS → TCP → (proxy CONNECT) → TLS. Each stage is a
// separate function with its own timeout and evidence, so the probe can time and report them one by one.
import { lookup } from 'node:dns/promises';
import { isIP, Socket } from 'node:net';
import type { TLSSocket, PeerCertificate } from 'node:tls';
import { TransportError, fromSystemError, withDeadline } from './errors.ts';

export interface Address {
  address: string;
  family: number;
}

/** Strips the brackets of an IPv6 literal host. */
export function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

export async function resolveHost(hostname: string, timeoutMs: number): Promise<Address[]> {
  const host = bareHost(hostname);
  const family = isIP(host);
  if (family) return [{ address: host, family }];
  try {
    const all = await withDeadline(timeoutMs, 'dns', `resolving ${host}`, () =>
      lookup(host, { all: true, verbatim: true }),
    );
    if (all.length === 0) throw new TransportError('DNS_FAILURE', 'dns', `${host} has no A or AAAA records`);
    return all.map((a) => ({ address: a.address, family: a.family }));
  } catch (err) {
    if (err instanceof TransportError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'UNKNOWN';
    const why = DNS_WHY[code] ?? (err as Error).message;
    throw new TransportError('DNS_FAILURE', 'dns', `${host} does not resolve: ${why} (${code})`, { code });
  }
}

const DNS_WHY: Record<string, string> = {
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'temporary failure in name resolution (DNS server unreachable or timing out)',
  EAI_FAIL: 'the DNS server failed',
  ENODATA: 'the name exists but has no address records',
  EAI_NODATA: 'the name exists but has no address records',
  ESERVFAIL: 'the DNS server failed (SERVFAIL)',
};

/** Tries each address in order (as Go's dialer does for one family), returning the first connected socket. */
export async function connectTcp(
  addresses: Address[],
  port: number,
  timeoutMs: number,
): Promise<{ socket: Socket; address: string; failures: string[] }> {
  const failures: string[] = [];
  let last: TransportError | undefined;
  for (const a of addresses.slice(0, 4)) {
    const socket = new Socket();
    try {
      await withDeadline(
        timeoutMs,
        'connect',
        `connecting to ${fmtAddr(a.address, port)}`,
        () =>
          new Promise<void>((resolve, reject) => {
            socket.once('error', reject);
            socket.connect({ host: a.address, port, family: a.family }, () => {
              socket.off('error', reject);
              resolve();
            });
          }),
        () => socket.destroy(),
      );
      socket.setNoDelay(true);
      return { socket, address: fmtAddr(a.address, port), failures };
    } catch (err) {
      socket.destroy();
      last = fromSystemError(err, 'connect', `connect ${fmtAddr(a.address, port)}`);
      failures.push(last.message);
    }
  }
  throw last ?? new TransportError('DNS_FAILURE', 'connect', 'no address to connect to');
}

export function fmtAddr(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface TlsConfig {
  /** PEM CA certificates added to the system roots. */
  ca?: string[];
  /** Skip verification for this host only (the user named it). */
  insecure?: boolean;
  /** PEM client certificate and key, for registries that want mutual TLS (a runtime's `client` pairs). */
  cert?: string;
  key?: string;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  altNames: string[];
  validFrom: string;
  validTo: string;
  expiresInDays: number;
  fingerprint256: string;
  chainLength: number;
  protocol: string | null;
}

export interface TlsResult {
  socket: TLSSocket;
  certificate: CertificateInfo | null;
  /** Set when verification failed but the user chose to skip verification for this host. */
  ignoredProblem?: TransportError;
}

const TLS_CAUSES: Record<string, 'TLS_EXPIRED' | 'TLS_UNTRUSTED' | 'TLS_HOSTNAME_MISMATCH'> = {
  CERT_HAS_EXPIRED: 'TLS_EXPIRED',
  CERT_NOT_YET_VALID: 'TLS_EXPIRED',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS_HOSTNAME_MISMATCH',
};

/** OpenSSL says this when the peer answered the ClientHello with something that is not TLS, e.g. plain HTTP. */
const NOT_TLS =
  /wrong version number|packet length too long|http request|unknown protocol|record layer failure/i;

let tlsModule: Promise<typeof import('node:tls')> | undefined;

/**
 * node:tls (with the secure-context and socket-wrapping code under it) is loaded on the first handshake, not at
 * start-up: a probe of a plain-HTTP registry never needs it. Callers that time the handshake await this first, so
 * that loading the module is not counted as the handshake.
 */
export function loadTls(): Promise<typeof import('node:tls')> {
  return (tlsModule ??= import('node:tls'));
}

export async function handshakeTls(
  socket: Socket,
  hostname: string,
  config: TlsConfig,
  timeoutMs: number,
): Promise<TlsResult> {
  const host = bareHost(hostname);
  const { connect: tlsConnect, checkServerIdentity, rootCertificates } = await loadTls();
  let tls: TLSSocket | undefined;
  try {
    tls = await withDeadline(
      timeoutMs,
      'tls',
      `TLS handshake with ${hostname}`,
      () =>
        new Promise<TLSSocket>((resolve, reject) => {
          const s = tlsConnect({
            socket,
            servername: isIP(host) ? undefined : host,
            ca: config.ca ? [...rootCertificates, ...config.ca] : undefined,
            cert: config.cert,
            key: config.key,
            // Verification is done below so that the certificate can be reported even when it is rejected.
            rejectUnauthorized: false,
            // Node would otherwise check the name itself (against a host it guesses) and report a mismatch as an
            // untrusted chain; verify() checks the name we dialled.
            checkServerIdentity: () => undefined,
            ALPNProtocols: ['http/1.1'],
          });
          s.once('secureConnect', () => resolve(s));
          s.once('error', reject);
        }),
      () => socket.destroy(),
    );
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e instanceof TransportError) throw e;
    if (NOT_TLS.test(e?.message ?? '') || /WRONG_VERSION_NUMBER|PACKET_LENGTH/.test(e?.code ?? '')) {
      throw new TransportError(
        'HTTP_HTTPS_MISMATCH',
        'tls',
        `${hostname} did not answer the TLS handshake with TLS (it looks like a plain-HTTP server)`,
        { code: e.code, openssl: e.message },
      );
    }
    if (e?.code === 'ECONNRESET' || /socket disconnected/i.test(e?.message ?? '')) {
      throw new TransportError(
        'HTTP_HTTPS_MISMATCH',
        'tls',
        `${hostname} closed the connection during the TLS handshake`,
        {
          code: e.code,
        },
      );
    }
    throw fromSystemError(err, 'tls', `TLS handshake with ${hostname}`);
  }
  const certificate = describeCertificate(tls);
  const problem = verify(tls, host, checkServerIdentity);
  if (problem && !config.insecure) {
    tls.destroy();
    // The rejected certificate is the evidence (expiry dates, names, issuer): keep it with the error.
    throw new TransportError(problem.cause, 'tls', problem.message, {
      code: problem.detail.code,
      ...certificate,
    });
  }
  return { socket: tls, certificate, ignoredProblem: problem ?? undefined };
}

function verify(
  tls: TLSSocket,
  host: string,
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined,
): TransportError | null {
  const peer = tls.getPeerCertificate(true);
  const err = tls.authorizationError as unknown as string | Error | null;
  if (err) {
    const code = typeof err === 'string' ? err : ((err as NodeJS.ErrnoException).code ?? err.message);
    const cause = TLS_CAUSES[code] ?? 'TLS_UNTRUSTED';
    const why =
      cause === 'TLS_EXPIRED'
        ? `certificate is not valid now (valid ${peer.valid_from} – ${peer.valid_to})`
        : `certificate is not trusted (${code}); issuer: ${fmtName(peer.issuer)}`;
    return new TransportError(cause, 'tls', why, { code });
  }
  const idErr = checkServerIdentity(host, peer as PeerCertificate);
  if (idErr) {
    return new TransportError(
      'TLS_HOSTNAME_MISMATCH',
      'tls',
      `certificate is valid for ${altNames(peer).join(', ') || fmtName(peer.subject)}, not ${host}`,
      { code: (idErr as NodeJS.ErrnoException).code },
    );
  }
  return null;
}

function altNames(peer: PeerCertificate): string[] {
  return (peer.subjectaltname ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((s) => s.replace(/^(DNS|IP Address):/, ''));
}

function fmtName(n: object | undefined): string {
  if (!n) return '';
  return Object.entries(n as Record<string, string | string[] | undefined>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}

function describeCertificate(tls: TLSSocket): CertificateInfo | null {
  const peer = tls.getPeerCertificate(true);
  if (!peer || !peer.valid_to) return null;
  let chainLength = 1;
  for (
    let c = peer as PeerCertificate & { issuerCertificate?: PeerCertificate };
    c.issuerCertificate && c.issuerCertificate !== c;
    c = c.issuerCertificate as typeof c
  ) {
    chainLength++;
    if (chainLength > 10) break;
  }
  const validTo = new Date(peer.valid_to);
  return {
    subject: fmtName(peer.subject),
    issuer: fmtName(peer.issuer),
    altNames: altNames(peer),
    validFrom: new Date(peer.valid_from).toISOString(),
    validTo: validTo.toISOString(),
    expiresInDays: Math.floor((validTo.getTime() - Date.now()) / 86_400_000),
    fingerprint256: peer.fingerprint256,
    chainLength,
    protocol: tls.getProtocol(),
  };
}

/** Opens a tunnel through an HTTP proxy with CONNECT (what Go's transport does for https:// targets). */
export async function connectViaProxy(
  socket: Socket,
  target: string,
  proxyAuth: string | undefined,
  timeoutMs: number,
): Promise<Socket> {
  const lines = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`];
  if (proxyAuth) lines.push(`Proxy-Authorization: Basic ${proxyAuth}`);
  socket.write(lines.join('\r\n') + '\r\n\r\n');
  const head = await withDeadline(
    timeoutMs,
    'connect',
    `proxy CONNECT ${target}`,
    () =>
      new Promise<string>((resolve, reject) => {
        let buf = Buffer.alloc(0);
        const onData = (chunk: Buffer) => {
          buf = Buffer.concat([buf, chunk]);
          const end = buf.indexOf('\r\n\r\n');
          if (end >= 0) {
            cleanup();
            // Bytes past the header belong to the tunnel; a proxy must not send any before we speak.
            if (end + 4 < buf.length) socket.unshift(buf.subarray(end + 4));
            resolve(buf.subarray(0, end).toString('latin1'));
          } else if (buf.length > 16_384) {
            cleanup();
            reject(new TransportError('PROXY_ERROR', 'connect', 'proxy sent an oversized CONNECT response'));
          }
        };
        const onEnd = () => {
          cleanup();
          reject(
            new TransportError(
              'PROXY_ERROR',
              'connect',
              `proxy closed the connection instead of opening a tunnel to ${target}`,
            ),
          );
        };
        const onError = (err: Error) => {
          cleanup();
          reject(new TransportError('PROXY_ERROR', 'connect', `proxy connection failed: ${err.message}`));
        };
        const cleanup = () => {
          socket.off('data', onData);
          socket.off('end', onEnd);
          socket.off('error', onError);
        };
        socket.on('data', onData);
        socket.once('end', onEnd);
        socket.once('error', onError);
      }),
    () => socket.destroy(),
  ).catch((err: unknown) => {
    if (err instanceof TransportError && err.cause === 'NETWORK_TIMEOUT') {
      throw new TransportError(
        'PROXY_ERROR',
        'connect',
        `proxy did not answer CONNECT ${target} within ${timeoutMs} ms`,
      );
    }
    throw err;
  });
  const status = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*(.*)$/m.exec(head);
  const code = status ? Number(status[1]) : 0;
  if (code !== 200) {
    socket.destroy();
    const why =
      code === 407
        ? 'proxy requires authentication (407 Proxy Authentication Required)'
        : `proxy answered ${code || 'garbage'} ${status?.[2] ?? ''}`.trim();
    throw new TransportError('PROXY_ERROR', 'connect', `${why} to CONNECT ${target}`, { status: code });
  }
  return socket;
}
