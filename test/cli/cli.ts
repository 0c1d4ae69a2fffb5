// Runs the real, bundled CLI as a child process. The bundle is built by the unmodified scripts/build.mjs into a
// private copy of the project's shape (symlinked src and node_modules), so tests never race with other test
// files or people rebuilding the shared dist/ while a child is starting.
import { spawn } from 'node:child_process';
import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../helpers/proc.ts';
import { guardPid } from '../helpers/cleanup-guard.ts';
import type { Fixture } from '../helpers/fixture.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the child after this long (it then shows up as code null). Default 30 s. */
  killAfterMs?: number;
  /** Close the reading end of stdout before the child writes anything, like `| head -0` would. */
  closeStdout?: boolean;
}

export interface Cli {
  /** Path of the launcher (`bin/regdoctor`) inside the private build. */
  bin: string;
  /** A HOME with no Docker or containers credentials, so the runner's own config is never read. */
  home: string;
  run(args: string[], opts?: CliOptions): Promise<CliResult>;
}

/** Builds the CLI once into the fixture's temp dir; call from `before` after the fixture is initialised. */
export async function buildCli(fx: Fixture): Promise<Cli> {
  const dir = await fx.subdir('cli-build');
  await mkdir(join(dir, 'scripts'));
  await mkdir(join(dir, 'bin'));
  await Promise.all([
    copyFile(join(ROOT, 'scripts/build.mjs'), join(dir, 'scripts/build.mjs')),
    copyFile(join(ROOT, 'bin/regdoctor'), join(dir, 'bin/regdoctor')),
    copyFile(join(ROOT, 'package.json'), join(dir, 'package.json')),
    symlink(join(ROOT, 'src'), join(dir, 'src')),
    symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules')),
  ]);
  await run(process.execPath, ['scripts/build.mjs'], { cwd: dir });
  const home = await fx.subdir('home');
  const bin = join(dir, 'bin/regdoctor');
  return { bin, home, run: (args, opts) => runCli(bin, home, args, opts) };
}

/** The environment a user with an empty home, no proxy and no colour preference would have. */
function cleanEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function runCli(bin: string, home: string, args: string[], opts: CliOptions = {}): Promise<CliResult> {
  // Asynchronous on purpose: the token and fault servers live in this process and must keep answering.
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [bin, ...args], {
      env: cleanEnv(home, opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const unguard = child.pid !== undefined ? guardPid(child.pid) : () => undefined;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    if (opts.closeStdout) child.stdout.destroy();
    else child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    // The CLI may exit before reading stdin (a usage error); that EPIPE is not a test failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(killer);
      unguard();
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      unguard();
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: performance.now() - started,
      });
    });
  });
}

/** What a failed assertion should show about a run. */
export function show(r: CliResult): string {
  return `exit ${String(r.code)}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}
