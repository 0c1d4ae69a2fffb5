// TOML as the runtimes read it, through smol-toml (TOML 1.0; go-toml and BurntSushi/toml agree on the documents
// runtimes see). Parse errors keep their line; tables keep file order (object key order), which is the order
// containerd tries `[host."…"]` entries in.
import { parse, TomlError } from 'smol-toml';

export type TomlTable = Record<string, unknown>;

export type TomlResult = { ok: true; value: TomlTable } | { ok: false; line: number; message: string };

export function parseToml(text: string): TomlResult {
  try {
    return { ok: true, value: parse(text) as TomlTable };
  } catch (e) {
    if (e instanceof TomlError)
      return { ok: false, line: e.line, message: e.message.split('\n')[0] ?? e.message };
    return { ok: false, line: 0, message: (e as Error).message };
  }
}

export const isTable = (v: unknown): v is TomlTable =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** The table at a dotted path of keys, or undefined. */
export function tableAt(root: TomlTable, keys: string[]): TomlTable | undefined {
  let cur: unknown = root;
  for (const k of keys) {
    if (!isTable(cur)) return undefined;
    cur = cur[k];
  }
  return isTable(cur) ? cur : undefined;
}

const squash = (s: string) => s.replace(/\s+/g, '');

/**
 * 1-based line of the first line that opens `[a."b"]`-style table `keys` (or `[[…]]` occurrence `nth`), or of
 * `key =` after line `after`; 0 when not found. For pointing at a setting, not for parsing it.
 */
export function lineOfTable(text: string, keys: string[], nth = 0): number {
  const quoted = keys.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)));
  const want = new Set([quoted.join('.'), keys.map((k) => JSON.stringify(k)).join('.'), keys.join('.')]);
  let seen = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*\[\[?([^\]]+)\]\]?/.exec(lines[i] ?? '');
    if (m && want.has(squash(m[1] ?? '').replace(/'/g, '"')) && seen++ === nth) return i + 1;
  }
  return 0;
}

export function lineOfKey(text: string, key: string, after = 0): number {
  const lines = text.split('\n');
  const re = new RegExp(`^\\s*["']?${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*=`);
  for (let i = after; i < lines.length; i++) if (re.test(lines[i] ?? '')) return i + 1;
  return 0;
}
