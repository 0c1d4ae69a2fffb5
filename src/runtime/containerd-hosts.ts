// containerd's registry host directories (remotes/docker/config, 1.6 → 2.x): `<root>/<host>_<port>_`, then
// `<root>/<host:port>`, then `<root>/_default`; in it, hosts.toml's `[host."…"]` tables in file order and `server`
// last — or, without a usable hosts.toml, Docker-style certificate files for the default host.
import { posix } from 'node:path';
import type { NodeFs } from './fs.ts';
import { shown } from './fs.ts';
import { notRead } from './limits.ts';
import { isTable, parseToml, tomlLines, type TomlTable } from './toml.ts';
import type { Capability, Finding } from './types.ts';
import { before, type Version } from './version.ts';

export interface HostConfig {
  /** Empty for "the default host" (no server given). */
  scheme: string;
  host: string;
  path: string;
  capabilities: Capability[];
  caFiles: string[];
  clientPairs: [string, string][];
  skipVerify: boolean | null;
  headers: Record<string, string[]>;
  overridePath: boolean;
  from: string;
  isServer: boolean;
}

const ALL_CAPS: Capability[] = ['pull', 'resolve', 'push'];

/** `host:5000` → `host_5000_` (the form tried first). */
export function hostDirectory(host: string): string {
  const i = host.lastIndexOf(':');
  return i > 0 ? `${host.slice(0, i)}_${host.slice(i + 1)}_` : host;
}

export function hostPaths(root: string, host: string): string[] {
  const ch = hostDirectory(host);
  return [
    ...(ch !== host ? [posix.join(root, ch)] : []),
    posix.join(root, host),
    posix.join(root, '_default'),
  ];
}

const abs = (p: string, base: string) => (p.startsWith('/') ? p : posix.join(base, p));

function strings(v: unknown, what: string): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  throw new Error(`invalid type for "${what}"`);
}

function parseHost(server: string, dir: string, t: TomlTable, from: string, isServer: boolean): HostConfig {
  const result: HostConfig = {
    scheme: '',
    host: '',
    path: '',
    capabilities: [],
    caFiles: [],
    clientPairs: [],
    skipVerify: typeof t.skip_verify === 'boolean' ? t.skip_verify : null,
    headers: {},
    overridePath: t.override_path === true,
    from,
    isServer,
  };
  if (server) {
    const u = new URL(server.startsWith('http') ? server : `https://${server}`);
    result.scheme = u.protocol.slice(0, -1);
    result.host = u.host;
    let p = u.pathname === '/' && !server.replace(/^[a-z]+:\/\/[^/]*/i, '') ? '' : u.pathname;
    if (p) {
      p = posix.normalize(p).replace(/(.)\/$/, '$1');
      if (!p.endsWith('/v2') && !result.overridePath) p = `${p}/v2`;
    } else if (!result.overridePath) p = '/v2';
    result.path = p;
  }
  const caps = t.capabilities;
  if (Array.isArray(caps) && caps.length > 0) {
    for (const c of caps) {
      const lc = String(c).toLowerCase();
      if (lc !== 'pull' && lc !== 'resolve' && lc !== 'push')
        throw new Error(`unknown capability ${String(c)}`);
      if (!result.capabilities.includes(lc)) result.capabilities.push(lc);
    }
  } else result.capabilities = [...ALL_CAPS];
  if (t.ca !== undefined) result.caFiles = strings(t.ca, 'ca').map((p) => abs(p, dir));
  if (t.client !== undefined) {
    const c = t.client;
    if (typeof c === 'string') result.clientPairs.push([abs(c, dir), '']);
    else if (Array.isArray(c)) {
      for (const pair of c) {
        if (typeof pair === 'string') result.clientPairs.push([abs(pair, dir), '']);
        else if (Array.isArray(pair) && pair.length === 2 && pair.every((x) => typeof x === 'string'))
          result.clientPairs.push([abs(pair[0] as string, dir), abs(pair[1] as string, dir)]);
        else throw new Error('invalid pair for "client"');
      }
    } else throw new Error('invalid type for "client"');
  }
  if (t.header !== undefined) {
    if (!isTable(t.header)) throw new Error('invalid type for "header"');
    for (const [k, v] of Object.entries(t.header)) result.headers[k] = strings(v, `header ${k}`);
  }
  return result;
}

/** Whether this containerd rejects a hosts.toml that has no `[host]` table (fixed in 1.7.32 and 2.0). */
export function rejectsHostless(v: Version | null): boolean | 'unknown' {
  if (!v) return 'unknown';
  if (v[0] >= 2) return false;
  return before(v, [1, 7, 32]);
}

export interface HostDirResult {
  /** null: no directory for this host; the runtime's defaults apply. */
  hosts: HostConfig[] | null;
  dir: string | null;
  files: string[];
  findings: Finding[];
}

async function certFiles(fs: NodeFs, dir: string): Promise<HostConfig[]> {
  const h: HostConfig = {
    scheme: '',
    host: '',
    path: '',
    capabilities: [],
    caFiles: [],
    clientPairs: [],
    skipVerify: null,
    headers: {},
    overridePath: false,
    from: `${shown(dir)}/ (certificate files)`,
    isServer: true,
  };
  const entries = (await fs.list(dir))?.entries ?? [];
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries) {
    if (e.isDir) continue;
    if (e.name.endsWith('.crt')) h.caFiles.push(posix.join(dir, e.name));
    if (e.name.endsWith('.cert')) {
      const key = `${e.name.slice(0, -5)}.key`;
      h.clientPairs.push([posix.join(dir, e.name), names.has(key) ? posix.join(dir, key) : '']);
    }
  }
  return [h];
}

/** Reads the host directory for `host` under the config_path roots, as containerd's HostDirFromRoot does. */
export async function loadHostDir(
  fs: NodeFs,
  roots: string[],
  host: string,
  version: Version | null,
): Promise<HostDirResult> {
  let dir: string | null = null;
  for (const root of roots) {
    for (const p of hostPaths(root, host)) {
      if (await fs.kind(p)) {
        dir = p;
        break;
      }
    }
    if (dir) break;
  }
  if (!dir) return { hosts: null, dir: null, files: [], findings: [] };
  const file = posix.join(dir, 'hosts.toml');
  const read = await fs.read(file);
  const findings: Finding[] = [];
  if (!read.ok && read.reason === 'too-large') {
    findings.push(notRead(shown(file), read.detail, 'containerd'));
    return { hosts: [], dir, files: [], findings };
  }
  if (!read.ok && read.reason !== 'missing') {
    findings.push({
      code: 'HOSTS_TOML_UNREADABLE',
      stops: 'before-request',
      severity: 'error',
      cause: null,
      message: `${shown(file)} cannot be read (${read.detail}); containerd fails every pull of ${host}`,
      fix: `make ${shown(file)} a readable regular file`,
      from: shown(file),
    });
    return { hosts: [], dir, files: [], findings };
  }
  if (!read.ok || read.text.length === 0)
    return { hosts: await certFiles(fs, dir), dir, files: [], findings };
  const ignored = (why: string, line: number): HostDirResult => {
    findings.push({
      code: 'HOSTS_TOML_INVALID',
      severity: 'error',
      cause: null,
      message: `${shown(file)}${line ? `:${line}` : ''}: ${why}; containerd logs "failed to decode hosts.toml" and ignores the file, so ${host} is pulled from its default endpoint`,
      fix: `fix ${shown(file)} (TOML, keys server/capabilities/ca/client/skip_verify/header/override_path)`,
      from: `${shown(file)}${line ? `:${line}` : ''}`,
    });
    return { hosts: null, dir, files: [shown(file)], findings };
  };
  const parsed = parseToml(read.text);
  if (!parsed.ok) return withCerts(ignored(parsed.message, parsed.line), fs, dir);
  const doc = parsed.value;
  const at = tomlLines(read.text);
  const hostTable = doc.host;
  if (hostTable === undefined) {
    const rejects = rejectsHostless(version);
    if (rejects === true)
      return withCerts(ignored('no [host] table (containerd before 1.7.32 requires one)', 0), fs, dir);
    if (rejects === 'unknown')
      findings.push({
        code: 'HOSTS_TOML_NO_HOST_TABLE',
        severity: 'warning',
        cause: null,
        message: `${shown(file)} has no [host."…"] table: containerd 1.6 and 1.7 before 1.7.32 reject it and ignore the whole file (its server included)`,
        fix: `add a [host."${typeof doc.server === 'string' ? doc.server : 'https://…'}"] table, or give --runtime-version`,
        from: shown(file),
      });
  } else if (!isTable(hostTable)) return withCerts(ignored('`host` is not a table', at.key('host')), fs, dir);
  const hosts: HostConfig[] = [];
  try {
    for (const [name, t] of Object.entries(isTable(hostTable) ? hostTable : {})) {
      if (!isTable(t)) throw new Error(`host "${name}" is not a table`);
      hosts.push(parseHost(name, dir, t, `${shown(file)}:${at.table(['host', name])}`, false));
    }
    const server = typeof doc.server === 'string' ? doc.server : '';
    hosts.push(parseHost(server, dir, doc, `${shown(file)}:${at.key('server')}`, true));
  } catch (e) {
    return withCerts(ignored((e as Error).message, 0), fs, dir);
  }
  return { hosts, dir, files: [shown(file)], findings };
}

async function withCerts(r: HostDirResult, fs: NodeFs, dir: string): Promise<HostDirResult> {
  return { ...r, hosts: await certFiles(fs, dir) };
}
