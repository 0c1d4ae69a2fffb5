// ImagePolicy (regdoctor.dev/v1alpha1): parsed strictly, because a misspelt field in a security policy that is
// silently ignored (`disalowLatestTag: true`) is worse than a policy that fails to load.
import * as z from 'zod/mini';
import type { core } from 'zod/mini';
import { UsageError } from '../cause/index.ts';
import { formatPlatform, parsePlatform } from '../platform/index.ts';
import { DOCKER_HUB, isDockerHub } from '../reference/index.ts';
import { issueText } from '../util/schema.ts';
import { SEVERITIES, type Severity } from '../vuln/types.ts';
import { loadPublicKey } from '../verify/key.ts';
import { compilePattern, type ImagePattern } from './glob.ts';

export const API_VERSION = 'regdoctor.dev/v1alpha1';
export const KIND = 'ImagePolicy';
export type Mode = 'enforce' | 'warn';
export const NO_VULNERABILITY_DATA = ['allow', 'warn', 'deny'] as const;
export type NoVulnerabilityData = (typeof NO_VULNERABILITY_DATA)[number];

/** A policy file that cannot be used: exit 2 with one line naming the file, the policy and the field. */
export class PolicyError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

const nonEmpty = z.string().check(z.minLength(1, 'must not be empty'));
const stringList = z.array(nonEmpty);

const labelSelector = z.strictObject({
  matchLabels: z.optional(z.record(z.string(), z.string())),
  matchExpressions: z.optional(
    z.array(
      z
        .strictObject({
          key: nonEmpty,
          operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
          values: z.optional(z.array(z.string())),
        })
        .check(
          z.refine(
            (e) => (e.operator === 'In' || e.operator === 'NotIn') === (e.values?.length ?? 0) > 0,
            'In and NotIn need values; Exists and DoesNotExist take none',
          ),
        ),
    ),
  ),
});
export type LabelSelector = z.infer<typeof labelSelector>;

const trustedKey = z.strictObject({
  name: z.optional(nonEmpty),
  /** PEM `PUBLIC KEY` (ECDSA P-256 or RSA), as cosign writes it to cosign.pub. */
  publicKey: nonEmpty.check(
    z.refine((s) => s.includes('-----BEGIN PUBLIC KEY-----'), 'must be a PEM public key (BEGIN PUBLIC KEY)'),
    // A key no signature can ever verify against would deny every image with a message about the image, not
    // about the policy; it is refused when the policy is loaded instead.
    z.superRefine((s, ctx) => {
      if (!s.includes('-----BEGIN PUBLIC KEY-----')) return;
      const problem = keyProblem(s);
      if (problem) ctx.addIssue({ code: 'custom', message: problem, input: s });
    }),
  ),
});

const signatureRequirement = z.strictObject({
  /** Images this requirement applies to (pattern syntax of blockedImages); absent = every image. */
  images: z.optional(stringList),
  /** Any one of these keys is enough. */
  keys: z.array(trustedKey).check(z.minLength(1, 'needs at least one key')),
});
export type SignatureRequirement = z.infer<typeof signatureRequirement>;

const spec = z.strictObject({
  mode: z.optional(z.enum(['enforce', 'warn'])),
  allowedRegistries: z.optional(stringList),
  blockedImages: z.optional(stringList),
  exemptImages: z.optional(stringList),
  requiredSignatures: z.optional(z.array(signatureRequirement)),
  minimumSeverity: z.optional(z.enum(SEVERITIES)),
  noVulnerabilityData: z.optional(z.enum(NO_VULNERABILITY_DATA)),
  disallowLatestTag: z.optional(z.boolean()),
  requireDigest: z.optional(z.boolean()),
  disallowPrivileged: z.optional(z.boolean()),
  // Checked by parseSize, which says what a size looks like (a union's error would not).
  maxImageSize: z.optional(z.unknown()),
  allowedPlatforms: z.optional(stringList),
  namespaces: z.optional(stringList),
  excludedNamespaces: z.optional(stringList),
  namespaceSelector: z.optional(labelSelector),
});
export type ImagePolicySpec = z.infer<typeof spec>;
/** The spec's field names, for checks that the CRD schema stays in step. */
export const SPEC_FIELDS: readonly string[] = Object.keys(spec.shape);

const document = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  // Loose: objects read back from a cluster carry uid, resourceVersion, managedFields…
  metadata: z.looseObject({
    name: nonEmpty.check(
      z.regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a lowercase DNS subdomain name'),
      z.maxLength(253),
    ),
  }),
  spec,
  status: z.optional(z.unknown()),
});

/** A policy ready to evaluate: prefixes normalized, patterns compiled, sizes in bytes. */
export interface ImagePolicy {
  name: string;
  /** File (or `(stdin)`, or `cluster`) it was read from, for messages. */
  origin: string;
  mode: Mode;
  /** Normalized `registry[/path]` prefixes; null = any registry. */
  allowedRegistries: string[] | null;
  blockedImages: ImagePattern[];
  exemptImages: ImagePattern[];
  disallowLatestTag: boolean;
  requireDigest: boolean;
  disallowPrivileged: boolean;
  /** Evaluated by the registry-aware engine (engine.ts); `evaluate` alone reports it as a note. */
  requiredSignatures:
    { images: ImagePattern[] | null; keys: { name?: string; publicKey: string }[] }[] | null;
  minimumSeverity: Severity | null;
  /** What an image without vulnerability data gets when minimumSeverity is set (default warn). */
  noVulnerabilityData: NoVulnerabilityData;
  /** Compressed bytes. */
  maxImageSize: number | null;
  /** Normalized `os/arch[/variant]`. */
  allowedPlatforms: string[] | null;
  namespaces: string[] | null;
  excludedNamespaces: string[];
  namespaceSelector: LabelSelector | null;
}

/** Parses one decoded document. `origin` names the file in error messages. */
export function parseImagePolicy(doc: unknown, origin: string): ImagePolicy {
  const name = policyName(doc);
  const where = `${origin}: ImagePolicy ${name === null ? '(unnamed)' : JSON.stringify(name)}`;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new PolicyError(`${origin}: expected an ImagePolicy object, got ${describe(doc)}`);
  }
  const kind = (doc as { kind?: unknown }).kind;
  const apiVersion = (doc as { apiVersion?: unknown }).apiVersion;
  if (kind !== KIND || apiVersion !== API_VERSION) {
    throw new PolicyError(
      `${origin}: expected apiVersion ${API_VERSION}, kind ${KIND}; got ${describe(apiVersion)}, ${describe(kind)}`,
    );
  }
  const parsed = z.safeParse(document, doc, { reportInput: true });
  if (!parsed.success) throw new PolicyError(`${where}: ${issueMessage(parsed.error.issues[0])}`);
  const s = parsed.data.spec;
  const field = <T>(path: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new PolicyError(`${where}: spec.${path}: ${(err as Error).message}`);
    }
  };
  const patterns = (key: string, list: string[] | undefined) =>
    (list ?? []).map((p, i) => field(`${key}[${i}]`, () => compilePattern(p)));
  if (s.allowedRegistries !== undefined && s.allowedRegistries.length === 0) {
    throw new PolicyError(
      `${where}: spec.allowedRegistries is empty, which would reject every image; omit it to allow any registry`,
    );
  }
  return {
    name: parsed.data.metadata.name,
    origin,
    mode: s.mode ?? 'enforce',
    allowedRegistries:
      s.allowedRegistries?.map((p, i) => field(`allowedRegistries[${i}]`, () => normalizePrefix(p))) ?? null,
    blockedImages: patterns('blockedImages', s.blockedImages),
    exemptImages: patterns('exemptImages', s.exemptImages),
    disallowLatestTag: s.disallowLatestTag ?? false,
    requireDigest: s.requireDigest ?? false,
    disallowPrivileged: s.disallowPrivileged ?? false,
    requiredSignatures:
      s.requiredSignatures?.map((r, i) => ({
        images: r.images ? patterns(`requiredSignatures[${i}].images`, r.images) : null,
        keys: r.keys,
      })) ?? null,
    minimumSeverity: s.minimumSeverity ?? null,
    noVulnerabilityData: s.noVulnerabilityData ?? 'warn',
    maxImageSize:
      s.maxImageSize === undefined ? null : field('maxImageSize', () => parseSize(s.maxImageSize)),
    allowedPlatforms:
      s.allowedPlatforms?.map((p, i) => field(`allowedPlatforms[${i}]`, () => normalizePlatform(p))) ?? null,
    namespaces: s.namespaces ?? null,
    excludedNamespaces: s.excludedNamespaces ?? [],
    namespaceSelector: s.namespaceSelector ?? null,
  };
}

function policyName(doc: unknown): string | null {
  const n = (doc as { metadata?: { name?: unknown } } | null)?.metadata?.name;
  return typeof n === 'string' ? n : null;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? JSON.stringify(v) : `a ${typeof v}`;
}

function issueMessage(issue: core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid';
  const path = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`));
  const at = path.join('');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (at ? `${at}.${k}` : k));
    return `unknown field${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
  }
  if (issue.code === 'invalid_type' && 'input' in issue && issue.input === undefined) {
    return `${at}: required field is missing`;
  }
  // Messages written in this file's schemas say more than the generic text for their issue code.
  const own = issue.code !== 'invalid_type' && issue.message && issue.message !== 'Invalid input';
  return `${at}: ${own ? issue.message : issueText(issue)}`;
}

/**
 * `registry[/path]` as a prefix of `registry/repository`. The first component must be a registry host the way
 * Docker reads one ('.' or ':' or 'localhost'): `bitnami` alone would never match anything (Docker reads
 * `bitnami/redis` as Docker Hub), so it is rejected with the spelling that works.
 */
export function normalizePrefix(text: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new Error(`${JSON.stringify(text)}: write a registry host, not a URL (drop the scheme)`);
  }
  if (/[\s*?@]/.test(text)) {
    throw new Error(`${JSON.stringify(text)}: a registry prefix has no wildcards, spaces or digests`);
  }
  const trimmed = text.replace(/\/+$/, '');
  const slash = trimmed.indexOf('/');
  const host = (slash < 0 ? trimmed : trimmed.slice(0, slash)).toLowerCase();
  const path = slash < 0 ? '' : trimmed.slice(slash + 1);
  if (host === '') throw new Error(`${JSON.stringify(text)}: registry host is empty`);
  if (!(host === 'localhost' || host.includes('.') || host.includes(':'))) {
    throw new Error(
      `${JSON.stringify(text)} is not a registry host (no '.' or ':' and not 'localhost'); for a Docker Hub namespace write docker.io/${trimmed}`,
    );
  }
  if (path.split('/').some((c) => c === '') && path !== '') {
    throw new Error(`${JSON.stringify(text)}: empty path component`);
  }
  if (/[A-Z]/.test(path)) throw new Error(`${JSON.stringify(text)}: repository paths are lowercase`);
  if (/:/.test(path)) throw new Error(`${JSON.stringify(text)}: a registry prefix names no tag`);
  const registry = isDockerHub(host) ? DOCKER_HUB : host;
  return path === '' ? registry : `${registry}/${path}`;
}

const UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  K: 1e3,
  KB: 1e3,
  M: 1e6,
  MB: 1e6,
  G: 1e9,
  GB: 1e9,
  Ki: 1024,
  KiB: 1024,
  Mi: 1024 ** 2,
  MiB: 1024 ** 2,
  Gi: 1024 ** 3,
  GiB: 1024 ** 3,
};

/** Bytes from a number or `500Mi`, `1.5GB`, `200M` (Kubernetes-quantity style suffixes, decimal and binary). */
export function parseSize(v: unknown): number {
  if (typeof v !== 'number' && typeof v !== 'string') {
    throw new Error('must be a number of bytes or a size such as 500Mi');
  }
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v <= 0) throw new Error('must be a positive whole number of bytes');
    return v;
  }
  const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(v.trim());
  const unit = m ? UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) {
    throw new Error(`${JSON.stringify(v)} is not a size (e.g. 524288000, 500Mi, 1.5GB)`);
  }
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw new Error(`${JSON.stringify(v)} is not a positive size`);
  return bytes;
}

/** `os/arch[/variant]`, both required: a policy must not depend on the machine that evaluates it. */
function normalizePlatform(text: string): string {
  if (text.split('/').length < 2) throw new Error(`${JSON.stringify(text)}: write os/arch, e.g. linux/amd64`);
  return formatPlatform(parsePlatform(text));
}

/** Why a PEM public key cannot verify cosign signatures, or null when it can. */
function keyProblem(pem: string): string | null {
  try {
    const key = loadPublicKey(pem, 'publicKey');
    return key.kind === 'unsupported'
      ? `${key.description}: use an ECDSA P-256 or RSA (2048+ bits) key`
      : null;
  } catch (err) {
    // loadPublicKey speaks to the `verify --key` flag; the policy names its own field.
    return (err as Error).message.replace(/^--key publicKey: /, '');
  }
}
