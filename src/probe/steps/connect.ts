// DNS → TCP → TLS → /v2/ → auth, done by the registry client, which reports each as a step through onStep.
import { repositoryFor } from '../../registry/repository.ts';
import { failWith, now, refOf, repoOf, type ProbeContext } from '../context.ts';

export async function connect(ctx: ProbeContext): Promise<void> {
  const ref = refOf(ctx);
  ctx.repo = repositoryFor(ctx.session, ref, {
    credentials: ctx.candidates,
    budget: ctx.budget,
    manifests: ctx.opts.manifests,
    plainHttp: ctx.opts.plainHttp?.(ref.registry) ?? false,
    endpoint: ctx.opts.endpoint?.(ref),
    onStep: (s) => ctx.result.steps.push(s),
  });
  const t = now();
  try {
    await ctx.repo.connect();
  } catch (err) {
    throw failWith(ctx, 'ping', t, err);
  }
}

export async function auth(ctx: ProbeContext): Promise<void> {
  const t = now();
  try {
    await repoOf(ctx).authorize();
  } catch (err) {
    throw failWith(ctx, 'auth', t, err);
  }
}
