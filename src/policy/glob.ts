// Image patterns for blockedImages and exemptImages. They are matched against the NORMALIZED reference
// (`registry/repository[:tag][@digest]`, e.g. `docker.io/library/nginx:1.25`), never against the text a manifest
// happens to use, so `nginx`, `library/nginx`, `docker.io/nginx`, `index.docker.io/library/nginx` and
// `registry-1.docker.io/library/nginx` are one image: every host that serves Docker Hub reads as docker.io, in the
// pattern and in the image (reference/hub.ts).
//
// Syntax (documented in the ImagePolicy CRD too):
//   *    any run of characters except '/' (stays within one path component; crosses ':' and '@')
//   **   any run of characters including '/' (possibly empty)
//   ?    exactly one character except '/'
//   anything else matches itself; there is no escape, because '*' and '?' never occur in a reference.
// Matching is linear in pattern × input (wildcard.ts): patterns and image names both come from outside.
// A pattern is split like a reference: the tag follows the last ':' after the last '/', the digest follows '@'.
//   - no tag and no digest: the repository with any tag and any digest (`nginx` blocks every nginx image);
//   - a tag but no digest: that tag, pinned to a digest or not (a digest-only reference has no tag: no match);
//   - a digest but no tag: that digest, whatever tag is written next to it.
// The name part is normalized the way Docker normalizes a name: a first component with a '.' or ':' or equal to
// 'localhost' is the registry (any Docker Hub host reads as `docker.io`); otherwise the registry is docker.io, and a
// single component gets 'library/' (`nginx:*` → `docker.io/library/nginx:*`, `*` → `docker.io/library/*`,
// `bitnami/*` → `docker.io/bitnami/*`). A pattern starting with '**' is taken as already qualified (`**` alone
// matches every image; `**/nginx` matches any registry's …/nginx).
import { canonicalName, DOCKER_HUB, isDockerHub, type Reference } from '../reference/index.ts';
import { compileWildcard, matchWildcard, type StepCounter, type Wildcard } from './wildcard.ts';

export interface ImagePattern {
  /** As written in the policy. */
  source: string;
  /** After normalization, e.g. `docker.io/library/nginx:*`. */
  normalized: string;
  name: Wildcard;
  tag: Wildcard | null;
  digest: Wildcard | null;
}

const ALLOWED = /^[A-Za-z0-9._\-/:@[\]*?+=]+$/;

/** Throws an Error whose message says what is wrong with the pattern (the caller adds where it was found). */
export function compilePattern(source: string): ImagePattern {
  if (source === '') throw new Error('empty image pattern');
  if (!ALLOWED.test(source)) {
    throw new Error(
      `image pattern ${JSON.stringify(source)} has a character that cannot occur in an image reference`,
    );
  }
  const at = source.indexOf('@');
  if (at >= 0 && source.indexOf('@', at + 1) >= 0) {
    throw new Error(`image pattern ${JSON.stringify(source)} has more than one '@'`);
  }
  const namePart = at < 0 ? source : source.slice(0, at);
  const digest = at < 0 ? null : source.slice(at + 1);
  const colon = namePart.indexOf(':', namePart.lastIndexOf('/') + 1);
  const rawName = colon < 0 ? namePart : namePart.slice(0, colon);
  const tag = colon < 0 ? null : namePart.slice(colon + 1);
  if (rawName === '') throw new Error(`image pattern ${JSON.stringify(source)} has no repository name`);
  if (tag === '') throw new Error(`image pattern ${JSON.stringify(source)} has an empty tag`);
  if (digest === '') throw new Error(`image pattern ${JSON.stringify(source)} has an empty digest`);
  const name = normalizeName(rawName);
  if (/[A-Z]/.test(name.startsWith('**') ? name : name.slice(name.indexOf('/') + 1))) {
    throw new Error(
      `image pattern ${JSON.stringify(source)}: repository names are lowercase, so it would never match`,
    );
  }
  if (name.split('/').some((c) => c === '')) {
    throw new Error(`image pattern ${JSON.stringify(source)} has an empty path component`);
  }
  const normalized = name + (tag !== null ? `:${tag}` : '') + (digest !== null ? `@${digest}` : '');
  return {
    source,
    normalized,
    name: compileWildcard(name),
    tag: tag === null ? null : compileWildcard(tag),
    digest: digest === null ? null : compileWildcard(digest),
  };
}

function normalizeName(name: string): string {
  if (name.startsWith('**')) return name;
  const slash = name.indexOf('/');
  if (slash < 0) return `${DOCKER_HUB}/library/${name}`;
  const first = name.slice(0, slash);
  const isRegistry = first === 'localhost' || first.includes('.') || first.includes(':');
  if (!isRegistry) return `${DOCKER_HUB}/${name}`;
  const registry = first.toLowerCase();
  const rest = name.slice(slash + 1);
  if (isDockerHub(registry)) {
    return `${DOCKER_HUB}/${rest.includes('/') || rest.startsWith('**') ? rest : `library/${rest}`}`;
  }
  return `${registry}/${rest}`;
}

/** Whether a parsed (normalized) reference matches the pattern; see the syntax at the top of this file. */
export function matchesPattern(pattern: ImagePattern, ref: Reference, counter?: StepCounter): boolean {
  if (!matchWildcard(pattern.name, canonicalName(ref.registry, ref.repository), counter)) return false;
  if (pattern.tag !== null && (ref.tag === null || !matchWildcard(pattern.tag, ref.tag, counter)))
    return false;
  if (pattern.digest !== null && (ref.digest === null || !matchWildcard(pattern.digest, ref.digest, counter)))
    return false;
  return true;
}
