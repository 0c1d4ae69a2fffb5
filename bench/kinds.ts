// Which part of the distribution API a request is for, judged from method, path and Authorization only, so that
// regdoctor and skopeo are counted by exactly the same rule.

export const KINDS = ['ping', 'auth-check', 'token', 'manifest', 'blob', 'tags', 'upload', 'other'] as const;
export type Kind = (typeof KINDS)[number];

/** Request counts keyed by `kind method`, plus connection-level events the proxy saw. */
export interface Counts {
  requests: Record<string, number>;
  connections: number;
  /** Connections that did not speak HTTP/1.1 (e.g. a TLS ClientHello from a client trying HTTPS first). */
  nonHttp: number;
}

export function kindOf(path: string, authorized: boolean): Kind {
  const p = path.split('?')[0] ?? '';
  // An authorized /v2/ is how a client checks Basic credentials; an anonymous one is the version ping.
  if (p === '/v2/' || p === '/v2') return authorized ? 'auth-check' : 'ping';
  if (/^\/v2\/.+\/manifests\/[^/]+$/.test(p)) return 'manifest';
  if (/^\/v2\/.+\/blobs\/uploads(\/|$)/.test(p)) return 'upload';
  if (/^\/v2\/.+\/blobs\/[^/]+$/.test(p)) return 'blob';
  if (/^\/v2\/.+\/tags\/list$/.test(p)) return 'tags';
  if (!p.startsWith('/v2/')) return 'token';
  return 'other';
}

export function count(c: Counts, kind: Kind): number {
  let n = 0;
  for (const [k, v] of Object.entries(c.requests)) if (k.split(' ')[0] === kind) n += v;
  return n;
}

export function total(c: Counts): number {
  return Object.values(c.requests).reduce((a, b) => a + b, 0);
}

/** "ping 1, manifest 2, blob 2" — non-GET methods named, e.g. "manifest 2 (1 HEAD)". */
export function describe(c: Counts): string {
  const parts: string[] = [];
  for (const kind of KINDS) {
    const n = count(c, kind);
    if (!n) continue;
    const other = Object.entries(c.requests)
      .filter(([k]) => k.startsWith(`${kind} `) && !k.endsWith(' GET'))
      .map(([k, v]) => `${v} ${k.split(' ')[1]}`);
    parts.push(`${kind} ${n}${other.length ? ` (${other.join(', ')})` : ''}`);
  }
  if (c.nonHttp) parts.push(`+${c.nonHttp} non-HTTP (TLS attempt)`);
  return parts.join(', ') || 'none';
}

export function sameCounts(a: Counts, b: Counts): boolean {
  const keys = new Set([...Object.keys(a.requests), ...Object.keys(b.requests)]);
  return [...keys].every((k) => (a.requests[k] ?? 0) === (b.requests[k] ?? 0)) && a.nonHttp === b.nonHttp;
}
