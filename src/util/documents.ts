// Reading documents from disk or stdin — files, directories, `-` — bounded in size, and decoding multi-document
// YAML or JSON with `List`s flattened. Policy files, manifests and vulnerability reports are all read this way.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Document } from 'yaml';
import { UsageError } from '../cause/index.ts';
import { InputLimitError, jsonValues, looksLikeJson, yamlDocuments } from './bounded-text.ts';
import { JsonSplitError } from './json-split.ts';

/** One input's text; `name` is the path or `(stdin)`. */
export interface Input {
  name: string;
  text: string;
}

/** Far above any real manifest set; keeps a wrong path (a disk image) from being read into memory. */
export const INPUT_MAX_BYTES = 64 * 1024 * 1024;
const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Files as given, directories recursively (their .yaml/.yml/.json files, sorted), `-` = stdin (once). */
export async function readInputs(
  paths: readonly string[],
  readStdin: () => Promise<string> = stdinText,
): Promise<Input[]> {
  const out: Input[] = [];
  let total = 0;
  let stdinUsed = false;
  const add = (name: string, text: string) => {
    total += text.length;
    if (total > INPUT_MAX_BYTES) throw new UsageError(`${name}: input larger than 64 MiB in total`);
    out.push({ name, text });
  };
  const walk = async (path: string, top: boolean): Promise<void> => {
    const info = await stat(path).catch((err: unknown) => {
      throw new UsageError(`cannot read ${path}: ${fsReason(err)}`);
    });
    if (info.isDirectory()) {
      const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      for (const e of entries) {
        if (e.name.startsWith('.')) continue;
        if (e.isDirectory() || EXTENSIONS.has(extname(e.name).toLowerCase()))
          await walk(join(path, e.name), false);
      }
      return;
    }
    if (!top && !info.isFile()) return;
    if (info.isFile() && info.size > INPUT_MAX_BYTES) throw new UsageError(`${path}: larger than 64 MiB`);
    const text = await readFile(path, 'utf8').catch((err: unknown) => {
      throw new UsageError(`cannot read ${path}: ${fsReason(err)}`);
    });
    add(path, text);
  };
  for (const p of paths) {
    if (p === '-') {
      if (stdinUsed) throw new UsageError("'-' (stdin) can be given only once");
      stdinUsed = true;
      add('(stdin)', await readStdin());
    } else await walk(p, true);
  }
  return out;
}

function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (err as Error)?.message ?? String(err);
}

async function stdinText(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > INPUT_MAX_BYTES) throw new UsageError('(stdin): input larger than 64 MiB');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A decoded document and where it came from (`file`, `file#2` for the second YAML document). */
export interface Doc {
  where: string;
  value: unknown;
}

/**
 * Every document of a YAML or JSON text, within the limits of bounded-text.ts; empty documents skipped, `*List`
 * items flattened. JSON goes through the JSON reader (far faster than the YAML parser, and nesting-bounded).
 */
export function decodeDocuments(input: Input): Doc[] {
  const out: Doc[] = [];
  if (looksLikeJson(input.text)) {
    let values: unknown[] | undefined;
    try {
      values = jsonValues(input.text);
    } catch (err) {
      if (!(err instanceof JsonSplitError)) throw err;
      if (err.kind === 'depth')
        throw new UsageError(`${input.name}: ${err.message.replace(/^nested/, 'nests')}`);
      // Not JSON after all: YAML's flow style starts with '{' too.
    }
    if (values) {
      const many = values.length > 1;
      values.forEach((v, i) => {
        if (v !== null) flatten(v, many ? `${input.name}#${i + 1}` : input.name, out);
      });
      return out;
    }
  }
  let list: Document.Parsed[];
  try {
    list = [...yamlDocuments(input.text)];
  } catch (err) {
    if (err instanceof InputLimitError) throw new UsageError(`${input.name}: ${err.message}`);
    throw err;
  }
  const many = list.length > 1;
  list.forEach((doc, i) => {
    const where = many ? `${input.name}#${i + 1}` : input.name;
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0];
      const pos = line ? ` (line ${line.line}, column ${line.col})` : '';
      throw new UsageError(
        `${where}: not valid YAML or JSON${pos}: ${(err.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`,
      );
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      // The yaml package refuses alias bombs here, after parsing.
      throw new UsageError(`${where}: not usable YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    if (value === null || value === undefined) return;
    flatten(value, where, out);
  });
  return out;
}

function flatten(value: unknown, where: string, out: Doc[]): void {
  const v = value as { kind?: unknown; items?: unknown };
  if (typeof v === 'object' && v !== null && typeof v.kind === 'string' && v.kind.endsWith('List')) {
    if (!Array.isArray(v.items)) throw new UsageError(`${where}: ${v.kind} without an items array`);
    v.items.forEach((item, i) => flatten(item, `${where} items[${i}]`, out));
    return;
  }
  out.push({ where, value });
}
