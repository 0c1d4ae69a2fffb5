// A repository's tags (GET /v2/<name>/tags/list), bounded in pages, bytes and count, duplicates dropped, and
// listed once per session and identity.
import * as z from 'zod/mini';
import { RegdoctorError } from '../cause/index.ts';
import type { StepName } from '../result/index.ts';
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

const tagList = z.object({ name: z.optional(z.string()), tags: z.optional(z.nullable(z.array(z.string()))) });

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
  return repo.session.once(key, () => fetchTags(repo, step, limits));
}

async function fetchTags(repo: Repository, step: StepName, limits: TagLimits): Promise<TagList> {
  const tags = new Set<string>();
  const paged = await paginate(
    repo,
    repo.url('tags/list?n=1000'),
    { op: 'tags', what: `tags of ${repo.name}`, step },
    { pages: limits.pages, pageBytes: LIMITS.tagPageBytes, totalBytes: limits.totalBytes },
    (body) => {
      let parsed;
      try {
        parsed = tagList.safeParse(JSON.parse(body.toString('utf8')));
      } catch {
        parsed = null;
      }
      if (!parsed?.success)
        throw new RegdoctorError('REGISTRY_ERROR', 'tag list is not valid JSON', { step });
      // One by one: spreading a page of 150,000 tags into push() overflows the call stack.
      for (const t of parsed.data.tags ?? []) {
        if (tags.size >= LIMITS.tags) return false;
        tags.add(t);
      }
      return true;
    },
  );
  return { tags: [...tags], complete: paged.cut === undefined, pages: paged.pages, cut: paged.cut };
}
