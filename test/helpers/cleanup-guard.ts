// Last-resort cleanup when a test process exits without running its `after` hooks (a crash, an uncaught
// exception, process.exit). Normal teardown goes through each helper's stop(); this only catches leaks.
import { rmSync } from 'node:fs';

const pids = new Set<number>();
const dirs = new Set<string>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

export function guardPid(pid: number): () => void {
  install();
  pids.add(pid);
  return () => pids.delete(pid);
}

export function guardDir(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => dirs.delete(dir);
}
