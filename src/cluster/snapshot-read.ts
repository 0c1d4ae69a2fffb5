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

export interface SnapshotInput {
  /** File path, or `(stdin)`. */
  name: string;
  text: string;
}

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

/** Reads a stream to a Buffer, stopping (and destroying the stream) as soon as `budget` bytes are exceeded. */
async function readBounded(
  stream: Readable,
  name: string,
  what: string,
  budget: number,
  limit: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += b.length;
      if (total > budget) throw sizeLimitError(what, limit);
      chunks.push(b);
    }
  } catch (err) {
    throw err instanceof ClusterError ? err : fsError(name, err);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks, total);
}

/** Text of a snapshot input; refuses binary data with a hint for the common case (a compressed bundle). */
export function decode(name: string, buf: Buffer): SnapshotInput {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    throw new ClusterError(
      'input',
      `snapshot ${name} is gzip-compressed; decompress it first (gunzip, or zcat … |)`,
    );
  }
  if (buf.subarray(0, 8192).includes(0)) {
    throw new ClusterError('input', `snapshot ${name} is binary data, not JSON or YAML`);
  }
  let text = buf.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return { name, text };
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
    return [decode('(stdin)', await readBounded(opts.stdin, 'stdin', 'on stdin', maxBytes, maxBytes))];
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
  const inputs: SnapshotInput[] = [];
  let used = 0;
  for (const f of files) {
    const what = files.length === 1 ? f : `directory ${pathOrDash}`;
    const fst =
      f === pathOrDash ? st : await stat(f).catch((err: unknown) => Promise.reject(fsError(f, err)));
    // Regular files are checked before reading; pipes and devices only while reading.
    if (fst.isFile() && used + fst.size > maxBytes) throw sizeLimitError(what, maxBytes);
    const buf = await readBounded(createReadStream(f), f, what, maxBytes - used, maxBytes);
    used += buf.length;
    inputs.push(decode(f, buf));
  }
  return inputs;
}
