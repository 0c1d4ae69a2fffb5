import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guardDir } from './cleanup-guard.ts';

export interface TempDir {
  path: string;
  remove(): Promise<void>;
}

/** A fresh, uniquely named directory (under `parent` or the OS temp dir), removed by remove() or at exit. */
export async function makeTempDir(prefix = 'regdoctor-test-', parent = tmpdir()): Promise<TempDir> {
  const path = await mkdtemp(join(parent, prefix));
  const unguard = guardDir(path);
  return {
    path,
    async remove() {
      await rm(path, { recursive: true, force: true });
      unguard();
    },
  };
}
