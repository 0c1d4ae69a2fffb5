// Which proxy a Go program's http.ProxyFromEnvironment picks for a URL (golang.org/x/net/http/httpproxy):
// HTTPS_PROXY for https, HTTP_PROXY for http (upper case first), never for localhost or loopback IPs, NO_PROXY
// entries as host suffixes, `.domain`, `*.domain`, host:port, IPs and CIDRs, `*` for everything.
import { BlockList, isIP } from 'node:net';

export type Env = Record<string, string | undefined>;

const pick = (env: Env, name: string) => env[name.toUpperCase()] || env[name.toLowerCase()] || '';

function splitHostPort(hostport: string): [string, string] {
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']');
    return [hostport.slice(1, end), hostport.slice(end + 2)];
  }
  const i = hostport.lastIndexOf(':');
  return i >= 0 && hostport.indexOf(':') === i
    ? [hostport.slice(0, i), hostport.slice(i + 1)]
    : [hostport, ''];
}

const isLoopback = (ip: string) =>
  (isIP(ip) === 4 && ip.startsWith('127.')) || (isIP(ip) === 6 && /^(0*:)*:?0*1$/.test(ip));

function noProxyMatches(noProxy: string, host: string, port: string): boolean {
  const ip = isIP(host) ? host : '';
  for (const raw of noProxy.split(',')) {
    const p = raw.trim().toLowerCase();
    if (!p) continue;
    if (p === '*') return true;
    const slash = p.indexOf('/');
    if (slash > 0 && isIP(p.slice(0, slash))) {
      if (!ip) continue;
      const list = new BlockList();
      const family = isIP(p.slice(0, slash)) === 6 ? 'ipv6' : 'ipv4';
      const bits = Number(p.slice(slash + 1));
      if (!Number.isInteger(bits)) continue;
      list.addSubnet(p.slice(0, slash), bits, family);
      if (isIP(ip) === isIP(p.slice(0, slash)) && list.check(ip, family)) return true;
      continue;
    }
    if (isIP(p)) {
      if (ip && p === ip) return true;
      continue;
    }
    const [host0, pport] = splitHostPort(p);
    let phost = host0;
    if (isIP(phost)) {
      if (ip && phost === ip && (!pport || pport === port)) return true;
      continue;
    }
    if (phost.startsWith('*.')) phost = phost.slice(1);
    const matchHost = !phost.startsWith('.');
    if (matchHost) phost = `.${phost}`;
    if ((host.endsWith(phost) || (matchHost && host === phost.slice(1))) && (!pport || pport === port))
      return true;
  }
  return false;
}

/** The proxy URL a Go client with environment `env` uses for `url`, or null for a direct connection. */
export function proxyFor(url: string, env: Env): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const https = u.protocol === 'https:';
  const proxy = pick(env, https ? 'https_proxy' : 'http_proxy');
  if (!proxy) return null;
  const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = u.port || (https ? '443' : '80');
  if (host === 'localhost' || isLoopback(host)) return null;
  if (noProxyMatches(pick(env, 'no_proxy'), host, port)) return null;
  // Go assumes http:// for a proxy written without a scheme.
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(proxy) ? proxy : `http://${proxy}`;
}
