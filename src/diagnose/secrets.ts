// The pull-secret audit: which secrets the kubelet uses for a pod, whether each can be used at all, and whether any
// entry — matched with the kubelet's keyring rules over the union of the pod's secrets — covers the image.
// Secret values are registered for redaction the moment they are decoded and never copied into the audit's
// enumerable properties; the entries the probe needs hang off a non-enumerable property (see keyringOf).
import { RegdoctorError } from '../cause/index.ts';
import { key, type ClusterState, type Pod, type Secret } from '../cluster/types.ts';
import {
  lookup,
  parseDockerConfigJson,
  parseDockercfg,
  redact,
  registerSecret,
  type CredentialEntry,
  type KeyringLookup,
} from '../credentials/index.ts';
import { parseReference, repositoryName } from '../reference/index.ts';
import { podEvents, retrieveFailedNames, SECRET_EVENT } from './events.ts';
import type { AuditVerdict, SecretAudit, SecretCheck } from './types.ts';
import { tokenExpiry } from './tokens.ts';

export interface AuditOptions {
  /** Milliseconds since epoch, for token expiry (default Date.now()). */
  now?: number;
  /** false when the scan did not read secrets at all (default true): nothing can be called missing then. */
  secretsRead?: boolean;
}

const DOCKERCONFIGJSON = 'kubernetes.io/dockerconfigjson';
const DOCKERCFG = 'kubernetes.io/dockercfg';
const KEY_FOR: Record<string, string> = {
  [DOCKERCONFIGJSON]: '.dockerconfigjson',
  [DOCKERCFG]: '.dockercfg',
};

interface ParsedSecret {
  state: 'ok' | 'ignored' | 'malformed';
  type: string | null;
  keys: string[];
  entries: CredentialEntry[];
  problems: string[];
  /** For a secret the kubelet ignores: entries it would have provided with the right type. */
  wouldProvide: CredentialEntry[];
}

const parsedSecrets = new WeakMap<Secret, ParsedSecret>();

function decodeValue(secret: Secret, field: string): { text: string } | { error: string } | null {
  const data = secret.data?.[field];
  if (data !== undefined && data !== null) {
    registerSecret(data);
    // The API server only ever returns standard, padded base64; anything else is a damaged snapshot.
    if (data.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
      return { error: `data["${field}"] is not valid base64` };
    }
    const text = Buffer.from(data, 'base64').toString('utf8');
    registerSecret(text);
    return { text };
  }
  const plain = secret.stringData?.[field];
  if (plain !== undefined && plain !== null) {
    registerSecret(plain);
    return { text: plain };
  }
  return null;
}

/** Errors after which Go's json.Unmarshal still succeeds: the kubelet just finds no credentials. */
const FORMAT_MIXUP = /legacy \.dockercfg format|the \.dockerconfigjson format|is JSON null/;

function parseAs(
  type: string,
  text: string,
  source: string,
): { entries: CredentialEntry[] } | { error: string; breaks: boolean } {
  try {
    const entries =
      type === DOCKERCFG ? parseDockercfg(text, source) : parseDockerConfigJson(text, source).entries;
    return { entries };
  } catch (err) {
    if (!(err instanceof RegdoctorError)) throw err;
    const what = err.message.startsWith(`${source}: `) ? err.message.slice(source.length + 2) : err.message;
    return { error: redact(what), breaks: !FORMAT_MIXUP.test(err.message) };
  }
}

function parseSecret(secret: Secret): ParsedSecret {
  const cached = parsedSecrets.get(secret);
  if (cached) return cached;
  const source = `secret ${secret.metadata.namespace ?? ''}/${secret.metadata.name}`;
  const type = secret.type ?? null;
  const fields = [...Object.keys(secret.data ?? {}), ...Object.keys(secret.stringData ?? {})];
  const out: ParsedSecret = { state: 'ok', type, keys: [], entries: [], problems: [], wouldProvide: [] };
  const field = type ? KEY_FOR[type] : undefined;

  if (!field) {
    out.state = 'ignored';
    const lookalike = fields.find((f) => f === '.dockerconfigjson' || f === '.dockercfg');
    const right = lookalike === '.dockercfg' ? DOCKERCFG : DOCKERCONFIGJSON;
    out.problems.push(
      `type ${type ?? '(none)'}: the kubelet uses only ${DOCKERCONFIGJSON} (key .dockerconfigjson) or ${DOCKERCFG} (key .dockercfg) and ignores this secret` +
        (lookalike ? `; it holds ${lookalike}, so recreate it with type ${right}` : ''),
    );
    const value = lookalike ? decodeValue(secret, lookalike) : null;
    if (value && 'text' in value) {
      const r = parseAs(right, value.text, source);
      if ('entries' in r) {
        out.wouldProvide = r.entries;
        out.keys = r.entries.map((e) => e.key);
      }
    }
  } else {
    const value = decodeValue(secret, field);
    if (value === null || ('text' in value && value.text.length === 0)) {
      out.state = 'ignored';
      const has = fields.length ? `it has ${fields.join(', ')}` : 'it has no data';
      out.problems.push(`type ${type} needs a non-empty key ${field} and ${has}; the kubelet ignores it`);
    } else if ('error' in value) {
      out.state = 'malformed';
      out.problems.push(value.error);
    } else {
      const r = parseAs(type!, value.text, source);
      if ('entries' in r) {
        out.entries = r.entries;
        out.keys = r.entries.map((e) => e.key);
        if (r.entries.length === 0) out.problems.push(`${field} has no registry entries`);
        for (const e of r.entries)
          for (const p of e.problems) out.problems.push(`key ${e.key}: ${redact(p)}`);
      } else {
        out.state = r.breaks ? 'malformed' : 'ignored';
        out.problems.push(
          r.breaks
            ? `${field} ${r.error}: the kubelet cannot build the pod's keyring, so every pull of the pod fails`
            : `${field} ${r.error}`,
        );
      }
    }
  }
  parsedSecrets.set(secret, out);
  return out;
}

const registeredStates = new WeakSet<ClusterState>();

/** Decodes (and so registers for redaction) every secret of the state once, before any of its text is shown. */
export function registerStateSecrets(state: ClusterState): void {
  if (registeredStates.has(state)) return;
  registeredStates.add(state);
  for (const s of state.secrets.values()) parseSecret(s);
}

const ENDS_WITH_SPACE = /\s$/;
const STARTS_WITH_SPACE = /^\s/;

/** Why the kubelet's use of this entry cannot succeed, or would send something its author did not mean. */
export function entryDefects(e: CredentialEntry, now: number): string[] {
  const out: string[] = [];
  const { username, password } = e.auth;
  if (!username && !password)
    out.push('no username or password (the kubelet ignores identitytoken/registrytoken)');
  else if (!password) out.push('password is empty');
  if (password && /[\r\n]$/.test(password)) out.push('password ends with a newline');
  else if (password && ENDS_WITH_SPACE.test(password)) out.push('password ends with whitespace');
  if (password && STARTS_WITH_SPACE.test(password)) out.push('password starts with whitespace');
  if (username && (ENDS_WITH_SPACE.test(username) || STARTS_WITH_SPACE.test(username))) {
    out.push('username has leading or trailing whitespace');
  }
  if (e.problems.some((p) => p.startsWith('auth does not match'))) {
    out.push('auth does not match username/password (the kubelet sends what auth holds)');
  }
  const exp = tokenExpiry(username, password);
  if (exp && exp.expires <= now) {
    out.push(`the password is an ${exp.kind} that expired at ${new Date(exp.expires).toISOString()}`);
  }
  return out;
}

/** Registries whose pull credentials normally come from the node (credential provider, node identity). */
export function nodeCredentialRegistry(registry: string): boolean {
  return /\.dkr\.ecr\.[\w-]+\.amazonaws\.com(\.cn)?$|(^|\.)gcr\.io$|-docker\.pkg\.dev$|\.azurecr\.(io|cn|us)$/.test(
    registry,
  );
}

const labelOf = (e: CredentialEntry) => `${e.source} key ${e.key}`;

const KEYRING = 'keyring';

/** The credential entries of the pod's keyring (usable secrets, in the pod's order). Holds secret values. */
export function keyringOf(audit: SecretAudit): CredentialEntry[] {
  return ((audit as unknown as Record<string, unknown>)[KEYRING] as CredentialEntry[] | undefined) ?? [];
}

/**
 * Why an object's absence from the state means nothing — its kind was not read (forbidden, or not in the snapshot)
 * or the object did not parse — as the `skipped` entry words it; null when absent means it does not exist.
 */
export function unreadable(
  state: ClusterState,
  resource: 'secrets' | 'serviceaccounts',
  namespace: string,
  name: string,
): string | null {
  const object = `${resource.slice(0, -1)}/${name}`;
  const hit = state.skipped.find(
    (s) =>
      (s.namespace === undefined || s.namespace === namespace) &&
      (s.resource === resource || s.resource === object),
  );
  if (!hit) return null;
  const why = hit.reason.split(':')[0]!;
  return hit.resource === resource ? `${resource} ${why}` : why;
}

export function auditSecrets(
  state: ClusterState,
  pod: Pod,
  image: string,
  opts: AuditOptions = {},
): SecretAudit {
  const now = opts.now ?? Date.now();
  const namespace = pod.metadata.namespace ?? '';
  const effective = (pod.spec.imagePullSecrets ?? []).map((r) => r.name ?? '').filter((n) => n !== '');
  const specSA = (pod.spec as { serviceAccount?: unknown }).serviceAccount;
  const serviceAccount = pod.spec.serviceAccountName ?? (typeof specSA === 'string' ? specSA : 'default');
  const sa = state.serviceAccounts.get(key(namespace, serviceAccount));
  const saUnknown = sa ? null : unreadable(state, 'serviceaccounts', namespace, serviceAccount);
  const saSecrets = (sa?.imagePullSecrets ?? []).map((r) => r.name ?? '').filter((n) => n !== '');
  const serviceAccountOnly = saSecrets.filter((n) => !effective.includes(n));

  let repository: string | null = null;
  try {
    repository = repositoryName(parseReference(image));
  } catch {
    repository = null;
  }
  const registry = repository?.split('/')[0] ?? null;

  const retrieveFailed = [
    ...new Set(
      podEvents(state, pod)
        .filter((e) => e.reason === SECRET_EVENT)
        .flatMap(retrieveFailedNames),
    ),
  ];
  const problems: string[] = [];
  const notes: string[] = [];

  if (effective.length === 0 && saUnknown !== null) {
    notes.push(
      `service account ${serviceAccount} was not read (${saUnknown}): whether it lists pull secrets that the pod predates is unknown`,
    );
  } else if (effective.length === 0 && serviceAccountOnly.length > 0) {
    notes.push(
      `service account ${serviceAccount} lists imagePullSecrets ${serviceAccountOnly.join(', ')} but the pod has none: ` +
        "the pod predates them (admission copies a service account's pull secrets only into pods created afterwards); recreate the pod",
    );
  } else if (serviceAccountOnly.length > 0) {
    notes.push(
      `service account ${serviceAccount} also lists ${serviceAccountOnly.join(', ')}, which the pod does not use: ` +
        "admission copies a service account's pull secrets only into pods that list none of their own",
    );
  }

  const secrets: SecretCheck[] = [];
  const keyring: CredentialEntry[] = [];
  let keyringError: string | null = null;
  for (const name of effective) {
    const label = `secret ${namespace}/${name}`;
    const s = state.secrets.get(key(namespace, name));
    if (!s) {
      const reported = retrieveFailed.includes(name);
      const unread =
        opts.secretsRead === false ? '--no-secrets' : unreadable(state, 'secrets', namespace, name);
      if (unread !== null && !reported) {
        secrets.push({ name, state: 'unknown', type: null, keys: [], problems: [] });
        notes.push(`${label} was not audited (${unread}): it may exist`);
        continue;
      }
      const why = `${label} does not exist${reported ? ` (the kubelet reported ${SECRET_EVENT})` : ''}`;
      secrets.push({ name, state: 'missing', type: null, keys: [], problems: [why] });
      problems.push(why);
      continue;
    }
    const parsed = parseSecret(s);
    secrets.push({
      name,
      state: parsed.state,
      type: parsed.type,
      keys: parsed.keys,
      problems: parsed.problems,
    });
    for (const p of parsed.problems) problems.push(`${label}: ${p}`);
    if (parsed.state === 'ok') keyring.push(...parsed.entries);
    if (parsed.state === 'malformed' && keyringError === null)
      keyringError = `${label}: ${parsed.problems[0] ?? 'malformed'}`;
    if (parsed.state === 'ignored' && repository && parsed.wouldProvide.length > 0) {
      if (lookup(parsed.wouldProvide, repository).matches.length > 0) {
        problems.push(`${label} would cover ${repository} if the kubelet read it`);
      }
    }
  }
  for (const name of retrieveFailed) {
    if (!effective.includes(name)) problems.push(`the kubelet reported ${SECRET_EVENT} for ${name}`);
  }

  const found: KeyringLookup = repository
    ? lookup(keyring, repository)
    : { matches: [], verdicts: [], fallback: false };
  const covering = found.matches.map(labelOf);
  const defective = found.matches
    .map((e) => ({ label: labelOf(e), problems: entryDefects(e, now) }))
    .filter((d) => d.problems.length > 0);
  for (const d of defective) problems.push(`${d.label} covers ${repository} but ${d.problems.join('; ')}`);
  if (found.fallback)
    notes.push(`${covering.join(', ')} used through the index.docker.io fallback for Docker Hub`);

  const states = new Set(secrets.map((s) => s.state));
  let verdict: AuditVerdict;
  if (effective.length === 0) verdict = 'no-secrets';
  else if (keyringError) verdict = 'secret-invalid';
  else if (found.matches.length > defective.length) verdict = 'covered';
  else if (found.matches.length > 0) verdict = 'secret-invalid';
  else if (states.has('missing')) verdict = 'secret-missing';
  else if (states.has('unknown')) verdict = 'unknown';
  else if (registry && nodeCredentialRegistry(registry) && !states.has('ignored'))
    verdict = 'node-credentials';
  else verdict = 'secret-invalid';

  if (
    verdict !== 'covered' &&
    effective.length > 0 &&
    repository &&
    found.matches.length === 0 &&
    keyring.length > 0
  ) {
    const keys = found.verdicts.map((v) => `${v.key} (${v.reason})`).join(', ');
    problems.push(`no entry in the pod's pull secrets covers ${repository}: ${keys}`);
  }
  if (verdict === 'node-credentials') {
    notes.push(
      `${registry} usually gets credentials from the node (credential provider or node identity), not a pull secret`,
    );
  }

  const audit: SecretAudit = {
    namespace,
    pod: pod.metadata.name,
    image,
    repository,
    serviceAccount,
    effective,
    serviceAccountOnly,
    serviceAccountSecrets: sa ? saSecrets : null,
    secrets,
    verdicts: found.verdicts,
    covering,
    defective,
    keyringError,
    retrieveFailed,
    verdict,
    cause:
      verdict === 'secret-missing'
        ? 'PULL_SECRET_MISSING'
        : verdict === 'secret-invalid'
          ? 'PULL_SECRET_INVALID'
          : null,
    problems,
    notes,
  };
  Object.defineProperty(audit, KEYRING, { value: keyring, enumerable: false });
  return audit;
}
