import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { CAUSES, CAUSE_TITLES } from '../src/cause/index.ts';

test('cause codes are exactly the codes of shared/docs/causes.md', (t) => {
  const path = new URL('../../shared/docs/causes.md', import.meta.url);
  if (!existsSync(path)) return t.skip('shared/docs/causes.md not beside the checkout');
  const doc = readFileSync(path, 'utf8');
  const documented = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual([...CAUSES], documented);
  for (const c of CAUSES) assert.ok(CAUSE_TITLES[c].length > 0);
});
