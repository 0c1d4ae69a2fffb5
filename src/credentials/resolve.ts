// The credentials regdoctor itself should try for one image: command-line flags first, then what the local
// credential files give for it — their auths entries matched by the kubelet's rules, plus the credential helper
// the Docker CLI would ask (credHelpers[server] before credsStore).

import { access } from 'node:fs/promises';
import { RegdoctorError } from '../cause/index.ts';
import { DOCKER_HUB_NAMES, LEGACY_HUB } from '../reference/index.ts';
import { defaultDockerConfigPaths, loadDockerConfig } from './files.ts';
import { runCredentialHelper } from './helper.ts';
import { lookup, normalizeKey } from './keyring.ts';
import { credentialProblems, keyProblems } from './problems.ts';
import { registerSecret } from './redact.ts';
import type { AuthConfig, CredentialEntry, DockerConfigFile, KeyringLookup } from './types.ts';

/** The server address the Docker CLI uses for Docker Hub: in credHelpers, and what it hands a helper. */
export const DOCKER_HUB_SERVER = `https://${LEGACY_HUB}/v1/`;

export interface ResolveOptions {
  registry: string;
  repositoryName: string;
  /** A credential file; default: every existing file of defaultDockerConfigPaths(), searched in order. */
  dockerConfig?: string;
  username?: string;
  password?: string;
}

export interface ResolvedCredentials {
  candidates: CredentialEntry[];
  lookup: KeyringLookup | null;
  notes: string[];
}

function entry(key: string, source: string, auth: AuthConfig, problems: string[]): CredentialEntry {
  const n = normalizeKey(key);
  return { key, normalized: 'error' in n ? '' : n.key, source, auth, problems };
}

function commandLineEntry(registry: string, username = '', password = ''): CredentialEntry {
  registerSecret(password);
  registerSecret(`${username}:${password}`);
  const auth: AuthConfig = {};
  if (username) auth.username = username;
  if (password) auth.password = password;
  const problems = credentialProblems({ username, password, identityToken: '', registryToken: '' });
  return entry(registry, 'command line', auth, problems);
}

const hasSecret = (a: AuthConfig): boolean =>
  Boolean(a.username || a.password || a.identityToken || a.registryToken);

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** What the Docker CLI does for this registry with this file: which helper, asked for which server. */
function helperFor(
  cfg: DockerConfigFile,
  registry: string,
  notes: string[],
): { helper: string; server: string } | null {
  const hub = DOCKER_HUB_NAMES.has(registry);
  const server = hub ? DOCKER_HUB_SERVER : registry;
  const has = (k: string): boolean => Object.hasOwn(cfg.credHelpers, k);
  const misnamed = hub ? [...DOCKER_HUB_NAMES].find(has) : undefined;
  if (misnamed && !has(server)) {
    notes.push(
      `credHelpers has '${misnamed}', but the Docker CLI looks Docker Hub up as '${DOCKER_HUB_SERVER}'`,
    );
  }
  const helper = has(server) ? cfg.credHelpers[server] : cfg.credsStore;
  return helper ? { helper, server } : null;
}

async function askHelper(
  h: { helper: string; server: string },
  notes: string[],
): Promise<CredentialEntry | null> {
  const source = `credential helper docker-credential-${h.helper}`;
  try {
    const auth = await runCredentialHelper(h.helper, h.server);
    if (!auth) {
      notes.push(`${source} is not installed or has no credentials for ${h.server}`);
      return null;
    }
    return entry(h.server, source, auth, keyProblems(h.server));
  } catch (e) {
    if (!(e instanceof RegdoctorError)) throw e;
    notes.push(e.message);
    return null;
  }
}

/**
 * Credential files are searched in order, as containers-auth.json(5) describes, until one gives credentials for the
 * image. An explicit dockerConfig that cannot be read or parsed throws (UsageError / PULL_SECRET_INVALID); default
 * files that fail are skipped with a note.
 */
export async function resolveCredentials(opts: ResolveOptions): Promise<ResolvedCredentials> {
  const notes: string[] = [];
  const candidates: CredentialEntry[] = [];
  if (opts.username !== undefined || opts.password !== undefined) {
    candidates.push(commandLineEntry(opts.registry, opts.username, opts.password));
  }

  const explicit = opts.dockerConfig !== undefined;
  const paths = explicit ? [opts.dockerConfig as string] : defaultDockerConfigPaths();
  let firstLookup: KeyringLookup | null = null;
  for (const path of paths) {
    if (!explicit && !(await exists(path))) continue;
    let cfg: DockerConfigFile;
    try {
      cfg = await loadDockerConfig(path);
    } catch (e) {
      if (explicit || !(e instanceof Error)) throw e;
      notes.push(`skipped ${path}: ${e.message}`);
      continue;
    }
    const found = lookup(cfg.entries, opts.repositoryName);
    firstLookup ??= found;
    const fromFile = found.matches.filter((m) => hasSecret(m.auth));
    const h = helperFor(cfg, opts.registry, notes);
    const fromHelper = h ? await askHelper(h, notes) : null;
    if (fromFile.length === 0 && !fromHelper) {
      if (found.matches.length > 0)
        notes.push(`${path} matches ${opts.repositoryName} but holds no credentials`);
      continue;
    }
    notes.push(`using ${path}`);
    candidates.push(...fromFile);
    if (fromHelper) candidates.push(fromHelper);
    return finish(candidates, found, notes, opts.repositoryName);
  }
  if (!explicit && firstLookup === null) notes.push('no credential file found');
  return finish(candidates, firstLookup, notes, opts.repositoryName);
}

function finish(
  candidates: CredentialEntry[],
  found: KeyringLookup | null,
  notes: string[],
  repositoryName: string,
): ResolvedCredentials {
  if (candidates.length === 0)
    notes.push(`no credentials for ${repositoryName}; only an anonymous pull is possible`);
  return { candidates, lookup: found, notes };
}
