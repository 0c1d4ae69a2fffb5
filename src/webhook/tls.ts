// The serving certificate, re-read when its files change. cert-manager renews the Secret well before expiry and
// the kubelet swaps the mounted files atomically (a `..data` symlink flip), so polling the contents is enough and
// works where inotify on a symlinked volume does not.
import { createSecureContext } from 'node:tls';
import { readFile } from 'node:fs/promises';
import { UsageError } from '../cause/index.ts';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsWatcher {
  /** What the server starts with. */
  current: { cert: Buffer; key: Buffer };
  /** Reads the files now; resolves true when they changed and were installed. */
  check(): Promise<boolean>;
  stop(): void;
}

async function read(files: TlsFiles): Promise<{ cert: Buffer; key: Buffer }> {
  const [cert, key] = await Promise.all([readFile(files.certFile), readFile(files.keyFile)]);
  return { cert, key };
}

export async function watchTlsFiles(
  files: TlsFiles,
  opts: {
    intervalMs: number;
    onReload: (pair: { cert: Buffer; key: Buffer }) => void;
    log: (line: string) => void;
  },
): Promise<TlsWatcher> {
  let current: { cert: Buffer; key: Buffer };
  try {
    current = await read(files);
    createSecureContext(current);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? `no such file ${e.path ?? ''}`.trim() : e.message;
    throw new UsageError(`cannot use --tls-cert ${files.certFile} / --tls-key ${files.keyFile}: ${why}`);
  }
  let lastError = '';
  const check = async (): Promise<boolean> => {
    try {
      const next = await read(files);
      if (next.cert.equals(current.cert) && next.key.equals(current.key)) return false;
      // A half-written pair (new certificate, old key) fails here and is retried on the next tick.
      createSecureContext(next);
      opts.onReload(next);
      current = next;
      lastError = '';
      opts.log('serving certificate reloaded');
      return true;
    } catch (err) {
      const message = (err as Error).message;
      if (message !== lastError)
        opts.log(`serving certificate not reloaded, keeping the old one: ${message}`);
      lastError = message;
      return false;
    }
  };
  const timer = opts.intervalMs > 0 ? setInterval(() => void check(), opts.intervalMs) : undefined;
  timer?.unref();
  return { current, check, stop: () => clearInterval(timer) };
}
