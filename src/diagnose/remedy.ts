// Remediation for a finding: concrete kubectl commands with the pod's real namespace, secret, service account and
// workload names (user name and password stay placeholders), then the cause's general steps from remediationFor.
// The commands come from cause/kubectl.ts, where each is written once and tested against its target object.
import type { Cause } from '../cause/index.ts';
import {
  CREATE_SECRET,
  appendToServiceAccount,
  createSecret,
  editSecret,
  entryPath,
  patchTemplate,
  q,
  recreateSecret,
  setSecretEntry,
} from '../cause/kubectl.ts';
import { remediationFor } from '../cause/remediation.ts';
import { platformSteps, type ClusterNode } from '../platform/index.ts';
import { tryParseReference } from '../reference/index.ts';
import type { Finding } from '../result/index.ts';
import type { SecretAudit } from './types.ts';

export interface RemedyContext {
  /** The platform the node asks for. */
  platform?: string | null;
  suggestions?: string[];
  /** Some tags the repository has, when none is close (from the probe). */
  tags?: string[];
  /** Platforms the image provides (from the probe). */
  available?: string[];
  /** The cluster's nodes; null when they were not read. */
  nodes?: ClusterNode[] | null;
}

type Subject = Pick<Finding, 'cause' | 'namespace' | 'pod' | 'owner' | 'node' | 'image'>;

const ROLLOUT_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const SECRET_CAUSES = new Set<Cause>([
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PULL_SECRET_MISSING',
  'PULL_SECRET_INVALID',
]);
const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson';

function restartCommand(f: Subject): string {
  if (f.owner && ROLLOUT_KINDS.has(f.owner.kind)) {
    return `kubectl rollout restart ${f.owner.kind.toLowerCase()}/${q(f.owner.name)} -n ${q(f.namespace)}`;
  }
  const note = f.owner
    ? ` (its ${f.owner.kind} ${f.owner.name} creates a new one)`
    : ' and create it again from its manifest';
  return `kubectl delete pod ${q(f.pod)} -n ${q(f.namespace)}${note}`;
}

/** Generic steps that create or attach a pull secret, or tell to check one, without knowing which. */
const GENERIC_SECRET_STEP = new RegExp(
  `${CREATE_SECRET}|^Reference it from the pod|^If a secret is already attached`,
);

/** `secret ns/name key K` → name and key. */
function entryOf(label: string): { name: string; key: string } | null {
  const m = /^secret [^/]*\/(\S+) key (.+)$/.exec(label);
  return m ? { name: m[1]!, key: m[2]! } : null;
}

/**
 * New credentials for one entry: a new secret when that entry is all the secret holds, otherwise that entry only,
 * edited in place so the secret's other registries keep working.
 */
function rewriteEntry(audit: SecretAudit, label: string, registry: string, ns: string): string {
  const e = entryOf(label);
  const check = e && audit.secrets.find((s) => s.name === e.name);
  if (!e || !check) return recreateSecret('<secret-name>', registry, ns);
  const type = check.type ?? DOCKERCONFIGJSON;
  if (check.keys.length <= 1 && type === DOCKERCONFIGJSON) return recreateSecret(e.name, registry, ns);
  return setSecretEntry(e.name, ns, type, e.key) ?? recreateSecret(e.name, registry, ns);
}

/** How to make a new secret reach the pod: its owner's template (merged by name), or its service account. */
function attachSteps(f: Subject, audit: SecretAudit, fresh: string): string {
  const ns = f.namespace;
  const sa = audit.serviceAccount;
  const names = [...audit.effective, fresh].map((name) => ({ name }));
  const patch = f.owner ? patchTemplate(f.owner, ns, { imagePullSecrets: names }, f.pod) : null;
  const template = patch
    ? `add it to the pod template: ${patch}`
    : `add ${fresh} to the spec.imagePullSecrets of the pod's template and recreate the pod`;
  // Admission copies a service account's pull secrets only into pods that list none: the account is a way in
  // only when the pod's secrets came from it.
  const current = audit.serviceAccountSecrets;
  const fromAccount = !!current && audit.effective.every((n) => current.includes(n));
  if (!fromAccount) return template;
  return `${template}; or, as the pod's pull secrets come from service account ${sa}, append it there and recreate the pod: ${appendToServiceAccount(sa, ns, fresh, current)}; ${restartCommand(f)}`;
}

function secretSteps(f: Subject, audit: SecretAudit, registry: string): string[] {
  const ns = f.namespace;
  const sa = audit.serviceAccount;
  const steps: string[] = [];
  if (audit.effective.length === 0 && audit.serviceAccountOnly.length > 0) {
    steps.push(
      `Recreate the pod so admission copies service account ${sa}'s pull secrets into it: ${restartCommand(f)}`,
    );
  }
  if (f.cause === 'PULL_SECRET_MISSING') {
    for (const s of audit.secrets.filter((c) => c.state === 'missing')) {
      steps.push(`Create the missing secret ${ns}/${s.name}: ${createSecret(s.name, registry, ns)}`);
    }
  }
  if (f.cause === 'PULL_SECRET_INVALID') {
    for (const s of audit.secrets.filter((c) => c.state === 'ignored' || c.state === 'malformed')) {
      steps.push(
        `Recreate ${ns}/${s.name} as a kubernetes.io/dockerconfigjson secret (a secret's type cannot be changed in place): ` +
          `kubectl delete secret ${q(s.name)} -n ${q(ns)} && ${createSecret(s.name, registry, ns)}`,
      );
    }
    for (const d of audit.defective) {
      const expired = d.problems.some((p) => p.includes('expired'));
      steps.push(
        expired
          ? `${d.label} holds a short-lived token that has expired: let the node's credential provider supply it, or refresh the secret on a schedule shorter than the token's lifetime`
          : `Rewrite ${d.label} with the exact password (no trailing newline or spaces): ${rewriteEntry(audit, d.label, registry, ns)}`,
      );
    }
    const ok = audit.secrets.filter((c) => c.state === 'ok');
    if (audit.covering.length === 0 && ok.length > 0 && !audit.keyringError) {
      steps.push(
        ...uncoveredSteps(
          f,
          audit,
          registry,
          ok.map((s) => s.name),
        ),
      );
    }
  }
  const bad = new Set(audit.defective.map((d) => d.label));
  const clean = audit.covering.filter((l) => !bad.has(l));
  if ((f.cause === 'UNAUTHORIZED' || f.cause === 'FORBIDDEN') && audit.verdict === 'covered' && clean[0]) {
    const name = entryOf(clean[0])?.name ?? '<secret-name>';
    steps.push(
      f.cause === 'UNAUTHORIZED'
        ? `The registry refuses ${clean[0]}: put current credentials in it: ${rewriteEntry(audit, clean[0], registry, ns)}`
        : `The registry accepts ${clean[0]} but denies it access to this repository: grant that account pull access, or use another account's credentials in ${ns}/${name}`,
    );
  }
  if (
    (f.cause === 'UNAUTHORIZED' || f.cause === 'FORBIDDEN') &&
    audit.verdict === 'no-secrets' &&
    audit.serviceAccountOnly.length === 0
  ) {
    steps.push(`Create a pull secret: ${createSecret('regcred', registry, ns)}`);
    steps.push(
      `Attach it to service account ${sa}: ${appendToServiceAccount(sa, ns, 'regcred', audit.serviceAccountSecrets)}, then recreate the pod: ${restartCommand(f)}`,
    );
  }
  return steps;
}

/**
 * A key that names the image's host and differs only in its port (`registry.example.com` for an image on
 * `registry.example.com:5103`) → the same key with the image's port. Wildcard keys are left alone.
 */
function portFixedKey(key: string, registry: string): string | null {
  const m = /^(?:https?:\/\/)?([^/:]+)(?::\d+)?(\/.*)?$/i.exec(key);
  const image = /^([^/:]+)(?::(\d+))?$/.exec(registry);
  if (!m || !image || m[1]!.includes('*')) return null;
  if (m[1]!.toLowerCase() !== image[1]!.toLowerCase()) return null;
  return `${image[1]}${image[2] ? `:${image[2]}` : ''}${m[2] ?? ''}`;
}

/** No entry covers the registry: an entry that misses only by its port is fixed in place, else a new secret. */
function uncoveredSteps(f: Subject, audit: SecretAudit, registry: string, ok: string[]): string[] {
  const ns = f.namespace;
  for (const v of audit.verdicts.filter((x) => x.reason.startsWith('port differs'))) {
    const name = /^secret [^/]*\/(\S+)$/.exec(v.source)?.[1];
    const type = name ? audit.secrets.find((s) => s.name === name)?.type : undefined;
    const fixed = portFixedKey(v.key, registry);
    if (!name || !type || !fixed) continue;
    const cmd = editSecret(name, ns, type, `${entryPath(type, fixed)} = ${entryPath(type, v.key)}`);
    if (cmd)
      return [
        `Fix the key in secret ${ns}/${name}: its entry ${v.key} names another port than the image (${registry}); add the same credentials under ${fixed}: ${cmd}`,
      ];
  }
  const fresh = `regcred-${registry.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
  return [
    `None of ${ok.map((s) => `${ns}/${s}`).join(', ')} has an entry for ${registry}: ${createSecret(fresh, registry, ns)}, then ${attachSteps(f, audit, fresh)}`,
  ];
}

function fill(step: string, f: Subject, audit: SecretAudit | null): string {
  // Only a single secret at fault can stand in for <secret-name>; with several, the placeholder stays.
  const named = new Set([
    ...(audit?.secrets.filter((s) => s.state !== 'ok' && s.state !== 'unknown').map((s) => s.name) ?? []),
    ...(audit?.defective.map((d) => entryOf(d.label)?.name ?? '') ?? []),
  ]);
  // A secret that is fine but covers other registries is the one at fault when nothing covers this one.
  if (named.size === 0 && audit?.verdict === 'secret-invalid' && audit.covering.length === 0) {
    for (const s of audit.secrets) if (s.state === 'ok') named.add(s.name);
  }
  let out = step.replaceAll('<namespace>', f.namespace).replaceAll('<pod>', f.pod);
  if (audit) out = out.replaceAll('<serviceaccount>', audit.serviceAccount);
  if (f.node) out = out.replaceAll('<node>', f.node);
  const only = named.size === 1 ? [...named][0] : undefined;
  if (only) out = out.replaceAll('<secret-name>', only);
  return out;
}

export function findingRemediation(f: Subject, audit: SecretAudit | null, ctx: RemedyContext = {}): string[] {
  const ref = tryParseReference(f.image);
  const registry = ref?.registry ?? null;
  const tag = ref?.tag ?? null;
  const specific = audit && registry && SECRET_CAUSES.has(f.cause) ? secretSteps(f, audit, registry) : [];
  const generic = remediationFor(f.cause, {
    image: f.image,
    registry,
    tag,
    platform: ctx.platform ?? null,
    suggestions: ctx.suggestions,
    tags: ctx.tags,
    platformSteps:
      f.cause === 'PLATFORM_MISMATCH'
        ? platformSteps({
            image: f.image,
            wanted: ctx.platform ?? null,
            available: ctx.available,
            nodes: ctx.nodes,
            owner: f.owner ? { ...f.owner, namespace: f.namespace, pod: f.pod } : null,
          })
        : undefined,
  });
  // The audit's steps name the pod's real secret; the generic "create regcred, attach it" would be a second,
  // different answer to the same question.
  const secretFixed = specific.some((s) => s.includes(CREATE_SECRET) || s.includes('kubectl replace'));
  const steps = [
    ...specific,
    ...(secretFixed ? generic.filter((g) => !GENERIC_SECRET_STEP.test(g)) : generic),
  ];
  return [...new Set(steps.map((s) => fill(s, f, audit)))];
}
