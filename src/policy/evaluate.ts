// Policy evaluation: pure and synchronous, so that a CI check, a cluster audit and an admission webhook give the
// same answer for the same object. Everything that needs a registry (signatures, vulnerabilities, size,
// platforms) is reported as a note, never as a pass.
import * as z from 'zod/mini';
import { RegdoctorError, type Cause } from '../cause/index.ts';
import { canonicalName, formatReference, parseReference, type Reference } from '../reference/index.ts';
import { matchesPattern } from './glob.ts';
import type { ImagePolicy, LabelSelector, Mode } from './model.ts';

export const POLICY_KINDS = [
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

export type Rule =
  | 'validReference'
  | 'allowedRegistries'
  | 'blockedImages'
  | 'disallowLatestTag'
  | 'requireDigest'
  | 'disallowPrivileged'
  // Registry- and vulnerability-aware rules, decided by the policy engine (engine.ts).
  | 'requiredSignatures'
  | 'minimumSeverity'
  | 'noVulnerabilityData'
  | 'maxImageSize'
  | 'allowedPlatforms';
export type ContainerType = 'container' | 'initContainer' | 'ephemeralContainer';

export interface Violation {
  policy: string;
  rule: Rule;
  mode: Mode;
  kind: string;
  namespace: string;
  name: string;
  container: string;
  containerType: ContainerType;
  /** The image exactly as the manifest writes it ('' when missing). */
  image: string;
  message: string;
  /** Set when the rule could not be decided because the registry failed: the cause code of that failure. */
  cause?: Cause;
}

/** Something the policy asks for that this evaluation could not decide; never a violation. */
export interface Note {
  policy: string;
  rule: string;
  message: string;
}

export interface Evaluation {
  violations: Violation[];
  notes: Note[];
}

/** The parts of a Kubernetes object evaluation reads; anything else passes through untouched. */
export interface PolicyObject {
  kind?: string;
  metadata: { name: string; namespace?: string };
  spec?: unknown;
}

export interface EvaluateOptions {
  /** Namespace for objects without one (kubectl's -n). Default 'default'. */
  defaultNamespace?: string;
  /** A namespace's labels, or undefined when unknown (then a label selector cannot be decided). */
  namespaceLabels?: (namespace: string) => Record<string, string> | undefined;
}

const container = z.looseObject({
  name: z.optional(z.nullable(z.string())),
  image: z.optional(z.nullable(z.string())),
  securityContext: z.optional(z.nullable(z.looseObject({ privileged: z.optional(z.nullable(z.boolean())) }))),
});
const containers = z.optional(z.nullable(z.array(container)));
const podSpec = z.looseObject({
  containers,
  initContainers: containers,
  ephemeralContainers: containers,
});
type PodSpec = z.infer<typeof podSpec>;

const NAME_LABEL = 'kubernetes.io/metadata.name';

/** The pod spec a workload runs: the Pod's own, a template's, or a CronJob's job template's. */
export function podSpecOf(obj: PolicyObject): unknown {
  const spec = obj.spec as Record<string, unknown> | undefined | null;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const at = (v: unknown, ...keys: string[]): unknown =>
    keys.reduce<unknown>(
      (o, k) => (typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[k] : undefined),
      v,
    );
  switch (obj.kind) {
    case 'Pod':
      return spec;
    case 'CronJob':
      return at(spec, 'jobTemplate', 'spec', 'template', 'spec');
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return at(spec, 'template', 'spec');
    default:
      return undefined;
  }
}

/** The registries (as references name them) of every container image of these objects; invalid images skipped. */
export function imageRegistries(objects: readonly PolicyObject[]): Set<string> {
  const out = new Set<string>();
  for (const obj of objects) {
    const spec = readPodSpec(obj);
    if (typeof spec === 'string') continue;
    for (const c of [
      ...(spec.initContainers ?? []),
      ...(spec.containers ?? []),
      ...(spec.ephemeralContainers ?? []),
    ]) {
      if (!c.image) continue;
      try {
        out.add(parseReference(c.image).registry);
      } catch {
        // An invalid reference is a validReference violation; it names no registry to configure.
      }
    }
  }
  return out;
}

/** Reads the pod spec leniently; returns an explanation instead when its shape is wrong. */
export function readPodSpec(obj: PolicyObject): PodSpec | string {
  const raw = podSpecOf(obj);
  if (raw === undefined) {
    return obj.kind === 'CronJob'
      ? 'no pod template at spec.jobTemplate.spec.template.spec'
      : obj.kind === 'Pod'
        ? 'no spec'
        : 'no pod template at spec.template.spec';
  }
  const parsed = z.safeParse(podSpec, raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `pod spec is malformed${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}`;
  }
  return parsed.data;
}

/** A container a policy applied to, with what the registry-aware rules need to judge it. */
export interface Target {
  policy: ImagePolicy;
  /** The violation fields (without rule and message) for this container under this policy. */
  base: Omit<Violation, 'rule' | 'message'>;
  /** null when the image is missing or not a valid reference (already a validReference violation). */
  ref: Reference | null;
  /**
   * Policies applying to this container whose allowedRegistries refuse its image. Registry rules never look such
   * an image up (under any policy): otherwise any pod creator could make the evaluator connect to any host:port.
   */
  refusedBy: string[];
}

/** Applies every policy to one object; policies combine (all apply, each reports on its own). */
export function evaluate(
  policies: readonly ImagePolicy[],
  obj: PolicyObject,
  options: EvaluateOptions = {},
): Evaluation {
  const { evaluation, targets } = evaluateLocal(policies, obj, options);
  const applied = new Set(targets.map((t) => t.policy));
  for (const policy of applied) evaluation.notes.push(...pending(policy));
  return evaluation;
}

/**
 * The rules that need nothing but the object, and the containers each policy applied to (exempt images left
 * out): the registry-aware engine judges those targets and decides what to say about the remaining rules.
 */
export function evaluateLocal(
  policies: readonly ImagePolicy[],
  obj: PolicyObject,
  options: EvaluateOptions = {},
): { evaluation: Evaluation; targets: Target[] } {
  const out: Evaluation = { violations: [], notes: [] };
  const targets: Target[] = [];
  const kind = obj.kind ?? 'Pod';
  if (!(POLICY_KINDS as readonly string[]).includes(kind)) return { evaluation: out, targets };
  const namespace = obj.metadata.namespace || options.defaultNamespace || 'default';
  const spec = readPodSpec({ ...obj, kind });
  if (typeof spec === 'string') return { evaluation: out, targets };
  const list: { c: z.infer<typeof container>; type: ContainerType }[] = [
    ...(spec.initContainers ?? []).map((c) => ({ c, type: 'initContainer' as const })),
    ...(spec.containers ?? []).map((c) => ({ c, type: 'container' as const })),
    ...(spec.ephemeralContainers ?? []).map((c) => ({ c, type: 'ephemeralContainer' as const })),
  ];
  const refs = new Map<string, Reference | RegdoctorError>();
  const parse = (image: string) => {
    let r = refs.get(image);
    if (r === undefined) {
      try {
        r = parseReference(image);
      } catch (err) {
        if (!(err instanceof RegdoctorError)) throw err;
        r = err;
      }
      refs.set(image, r);
    }
    return r;
  };

  const refusedBy = list.map((): string[] => []);
  for (const policy of policies) {
    const scope = inScope(policy, namespace, options.namespaceLabels);
    if (scope === false) continue;
    if (scope !== true) out.notes.push({ policy: policy.name, rule: 'namespaceSelector', message: scope });
    for (const [i, { c, type }] of list.entries()) {
      const image = c.image ?? '';
      const base = {
        policy: policy.name,
        mode: policy.mode,
        kind,
        namespace,
        name: obj.metadata.name,
        container: c.name ?? '',
        containerType: type,
        image,
      };
      const add = (rule: Rule, message: string) => out.violations.push({ ...base, rule, message });
      const ref = image === '' ? null : parse(image);
      if (
        ref !== null &&
        !(ref instanceof RegdoctorError) &&
        policy.exemptImages.some((p) => matchesPattern(p, ref))
      ) {
        continue;
      }
      targets.push({
        policy,
        base,
        ref: ref instanceof RegdoctorError ? null : ref,
        refusedBy: refusedBy[i]!,
      });
      if (ref === null) add('validReference', 'container has no image');
      else if (ref instanceof RegdoctorError) add('validReference', ref.message);
      else if (!checkImage(policy, ref, add)) refusedBy[i]!.push(policy.name);
      if (policy.disallowPrivileged && c.securityContext?.privileged === true) {
        add('disallowPrivileged', `${label(type)} runs privileged (securityContext.privileged: true)`);
      }
    }
  }
  return { evaluation: out, targets };
}

/** The rules that need only the reference; false when the policy's allowedRegistries refuse it. */
function checkImage(
  policy: ImagePolicy,
  ref: Reference,
  add: (rule: Rule, message: string) => void,
): boolean {
  const normalized = formatReference(ref);
  const shown =
    normalized === ref.original
      ? JSON.stringify(ref.original)
      : `${JSON.stringify(ref.original)} (${normalized})`;
  const repo = canonicalName(ref.registry, ref.repository);
  const allowList = policy.allowedRegistries;
  const allowed = allowList === null || allowList.some((p) => underPrefix(repo, p));
  if (allowList !== null && !allowed) {
    add(
      'allowedRegistries',
      `image ${shown} is not from an allowed registry: ${repo} is under none of ${allowList.join(', ')}`,
    );
  }
  for (const p of policy.blockedImages) {
    if (matchesPattern(p, ref)) {
      const how = p.normalized === p.source ? '' : ` (${p.normalized})`;
      add('blockedImages', `image ${shown} matches blocked pattern ${JSON.stringify(p.source)}${how}`);
    }
  }
  if (policy.disallowLatestTag && ref.tag === 'latest' && ref.digest === null) {
    const untagged = !/:latest$/.test(ref.original);
    add(
      'disallowLatestTag',
      untagged
        ? `image ${JSON.stringify(ref.original)} has no tag, so it pulls :latest; pin a version tag or a digest`
        : `image ${JSON.stringify(ref.original)} uses the :latest tag; pin a version tag or a digest`,
    );
  }
  if (policy.requireDigest && ref.digest === null) {
    add('requireDigest', `image ${JSON.stringify(ref.original)} is not pinned by digest (name@sha256:…)`);
  }
  return allowed;
}

/** Prefixes match on path-component boundaries: ghcr.io/acme allows ghcr.io/acme/x, not ghcr.io/acme-evil/x. */
export function underPrefix(repository: string, prefix: string): boolean {
  return repository === prefix || repository.startsWith(`${prefix}/`);
}

function label(type: ContainerType): string {
  return type === 'container'
    ? 'container'
    : type === 'initContainer'
      ? 'init container'
      : 'ephemeral container';
}

/** true: applies; false: does not; a string: applies, because the selector could not be decided (the reason). */
function inScope(
  policy: ImagePolicy,
  namespace: string,
  labelsOf: EvaluateOptions['namespaceLabels'],
): boolean | string {
  if (policy.excludedNamespaces.includes(namespace)) return false;
  if (policy.namespaces !== null && !policy.namespaces.includes(namespace)) return false;
  const selector = policy.namespaceSelector;
  if (selector === null) return true;
  const known = labelsOf?.(namespace);
  if (known !== undefined) return selects(selector, { [NAME_LABEL]: namespace, ...known });
  // The API server labels every namespace with its own name, so a selector on that label alone is decidable.
  if (selectorKeys(selector).every((k) => k === NAME_LABEL))
    return selects(selector, { [NAME_LABEL]: namespace });
  return `labels of namespace ${JSON.stringify(namespace)} are unknown: namespaceSelector not evaluated, policy applied`;
}

function selectorKeys(s: LabelSelector): string[] {
  return [...Object.keys(s.matchLabels ?? {}), ...(s.matchExpressions ?? []).map((e) => e.key)];
}

/** metav1.LabelSelector semantics: every matchLabels pair and every expression must hold; {} selects all. */
export function selects(s: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    const ok =
      e.operator === 'In'
        ? has && values.includes(labels[e.key]!)
        : e.operator === 'NotIn'
          ? !has || !values.includes(labels[e.key]!)
          : e.operator === 'Exists'
            ? has
            : !has;
    if (!ok) return false;
  }
  return true;
}

const NEEDS_REGISTRY = 'not evaluated: needs registry data';

/** Rules that are parsed and kept but need registry or vulnerability data this evaluation does not have. */
export function pending(policy: ImagePolicy): Note[] {
  const notes: Note[] = [];
  const note = (rule: string, message = NEEDS_REGISTRY) => notes.push({ policy: policy.name, rule, message });
  if (policy.requiredSignatures !== null) note('requiredSignatures');
  if (policy.minimumSeverity !== null) note('minimumSeverity', 'not evaluated: needs vulnerability data');
  if (policy.maxImageSize !== null) note('maxImageSize');
  if (policy.allowedPlatforms !== null) note('allowedPlatforms');
  return notes;
}
