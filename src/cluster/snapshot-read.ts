// Reads a snapshot's bytes: one file, a pipe, stdin, or every .json/.yaml/.yml file under a directory, with one
// size budget for the whole input so that a wrong path (a disk image, /dev/zero) fails fast and clearly.
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { ClusterError } from './errors.ts';

/**
 * 256 MiB: several times a 10,000-pod cluster dumped with events and secrets (~60 MB of JSON), and still a size
 * that JSON.parse handles in Node's default heap; a single JS string cannot exceed ~512 MiB anyway.
 */
export const SNAPSHOT_MAX_BYTES = 256 * 1024 * 1024;

/** One file (or stdin) of a snapshot, read on demand. */
export interface SnapshotInput {
  /** File path, or `(stdin)`. */
  name: string;
  /**
   * Its bytes in chunks, checked (not compressed, not binary; a UTF-8 BOM dropped) and counted against the load's
   * size budget as they arrive. Each call reads it again; stdin, which can be read once, is replayed.
   */
  chunks(): AsyncIterable<Buffer>;
}

/** Chunks of 256 KiB: few enough calls, little held at once, and a few tens of milliseconds of parsing each. */
const CHUNK_BYTES = 256 * 1024;
const EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

function sizeLimitError(what: string, limit: number): ClusterError {
  const mib = (limit / 1024 / 1024).toFixed(limit < 1024 * 1024 ? 2 : 0);
  return new ClusterError(
    'input',
    `snapshot ${what} is larger than ${mib} MiB; pass a narrower dump (e.g. one namespace with -n) or a directory of smaller files`,
  );
}

function fsError(path: string, err: unknown): ClusterError {
  const code = (err as NodeJS.ErrnoException)?.code;
  const why =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'ENOTDIR'
          ? 'a path component is not a directory'
          : code === 'ELOOP'
            ? 'too many levels of symbolic links'
            : code === 'EISDIR'
              ? 'is a directory'
              : ((err as Error)?.message ?? String(err));
  return new ClusterError('config', `cannot read snapshot ${path}: ${why}`);
}

/** The bytes used so far by each input of one load, against one limit. */
class Budget {
  private readonly used = new Map<string, number>();
  constructor(
    readonly limit: number,
    /** How an overflow names the input: the file, `directory …` or `on stdin`. */
    readonly what: (name: string) => string,
  ) {}

  /** Starts (or restarts, on a second read) counting `name`. */
  reset(name: string): void {
    this.used.set(name, 0);
  }

  add(name: string, bytes: number): void {
    this.used.set(name, (this.used.get(name) ?? 0) + bytes);
    let total = 0;
    for (const n of this.used.values()) total += n;
    if (total > this.limit) throw sizeLimitError(this.what(name), this.limit);
  }
}

/** Refuses a compressed or binary input from its first bytes. */
function checkStart(name: string, head: Buffer): void {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    throw new ClusterError(
      'input',
      `snapshot ${name} is gzip-compressed; decompress it first (gunzip, or zcat … |)`,
    );
  }
  if (head.subarray(0, 8192).includes(0)) {
    throw new ClusterError('input', `snapshot ${name} is binary data, not JSON or YAML`);
  }
}

/** `source`'s chunks, checked and counted; read errors become ClusterErrors naming the input. */
async function* checked(
  name: string,
  source: AsyncIterable<unknown>,
  budget: Budget,
): AsyncGenerator<Buffer> {
  budget.reset(name);
  let first = true;
  try {
    for await (const chunk of source) {
      let b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      budget.add(name, b.length);
      if (first) {
        checkStart(name, b);
        if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
        first = false;
      }
      yield b;
    }
  } catch (err) {
    throw err instanceof ClusterError ? err : fsError(name, err);
  }
}

/** Reads all of a stream, within the budget (stdin, which the load may need twice). */
async function readAll(stream: Readable, name: string, budget: Budget): Promise<Buffer> {
  const chunks: Buffer[] = [];
  try {
    for await (const b of checked(name, stream, budget)) chunks.push(b);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/** A whole input as text (the YAML reader needs all of it at once); null when it is longer than `maxBytes`. */
export async function inputText(input: SnapshotInput, maxBytes: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const b of input.chunks()) {
    size += b.length;
    if (size > maxBytes) return null;
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function walk(dir: string, seen: Set<string>, out: string[]): Promise<void> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (err) {
    throw fsError(dir, err);
  }
  if (seen.has(real)) return; // a symlink back up the tree
  seen.add(real);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw fsError(dir, err);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    // Hidden entries are VCS or editor state (.git, .swp), never part of a dump.
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const st = await stat(p).catch(() => undefined); // a dangling link is skipped like any non-file
      isDir = st?.isDirectory() ?? false;
      isFile = st?.isFile() ?? false;
    }
    if (isDir) await walk(p, seen, out);
    else if (isFile && EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
  }
}

export interface ReadOptions {
  maxBytes: number;
  stdin: Readable;
}

/** Every input the path names, in a stable order (directory entries sorted by name, depth first). */
export async function readSnapshotInputs(pathOrDash: string, opts: ReadOptions): Promise<SnapshotInput[]> {
  const { maxBytes } = opts;
  if (pathOrDash === '-') {
    const budget = new Budget(maxBytes, () => 'on stdin');
    const all = await readAll(opts.stdin, '(stdin)', budget);
    return [
      {
        name: '(stdin)',
        async *chunks() {
          for (let at = 0; at < all.length; at += CHUNK_BYTES) yield all.subarray(at, at + CHUNK_BYTES);
        },
      },
    ];
  }
  let st;
  try {
    st = await stat(pathOrDash);
  } catch (err) {
    throw fsError(pathOrDash, err);
  }
  const files: string[] = [];
  if (st.isDirectory()) {
    await walk(pathOrDash, new Set(), files);
    if (files.length === 0) {
      throw new ClusterError('input', `snapshot directory ${pathOrDash} holds no .json, .yaml or .yml files`);
    }
  } else {
    files.push(pathOrDash); // a file, or a pipe such as <(kubectl get … -o json)
  }
  const what = (f: string) => (files.length === 1 ? f : `directory ${pathOrDash}`);
  // Regular files are checked before reading; pipes and devices only while reading.
  let sized = 0;
  for (const f of files) {
    const fst =
      f === pathOrDash ? st : await stat(f).catch((err: unknown) => Promise.reject(fsError(f, err)));
    if (fst.isFile()) sized += fst.size;
    if (sized > maxBytes) throw sizeLimitError(what(f), maxBytes);
  }
  const budget = new Budget(maxBytes, what);
  // A pipe can be read once: it is read whole at the first call and replayed after.
  return files.map((f): SnapshotInput => {
    let piped: Promise<Buffer> | undefined;
    return {
      name: f,
      async *chunks() {
        const fst = await stat(f).catch((err: unknown) => Promise.reject(fsError(f, err)));
        if (fst.isFile()) {
          const stream = createReadStream(f, { highWaterMark: CHUNK_BYTES });
          try {
            yield* checked(f, stream, budget);
          } finally {
            stream.destroy();
          }
          return;
        }
        piped ??= readAll(createReadStream(f), f, budget);
        const all = await piped;
        for (let at = 0; at < all.length; at += CHUNK_BYTES) yield all.subarray(at, at + CHUNK_BYTES);
      },
    };
  });
}
