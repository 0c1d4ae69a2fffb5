// Which images fail in the generated cluster, and what a correct scan must say about each. Most are tags that
// were never pushed to an existing repository (a bad rollout), some name repositories that do not exist (typos,
// renamed projects), and some exist and failed for a passing reason (a timeout, a 503).
import type { Random } from './scan-random.ts';
import type { Repo } from './scan-registry.ts';

export type ImageClass = 'missing-tag' | 'missing-repo' | 'transient';

export interface FailingImage {
  /** Full reference through the counting proxy. */
  ref: string;
  repo: string;
  tag: string;
  team: string;
  cls: ImageClass;
  /** The runtime error in the kubelet's `Failed` event. */
  error: 'not-found' | 'timeout' | 'unavailable';
  /** The finding's cause: proved by the probe, or — for an image that pulls now — kept from the message. */
  expectedCause: string;
  /** A tag of the same repository that exists, for the workload's previous (healthy) revision. */
  previousTag: string | null;
  pods: number;
}

export interface PlanShape {
  uniqueImages: number;
  failingPods: number;
  /** Shares of missing-repository and transient images; the rest are missing tags. */
  missingRepoShare: number;
  transientShare: number;
}

/** Tags that CI pipelines and people plausibly deploy but that were never pushed. */
function missingTagCandidates(repo: Repo, rnd: Random): string[] {
  const semver = repo.tags.filter((t) => /^\d+\.\d+\.\d+$/.test(t));
  const last = semver.at(-1) ?? '1.0.0';
  const [ma, mi, pa] = last.split('.').map(Number) as [number, number, number];
  return [
    `${ma}.${mi}.${pa + 1}`,
    `${ma}.${mi + 1}.0`,
    `v${last}`,
    `${last}-rc1`,
    `${ma}.${mi}.${pa + 2}`,
    `${ma + 1}.0.0`,
    `sha-${rnd.chars(7, '0123456789abcdef')}`,
    `${last}-debug`,
    `2026.${rnd.int(1, 12)}.${rnd.int(1, 28)}`,
    `${ma}.${mi}`,
    `${last}-${rnd.chars(7, '0123456789abcdef')}`,
  ].filter((t) => !repo.tags.includes(t));
}

const MISSING_REPO_SUFFIXES = ['-ng', '-v2', 's', '-legacy', '-next'];

export function planFailures(rnd: Random, repos: Repo[], host: string, shape: PlanShape): FailingImage[] {
  const nRepoMissing = Math.round(shape.uniqueImages * shape.missingRepoShare);
  const nTransient = Math.round(shape.uniqueImages * shape.transientShare);
  const nTagMissing = shape.uniqueImages - nRepoMissing - nTransient;
  const images: FailingImage[] = [];
  const add = (repo: string, tag: string, team: string, cls: ImageClass, previousTag: string | null) => {
    const error = cls === 'transient' ? (rnd.chance(0.5) ? 'timeout' : 'unavailable') : 'not-found';
    images.push({
      ref: `${host}/${repo}:${tag}`,
      repo,
      tag,
      team,
      cls,
      error,
      expectedCause:
        cls === 'missing-tag'
          ? 'MANIFEST_NOT_FOUND'
          : cls === 'missing-repo'
            ? 'REPOSITORY_NOT_FOUND'
            : error === 'timeout'
              ? 'NETWORK_TIMEOUT'
              : 'REGISTRY_ERROR',
      previousTag,
      pods: 1,
    });
  };

  // Spread over every repository: repository i gets the k-th of its candidate tags on its k-th turn.
  const candidates = repos.map((r) => missingTagCandidates(r, rnd));
  for (let i = 0; i < nTagMissing; i++) {
    const r = i % repos.length;
    const tag = candidates[r]![Math.floor(i / repos.length)];
    if (!tag) throw new Error(`not enough missing-tag candidates for ${repos[r]!.name}`);
    add(repos[r]!.name, tag, repos[r]!.team, 'missing-tag', repos[r]!.tags[0]!);
  }
  // About two images per missing repository: a deployment and, often, a second one of the same project.
  for (let i = 0; images.length < nTagMissing + nRepoMissing; i++) {
    const base = repos[(i * 7) % repos.length]!;
    const name = `${base.name}${MISSING_REPO_SUFFIXES[Math.floor(i / repos.length) % MISSING_REPO_SUFFIXES.length]}`;
    add(name, base.tags.at(-1)!, base.team, 'missing-repo', null);
    if (i % 3 !== 2 && images.length < nTagMissing + nRepoMissing)
      add(name, `${base.tags.at(-1)!}-rc1`, base.team, 'missing-repo', null);
  }
  const existing = rnd.shuffle(repos.flatMap((r) => r.tags.map((t) => ({ r, t }))));
  for (const { r, t } of existing.slice(0, nTransient)) add(r.name, t, r.team, 'transient', null);

  // The rest of the failing pods go to randomly chosen images: replicas of the same broken workload.
  const extra = shape.failingPods - images.length;
  if (extra < 0) throw new Error('more unique images than failing pods');
  for (let i = 0; i < extra; i++) images[rnd.int(0, images.length - 1)]!.pods++;
  return images;
}
