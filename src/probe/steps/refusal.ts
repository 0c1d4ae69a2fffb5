// What a refused or missing manifest means, with the context the registry's answer alone lacks: who asked (a
// credential the token endpoint accepted, or nobody), and whether the repository exists (its tag list).
import { formatReference, isDockerHub } from '../../reference/index.ts';
import { parseChallenges } from '../../registry/challenge.ts';
import { describeStatus, RegistryError } from '../../registry/errors.ts';
import { nearestTags } from '../../registry/suggest.ts';
import { listTags, type TagList } from '../../registry/tags.ts';
import type { StepName } from '../../result/index.ts';
import { now, refOf, repoOf, Stop, type ProbeContext } from '../context.ts';

const TAG_SAMPLE = 10;

/** What to say when the repository exists but the reference is not among its tags. */
export function missingTag(ctx: ProbeContext, tags: string[]) {
  const ref = refOf(ctx);
  const wanted = ref.digest ?? ref.tag ?? 'latest';
  const suggestions = ref.digest ? [] : nearestTags(wanted, tags);
  // None close: the last few in lexical order, where dated and versioned tags put their newest.
  const some = ref.digest || suggestions.length ? [] : [...tags].sort().slice(-TAG_SAMPLE);
  const msg = `${ref.repository} exists (${tags.length} tag${tags.length === 1 ? '' : 's'}) but has no ${ref.digest ? `manifest ${ref.digest}` : `tag "${wanted}"`}${suggestions.length ? `; nearest tags: ${suggestions.join(', ')}` : ''}`;
  return { msg, suggestions, tags: some, detail: { tagCount: tags.length, suggestions } };
}

/** The repository's tags, or the registry's refusal to list them, or null when listing failed otherwise. */
export async function tagsOrRefusal(
  ctx: ProbeContext,
  step: StepName,
): Promise<TagList | RegistryError | null> {
  const repo = repoOf(ctx);
  try {
    return await repo.budget!.race(listTags(repo, step), step, `listing the tags of ${repo.name}`);
  } catch (err) {
    return err instanceof RegistryError ? err : null;
  }
}

/** Records the failed step for a registry's refusal at the manifest or platform step, and the Stop it means. */
export async function refusal(
  ctx: ProbeContext,
  err: RegistryError,
  t: number,
  step: StepName,
): Promise<Stop> {
  const ref = refOf(ctx);
  const state = repoOf(ctx).authState;
  let cause = err.cause;
  const { step: _s, ...seen } = err.detail;
  const detail: Record<string, unknown> = { ...seen };
  let msg = err.message;
  const extra: Stop['extra'] = {};
  const described = describeStatus(err.status, err.info);
  if (cause === 'UNAUTHORIZED') {
    const challenge = parseChallenges(err.response.headers['www-authenticate']).find(
      (c) => c.scheme === 'bearer',
    );
    const credential = state?.credential ?? null;
    if (challenge?.params.error) detail.error = challenge.params.error;
    if (credential && state?.kind === 'bearer') {
      // The token endpoint accepted these credentials; the registry still refuses: access not granted.
      cause = 'FORBIDDEN';
      msg = `${credential.label} is accepted by the token endpoint but not granted pull on ${ref.repository} (${described}${state.grantedActions ? `; token grants [${state.grantedActions.join(',')}]` : ''})`;
    } else if (!credential) {
      msg = `${formatReference(ref)}: anonymous pull refused (${described}); the repository is private or does not exist`;
      extra.alternatives = ['REPOSITORY_NOT_FOUND'];
      if (isDockerHub(ref.registry)) extra.confidence = 'likely';
    }
  }
  if (step === 'platform' && (cause === 'MANIFEST_NOT_FOUND' || cause === 'REPOSITORY_NOT_FOUND')) {
    // The tag resolved; what is missing is the platform manifest the index points at (a broken push or a
    // garbage-collected child), so listing tags would only mislead.
    cause = 'MANIFEST_NOT_FOUND';
    msg = `the index of ${formatReference(ref)} lists a manifest for ${ctx.result.platform} that the registry does not have (${described}); the image was pushed incompletely or garbage-collected`;
  } else if (cause === 'MANIFEST_NOT_FOUND' || cause === 'REPOSITORY_NOT_FOUND') {
    const tags = await tagsOrRefusal(ctx, step);
    if (tags && !(tags instanceof RegistryError)) {
      cause = 'MANIFEST_NOT_FOUND';
      const missing = missingTag(ctx, tags.tags);
      extra.suggestions = missing.suggestions;
      if (missing.tags.length) extra.tags = missing.tags;
      Object.assign(detail, missing.detail);
      if (!tags.complete) detail.tagListCut = tags.cut;
      msg = missing.msg;
    } else if (tags) {
      detail.tagsStatus = tags.status;
      if (tags.cause === 'REPOSITORY_NOT_FOUND') {
        cause = 'REPOSITORY_NOT_FOUND';
        msg = `repository ${ref.repository} does not exist on ${ref.registry} (${describeStatus(tags.status, tags.info)} listing its tags)`;
      } else {
        extra.confidence = 'likely';
        extra.alternatives = [cause === 'MANIFEST_NOT_FOUND' ? 'REPOSITORY_NOT_FOUND' : 'MANIFEST_NOT_FOUND'];
        msg += ` (tags could not be listed: HTTP ${tags.status})`;
      }
    }
  }
  ctx.record(step, false, now() - t, msg, { cause, ...detail });
  return new Stop(cause, msg, extra);
}
