// The steps before the network: the image string as a reference, and the credentials the kubelet would try.
import { RegdoctorError } from '../../cause/index.ts';
import { formatReference, parseReference } from '../../reference/index.ts';
import { failWith, now, refOf, type ProbeContext } from '../context.ts';

export async function reference(ctx: ProbeContext): Promise<void> {
  const t = now();
  let ref;
  try {
    ref = parseReference(ctx.image);
  } catch (err) {
    throw failWith(ctx, 'reference', t, err);
  }
  // The reference grammar takes any digits as a port; no runtime can dial one past 65535 (Go's URL parser refuses it).
  const port = /:(\d+)$/.exec(ref.registry)?.[1];
  if (port !== undefined && (Number(port) > 65535 || Number(port) === 0)) {
    throw failWith(
      ctx,
      'reference',
      t,
      new RegdoctorError('INVALID_REFERENCE', `port ${port} of ${ref.registry} is not a TCP port (1–65535)`),
    );
  }
  ctx.ref = ref;
  ctx.result.reference = {
    registry: ref.registry,
    repository: ref.repository,
    tag: ref.tag,
    digest: ref.digest,
  };
  ctx.record('reference', true, now() - t, formatReference(ref));
}

export async function credentials(ctx: ProbeContext): Promise<void> {
  const source = ctx.opts.credentials;
  if (!source) return;
  const t = now();
  try {
    const c = await source(refOf(ctx));
    ctx.candidates = c.candidates;
    ctx.record('credentials', true, now() - t, c.summary, c.detail);
  } catch (err) {
    throw failWith(ctx, 'credentials', t, err);
  }
}
