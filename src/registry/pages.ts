// Link-header pagination (tag lists, referrers), bounded: a page count, bytes per page and in all, and no page
// asked twice — a server whose `Link` points back at itself or in a circle ends the listing, it does not repeat it.
import { createHash } from 'node:crypto';
import type { StepName } from '../result/index.ts';
import { TransportError } from '../transport/errors.ts';
import { header, type HttpResponse } from '../transport/http.ts';
import type { Operation } from './errors.ts';
import type { Repository } from './repository.ts';

export interface PageLimits {
  pages: number;
  pageBytes: number;
  totalBytes: number;
}

/** Why a listing stopped before the server said it was done; absence from such a list proves nothing. */
export type Cut = 'pages' | 'bytes' | 'items' | 'loop' | 'error';

export interface Paged {
  pages: number;
  /** Set when the listing is incomplete. */
  cut?: Cut;
}

/** The next page a `Link: <…>; rel="next"` names, on the same origin only (never another host's URL). */
export function nextPage(res: HttpResponse, current: URL): URL | null {
  const link = /<([^>]*)>\s*;\s*rel="?next"?/.exec(header(res.headers, 'link') ?? '')?.[1];
  if (!link) return null;
  let next: URL;
  try {
    next = new URL(link, current);
  } catch {
    return null;
  }
  return next.origin === current.origin ? next : null;
}

/**
 * Fetches `first` and the pages after it, handing each body to `take` (which returns false to stop: it has all
 * it may keep). The first page's failure is thrown; a later page's failure ends the listing as cut short.
 */
export async function paginate(
  repo: Repository,
  first: URL,
  req: { op: Operation; what: string; step: StepName; accept?: string },
  limits: PageLimits,
  take: (body: Buffer, page: number) => boolean,
): Promise<Paged> {
  const seen = new Set<string>();
  /** Bodies already taken: a page served again under another URL is a loop too. */
  const bodies = new Set<string>();
  let url: URL | null = first;
  let pages = 0;
  let bytes = 0;
  while (url) {
    if (pages >= limits.pages) return { pages, cut: 'pages' };
    if (seen.has(url.href)) return { pages, cut: 'loop' };
    if (bytes >= limits.totalBytes) return { pages, cut: 'bytes' };
    seen.add(url.href);
    const at: URL = url;
    let res: HttpResponse;
    try {
      res = await repo.request(req.op, req.what, req.step, (auth) => ({
        url: at,
        headers: { ...(req.accept ? { accept: req.accept } : {}), ...auth },
        maxBodyBytes: Math.min(limits.pageBytes, limits.totalBytes - bytes),
      }));
    } catch (err) {
      if (pages === 0) throw err;
      // A page larger than what is left of the byte allowance is the allowance running out.
      const tooLarge = err instanceof TransportError && err.detail.limitBytes !== undefined;
      return { pages, cut: tooLarge ? 'bytes' : 'error' };
    }
    pages++;
    bytes += res.body.length;
    const hash = createHash('sha256').update(res.body).digest('hex');
    if (bodies.has(hash)) return { pages, cut: 'loop' };
    bodies.add(hash);
    if (!take(res.body, pages - 1)) return { pages, cut: 'items' };
    url = nextPage(res, at);
  }
  return { pages };
}
