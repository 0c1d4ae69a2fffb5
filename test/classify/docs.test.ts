// docs/classify.md records where each rule's words come from; a rule without a row there has no stated source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { RULES } from '../../src/classify/rules/index.ts';

test('every classifier rule has a row in the rule-source table of docs/classify.md', async () => {
  const doc = await readFile(new URL('../../docs/classify.md', import.meta.url), 'utf8');
  const start = doc.indexOf('## Rule sources');
  assert.ok(start !== -1, 'docs/classify.md has a "## Rule sources" section');
  const end = doc.indexOf('\n## ', start + 1);
  const table = doc.slice(start, end === -1 ? doc.length : end);
  const rows = new Set([...table.matchAll(/^\| `([\w-]+)` +\|/gm)].map((m) => m[1]));
  assert.deepEqual(
    RULES.map((r) => r.id).filter((id) => !rows.has(id)),
    [],
  );
  assert.deepEqual(
    [...rows].filter((id) => !RULES.some((r) => r.id === id)),
    [],
    'rows for rules that no longer exist',
  );
});
