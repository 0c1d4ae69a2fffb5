import { looksLikeDomain } from './domain.ts';
import { DOCKER_HUB } from './hub.ts';
import type { Reference } from './types.ts';

const OFFICIAL_PREFIX = 'library/';

function suffix(ref: Reference): string {
  return (ref.tag !== null ? `:${ref.tag}` : '') + (ref.digest !== null ? `@${ref.digest}` : '');
}

/** Fully qualified: 'docker.io/library/nginx:latest', 'host:5000/a/b@sha256:…', 'r/a:t@sha256:…'. */
export function formatReference(ref: Reference): string {
  return `${repositoryName(ref)}${suffix(ref)}`;
}

/**
 * Docker's short form (FamiliarString): Docker Hub's domain dropped, and 'library/' too when exactly one
 * component follows it ('library/foo/bar' keeps it, or it would read back as another repository).
 * Unlike Docker, the domain stays when the short form would read back as another registry: Docker shortens
 * docker.io/a.b/c to "a.b/c", which names the registry a.b.
 */
export function familiarString(ref: Reference): string {
  return `${familiarName(ref)}${suffix(ref)}`;
}

function familiarName(ref: Reference): string {
  if (ref.registry !== DOCKER_HUB) return repositoryName(ref);
  const rest = ref.repository.slice(OFFICIAL_PREFIX.length);
  if (ref.repository.startsWith(OFFICIAL_PREFIX) && !rest.includes('/')) return rest;
  const slash = ref.repository.indexOf('/');
  const first = ref.repository.slice(0, slash);
  return slash >= 0 && looksLikeDomain(first) ? repositoryName(ref) : ref.repository;
}

/** `${registry}/${repository}`: the string the kubelet matches against credential keys. */
export function repositoryName(ref: Reference): string {
  return `${ref.registry}/${ref.repository}`;
}
