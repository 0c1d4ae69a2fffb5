// promtool (Debian `prometheus` package, installed by scripts/install-system-deps.sh) as the judge of the rules
// and the exposition. Suites that use it declare `needs(PROMTOOL)` (test/helpers/tools.ts): they fail without it.
import { spawn } from 'node:child_process';
import { PROMTOOL } from '../helpers/tools.ts';

export interface PromtoolResult {
  code: number | null;
  output: string;
}

/** Runs promtool to completion; never rejects on a non-zero exit, the test asserts on `code` and `output`. */
export function promtool(
  args: string[],
  opts: { input?: string; cwd?: string } = {},
): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL.path, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
    child.stdin.end(opts.input ?? '');
  });
}
