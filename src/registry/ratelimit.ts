// Rate-limit response headers. Docker Hub sends `ratelimit-limit: 100;w=21600`, `ratelimit-remaining: 20;w=21600`
// and `docker-ratelimit-source` (docker/docs pulls.md); other registries and proxies use the IETF draft fields,
// either the early RateLimit-Limit/-Remaining/-Reset trio or the later RateLimit-Policy + RateLimit pair
// (draft-ietf-httpapi-ratelimit-headers), or the older X-RateLimit-* convention.

import type { RateLimit } from '../result/index.ts';

type Headers = Record<string, string | string[] | undefined>;

interface Member {
  item: string;
  params: Record<string, string>;
}

function splitOutsideQuotes(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted && c === '\\') {
      cur += c + (s[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === sep && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, '$1') : t;
}

/** A structured-field list, loosely: `item;k=v;k=v, item;k=v`. */
function parseList(value: string): Member[] {
  return splitOutsideQuotes(value, ',')
    .map((m) => splitOutsideQuotes(m, ';'))
    .filter((parts) => (parts[0] ?? '').trim() !== '' || parts.length > 1)
    .map(([item = '', ...params]) => {
      const p: Record<string, string> = {};
      for (const kv of params) {
        const eq = kv.indexOf('=');
        const k = (eq < 0 ? kv : kv.slice(0, eq)).trim().toLowerCase();
        if (k && !Object.hasOwn(p, k) && k !== '__proto__') p[k] = eq < 0 ? '' : unquote(kv.slice(eq + 1));
      }
      return { item: unquote(item), params: p };
    });
}

function num(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return /^\d+(\.\d+)?$/.test(t) ? Number(t) : undefined;
}

function lowerCased(headers: Headers): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const joined = Array.isArray(v) ? v.join(', ') : v;
    const key = k.toLowerCase();
    m.set(key, m.has(key) ? `${m.get(key)}, ${joined}` : joined);
  }
  return m;
}

// Later drafts: `RateLimit-Policy: "burst";q=100;w=60` describes quotas, `RateLimit: "burst";r=50;t=30` the state.
// With several policies, the one closest to running out is the one that matters.
function fromPolicyPair(h: Map<string, string>): RateLimit {
  const out: RateLimit = {};
  const state = parseList(h.get('ratelimit') ?? '').filter((m) => num(m.params['r']) !== undefined);
  state.sort((a, b) => num(a.params['r'])! - num(b.params['r'])!);
  const current = state[0];
  const policies = parseList(h.get('ratelimit-policy') ?? '');
  const policy = (current && policies.find((p) => p.item === current.item)) ?? policies[0];
  if (current) {
    out.remaining = num(current.params['r']);
    out.resetSeconds = num(current.params['t']);
  }
  if (policy) {
    // Early drafts wrote the quota as the item itself ("10;w=1").
    out.limit = num(policy.params['q']) ?? num(policy.item);
    out.windowSeconds = num(policy.params['w']);
  }
  return out;
}

function fromTrio(h: Map<string, string>, prefix: string, now: Date): RateLimit {
  const out: RateLimit = {};
  const limit = parseList(h.get(`${prefix}limit`) ?? '')[0];
  const remaining = parseList(h.get(`${prefix}remaining`) ?? '')[0];
  out.limit = num(limit?.item);
  out.remaining = num(remaining?.item);
  out.windowSeconds = num(limit?.params['w']) ?? num(remaining?.params['w']);
  const reset = num(h.get(`${prefix}reset`));
  // X-RateLimit-Reset is a Unix time on GitHub-style APIs and a delay elsewhere; a delay of 30+ years is the former.
  if (reset !== undefined)
    out.resetSeconds = reset >= 1e9 ? Math.max(0, Math.ceil(reset - now.getTime() / 1000)) : reset;
  return out;
}

/** The rate-limit state a registry response advertises, or undefined when it advertises none. */
export function parseRateLimit(headers: Headers, now: Date = new Date()): RateLimit | undefined {
  const h = lowerCased(headers);
  const sources = [fromPolicyPair(h), fromTrio(h, 'ratelimit-', now), fromTrio(h, 'x-ratelimit-', now)];
  const out: RateLimit = {};
  for (const key of ['limit', 'remaining', 'windowSeconds', 'resetSeconds'] as const) {
    const v = sources.map((s) => s[key]).find((x) => x !== undefined);
    if (v !== undefined) out[key] = v;
  }
  const source = h.get('docker-ratelimit-source')?.trim();
  if (source) out.source = source;
  return Object.keys(out).length > 0 ? out : undefined;
}

const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/** Retry-After (RFC 9110 §10.2.3) as whole seconds from `now`: a delay, or an HTTP-date (never negative). */
export function parseRetryAfter(value: string | undefined, now: Date = new Date()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  let when: number;
  if (IMF_FIXDATE.test(v) || RFC850_DATE.test(v)) when = Date.parse(v);
  else if (ASCTIME_DATE.test(v))
    when = Date.parse(`${v} GMT`); // asctime carries no zone but means GMT
  else return undefined;
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, Math.ceil((when - now.getTime()) / 1000));
}
