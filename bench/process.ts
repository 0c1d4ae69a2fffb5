// Wall time of one whole child process, from spawn to exit. Async spawn on purpose: the bench's own event loop must
// stay free while the child runs (it drives the proxy's IPC and the registries' readiness checks).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ProcessRun {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

const KILL_AFTER_MS = 30_000;

/** The parent's environment without proxy settings, so every tool talks to the loopback registry directly. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(https?|all|no)_proxy$/i.test(k)) env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export function timeProcess(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  killAfterMs = KILL_AFTER_MS,
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      const ms = performance.now() - start;
      clearTimeout(timer);
      resolve({
        ms,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** A whole process under GNU time: wall time, peak resident set (`%M`, KiB, written to `dir`/time.txt) and output. */
export async function timeWithPeakRss(
  cmd: string,
  args: string[],
  dir: string,
  killAfterMs = 2 * KILL_AFTER_MS,
): Promise<ProcessRun & { rssMb: number }> {
  const file = join(dir, 'time.txt');
  const run = await timeProcess(
    '/usr/bin/time',
    ['-f', '%M', '-o', file, cmd, ...args],
    cleanEnv(),
    killAfterMs,
  );
  const kib = Number((await readFile(file, 'utf8')).trim().split('\n').at(-1));
  return { ...run, rssMb: kib / 1024 };
}
