import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Fixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

test('Fixture.cleanup stops every server and process and removes every temp dir', async () => {
  const fx = await new Fixture().init();
  const reg = await fx.registry();
  const stall = await fx.start(faults.stall());
  const sub = await fx.subdir('x');
  let hookRan = false;
  fx.onCleanup(() => {
    hookRan = true;
  });
  assert.ok(alive(reg.pid) && existsSync(reg.dir) && existsSync(sub));
  await fx.cleanup();
  assert.ok(hookRan);
  assert.ok(await waitGone(reg.pid), 'registry process ended');
  assert.equal(existsSync(reg.dir), false);
  assert.equal(existsSync(sub), false);
  const refused = await fetch(stall.url).then(
    () => 'answered',
    (err: Error) => String((err.cause as NodeJS.ErrnoException | undefined)?.code),
  );
  assert.equal(refused, 'ECONNREFUSED');
});

test('a registry dies with a test process that was SIGKILLed before it could clean up', async () => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./orphan-child.ts', import.meta.url))],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        if (out.includes('\n')) resolve(out.split('\n')[0] ?? '');
      });
      child.once('exit', (code) => reject(new Error(`child exited ${String(code)} before reporting`)));
    });
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    try {
      assert.ok(alive(pid));
      child.kill('SIGKILL');
      assert.ok(await waitGone(pid), 'the kernel killed the orphaned registry (setpriv --pdeathsig)');
    } finally {
      // No process-exit hook runs on SIGKILL, so the orphan's dir is ours to remove.
      await rm(dir, { recursive: true, force: true });
      if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  } finally {
    child.kill('SIGKILL');
  }
});
