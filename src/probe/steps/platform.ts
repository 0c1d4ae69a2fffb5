// The node's platform: the index entry a runtime would pick (and that entry's manifest), or for a single manifest
// the platform its config declares.
import {
  describeAvailable,
  formatPlatform,
  normalizePlatform,
  selectPlatform,
  type Platform,
} from '../../platform/index.ts';
import { formatReference } from '../../reference/index.ts';
import { RegistryError } from '../../registry/errors.ts';
import { indexEntries, isIndex } from '../../registry/manifest.ts';
import type { FetchedManifest } from '../../registry/repository.ts';
import { wasReported } from '../../registry/repository.ts';
import { failWith, now, refOf, sourceOf, Stop, type ProbeContext } from '../context.ts';
import { config } from './config.ts';
import { refusal } from './refusal.ts';

function topOf(ctx: ProbeContext): FetchedManifest {
  if (!ctx.top || !ctx.result.manifest) throw new Error('platform step run before manifest');
  return ctx.top;
}

export async function platform(ctx: ProbeContext): Promise<void> {
  const top = topOf(ctx);
  if (isIndex(top.manifest)) return fromIndex(ctx);
  ctx.chosen = { manifest: top.manifest, digest: top.digest };
  // A single manifest says its platform in the config: fetched first, as a runtime does.
  await config(ctx);
  const t = now();
  const c = ctx.config!;
  const got: Platform = {
    os: c.os ?? 'unknown',
    architecture: c.architecture ?? 'unknown',
    variant: c.variant,
  };
  const info = ctx.result.manifest!;
  const pick = selectPlatform(
    [{ digest: top.digest, mediaType: top.manifest.mediaType, size: top.size, platform: got }],
    ctx.want,
  );
  info.platforms = [formatPlatform(normalizePlatform(got))];
  if (!pick)
    mismatch(ctx, t, `the image is built for ${info.platforms[0]} only, not ${formatPlatform(ctx.want)}`);
  info.selected = { digest: top.digest, platform: info.platforms[0]!, mediaType: top.manifest.mediaType };
  ctx.record('platform', true, now() - t, `single-platform image for ${info.platforms[0]}`, {
    wanted: formatPlatform(ctx.want),
    selected: info.platforms[0],
  });
}

function mismatch(ctx: ProbeContext, t: number, msg: string, withAvailable = true): never {
  ctx.record('platform', false, now() - t, msg, {
    cause: 'PLATFORM_MISMATCH',
    ...(withAvailable ? { wanted: formatPlatform(ctx.want), available: ctx.result.manifest!.platforms } : {}),
  });
  throw new Stop('PLATFORM_MISMATCH', msg);
}

async function fromIndex(ctx: ProbeContext): Promise<void> {
  const top = topOf(ctx);
  if (!isIndex(top.manifest)) return;
  const t = now();
  const info = ctx.result.manifest!;
  const want = formatPlatform(ctx.want);
  const entries = indexEntries(top.manifest);
  info.platforms = describeAvailable(entries);
  const pick = selectPlatform(entries, ctx.want);
  if (!pick)
    mismatch(
      ctx,
      t,
      `no image for ${want} in the index; it has ${info.platforms.join(', ') || 'no platforms'}`,
    );
  let child;
  try {
    child = await sourceOf(ctx).manifest(pick.entry.digest, 'platform', formatReference(refOf(ctx)));
  } catch (err) {
    if (err instanceof RegistryError && !wasReported(err)) throw await refusal(ctx, err, t, 'platform');
    throw failWith(ctx, 'platform', t, err);
  }
  if (isIndex(child.manifest))
    mismatch(
      ctx,
      t,
      `the index entry for ${want} is itself an index; runtimes do not follow nested indexes`,
      false,
    );
  ctx.chosen = { manifest: child.manifest, digest: child.digest };
  const chosen = pick.entry.platform ? formatPlatform(pick.entry.platform) : want;
  info.selected = { digest: child.digest, platform: chosen, mediaType: child.manifest.mediaType };
  ctx.record(
    'platform',
    true,
    now() - t,
    `${chosen} → ${child.digest}${pick.exact ? '' : ` (fallback${pick.via ? ` via ${pick.via}` : ''})`}`,
    { wanted: want, selected: chosen, exact: pick.exact, digest: child.digest, available: info.platforms },
  );
}
