// Tag → digest → manifest, as containerd resolves: HEAD the reference (free against Docker Hub's pull limit), then
// GET the manifest by digest — unless an earlier probe already holds that digest, as a runtime's content store
// would.
import { formatReference } from '../../reference/index.ts';
import { parseRateLimit } from '../../registry/ratelimit.ts';
import { RegistryError } from '../../registry/errors.ts';
import type { FetchedManifest, Resolved } from '../../registry/repository.ts';
import type { HttpResponse } from '../../transport/http.ts';
import { wasReported } from '../../registry/repository.ts';
import { failWith, now, refOf, sourceOf, Stop, type ProbeContext } from '../context.ts';
import { missingTag, refusal, tagsOrRefusal } from './refusal.ts';

function noteRateLimit(ctx: ProbeContext, res: HttpResponse | undefined): void {
  const rl = res && parseRateLimit(res.headers);
  if (rl) ctx.result.rateLimit = rl;
}

export async function manifest(ctx: ProbeContext): Promise<void> {
  const ref = refOf(ctx);
  const source = sourceOf(ctx);
  const t = now();
  // A runtime does not list tags: through a node's runtime, every tag costs its own manifest request.
  if (ctx.opts.tagsFirst && !ctx.node && ref.tag && !ref.digest) {
    const tags = await tagsOrRefusal(ctx, 'manifest');
    if (tags && !(tags instanceof RegistryError) && tags.complete && !tags.tags.includes(ref.tag)) {
      const { msg, detail, suggestions, tags: some } = missingTag(ctx, tags.tags);
      ctx.record('manifest', false, now() - t, msg, {
        cause: 'MANIFEST_NOT_FOUND',
        ...detail,
        from: 'tag list',
      });
      throw new Stop('MANIFEST_NOT_FOUND', msg, { suggestions, ...(some.length ? { tags: some } : {}) });
    }
  }
  const what = formatReference(ref);
  let resolved: Resolved;
  let fetched: FetchedManifest;
  try {
    resolved = await source.resolve(ref.digest ?? ref.tag ?? 'latest', 'manifest', what);
    noteRateLimit(ctx, resolved.response);
    fetched = resolved.fetched ?? (await source.manifest(resolved.digest, 'manifest', what));
    noteRateLimit(ctx, fetched.response);
    if (!fetched.response) quotaLeft(ctx, resolved, t);
  } catch (err) {
    if (err instanceof RegistryError && !wasReported(err)) {
      noteRateLimit(ctx, err.response);
      throw await refusal(ctx, err, t, 'manifest');
    }
    throw failWith(ctx, 'manifest', t, err);
  }
  const m = fetched.manifest;
  ctx.top = fetched;
  ctx.result.manifest = { mediaType: m.mediaType, digest: fetched.digest, size: fetched.size, platforms: [] };
  const how = resolved.fetched ? 'GET' : fetched.response ? 'HEAD + GET by digest' : 'HEAD; manifest cached';
  ctx.record('manifest', true, now() - t, `${m.mediaType} ${fetched.digest} (${fetched.size} bytes)`, {
    status: (fetched.response ?? resolved.response).status,
    mediaType: m.mediaType,
    digest: fetched.digest,
    dockerContentDigest: fetched.headerDigest ?? resolved.response.headers['docker-content-digest'] ?? null,
    size: fetched.size,
    requests: how,
  });
}

/**
 * Docker Hub answers a HEAD even when the pull quota is spent, with `ratelimit-remaining: 0`; the manifest GET a
 * node sends would be refused. When the manifest came from the cache (no GET to be refused), that header is the
 * only sign, and it must not be hidden.
 */
function quotaLeft(ctx: ProbeContext, resolved: Resolved, t: number): void {
  if (ctx.result.rateLimit?.remaining !== 0) return;
  const rl = ctx.result.rateLimit;
  const msg = `${formatReference(refOf(ctx))}: the registry reports no pulls left (ratelimit-remaining 0${rl.limit !== undefined ? ` of ${rl.limit}` : ''}${rl.windowSeconds ? ` per ${rl.windowSeconds}s` : ''}); a pull now is refused`;
  ctx.record('manifest', false, now() - t, msg, {
    cause: 'RATE_LIMITED',
    status: resolved.response.status,
    rateLimit: rl,
  });
  throw new Stop('RATE_LIMITED', msg);
}
