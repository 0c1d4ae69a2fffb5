// Throwaway CNCF distribution registries on loopback for the demo: a temp dir, a config, a free port, a child
// process, and a stop() that removes all of it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DemoRegistry {
  host: string;
  url: string;
  stop(): Promise<void>;
}

/** The registry binary: Debian's `docker-registry`, or upstream's `registry`, when one is on PATH. */
export async function findRegistryBinary(): Promise<string | null> {
  const { access } = await import('node:fs/promises');
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    for (const name of ['docker-registry', 'registry']) {
      try {
        await access(join(dir, name), 1);
        return join(dir, name);
      } catch {
        // keep looking
      }
    }
  }
  return null;
}

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startRegistry(binary: string, opts: { htpasswd?: string } = {}): Promise<DemoRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'regdoctor-demo-'));
  const port = await freePort();
  const lines = [
    'version: 0.1',
    'log: {level: error}',
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(join(dir, 'data'))}}}`,
    `http: {addr: "127.0.0.1:${port}"}`,
  ];
  if (opts.htpasswd) {
    await writeFile(join(dir, 'htpasswd'), opts.htpasswd);
    lines.push(`auth: {htpasswd: {realm: demo, path: ${JSON.stringify(join(dir, 'htpasswd'))}}}`);
  }
  await writeFile(join(dir, 'config.yml'), lines.join('\n') + '\n');
  const child: ChildProcess = spawn(binary, ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`registry exited: ${stderr.trim()}`);
    }
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`registry did not start within 10s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, url, stop };
}
