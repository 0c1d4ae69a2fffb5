// Hostile snapshots: every reader limit is a one-line error naming the input and the limit, found before the
// input is built into memory (before: 16 MB of `---` lines took 109 s and 3.9 GB, 40 MB of '[' 2 GB).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { snapshotSource } from '../../src/cluster/index.ts';
import { MAX_NESTING, MAX_YAML_DOCUMENTS, YAML_MAX_BYTES } from '../../src/util/bounded-text.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';
import { ALL, comparable, fixtureItems, rejectsWith, SNAPSHOT_JSON } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

let tmp: TempDir;
before(async () => {
  tmp = await makeTempDir('regdoctor-snapshot-bounds-');
});
after(() => tmp.remove());

async function file(name: string, content: string | Buffer): Promise<string> {
  const p = join(tmp.path, name);
  await writeFile(p, content);
  return p;
}

const load = (path: string) => snapshotSource(path).load(ALL);

describe('snapshot limits', () => {
  test('more YAML documents than the limit: refused after the limit, not after reading millions', async () => {
    const p = await file('dashes.yaml', '---\n'.repeat(MAX_YAML_DOCUMENTS * 4));
    await rejectsWith(load(p), 'input', /dashes\.yaml holds more than 50,000 YAML documents$/);
  });

  test('JSON nested past the limit, at the top or inside a List item', async () => {
    const deep = '['.repeat(MAX_NESTING + 5);
    await rejectsWith(
      load(await file('deep.json', deep)),
      'input',
      /deep\.json nests deeper than 1000 levels at line 1, column 1001$/,
    );
    const inItem = `{"kind":"List","items":[{"kind":"Pod","spec":${'['.repeat(MAX_NESTING)}`;
    await rejectsWith(load(await file('deep-item.json', inItem)), 'input', /nests deeper than 1000 levels/);
  });

  test('YAML flow collections nested past the limit', async () => {
    const p = await file('deep.yaml', `kind: Pod\nspec: ${'['.repeat(MAX_NESTING + 1)}\n`);
    await rejectsWith(load(p), 'input', /deep\.yaml nests deeper than 1000 levels \(line 2, column 1007\)$/);
  });

  test('YAML larger than its own limit (JSON of that size is fine)', async () => {
    const p = await file('big.yaml', Buffer.alloc(YAML_MAX_BYTES + 1, '# comment\n'));
    await rejectsWith(load(p), 'input', /big\.yaml is YAML larger than 4 MiB; .* save it as JSON/);
  });

  test('a List streams: the state equals the whole-file reading, however the items fall across chunks', async () => {
    // Items padded (in managedFields, which the reader drops) so that several straddle the 1 MiB chunk boundaries.
    const items = fixtureItems().map((o) => ({
      ...o,
      metadata: { ...(o.metadata as object), managedFields: [{ manager: 'x'.repeat(300_000) }] },
    }));
    const p = await file('padded.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2));
    const reference = await load(SNAPSHOT_JSON);
    assert.deepEqual(comparable(await load(p)), comparable(reference));
  });

  test('on the command line: exit 2, one line naming the file and the limit, no stack trace', async () => {
    const p = await file('deep-cli.json', `{"kind":"List","items":[${'['.repeat(MAX_NESTING * 3)}`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'scan', '--snapshot', p, '--no-probe'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(
      r.stderr,
      /^regdoctor: .*deep-cli\.json nests deeper than 1000 levels at line 1, column \d+\n$/,
    );
    assert.equal(r.stdout, '');
  });
});
