import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

// Proxy choice as Go's golang.org/x/net/http/httpproxy makes it, because containerd, CRI-O and the kubelet all
// decide with that package: a probe that chose differently would test a path the runtime never takes.

export interface ProxyEnv {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

function firstSet(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v) return v;
  }
  return undefined;
}

/**
 * Reads the proxy variables the way Go does: upper case first, empty means unset. Under CGI (REQUEST_METHOD set)
 * HTTP_PROXY can come from a request header ("httpoxy"), so it is dropped.
 */
export function proxyEnvFrom(env: NodeJS.ProcessEnv): ProxyEnv {
  const out: ProxyEnv = {};
  const httpProxy = firstSet(env, 'HTTP_PROXY', 'http_proxy');
  const httpsProxy = firstSet(env, 'HTTPS_PROXY', 'https_proxy');
  const noProxy = firstSet(env, 'NO_PROXY', 'no_proxy');
  if (httpProxy && !env['REQUEST_METHOD']) out.httpProxy = httpProxy;
  if (httpsProxy) out.httpsProxy = httpsProxy;
  if (noProxy) out.noProxy = noProxy;
  return out;
}

// ---- IP addresses as 16 bytes, IPv4 stored IPv4-mapped (as Go's net.IP does) ----

type IP = Uint8Array;

function parseIP(s: string): IP | null {
  if (isIPv4(s)) {
    const ip = new Uint8Array(16);
    ip[10] = 0xff;
    ip[11] = 0xff;
    s.split('.').forEach((octet, i) => (ip[12 + i] = Number(octet)));
    return ip;
  }
  if (!isIPv6(s) || s.includes('%')) return null;
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 tail ("::ffff:1.2.3.4") stands for the last two 16-bit groups.
    const v4 = parseIP(last);
    if (!v4) return null;
    tail.push((v4[12]! << 8) | v4[13]!, (v4[14]! << 8) | v4[15]!);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const [head = '', rest] = text.split('::');
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const fill = 8 - tail.length - left.length - right.length;
  const words = [...left, ...new Array<number>(rest === undefined ? 0 : fill).fill(0), ...right, ...tail];
  if (words.length !== 8) return null;
  const ip = new Uint8Array(16);
  words.forEach((w, i) => {
    ip[2 * i] = w >> 8;
    ip[2 * i + 1] = w & 0xff;
  });
  return ip;
}

function isV4(ip: IP): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

function isLoopback(ip: IP): boolean {
  if (isV4(ip)) return ip[12] === 127;
  return ip.every((b, i) => b === (i === 15 ? 1 : 0));
}

function sameIP(a: IP, b: IP): boolean {
  return a.every((x, i) => x === b[i]);
}

interface Cidr {
  ip: IP;
  bits: number; // prefix length over the 16-byte form
  v4: boolean;
}

function parseCIDR(s: string): Cidr | null {
  const slash = s.indexOf('/');
  if (slash < 0) return null;
  const ip = parseIP(s.slice(0, slash));
  const prefix = s.slice(slash + 1);
  if (!ip || !/^\d{1,3}$/.test(prefix)) return null;
  const n = Number(prefix);
  const literalV4 = isIPv4(s.slice(0, slash));
  if (n > (literalV4 ? 32 : 128)) return null;
  // Go compares an IPv4-mapped network as IPv4, so a v4 network never contains a v6 address and vice versa.
  const v4 = isV4(ip);
  const bits = literalV4 ? 96 + n : v4 ? Math.max(n, 96) : n;
  return { ip, bits, v4 };
}

function cidrContains(c: Cidr, ip: IP): boolean {
  if (c.v4 !== isV4(ip)) return false;
  for (let bit = 0; bit < c.bits; bit++) {
    const byte = bit >> 3;
    const mask = 0x80 >> (bit & 7);
    if ((c.ip[byte]! & mask) !== (ip[byte]! & mask)) return false;
  }
  return true;
}

// ---- NO_PROXY ----

type Matcher =
  | { kind: 'all' }
  | { kind: 'cidr'; cidr: Cidr }
  | { kind: 'ip'; ip: IP; port: string }
  | { kind: 'domain'; suffix: string; port: string; matchHost: boolean };

// Go's net.SplitHostPort, reduced to what NO_PROXY parsing needs: null wherever Go returns an error.
function splitHostPort(s: string): [host: string, port: string] | null {
  const colon = s.lastIndexOf(':');
  if (colon < 0) return null;
  let host: string;
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    if (end < 0 || end + 1 !== colon) return null;
    host = s.slice(1, end);
  } else {
    host = s.slice(0, colon);
    if (host.includes(':')) return null;
  }
  const port = s.slice(colon + 1);
  if (/[[\]]/.test(host) || /[[\]]/.test(port)) return null;
  return [host, port];
}

function toASCII(host: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(host)) return host;
  return domainToASCII(host) || host;
}

function parseNoProxy(noProxy: string): Matcher[] {
  const out: Matcher[] = [];
  for (const raw of noProxy.split(',')) {
    const p = raw.trim().toLowerCase();
    if (p === '') continue;
    if (p === '*') return [{ kind: 'all' }];
    const cidr = parseCIDR(p);
    if (cidr) {
      out.push({ kind: 'cidr', cidr });
      continue;
    }
    let host = p;
    let port = '';
    const split = splitHostPort(p);
    if (split) {
      [host, port] = split;
      if (host === '') continue;
    }
    const ip = parseIP(host);
    if (ip) {
      out.push({ kind: 'ip', ip, port });
      continue;
    }
    if (host === '') continue;
    // "*.foo.com" is ".foo.com": subdomains only. A bare "foo.com" matches itself and its subdomains.
    if (host.startsWith('*.')) host = host.slice(1);
    const matchHost = !host.startsWith('.');
    out.push({ kind: 'domain', suffix: toASCII(matchHost ? `.${host}` : host), port, matchHost });
  }
  return out;
}

function matchesNoProxy(m: Matcher, host: string, port: string, ip: IP | null): boolean {
  switch (m.kind) {
    case 'all':
      return true;
    case 'cidr':
      return ip !== null && cidrContains(m.cidr, ip);
    case 'ip':
      return ip !== null && sameIP(m.ip, ip) && (m.port === '' || m.port === port);
    case 'domain':
      return (
        (host.endsWith(m.suffix) || (m.matchHost && host === m.suffix.slice(1))) &&
        (m.port === '' || m.port === port)
      );
  }
}

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443', 'socks5:': '1080' };

function useProxy(target: URL, noProxy: string): boolean {
  const host = toASCII(target.hostname.replace(/^\[(.*)\]$/, '$1'))
    .trim()
    .toLowerCase();
  const port = target.port || DEFAULT_PORT[target.protocol] || '';
  // Go never proxies loopback destinations, whatever NO_PROXY says.
  if (host === 'localhost') return false;
  const ip = parseIP(host);
  if (ip && isLoopback(ip)) return false;
  return !parseNoProxy(noProxy).some((m) => matchesNoProxy(m, host, port, ip));
}

function parseProxyURL(value: string): URL | null {
  let parsed: URL | null = null;
  try {
    parsed = new URL(value);
  } catch {
    parsed = null;
  }
  // "host:port" parses as a URL whose scheme is the host, so anything without a host gets http:// in front.
  if (!parsed || parsed.host === '') {
    try {
      return new URL(`http://${value}`);
    } catch {
      return parsed;
    }
  }
  return parsed;
}

/** The proxy a Go-based runtime would use for `url`, or null for a direct connection. */
export function proxyFor(url: URL, env: ProxyEnv): URL | null {
  const value =
    url.protocol === 'https:' ? env.httpsProxy : url.protocol === 'http:' ? env.httpProxy : undefined;
  if (!value) return null;
  const proxy = parseProxyURL(value);
  if (!proxy) return null;
  return useProxy(url, env.noProxy ?? '') ? proxy : null;
}

/** The proxy URL for display: any password replaced by `***`. */
export function describeProxy(url: URL): string {
  const u = new URL(url.href);
  if (u.password) u.password = '***';
  const s = u.href;
  return u.pathname === '/' && !u.search && !u.hash && s.endsWith('/') ? s.slice(0, -1) : s;
}
