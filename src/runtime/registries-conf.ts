// containers/image's registries.conf (v2) as CRI-O loads it (pkg/sysregistriesv2, 5.23 → current): the main
// file, then every `*.conf` in registries.conf.d in name order; a drop-in's [[registry]] replaces one with the
// same prefix, its unqualified-search-registries / short-name-mode replace the earlier ones, aliases merge.
import type { NodeFs } from './fs.ts';
import { shown } from './fs.ts';
import { firstDropIns, notRead } from './limits.ts';
import { isTable, parseToml, tomlLines } from './toml.ts';
import type { Finding } from './types.ts';

export const REGISTRIES_CONF = '/etc/containers/registries.conf';
export const REGISTRIES_CONF_D = '/etc/containers/registries.conf.d';

export interface MirrorEntry {
  location: string;
  insecure: boolean;
  pullFromMirror: 'all' | 'digest-only' | 'tag-only' | '';
  from: string;
}

export interface RegistryEntry {
  prefix: string;
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: MirrorEntry[];
  from: string;
}

export interface RegistriesConf {
  registries: RegistryEntry[];
  search: { list: string[]; from: string } | null;
  shortNameMode: { mode: string; from: string } | null;
  aliases: Map<string, { value: string; from: string }>;
  files: string[];
  findings: Finding[];
  /** A file that containers/image refuses: every pull fails. */
  fatal: boolean;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** parseLocation: trailing slashes dropped, URI schemes refused. */
function location(input: string): string {
  const t = input.replace(/\/+$/, '');
  if (/^https?:\/\//.test(t)) throw new Error(`invalid location '${input}': URI schemes are not supported`);
  return t;
}

interface Parsed {
  registries: RegistryEntry[];
  search: string[] | null;
  shortNameMode: string | null;
  aliases: Record<string, string>;
}

function parseFile(text: string, file: string, dropIn: boolean): Parsed {
  const r = parseToml(text);
  if (!r.ok) throw Object.assign(new Error(r.message), { line: r.line });
  const doc = r.value;
  const at = tomlLines(text);
  const v1 = isTable(doc.registries);
  const list = Array.isArray(doc.registry) ? doc.registry : [];
  if (v1) {
    if (dropIn) throw new Error('registry must be in v2 format but is in v1');
    if (list.length > 0 || doc['unqualified-search-registries'] !== undefined)
      throw new Error('mixing sysregistry v1/v2 is not supported');
  }
  const registries: RegistryEntry[] = [];
  // [[registry.mirror]] headers seen before this registry's: where its mirrors' lines are.
  let mirrorCount = 0;
  list.forEach((raw: unknown, i: number) => {
    if (!isTable(raw)) throw new Error(`[[registry]] ${i + 1} is not a table`);
    const from = `${shown(file)}:${at.table(['registry'], i)}`;
    let loc = location(str(raw.location));
    let prefix = str(raw.prefix);
    if (!prefix) {
      if (!loc) throw new Error('invalid condition: both location and prefix are unset');
      prefix = loc;
    } else {
      prefix = location(prefix);
      if (!prefix.startsWith('*.') && !loc)
        throw new Error(
          'invalid condition: location is unset and prefix is not in the format: *.example.com',
        );
    }
    if (prefix.startsWith('*.') && /[/@:]/.test(prefix))
      throw new Error(
        `Wildcarded prefix should be in the format: *.example.com. Current prefix "${prefix}" is incorrectly formatted`,
      );
    if (raw['pull-from-mirror'] !== undefined)
      throw new Error(`pull-from-mirror must not be set for a non-mirror registry "${prefix}"`);
    const byDigest = raw['mirror-by-digest-only'] === true;
    const mirrorsBefore = mirrorCount;
    mirrorCount += Array.isArray(raw.mirror) ? raw.mirror.length : 0;
    const mirrors: MirrorEntry[] = (Array.isArray(raw.mirror) ? raw.mirror : []).map(
      (m: unknown, j: number) => {
        if (!isTable(m)) throw new Error('mirror is not a table');
        const ml = location(str(m.location));
        if (!ml) throw new Error('invalid condition: mirror location is unset');
        const pfm = str(m['pull-from-mirror']);
        if (byDigest && pfm)
          throw new Error(
            `cannot set mirror usage mirror-by-digest-only for the registry ("${prefix}") and pull-from-mirror for per-mirror ("${ml}") at the same time`,
          );
        if (pfm && !['all', 'digest-only', 'tag-only'].includes(pfm))
          throw new Error(`unsupported pull-from-mirror value "${pfm}" for mirror "${ml}"`);
        return {
          location: ml,
          insecure: m.insecure === true,
          pullFromMirror: pfm as MirrorEntry['pullFromMirror'],
          from: `${shown(file)}:${at.key('location', at.table(['registry', 'mirror'], mirrorsBefore + j))}`,
        };
      },
    );
    loc = loc || '';
    registries.push({
      prefix,
      location: loc,
      insecure: raw.insecure === true,
      blocked: raw.blocked === true,
      mirrorByDigestOnly: byDigest,
      mirrors,
      from,
    });
  });
  const usr = doc['unqualified-search-registries'];
  const search = Array.isArray(usr) ? usr.map((s) => location(String(s))) : null;
  const mode = typeof doc['short-name-mode'] === 'string' ? doc['short-name-mode'] : null;
  if (mode !== null && !['enforcing', 'permissive', 'disabled'].includes(mode))
    throw new Error(`invalid short-name mode: "${mode}"`);
  const aliases: Record<string, string> = {};
  if (isTable(doc.aliases)) for (const [k, v] of Object.entries(doc.aliases)) aliases[k] = String(v);
  return { registries, search, shortNameMode: mode, aliases };
}

/** The first longest prefix wins; later duplicates of a prefix are dropped; the result is sorted by prefix. */
function dedupe(regs: RegistryEntry[]): RegistryEntry[] {
  const byPrefix = new Map<string, RegistryEntry>();
  for (const r of regs) if (!byPrefix.has(r.prefix)) byPrefix.set(r.prefix, r);
  return [...byPrefix.keys()].sort().map((p) => byPrefix.get(p) as RegistryEntry);
}

export async function loadRegistriesConf(fs: NodeFs): Promise<RegistriesConf> {
  const out: RegistriesConf = {
    registries: [],
    search: null,
    shortNameMode: null,
    aliases: new Map(),
    files: [],
    findings: [],
    fatal: false,
  };
  const d = firstDropIns(await fs.list(REGISTRIES_CONF_D), shown(REGISTRIES_CONF_D), 'containers/image');
  out.findings.push(...d.findings);
  const dropins = d.names.map((n) => `${REGISTRIES_CONF_D}/${n}`);
  for (const [file, dropIn] of [
    [REGISTRIES_CONF, false] as const,
    ...dropins.map((d) => [d, true] as const),
  ]) {
    const read = await fs.read(file);
    if (!read.ok) {
      if (read.reason !== 'missing') {
        out.fatal = true;
        out.findings.push(
          read.reason === 'too-large'
            ? notRead(shown(file), read.detail, 'containers/image')
            : refused(file, read.detail, 0),
        );
      }
      continue;
    }
    out.files.push(shown(file));
    const at = tomlLines(read.text);
    let p: Parsed;
    try {
      p = parseFile(read.text, file, dropIn);
    } catch (e) {
      out.fatal = true;
      out.findings.push(refused(file, (e as Error).message, (e as { line?: number }).line ?? 0));
      continue;
    }
    if (!dropIn) out.registries = dedupe(p.registries);
    else {
      const map = new Map(out.registries.map((r) => [r.prefix, r]));
      for (const r of dedupe(p.registries)) map.set(r.prefix, r);
      out.registries = [...map.keys()].sort().map((k) => map.get(k) as RegistryEntry);
    }
    if (p.search)
      out.search = {
        list: p.search,
        from: `${shown(file)}:${at.key('unqualified-search-registries')}`,
      };
    if (p.shortNameMode)
      out.shortNameMode = {
        mode: p.shortNameMode,
        from: `${shown(file)}:${at.key('short-name-mode')}`,
      };
    for (const [k, v] of Object.entries(p.aliases))
      out.aliases.set(k, {
        value: v,
        from: `${shown(file)}:${at.key(k, at.table(['aliases']))}`,
      });
  }
  return out;
}

function refused(file: string, why: string, line: number): Finding {
  const at = `${shown(file)}${line ? `:${line}` : ''}`;
  return {
    code: 'REGISTRIES_CONF_INVALID',
    stops: 'before-request',
    severity: 'error',
    cause: null,
    message: `${at}: ${why}; containers/image refuses the configuration, so every pull on this node fails`,
    fix: `fix ${shown(file)} (registries.conf v2: [[registry]] prefix/location/insecure/blocked, [[registry.mirror]])`,
    from: at,
  };
}

/** refMatchingPrefix: the length of the match, or -1. */
function matchLength(ref: string, prefix: string): number {
  if (prefix.startsWith('*.')) {
    const idx = ref.indexOf(prefix.slice(1));
    if (idx < 0 || ref.slice(0, idx).includes('/')) return -1;
    const end = idx + prefix.length - 1;
    return end === ref.length || ':/@'.includes(ref[end] ?? '') ? end : -1;
  }
  if (ref.length < prefix.length || !ref.startsWith(prefix)) return -1;
  if (ref.length === prefix.length) return prefix.length;
  return ':/@'.includes(ref[prefix.length] ?? '') ? prefix.length : -1;
}

/** FindRegistry: the entry with the longest matching prefix (first of equals), or null. */
export function findRegistry(conf: RegistriesConf, name: string): RegistryEntry | null {
  let best: RegistryEntry | null = null;
  for (const r of conf.registries)
    if (matchLength(name, r.prefix) !== -1 && r.prefix.length > (best?.prefix.length ?? 0)) best = r;
  return best;
}

/** rewriteReference: the prefix replaced by the endpoint's location. */
export function rewrite(refString: string, prefix: string, loc: string): string {
  if (!loc) return refString;
  return loc + refString.slice(matchLength(refString, prefix));
}
