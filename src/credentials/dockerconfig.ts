// Parsing .dockerconfigjson / config.json ({"auths": {…}}) and legacy .dockercfg (a bare map) as the kubelet does
// (pkg/credentialprovider/config.go): field names match case-insensitively, a non-empty `auth` replaces
// username/password, and anything Go's json.Unmarshal would reject — bad JSON, wrong types, bad base64 in `auth` —
// makes the whole secret unusable, so it throws PULL_SECRET_INVALID. Every credential is registered for redaction.

import * as z from 'zod/mini';
import { describeType, invalid, isObject, parseJsonText, pickField } from './json.ts';
import { normalizeKey } from './keyring.ts';
import { credentialProblems, keyProblems } from './problems.ts';
import { registerSecret } from './redact.ts';
import type { AuthConfig, CredentialEntry, DockerConfigFile } from './types.ts';

const optionalString = z.optional(z.nullable(z.string()));
const credHelpersSchema = z.optional(z.nullable(z.record(z.string(), z.string())));

function stringField(obj: Record<string, unknown>, name: string, where: string, source: string): string {
  const value = pickField(obj, name);
  const r = optionalString.safeParse(value);
  if (!r.success) throw invalid(source, `"${name}" ${where} must be a string, not ${describeType(value)}`);
  return r.data ?? '';
}

/**
 * decodeDockerConfigFieldAuth: standard base64, padded when the trimmed value ends in '=', unpadded otherwise;
 * Go skips CR and LF but nothing else, and needs a colon in the result.
 */
function decodeAuthField(field: string): { username: string; password: string } | { error: string } {
  const padded = field.trim().endsWith('=');
  const s = field.replace(/[\r\n]/g, '');
  const ok = padded
    ? s.length % 4 === 0 && /^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$/.test(s)
    : /^[A-Za-z0-9+/]*$/.test(s) && s.length % 4 !== 1;
  if (!ok) {
    const urlSafe = /[-_]/.test(s) && /^[A-Za-z0-9_-]*={0,2}$/.test(s);
    const hint = urlSafe ? ' (it uses the URL-safe alphabet; the kubelet needs standard base64)' : '';
    return { error: `is not valid base64${hint}` };
  }
  const decoded = Buffer.from(s, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { error: 'does not decode to "username:password" (there is no colon)' };
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A token field the kubelet ignores but the Docker CLI reads; a wrong type is noted, not fatal. */
function tokenField(obj: Record<string, unknown>, name: string, problems: string[]): string {
  const value = pickField(obj, name);
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  problems.push(`${name} is ${describeType(value)}, not a string; ignored`);
  return '';
}

/** A key written as a URL with userinfo (`https://user:pass@host`) holds a password too, whatever its length. */
function registerKeyUserinfo(key: string): void {
  const userinfo = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/)?([^/?#]*)@/.exec(key)?.[1];
  if (userinfo === undefined) return;
  registerSecret(userinfo);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return;
  const password = userinfo.slice(colon + 1);
  registerSecret(password);
  try {
    registerSecret(decodeURIComponent(password));
  } catch {
    // not percent-encoded: the raw form is registered
  }
}

function parseEntry(key: string, value: unknown, source: string): CredentialEntry {
  registerKeyUserinfo(key);
  const n = normalizeKey(key);
  const normalized = 'error' in n ? '' : n.key;
  const problems = keyProblems(key);
  if (value === null) {
    problems.push('entry is null, so it holds no credentials');
    return { key, normalized, source, auth: {}, problems };
  }
  const where = `of the entry for '${key}'`;
  if (!isObject(value))
    throw invalid(source, `the entry for '${key}' must be an object, not ${describeType(value)}`);
  const writtenUsername = stringField(value, 'username', where, source);
  const writtenPassword = stringField(value, 'password', where, source);
  stringField(value, 'email', where, source);
  const authField = stringField(value, 'auth', where, source);
  let username = writtenUsername;
  let password = writtenPassword;
  if (authField.length > 0) {
    registerSecret(authField);
    const decoded = decodeAuthField(authField);
    if ('error' in decoded) throw invalid(source, `"auth" ${where} ${decoded.error}`);
    ({ username, password } = decoded);
  }
  const identityToken = tokenField(value, 'identitytoken', problems);
  const registryToken = tokenField(value, 'registrytoken', problems);
  for (const s of [password, writtenPassword, `${username}:${password}`, identityToken, registryToken]) {
    registerSecret(s);
  }
  problems.push(
    ...credentialProblems({
      username,
      password,
      written: authField.length > 0 ? { username: writtenUsername, password: writtenPassword } : undefined,
      identityToken,
      registryToken,
    }),
  );
  const auth: AuthConfig = {};
  if (username) auth.username = username;
  if (password) auth.password = password;
  if (identityToken) auth.identityToken = identityToken;
  if (registryToken) auth.registryToken = registryToken;
  return { key, normalized, source, auth, problems };
}

function parseEntryMap(map: Record<string, unknown>, source: string): CredentialEntry[] {
  const entries = Object.entries(map).map(([key, value]) => parseEntry(key, value, source));
  const firstKeyFor = new Map<string, string>();
  for (const e of entries) {
    if (e.normalized === '') continue;
    const earlier = firstKeyFor.get(e.normalized);
    if (earlier === undefined) firstKeyFor.set(e.normalized, e.key);
    else e.problems.push(`key normalizes to '${e.normalized}' like '${earlier}'; the kubelet tries both`);
  }
  return entries;
}

function looksLikeEntry(v: unknown): boolean {
  return (
    isObject(v) &&
    ['auth', 'username', 'password', 'identitytoken'].some((f) => pickField(v, f) !== undefined)
  );
}

function requireObject(root: unknown, source: string, format: string): Record<string, unknown> {
  if (root === null) throw invalid(source, `is JSON null, so the kubelet finds no credentials in it`);
  if (!isObject(root)) throw invalid(source, `must be a JSON object (${format}), not ${describeType(root)}`);
  return root;
}

/** Parses `{"auths": {…}, "credHelpers": {…}, "credsStore": "…"}`. */
export function parseDockerConfigJson(text: string, source: string): DockerConfigFile {
  const root = requireObject(parseJsonText(text, source), source, '{"auths": {…}}');
  const auths = pickField(root, 'auths');
  let entries: CredentialEntry[] = [];
  if (auths === undefined) {
    if (Object.values(root).some(looksLikeEntry)) {
      throw invalid(
        source,
        'has no "auths" object; its top-level keys look like registries, which is the legacy .dockercfg format. ' +
          'The kubelet finds no credentials in it: wrap them as {"auths": {…}} or use type kubernetes.io/dockercfg',
      );
    }
  } else if (auths !== null) {
    if (!isObject(auths)) {
      throw invalid(
        source,
        `"auths" must be an object mapping registries to credentials, not ${describeType(auths)}`,
      );
    }
    entries = parseEntryMap(auths, source);
  }
  const helpers = credHelpersSchema.safeParse(pickField(root, 'credHelpers'));
  if (!helpers.success) throw invalid(source, '"credHelpers" must map registries to helper names (strings)');
  const store = optionalString.safeParse(pickField(root, 'credsStore'));
  if (!store.success) throw invalid(source, '"credsStore" must be a string');
  const result: DockerConfigFile = { entries, credHelpers: helpers.data ?? {} };
  if (store.data) result.credsStore = store.data;
  return result;
}

/** Parses the legacy bare map `{"registry": {"auth": …}}`. */
export function parseDockercfg(text: string, source: string): CredentialEntry[] {
  const root = requireObject(parseJsonText(text, source), source, 'a map of registries');
  const auths = pickField(root, 'auths');
  if (isObject(auths) && Object.values(auths).some(looksLikeEntry)) {
    throw invalid(
      source,
      'holds {"auths": {…}}, the .dockerconfigjson format; read as .dockercfg the kubelet takes "auths" for a ' +
        'registry name and finds no credentials: use type kubernetes.io/dockerconfigjson',
    );
  }
  return parseEntryMap(root, source);
}
