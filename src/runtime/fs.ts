// The node's files, read through one small interface rooted at --node-root: every path is a node path
// (`/etc/containerd/config.toml`) resolved inside the root, never outside it, and every read is bounded.
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { posix, resolve, sep } from 'node:path';

/** Config files are small; anything larger is not a config file and is refused rather than read. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Entries read from one directory (certs.d hosts, drop-ins). */
export const MAX_DIR_ENTRIES = 1000;

export interface DirEntry {
  name: string;
  isDir: boolean;
}

export type ReadResult =
  { ok: true; text: string } | { ok: false; reason: 'missing' | 'too-large' | 'unreadable'; detail: string };

export interface NodeFs {
  /** A file's text; `missing` when it does not exist. */
  read(path: string): Promise<ReadResult>;
  /** Entries of a directory sorted by name (Go's os.ReadDir order), or null when it does not exist. */
  list(path: string): Promise<DirEntry[] | null>;
  kind(path: string): Promise<'file' | 'dir' | null>;
}

/** `/etc/x` → `etc/x`: how paths are shown (relative to the node root). */
export function shown(path: string): string {
  return posix.normalize(`/${path}`).slice(1);
}

const errText = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** The node's files under `root` (a mounted node filesystem or a support bundle's copy of it). */
export function rootedFs(root: string): NodeFs {
  const base = resolve(root);
  // A symlink inside the copy may point anywhere on this machine (an absolute link means the node's own path);
  // whatever it resolves to must still be inside the root.
  const locate = async (path: string): Promise<string | null> => {
    const joined = resolve(base, `.${posix.normalize(`/${path}`)}`);
    let real: string;
    try {
      real = await realpath(joined);
    } catch {
      return null;
    }
    const rootReal = await realpath(base).catch(() => base);
    return real === rootReal || real.startsWith(rootReal + sep) ? real : null;
  };
  return {
    async read(path) {
      const p = await locate(path);
      if (!p) return { ok: false, reason: 'missing', detail: 'no such file' };
      try {
        const st = await stat(p);
        if (!st.isFile()) return { ok: false, reason: 'unreadable', detail: 'not a regular file' };
        if (st.size > MAX_FILE_BYTES)
          return { ok: false, reason: 'too-large', detail: `${st.size} bytes (limit ${MAX_FILE_BYTES})` };
        const buf = await readFile(p);
        if (buf.length > MAX_FILE_BYTES)
          return { ok: false, reason: 'too-large', detail: `over ${MAX_FILE_BYTES} bytes` };
        return { ok: true, text: buf.toString('utf8') };
      } catch (e) {
        return { ok: false, reason: 'unreadable', detail: errText(e) };
      }
    },
    async list(path) {
      const p = await locate(path);
      if (!p) return null;
      try {
        const entries = await readdir(p, { withFileTypes: true });
        return entries
          .slice(0, MAX_DIR_ENTRIES)
          .map((e) => ({ name: e.name, isDir: e.isDirectory() }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      } catch {
        return null;
      }
    },
    async kind(path) {
      const p = await locate(path);
      if (!p) return null;
      const st = await stat(p).catch(() => null);
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
      return [...seen].map(([name, isDir]) => ({ name, isDir })).sort((a, b) => (a.name < b.name ? -1 : 1));
    },
    async kind(path) {
      const p = posix.normalize(`/${path}`);
      if (norm.has(p)) return 'file';
      return (await this.list(p)) ? 'dir' : null;
    },
  };
}
