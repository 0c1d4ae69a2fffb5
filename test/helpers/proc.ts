import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { guardPid } from './cleanup-guard.ts';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Strings to blank out of the error message (passwords passed on the command line). */
  redact?: string[];
}

function redactAll(text: string, secrets: string[] | undefined): string {
  let out = text;
  for (const s of secrets ?? []) if (s) out = out.split(s).join('***');
  return out;
}

export interface Captured extends RunResult {
  /** null when the process was killed (timeout) or could not start. */
  exitCode: number | null;
  timedOut: boolean;
  /** Why the process could not start (ENOENT for a missing command). */
  spawnError?: string;
}

/** Runs a command to completion and reports how it ended; never rejects (for commands expected to fail). */
export function runCaptured(cmd: string, args: string[], opts: RunOptions = {}): Promise<Captured> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      {
        timeout: opts.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        unguard();
        const exitCode = !err ? 0 : typeof err.code === 'number' ? err.code : null;
        const spawnError = err && typeof err.code === 'string' ? err.code : undefined;
        resolve({
          stdout,
          stderr,
          exitCode,
          timedOut: Boolean(err?.killed),
          ...(spawnError ? { spawnError } : {}),
        });
      },
    );
    const unguard = child.pid !== undefined ? guardPid(child.pid) : () => false;
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Runs a command to completion; rejects with its stderr when it exits non-zero or times out. */
export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await runCaptured(cmd, args, opts);
  if (r.exitCode === 0) return { stdout: r.stdout, stderr: r.stderr };
  const line = redactAll(`${cmd} ${args.join(' ')}`, opts.redact);
  const why = r.timedOut
    ? `killed after ${opts.timeoutMs ?? 60_000} ms`
    : `exit ${r.exitCode ?? r.spawnError ?? 'unknown'}`;
  throw new Error(`${line}: ${why}\n${redactAll(r.stderr, opts.redact)}`);
}

export interface Daemon {
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

// setpriv --pdeathsig makes the kernel kill the daemon if this test process dies without cleaning up
// (SIGKILL from the runner's timeout), which no in-process handler can catch.
const SETPRIV = '/usr/bin/setpriv';
const hasSetpriv = existsSync(SETPRIV);

/** Starts a long-running process whose output is captured and which is killed at stop() or process exit. */
export function startDaemon(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Daemon {
  const [file, argv] = hasSetpriv ? [SETPRIV, ['--pdeathsig', 'KILL', cmd, ...args]] : [cmd, args];
  const child = spawn(file, argv, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const unguard = child.pid !== undefined ? guardPid(child.pid) : () => false;
  let out = '';
  const MAX = 256 * 1024;
  const append = (b: Buffer) => {
    out += b.toString('utf8');
    if (out.length > MAX) out = out.slice(-MAX);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      unguard();
      resolve(code);
    });
    child.once('error', (err) => {
      out += `\nspawn error: ${err.message}`;
      unguard();
      resolve(null);
    });
  });
  return {
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 2000);
        await exited;
        clearTimeout(t);
      }
    },
  };
}
