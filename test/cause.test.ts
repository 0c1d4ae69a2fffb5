import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CAUSES, CAUSE_TITLES } from '../src/cause/index.ts';

// docs/causes.md is the project's copy of the contract, so this test runs in any clone. The shared original lives
// in a shared/docs folder above the checkout on the team's machines only; where it is, the two must not drift.
const OWN = new URL('../docs/causes.md', import.meta.url);

function sharedCopy(): string | undefined {
  for (let dir = dirname(dirname(fileURLToPath(import.meta.url))); ;) {
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
    const p = join(dir, 'shared', 'docs', 'causes.md');
    if (existsSync(p)) return p;
  }
}
const SHARED = sharedCopy();

function codesOf(doc: string): string[] {
  return [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
}

test('cause codes are exactly the codes of docs/causes.md, in its order', () => {
  const documented = codesOf(readFileSync(OWN, 'utf8'));
  assert.ok(documented.length > 20, 'the table of codes was found');
  assert.deepEqual([...CAUSES], documented);
  for (const c of CAUSES) assert.ok(CAUSE_TITLES[c].length > 0);
});

test(
  'docs/causes.md equals shared/docs/causes.md where the shared copy exists',
  {
    skip:
      SHARED === undefined && 'no shared/docs/causes.md above this clone (it is not part of the repository)',
  },
  () => {
    assert.equal(readFileSync(OWN, 'utf8'), readFileSync(SHARED!, 'utf8'));
  },
);
