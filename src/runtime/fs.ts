// The node's files, read through one small interface rooted at --node-root: every path is a node path
// (`/etc/containerd/config.toml`) resolved inside the root, never outside it, and every read is bounded.
import { constants, type Stats } from 'node:fs';
import { lstat, open, opendir, readlink, realpath } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';

/** Config files are small; anything larger is not a config file and is refused rather than read. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Entries listed from one directory (certs.d hosts, drop-ins); past this the listing is cut short. */
export const MAX_DIR_ENTRIES = 10_000;
/** Bytes one rootedFs reads in all (one plan and its probe): 100 drop-ins of 1 MiB each are no node's config. */
export const MAX_TOTAL_BYTES = 16 * 1024 * 1024;
/** Symbolic links followed while resolving one path (Linux's own limit is 40). */
export const MAX_SYMLINKS = 40;

export interface DirEntry {
  name: string;
  isDir: boolean;
}

/** A directory's entries sorted by name (Go's os.ReadDir order); `truncated` when it held more than were listed. */
export interface Listing {
  entries: DirEntry[];
  truncated: boolean;
}

export type ReadResult =
  { ok: true; text: string } | { ok: false; reason: 'missing' | 'too-large' | 'unreadable'; detail: string };

export interface NodeFs {
  /** A file's text; `missing` when it does not exist. */
  read(path: string): Promise<ReadResult>;
  /** The directory's entries, or null when it does not exist. */
  list(path: string): Promise<Listing | null>;
  kind(path: string): Promise<'file' | 'dir' | null>;
}

/** `/etc/x` → `etc/x`: how paths are shown (relative to the node root). */
export function shown(path: string): string {
  return posix.normalize(`/${path}`).slice(1);
}

const errText = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

type Located =
  | { ok: true; path: string; stat: Stats | null }
  | { ok: false; reason: 'missing' | 'unreadable'; detail: string };

/** The files under `root` (a mounted node filesystem or a support bundle's copy of it), as the node sees them. */
export function rootedFs(root: string): NodeFs {
  const base = resolve(root);
  let rootReal: Promise<string> | null = null;
  let budget = MAX_TOTAL_BYTES;
  // Resolved as the node would (a chroot): an absolute link names the node's own path, `..` stops at the root, and
  // a loop ends after MAX_SYMLINKS links — so a link can never lead to this machine's files.
  const locate = async (path: string): Promise<Located> => {
    rootReal ??= realpath(base).catch(() => base);
    const top = await rootReal;
    const todo = posix.normalize(`/${path}`).split('/').filter(Boolean);
    let at: string[] = [];
    let last: Stats | null = null;
    let links = 0;
    while (todo.length > 0) {
      const c = todo.shift() as string;
      if (c === '.') continue;
      if (c === '..') {
        at.pop();
        last = null;
        continue;
      }
      const p = join(top, ...at, c);
      let st: Stats;
      try {
        st = await lstat(p);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return code === 'ENOENT' || code === 'ENOTDIR'
          ? { ok: false, reason: 'missing', detail: 'no such file' }
          : { ok: false, reason: 'unreadable', detail: errText(e) };
      }
      if (!st.isSymbolicLink()) {
        at.push(c);
        last = st;
        continue;
      }
      if (++links > MAX_SYMLINKS)
        return {
          ok: false,
          reason: 'unreadable',
          detail: `more than ${MAX_SYMLINKS} symbolic links (a loop)`,
        };
      let target: string;
      try {
        target = await readlink(p);
      } catch (e) {
        return { ok: false, reason: 'unreadable', detail: errText(e) };
      }
      if (target.startsWith('/')) at = [];
      last = null;
      todo.unshift(...target.split('/').filter(Boolean));
    }
    return { ok: true, path: join(top, ...at), stat: last };
  };
  return {
    async read(path) {
      const at = await locate(path);
      if (!at.ok) return at;
      if (at.stat && !at.stat.isFile()) return { ok: false, reason: 'unreadable', detail: kindOf(at.stat) };
      // Opened without blocking and checked on the descriptor: a FIFO or device put there (or swapped in after a
      // check) is refused instead of waited on or read forever.
      let fh;
      try {
        fh = await open(at.path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
      } catch (e) {
        return { ok: false, reason: 'unreadable', detail: errText(e) };
      }
      try {
        const st = await fh.stat();
        if (!st.isFile()) return { ok: false, reason: 'unreadable', detail: kindOf(st) };
        if (st.size > MAX_FILE_BYTES)
          return { ok: false, reason: 'too-large', detail: `${st.size} bytes (limit ${MAX_FILE_BYTES})` };
        if (st.size > budget)
          return {
            ok: false,
            reason: 'too-large',
            detail: `the ${MAX_TOTAL_BYTES / 1024 / 1024} MiB regdoctor reads from one node root are spent`,
          };
        // One byte more than allowed tells a file that grew since the stat from one that fits.
        const buf = Buffer.alloc(Math.min(MAX_FILE_BYTES, budget) + 1);
        let n = 0;
        while (n < buf.length) {
          const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
          if (bytesRead === 0) break;
          n += bytesRead;
        }
        budget -= n;
        if (n === buf.length)
          return { ok: false, reason: 'too-large', detail: `over ${buf.length - 1} bytes` };
        return { ok: true, text: buf.subarray(0, n).toString('utf8') };
      } catch (e) {
        return { ok: false, reason: 'unreadable', detail: errText(e) };
      } finally {
        await fh.close();
      }
    },
    async list(path) {
      const at = await locate(path);
      if (!at.ok) return null;
      const entries: DirEntry[] = [];
      let truncated = false;
      try {
        const dir = await opendir(at.path, { bufferSize: 256 });
        for await (const e of dir) {
          if (entries.length === MAX_DIR_ENTRIES) {
            truncated = true;
            break; // leaving the loop closes the directory
          }
          entries.push({ name: e.name, isDir: e.isDirectory() });
        }
      } catch {
        return null;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { entries, truncated };
    },
    async kind(path) {
      const at = await locate(path);
      if (!at.ok) return null;
      const st = at.stat ?? (await lstat(at.path).catch(() => null));
      return st?.isFile() ? 'file' : st?.isDirectory() ? 'dir' : null;
    },
  };
}

/** Files held in memory, keyed by node path; directories are implied by the paths. For tests and bundles. */
export function memoryFs(files: Record<string, string>): NodeFs {
  const norm = new Map(Object.entries(files).map(([k, v]) => [posix.normalize(`/${k}`), v]));
  const dirOf = (p: string) => posix.normalize(`/${p}`).replace(/\/$/, '');
  return {
    async read(path) {
      const text = norm.get(posix.normalize(`/${path}`));
      if (text === undefined) return { ok: false, reason: 'missing', detail: 'no such file' };
      if (Buffer.byteLength(text) > MAX_FILE_BYTES)
        return { ok: false, reason: 'too-large', detail: `over ${MAX_FILE_BYTES} bytes` };
      return { ok: true, text };
    },
    async list(path) {
      const d = dirOf(path);
      const seen = new Map<string, boolean>();
      for (const k of norm.keys()) {
        if (!k.startsWith(`${d}/`)) continue;
        const rest = k.slice(d.length + 1);
        const i = rest.indexOf('/');
        seen.set(i < 0 ? rest : rest.slice(0, i), i >= 0 || (seen.get(rest) ?? false));
      }
      if (seen.size === 0) return null;
      const entries = [...seen].map(([name, isDir]) => ({ name, isDir }));
      entries.sort((a, b) => (a.name < b.name ? -1 : 1));
      return { entries: entries.slice(0, MAX_DIR_ENTRIES), truncated: entries.length > MAX_DIR_ENTRIES };
    },
    async kind(path) {
      const p = posix.normalize(`/${path}`);
      if (norm.has(p)) return 'file';
      return (await this.list(p)) ? 'dir' : null;
    },
  };
}
