// A repository's tags (GET /v2/<name>/tags/list), bounded in pages, bytes and count, duplicates dropped, and
// listed once per session and identity.
import { RegdoctorError } from '../cause/index.ts';
import type { StepName } from '../result/index.ts';
import { RegistryError } from './errors.ts';
import { LIMITS } from './limits.ts';
import { paginate, type Cut } from './pages.ts';
import type { Repository } from './repository.ts';

export interface TagList {
  tags: string[];
  /** False when the listing was cut short: a tag missing from it may still exist. */
  complete: boolean;
  pages: number;
  cut?: Cut;
}

/** Tags kept for reuse per session, over all repositories (the oldest lists go first). */
const TAGS_KEPT = 2 * LIMITS.tags;
/** Tag listings in flight at once per session: each may hold up to LIMITS.tagBytes while it is parsed. */
const TAG_LISTINGS_AT_ONCE = 2;

export interface TagLimits {
  pages: number;
  totalBytes: number;
}

/** What a probe reads to tell a missing tag from a missing repository. */
export const PROBE_TAG_LIMITS: TagLimits = { pages: LIMITS.tagPages, totalBytes: LIMITS.tagBytes };

/** Lists the repository's tags; a refusal of the first page is thrown as a RegistryError. */
export async function listTags(
  repo: Repository,
  step: StepName,
  limits: TagLimits = PROBE_TAG_LIMITS,
): Promise<TagList> {
  await repo.authorize();
  const key = JSON.stringify([
    'tags',
    repo.root.href,
    repo.name,
    repo.credential?.label ?? 'anonymous',
    limits,
  ]);
  // A refusal (404 NAME_UNKNOWN for a missing repository) is the registry's answer and is kept like a list; a
  // network failure is not, so the next caller tries again.
  const got = await repo.session.once(
    key,
    () =>
      repo.session
        .limited('tags', TAG_LISTINGS_AT_ONCE, () => fetchTags(repo, step, limits))
        .catch((err: unknown) => (err instanceof RegistryError ? err : Promise.reject(err))),
    (v) => (v instanceof RegistryError ? 1 : v.tags.length),
    TAGS_KEPT,
  );
  if (got instanceof RegistryError) throw got;
  return got;
}

async function fetchTags(repo: Repository, step: StepName, limits: TagLimits): Promise<TagList> {
  const tags = new Set<string>();
  const paged = await paginate(
    repo,
    repo.url('tags/list?n=1000'),
    { op: 'tags', what: `tags of ${repo.name}`, step },
    { pages: limits.pages, pageBytes: LIMITS.tagPageBytes, totalBytes: limits.totalBytes },
    (body) => {
      const page = tagsOf(body);
      if (!page) throw new RegdoctorError('REGISTRY_ERROR', 'tag list is not valid JSON', { step });
      // One by one: spreading a page of 150,000 tags into push() overflows the call stack.
      for (const t of page) {
        if (tags.size >= LIMITS.tags) return false;
        tags.add(t);
      }
      return true;
    },
  );
  return { tags: [...tags], complete: paged.cut === undefined, pages: paged.pages, cut: paged.cut };
}

/**
 * The `tags` of a page (`{"name": …, "tags": [...] | null}`), or null when the page is not that. Checked in place
 * rather than through a schema: a schema copies the array, and a page can hold a hundred thousand tags.
 */
function tagsOf(body: Buffer): string[] | null {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const tags = (json as { tags?: unknown }).tags;
  if (tags === undefined || tags === null) return [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) return null;
  return tags as string[];
}
