// The kubectl commands remediation prints, built in one place so that each is written once and tested by running it
// against the object it changes (test/diagnose/prescriptions.test.ts). A command must work when pasted: a JSON patch
// that appends to a list the object does not have fails, and a strategic-merge patch of a ServiceAccount's
// imagePullSecrets replaces the list (the field has no merge key), so neither is used blindly.

/** Shell-quotes a word unless it is plainly safe; a <placeholder> stays as is (it must be replaced anyway). */
export const q = (s: string): string =>
  /^[\w./:@-]+$/.test(s) || /^<[\w -]+>$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;

export const CREATE_SECRET = 'kubectl create secret docker-registry';

export const createSecret = (name: string, registry: string, ns: string): string =>
  `${CREATE_SECRET} ${q(name)} --docker-server=${q(registry)} --docker-username=<user> --docker-password=<password> -n ${q(ns)}`;

/** Replaces a secret with a new one of one entry (only right when that one entry is all it holds). */
export const recreateSecret = (name: string, registry: string, ns: string): string =>
  `${createSecret(name, registry, ns)} --dry-run=client -o yaml | kubectl apply -f -`;

const jsonPatch = (kind: string, name: string, ns: string, ops: unknown[]) =>
  `kubectl patch ${kind} ${q(name)} -n ${q(ns)} --type=json -p ${q(JSON.stringify(ops))}`;

/**
 * Appends a pull secret to a service account. `current` is what the account lists now, null when unknown: an
 * append (`/imagePullSecrets/-`) needs the list to exist, so with no list the whole list is added, and when the
 * list is unknown both are given with the check that tells which.
 */
export function appendToServiceAccount(
  sa: string,
  ns: string,
  secret: string,
  current: string[] | null,
): string {
  const create = jsonPatch('serviceaccount', sa, ns, [
    { op: 'add', path: '/imagePullSecrets', value: [{ name: secret }] },
  ]);
  const append = jsonPatch('serviceaccount', sa, ns, [
    { op: 'add', path: '/imagePullSecrets/-', value: { name: secret } },
  ]);
  if (current === null) {
    return `see whether it lists any: kubectl get serviceaccount ${q(sa)} -n ${q(ns)} -o jsonpath='{.imagePullSecrets}'; if that prints nothing: ${create}; otherwise: ${append}`;
  }
  return current.length > 0 ? append : create;
}

/** Where a workload kind keeps its pod template, as a strategic-merge patch that wraps `podSpec`. */
export function templatePatch(
  kind: string,
  podSpec: Record<string, unknown>,
): Record<string, unknown> | null {
  const template = { spec: podSpec };
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
      return { spec: { template } };
    case 'CronJob':
      return { spec: { jobTemplate: { spec: { template } } } };
    default:
      // A Job's and a Pod's template cannot change after creation; a ReplicaSet's change reaches only new pods.
      return null;
  }
}

/**
 * A strategic-merge patch of a workload's pod template: maps (nodeSelector) merge key by key, and the pod spec's
 * imagePullSecrets merge by name, so what the template already has stays.
 */
export function patchTemplate(
  owner: { kind: string; name: string },
  ns: string,
  podSpec: Record<string, unknown>,
  pod?: string,
): string | null {
  const patch = templatePatch(owner.kind, podSpec);
  if (!patch) return null;
  const cmd = `kubectl patch ${owner.kind.toLowerCase()} ${q(owner.name)} -n ${q(ns)} -p ${q(JSON.stringify(patch))}`;
  // A StatefulSet does not replace a pod that never became ready (the "forced rollback" of its docs).
  if (owner.kind === 'StatefulSet' && pod)
    return `${cmd}, then delete the stuck pod so that it is recreated: kubectl delete pod ${q(pod)} -n ${q(ns)}`;
  if (owner.kind === 'CronJob') return `${cmd} (the next Job it creates has it)`;
  return cmd;
}

const FIELD: Record<string, string> = {
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
  'kubernetes.io/dockercfg': '.dockercfg',
};

/** jq's path to one registry entry of a pull secret of `type` (.dockercfg has no "auths" wrapper). */
export const entryPath = (type: string, key: string): string =>
  type === 'kubernetes.io/dockercfg' ? `.[${JSON.stringify(key)}]` : `.auths[${JSON.stringify(key)}]`;

/**
 * Edits a pull secret in place, keeping the entries `program` does not touch: `program` is a jq filter over the
 * decoded config (use entryPath). Needs jq 1.6 or later (@base64d). Null for a type that is not a pull secret.
 */
export function editSecret(
  name: string,
  ns: string,
  type: string,
  program: string,
  jqArgs = '',
): string | null {
  const field = FIELD[type];
  if (!field) return null;
  const filter = `.data[${JSON.stringify(field)}] |= (@base64d | fromjson | ${program} | tojson | @base64)`;
  return `kubectl get secret ${q(name)} -n ${q(ns)} -o json | jq ${jqArgs ? `${jqArgs} ` : ''}${q(filter)} | kubectl replace -f -`;
}

/** Sets entry `key` to credentials taken from the environment (never typed on the command line). */
export function setSecretEntry(name: string, ns: string, type: string, key: string): string | null {
  const entry = `{username: $u, password: $p, auth: ("\\($u):\\($p)" | @base64)}`;
  const cmd = editSecret(
    name,
    ns,
    type,
    `${entryPath(type, key)} = ${entry}`,
    '--arg u "$REGISTRY_USER" --arg p "$REGISTRY_PASSWORD"',
  );
  return cmd && `with REGISTRY_USER and REGISTRY_PASSWORD set in the environment: ${cmd}`;
}
