// The image config blob: downloaded whole, checked against its digest, parsed.
import { RegdoctorError } from '../../cause/index.ts';
import { RegistryError } from '../../registry/errors.ts';
import { LIMITS } from '../../registry/limits.ts';
import { parseImageConfig, sha256 } from '../../registry/manifest.ts';
import type { HttpResponse } from '../../transport/http.ts';
import { wasReported } from '../../registry/repository.ts';
import { failWith, now, sourceOf, Stop, type ProbeContext } from '../context.ts';

/**
 * A blob transfer that broke (a body larger than allowed, a reset mid-body) is a broken download. Where the
 * registry sends the client is not: a redirect loop or chain is the registry's (or its storage's) routing.
 */
export function brokenDownload(err: unknown, what: string): unknown {
  if (
    !(err instanceof RegdoctorError) ||
    err.cause !== 'REGISTRY_ERROR' ||
    err instanceof RegistryError ||
    err.detail.requestLimit !== undefined
  )
    return err;
  const cause = err.detail.redirects === undefined ? 'LAYER_DOWNLOAD_FAILED' : 'REGISTRY_ERROR';
  return new RegdoctorError(cause, `${what}: ${err.message}`, err.detail);
}

export async function config(ctx: ProbeContext): Promise<void> {
  if (ctx.config || !ctx.chosen) return;
  const digest = ctx.chosen.manifest.config.digest;
  const t = now();
  let res: HttpResponse;
  try {
    res = await sourceOf(ctx).blob(digest, {
      maxBytes: LIMITS.configBytes,
      step: 'config',
      what: `config blob ${digest}`,
    });
  } catch (err) {
    if (err instanceof RegistryError && !wasReported(err)) {
      const { step: _s, ...detail } = err.detail;
      ctx.record('config', false, now() - t, err.message, { cause: err.cause, ...detail });
      throw new Stop(err.cause, err.message);
    }
    throw failWith(ctx, 'config', t, brokenDownload(err, `config blob ${digest}`));
  }
  if (sha256(res.body) !== digest) {
    const msg = `config blob ${digest} has digest ${sha256(res.body)}`;
    ctx.record('config', false, now() - t, msg, { cause: 'LAYER_DOWNLOAD_FAILED' });
    throw new Stop('LAYER_DOWNLOAD_FAILED', msg);
  }
  try {
    ctx.config = parseImageConfig(res.body);
  } catch (err) {
    throw failWith(ctx, 'config', t, err);
  }
  const c = ctx.config;
  ctx.record(
    'config',
    true,
    now() - t,
    `config ${digest} (${c.os ?? '?'}/${c.architecture ?? '?'}${c.variant ? `/${c.variant}` : ''})`,
    {
      digest,
      size: res.body.length,
      os: c.os,
      architecture: c.architecture,
      variant: c.variant,
      redirects: res.redirects,
    },
  );
}
