import { RegdoctorError } from '../cause/index.ts';
import { checkDigest } from './digest.ts';
import { checkDomain, looksLikeDomain } from './domain.ts';
import { checkPath } from './path.ts';
import { checkTag } from './tag.ts';
import { quote } from './text.ts';
import { DOCKER_HUB, LEGACY_HUB } from './hub.ts';
import type { Problem, Reference, ReferencePart } from './types.ts';

const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
/** distribution's RepositoryNameTotalLengthMax, checked against the normalized path (the domain excluded). */
export const REPOSITORY_MAX = 255;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const IMAGE_ID = /^[a-f0-9]{64}$/;

interface Failure extends Problem {
  part: ReferencePart;
  /** The text of the offending part, when the error is about one part. */
  value?: string;
  /** A corrected reference, when the fix is unambiguous; only offered if it parses. */
  suggestion?: string;
}

/**
 * Parses an image reference the way Docker, containerd and the kubelet do (distribution's
 * `ParseNormalizedNamed` + go-digest validation + `TagNameOnly`), with one message per distinct mistake.
 * Throws RegdoctorError('INVALID_REFERENCE') with `detail = { input, part, position?, value?, suggestion? }`;
 * `position` is a 0-based index into `input`.
 */
export function parseReference(input: string): Reference {
  if (typeof input !== 'string') {
    throw new RegdoctorError('INVALID_REFERENCE', `image reference must be a string, got ${typeof input}`, {
      input: String(input),
      part: 'reference',
    });
  }
  const result = analyse(input);
  if ('reason' in result) throw toError(input, result);
  return result;
}

function analyse(input: string): Reference | Failure {
  if (input === '') return { part: 'reference', reason: 'empty reference' };
  const early = checkWhole(input);
  if (early) return early;

  const at = input.indexOf('@');
  const namePart = at < 0 ? input : input.slice(0, at);
  const digest = at < 0 ? null : input.slice(at + 1);
  const colon = namePart.indexOf(':', namePart.lastIndexOf('/') + 1);
  const name = colon < 0 ? namePart : namePart.slice(0, colon);
  const tag = colon < 0 ? null : namePart.slice(colon + 1);

  const split = splitName(input, name);
  if ('reason' in split) return split;
  const { registry, repository } = split;

  if (tag !== null) {
    if (tag === '' && digest === null) {
      const reason = "tag is empty: remove the trailing ':' or add a tag";
      return { part: 'tag', value: tag, reason, at: colon, suggestion: namePart.slice(0, -1) };
    }
    if (tag === '') {
      return { part: 'tag', value: tag, reason: "tag is empty: nothing between ':' and '@'", at: colon };
    }
    const problem = checkTag(tag, colon + 1);
    if (problem) return { part: 'tag', value: tag, ...problem };
  }
  if (digest !== null) {
    if (digest.includes('@')) {
      return {
        part: 'digest',
        value: digest,
        reason: "a reference has at most one '@'",
        at: at + 1 + digest.indexOf('@'),
      };
    }
    const problem = checkDigest(digest, at + 1);
    if (problem) {
      const suggestion = digest === '' ? input.slice(0, -1) : undefined;
      return { part: 'digest', value: digest, ...problem, ...(suggestion ? { suggestion } : {}) };
    }
  }
  return {
    registry,
    repository,
    tag: tag ?? (digest === null ? DEFAULT_TAG : null),
    digest,
    original: input,
  };
}

/** Mistakes that concern the whole string and would otherwise surface as a confusing character error. */
function checkWhole(input: string): Failure | null {
  const lead = /^\s/u.test(input);
  const trail = /\s$/u.test(input);
  if (lead || trail) {
    const where = lead && trail ? 'leading and trailing' : lead ? 'leading' : 'trailing';
    return {
      part: 'reference',
      reason: `remove the ${where} whitespace`,
      at: lead ? 0 : input.length - 1,
      suggestion: input.trim(),
    };
  }
  const scheme = SCHEME.exec(input);
  if (scheme) {
    return {
      part: 'reference',
      reason: `remove the scheme ${quote(scheme[0])}: an image reference is not a URL`,
      at: 0,
      suggestion: withoutScheme(input.slice(scheme[0].length)),
    };
  }
  if (IMAGE_ID.test(input)) {
    return {
      part: 'repository',
      reason:
        'cannot specify 64-byte hexadecimal strings as a repository name; to pin an image by digest write <name>@sha256:<hex>',
      at: 0,
    };
  }
  return null;
}

/** Drops a URL's trailing '/' too, unless that would leave a bare host, which reads as a Docker Hub name. */
function withoutScheme(rest: string): string {
  const trimmed = rest.replace(/\/+$/, '');
  return trimmed.includes('/') ? trimmed : rest;
}

type Split = { registry: string; repository: string };

/** Docker's domain split and normalization (normalize.go `splitDockerDomain`), validating each side. */
function splitName(input: string, name: string): Split | Failure {
  if (name === '') {
    const next = input[0] === '@' ? "'@'" : "':'";
    return { part: 'repository', reason: `repository name is missing before ${next}`, at: 0 };
  }
  const slash = name.indexOf('/');
  if (slash < 0) {
    if (name.startsWith('[')) {
      return {
        part: 'registry',
        reason: 'an IPv6 registry address must be followed by a repository, e.g. [::1]:5000/app',
        at: 0,
      };
    }
    const problem = checkPath(name, 0);
    if (problem) return pathFailure(input, name, 0, problem);
    return lengthChecked(DOCKER_HUB, OFFICIAL_PREFIX + name, true);
  }

  const first = name.slice(0, slash);
  if (!looksLikeDomain(first)) {
    const problem = checkPath(name, 0);
    if (problem) return pathFailure(input, name, 0, problem);
    return lengthChecked(DOCKER_HUB, name, false);
  }

  const path = name.slice(slash + 1);
  const domainProblem = checkDomain(first);
  if (domainProblem) {
    // Docker takes an uppercase first component for a registry only because namespaces cannot be uppercase;
    // when it is not a usable host either, the user almost certainly meant a namespace.
    if (!first.includes('.') && !first.includes(':') && first !== 'localhost') {
      const asPath = checkPath(name, 0);
      if (asPath) return pathFailure(input, name, 0, asPath);
    }
    return { part: 'registry', value: first, ...domainProblem };
  }
  if (path === '') {
    return {
      part: 'repository',
      reason: `registry ${quote(first)} must be followed by a repository name`,
      at: slash,
    };
  }
  if (path.startsWith('/')) {
    return { part: 'repository', reason: "repository name has an empty component ('//')", at: slash };
  }
  const problem = checkPath(path, slash + 1);
  if (problem) return pathFailure(input, path, slash + 1, problem);

  const registry = first === LEGACY_HUB ? DOCKER_HUB : first;
  const official = registry === DOCKER_HUB && !path.includes('/');
  return lengthChecked(registry, official ? OFFICIAL_PREFIX + path : path, official);
}

function lengthChecked(registry: string, repository: string, prefixed: boolean): Split | Failure {
  if (repository.length <= REPOSITORY_MAX) return { registry, repository };
  const why = prefixed ? ` (Docker Hub adds ${quote(OFFICIAL_PREFIX)} in front)` : '';
  return {
    part: 'repository',
    reason: `repository name must not be more than ${REPOSITORY_MAX} characters, got ${repository.length}${why}`,
  };
}

function pathFailure(input: string, path: string, offset: number, problem: Problem): Failure {
  const failure: Failure = { part: 'repository', value: path, ...problem };
  if (problem.reason.startsWith('repository name must be lowercase')) {
    const fixed = input.slice(0, offset) + path.toLowerCase() + input.slice(offset + path.length);
    if (analyseOk(fixed)) failure.suggestion = fixed;
  }
  return failure;
}

function analyseOk(input: string): boolean {
  return !('reason' in analyse(input));
}

function toError(input: string, f: Failure): RegdoctorError {
  const subject =
    f.part === 'tag' && f.value !== undefined && f.value !== ''
      ? `invalid tag ${quote(f.value)}: `
      : f.part === 'digest' && f.value !== undefined && f.value !== ''
        ? `invalid digest ${quote(f.value)}: `
        : '';
  const message = input === '' ? f.reason : `invalid reference ${quote(input)}: ${subject}${f.reason}`;
  const detail: Record<string, unknown> = { input, part: f.part };
  if (f.at !== undefined) detail['position'] = f.at;
  if (f.value !== undefined) detail['value'] = f.value;
  if (f.suggestion !== undefined && f.suggestion !== input && analyseOk(f.suggestion)) {
    detail['suggestion'] = f.suggestion;
  }
  return new RegdoctorError('INVALID_REFERENCE', message, detail);
}

/** The reference, or null when it does not parse: for callers whose own report already says why (the probe). */
export function tryParseReference(input: string): Reference | null {
  try {
    return parseReference(input);
  } catch {
    return null;
  }
}
