// The first bytes of the first layer: enough to prove a node's download would start, not a pull.
import { RegistryError } from '../../registry/errors.ts';
import { LIMITS } from '../../registry/limits.ts';
import { sha256 } from '../../registry/manifest.ts';
import type { HttpResponse } from '../../transport/http.ts';
import { wasReported } from '../../registry/repository.ts';
import { failWith, now, sourceOf, Stop, type ProbeContext } from '../context.ts';
import { brokenDownload } from './config.ts';

export async function blob(ctx: ProbeContext): Promise<void> {
  if (!ctx.chosen) return;
  const t = now();
  const layer = ctx.chosen.manifest.layers.find((l) => !l.urls?.length);
  // What the node must download (compressed): the agent weighs it against the image filesystem's free space.
  const imageBytes = ctx.chosen.manifest.layers.reduce((n, l) => n + l.size, 0);
  if (!layer) {
    ctx.record('blob', true, now() - t, 'no layers to fetch (or only foreign layers)', { imageBytes });
    return;
  }
  const fail = (msg: string, detail: Record<string, unknown>): never => {
    ctx.record('blob', false, now() - t, msg, { cause: 'LAYER_DOWNLOAD_FAILED', ...detail });
    throw new Stop('LAYER_DOWNLOAD_FAILED', msg);
  };
  let res: HttpResponse;
  try {
    res = await sourceOf(ctx).blob(layer.digest, {
      maxBytes: layer.size + 1024,
      readAtMost: LIMITS.layerProbeBytes,
      step: 'blob',
      what: `layer ${layer.digest}`,
    });
  } catch (err) {
    if (err instanceof RegistryError && !wasReported(err)) {
      const { step: _s, ...detail } = err.detail;
      ctx.record('blob', false, now() - t, err.message, { cause: err.cause, ...detail });
      throw new Stop(err.cause, err.message);
    }
    throw failWith(ctx, 'blob', t, brokenDownload(err, `layer ${layer.digest}`));
  }
  // A complete answer must hold the whole layer, or the whole requested range of it.
  const expected = Math.min(layer.size, LIMITS.layerProbeBytes);
  if (!res.partial && res.body.length !== expected)
    fail(
      `layer ${layer.digest}: received ${res.body.length} bytes where ${expected} were expected (the manifest says ${layer.size})`,
      { status: res.status, bytesRead: res.body.length, expectedBytes: expected },
    );
  if (!res.partial && res.body.length === layer.size && sha256(res.body) !== layer.digest)
    fail(`layer ${layer.digest} downloaded but its content has digest ${sha256(res.body)}`, {});
  const via = res.redirects.length ? `, via ${new URL(res.redirects.at(-1)!.replace('?…', '')).host}` : '';
  ctx.record(
    'blob',
    true,
    now() - t,
    `first layer ${layer.digest} downloads (${res.body.length} of ${layer.size} bytes read${via})`,
    {
      status: res.status,
      digest: layer.digest,
      size: layer.size,
      bytesRead: res.body.length,
      redirects: res.redirects,
      mediaType: layer.mediaType,
      imageBytes,
    },
  );
}
