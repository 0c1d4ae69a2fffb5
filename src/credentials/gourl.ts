// The parts of Go's net/url.Parse and net.SplitHostPort that decide how the kubelet reads a credential key or an
// image name: which strings are rejected (the kubelet then ignores the key), what the host and path are. The WHATWG
// URL parser in Node answers differently (it lower-cases hosts, rejects `*`, resolves dot segments), so this follows
// Go instead. All strings are byte strings (see bytes.ts).
//
// Two rule sets, because the answer depends on the Go release the kubelet was built with:
// - 'current': Go ≥ 1.26.1 (and 1.25.8 for brackets) — a `[` anywhere but at the start of the host is rejected
//   (CVE-2026-25679), bracketed hosts must hold an IPv6 address (CVE-2025-47912), and a host may have only one colon
//   (Go 1.26 "urlstrictcolons").
// - 'legacy': earlier Go — `[` and `]` are accepted anywhere in a host, the last colon starts the port.

export type GoUrlRules = 'current' | 'legacy';

export interface GoUrl {
  host: string;
  path: string;
}

export type GoUrlResult = GoUrl | { error: string };

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'fragment';

function isAlnum(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false;
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(c)) return false;
  if ('-_.~'.includes(c)) return false;
  if ('$&+,/:;=?@'.includes(c)) {
    if (mode === 'path') return c === '?';
    if (mode === 'userPassword') return '@/?:'.includes(c);
    if (mode === 'fragment') return false;
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false;
  return true;
}

const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);

function unescape(s: string, mode: Mode): string | { error: string } {
  for (let i = 0; i < s.length;) {
    const c = s[i] as string;
    if (c === '%') {
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) {
        return { error: `invalid URL escape ${JSON.stringify(s.slice(i, i + 3))}` };
      }
      const code = s.slice(i, i + 3);
      if (mode === 'host' && parseInt(s[i + 1] as string, 16) < 8 && code !== '%25') {
        return { error: `invalid URL escape ${JSON.stringify(code)}` };
      }
      if (mode === 'zone') {
        const v = String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
        if (code !== '%25' && v !== ' ' && shouldEscape(v, 'host')) {
          return { error: `invalid URL escape ${JSON.stringify(code)}` };
        }
      }
      i += 3;
    } else {
      if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
        return { error: `invalid character ${JSON.stringify(c)} in host name` };
      }
      i++;
    }
  }
  return s.replace(/%([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port);
}

function validUserinfo(s: string): boolean {
  // Go ranges over runes and allows no non-ASCII rune, so checking bytes gives the same answer.
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function validIPv4(s: string): boolean {
  const fields = s.split('.');
  return fields.length === 4 && fields.every((f) => /^(0|[1-9][0-9]{0,2})$/.test(f) && Number(f) <= 255);
}

/** netip.ParseAddr's acceptance of an IPv6 address (with optional zone). */
function validIPv6(input: string): boolean {
  let s = input;
  const pct = s.indexOf('%');
  if (pct >= 0) {
    if (pct === s.length - 1) return false;
    s = s.slice(0, pct);
  }
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === '') return true;
  }
  let i = 0;
  while (i < 16) {
    const m = /^[0-9a-fA-F]*/.exec(s)?.[0] ?? '';
    if (m.length === 0 || m.length > 4) return false;
    if (s[m.length] === '.') {
      if ((ellipsis < 0 && i !== 12) || i + 4 > 16 || !validIPv4(s)) return false;
      s = '';
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(m.length);
    if (s === '') break;
    if (s[0] !== ':' || s.length === 1) return false;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return false;
      ellipsis = i;
      s = s.slice(1);
      if (s === '') break;
    }
  }
  if (s !== '') return false;
  return i < 16 ? ellipsis >= 0 : ellipsis < 0;
}

/** What netip.ParseAddr says of a bracketed host's content. */
function parseAddrKind(s: string): 'ipv4' | 'ipv6' | 'invalid' {
  for (const c of s) {
    if (c === '.') return validIPv4(s) ? 'ipv4' : 'invalid';
    if (c === ':') return validIPv6(s) ? 'ipv6' : 'invalid';
    if (c === '%') return 'invalid';
  }
  return 'invalid';
}

function unescapeBracketed(inner: string): string | { error: string } {
  const zone = inner.indexOf('%25');
  if (zone < 0) return unescape(inner, 'host');
  const a = unescape(inner.slice(0, zone), 'host');
  if (typeof a !== 'string') return a;
  const b = unescape(inner.slice(zone), 'zone');
  return typeof b === 'string' ? a + b : b;
}

function parseHost(host: string, rules: GoUrlRules): string | { error: string } {
  if (rules === 'current') {
    const open = host.lastIndexOf('[');
    if (open > 0) return { error: 'invalid IP-literal' };
    if (open === 0) {
      const close = host.lastIndexOf(']');
      if (close < 0) return { error: "missing ']' in host" };
      const colonPort = host.slice(close + 1);
      if (!validOptionalPort(colonPort))
        return { error: `invalid port ${JSON.stringify(colonPort)} after host` };
      const inner = unescapeBracketed(host.slice(1, close));
      if (typeof inner !== 'string') return inner;
      const kind = parseAddrKind(inner);
      if (kind === 'invalid') return { error: 'invalid host: not an IPv6 address' };
      if (kind === 'ipv4') return { error: 'invalid IP-literal' };
      return `[${inner}]${colonPort}`;
    }
    const colon = host.indexOf(':');
    if (colon >= 0 && !validOptionalPort(host.slice(colon))) {
      return { error: `invalid port ${JSON.stringify(host.slice(colon))} after host` };
    }
    return unescape(host, 'host');
  }
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return { error: "missing ']' in host" };
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort))
      return { error: `invalid port ${JSON.stringify(colonPort)} after host` };
    if (host.slice(0, close).includes('%25')) {
      const inner = unescapeBracketed(host.slice(0, close));
      if (typeof inner !== 'string') return inner;
      const tail = unescape(host.slice(close), 'host');
      return typeof tail === 'string' ? inner + tail : tail;
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0 && !validOptionalPort(host.slice(colon))) {
      return { error: `invalid port ${JSON.stringify(host.slice(colon))} after host` };
    }
  }
  return unescape(host, 'host');
}

function parseAuthority(authority: string, rules: GoUrlRules): string | { error: string } {
  const at = authority.lastIndexOf('@');
  const host = parseHost(authority.slice(at + 1), rules);
  if (typeof host !== 'string' || at < 0) return host;
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) return { error: 'net/url: invalid userinfo' };
  const colon = userinfo.indexOf(':');
  const parts = colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
  for (const part of parts) {
    const u = unescape(part, 'userPassword');
    if (typeof u !== 'string') return u;
  }
  return host;
}

function getScheme(raw: string): { scheme: string; rest: string } | { error: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c === '+' || c === '-' || c === '.') {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) return { error: 'missing protocol scheme' };
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

/** url.Parse(raw), keeping only Host and Path (Path percent-decoded as Go stores it). */
export function goUrlParse(raw: string, rules: GoUrlRules = 'current'): GoUrlResult {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  if (hash >= 0) {
    const frag = unescape(raw.slice(hash + 1), 'fragment');
    if (typeof frag !== 'string') return frag;
  }
  if ([...u].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
    return { error: 'net/url: invalid control character in URL' };
  }
  if (u === '*') return { host: '', path: '*' };
  const sch = getScheme(u);
  if ('error' in sch) return sch;
  let rest = sch.rest;
  if (rest.endsWith('?') && rest.split('?').length === 2) rest = rest.slice(0, -1);
  else if (rest.includes('?')) rest = rest.slice(0, rest.indexOf('?'));
  if (!rest.startsWith('/')) {
    if (sch.scheme !== '') return { host: '', path: '' };
    const firstSegment = rest.split('/', 1)[0] ?? '';
    if (firstSegment.includes(':')) return { error: 'first path segment in URL cannot contain colon' };
  }
  let host = '';
  if (rest.startsWith('//') && (sch.scheme !== '' || !rest.startsWith('///'))) {
    let authority = rest.slice(2);
    const slash = authority.indexOf('/');
    rest = slash >= 0 ? authority.slice(slash) : '';
    if (slash >= 0) authority = authority.slice(0, slash);
    const h = parseAuthority(authority, rules);
    if (typeof h !== 'string') return h;
    host = h;
  }
  const path = unescape(rest, 'path');
  if (typeof path !== 'string') return path;
  return { host, path };
}

/** net.SplitHostPort, falling back as the kubelet does to (whole host, "") when it fails. */
export function splitHostPortOrWhole(hostport: string): { host: string; port: string } {
  const whole = { host: hostport, port: '' };
  const i = hostport.lastIndexOf(':');
  if (i < 0) return whole;
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0 || end + 1 !== i) return whole;
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return whole;
  }
  if (hostport.slice(j).includes('[') || hostport.slice(k).includes(']')) return whole;
  return { host, port: hostport.slice(i + 1) };
}
