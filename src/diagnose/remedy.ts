// Remediation for a finding: concrete kubectl commands with the pod's real namespace, secret, service account and
// workload names (user name and password stay placeholders), then the cause's general steps from remediationFor.
import type { Cause } from '../cause/index.ts';
import { remediationFor } from '../cause/remediation.ts';
import { tryParseReference } from '../reference/index.ts';
import type { Finding } from '../result/index.ts';
import type { SecretAudit } from './types.ts';

export interface RemedyContext {
  platform?: string | null;
  suggestions?: string[];
}

type Subject = Pick<Finding, 'cause' | 'namespace' | 'pod' | 'owner' | 'node' | 'image'>;

const ROLLOUT_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);
const SECRET_CAUSES = new Set<Cause>([
  'UNAUTHORIZED',
  'FORBIDDEN',
  'PULL_SECRET_MISSING',
  'PULL_SECRET_INVALID',
]);

/** Shell-safe enough for Kubernetes names, which are DNS labels/subdomains; anything odd gets quoted. */
const q = (s: string) => (/^[\w./:@-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

function restartCommand(f: Subject): string {
  if (f.owner && ROLLOUT_KINDS.has(f.owner.kind)) {
    return `kubectl rollout restart ${f.owner.kind.toLowerCase()}/${q(f.owner.name)} -n ${q(f.namespace)}`;
  }
  const note = f.owner
    ? ` (its ${f.owner.kind} ${f.owner.name} creates a new one)`
    : ' and create it again from its manifest';
  return `kubectl delete pod ${q(f.pod)} -n ${q(f.namespace)}${note}`;
}

const CREATE_SECRET = 'kubectl create secret docker-registry';
/** Generic steps that create or attach a pull secret, or tell to check one, without knowing which. */
const GENERIC_SECRET_STEP = new RegExp(
  `${CREATE_SECRET}|^Reference it from the pod|^If a secret is already attached`,
);

const createSecret = (name: string, registry: string, ns: string) =>
  `${CREATE_SECRET} ${q(name)} --docker-server=${q(registry)} --docker-username=<user> --docker-password=<password> -n ${q(ns)}`;

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
      const name = /^secret [^/]*\/(\S+)/.exec(d.label)?.[1] ?? '<secret-name>';
      const expired = d.problems.some((p) => p.includes('expired'));
      steps.push(
        expired
          ? `${d.label} holds a short-lived token that has expired: let the node's credential provider supply it, or refresh the secret on a schedule shorter than the token's lifetime`
          : `Rewrite ${d.label} with the exact password (no trailing newline or spaces; --docker-password takes it verbatim): ${createSecret(name, registry, ns)} --dry-run=client -o yaml | kubectl apply -f -`,
      );
    }
    const ok = audit.secrets.filter((c) => c.state === 'ok');
    if (audit.covering.length === 0 && ok.length > 0 && !audit.keyringError) {
      const fresh = `regcred-${registry.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
      steps.push(
        `None of ${ok.map((s) => `${ns}/${s.name}`).join(', ')} has an entry for ${registry}: ${createSecret(fresh, registry, ns)}, ` +
          `then add ${fresh} to the pod template's spec.imagePullSecrets, or append it to the service account and recreate the pod: ` +
          `kubectl patch serviceaccount ${q(sa)} -n ${q(ns)} --type=json -p '[{"op":"add","path":"/imagePullSecrets/-","value":{"name":"${fresh}"}}]'`,
      );
    }
  }
  const bad = new Set(audit.defective.map((d) => d.label));
  const clean = audit.covering.filter((l) => !bad.has(l));
  if ((f.cause === 'UNAUTHORIZED' || f.cause === 'FORBIDDEN') && audit.verdict === 'covered' && clean[0]) {
    const name = /^secret [^/]*\/(\S+)/.exec(clean[0])?.[1] ?? '<secret-name>';
    steps.push(
      f.cause === 'UNAUTHORIZED'
        ? `The registry refuses ${clean[0]}: put current credentials in it: ${createSecret(name, registry, ns)} --dry-run=client -o yaml | kubectl apply -f -`
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
      `Attach it to service account ${sa}: kubectl patch serviceaccount ${q(sa)} -n ${q(ns)} -p '{"imagePullSecrets":[{"name":"regcred"}]}', then recreate the pod: ${restartCommand(f)}`,
    );
  }
  return steps;
}

function fill(step: string, f: Subject, audit: SecretAudit | null): string {
  // Only a single secret at fault can stand in for <secret-name>; with several, the placeholder stays.
  const named = new Set([
    ...(audit?.secrets.filter((s) => s.state !== 'ok' && s.state !== 'unknown').map((s) => s.name) ?? []),
    ...(audit?.defective.map((d) => /^secret [^/]*\/(\S+)/.exec(d.label)?.[1] ?? '') ?? []),
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
  });
  // The audit's steps name the pod's real secret; the generic "create regcred, attach it" would be a second,
  // different answer to the same question.
  const secretFixed = specific.some((s) => s.includes(CREATE_SECRET));
  const steps = [
    ...specific,
    ...(secretFixed ? generic.filter((g) => !GENERIC_SECRET_STEP.test(g)) : generic),
  ];
  return [...new Set(steps.map((s) => fill(s, f, audit)))];
}
