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

/** Where settings are, for pointing at them (not for parsing): 1-based lines, 0 when not found. */
export interface TomlLines {
  /** The line opening table `[a."b"]` (or its `[[…]]` occurrence `nth`). */
  table(keys: string[], nth?: number): number;
  /** The first line after line `after` that sets `key =`. */
  key(key: string, after?: number): number;
}

const HEADER = /^\s*\[\[?([^\]]+)\]\]?/;
const KEY = /^\s*(?:"([^"]*)"|'([^']*)'|([^\s=]+))\s*=/;

/**
 * One pass over the text builds the index; each lookup is then a map access and a binary search, so a file with
 * thousands of tables is pointed into in linear time, not one scan per table.
 */
export function tomlLines(text: string): TomlLines {
  const headers = new Map<string, number[]>();
  const keys = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, k: string, line: number) => {
    const l = m.get(k);
    if (l) l.push(line);
    else m.set(k, [line]);
  };
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    const h = HEADER.exec(raw);
    if (h) add(headers, squash(h[1] ?? '').replace(/'/g, '"'), line);
    else {
      const k = KEY.exec(raw);
      if (k) add(keys, k[1] ?? k[2] ?? k[3] ?? '', line);
    }
  }
  const tables = new Map<string, number[]>();
  return {
    table(path, nth = 0) {
      const id = JSON.stringify(path);
      let lines = tables.get(id);
      if (!lines) {
        const quoted = path.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)));
        const forms = new Set([
          quoted.join('.'),
          path.map((k) => JSON.stringify(k)).join('.'),
          path.join('.'),
        ]);
        lines = [...forms].flatMap((f) => headers.get(f) ?? []).sort((a, b) => a - b);
        tables.set(id, lines);
      }
      return lines[nth] ?? 0;
    },
    key(key, after = 0) {
      const lines = keys.get(key) ?? [];
      let lo = 0;
      let hi = lines.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((lines[mid] as number) > after) hi = mid;
        else lo = mid + 1;
      }
      return lines[lo] ?? 0;
    },
  };
}
