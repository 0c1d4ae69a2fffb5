import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useFixture } from '../helpers/fixture.ts';
import { cycles, fileGraph, moduleGraph, type Graph } from './imports.ts';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const fx = useFixture();

const show = (cs: string[][]) => cs.map((c) => c.join(' → ')).join('\n');

test('no file in src/ imports itself through others', () => {
  const found = cycles(fileGraph(SRC));
  assert.equal(found.length, 0, `import cycles between files:\n${show(found)}`);
});

test('no module (folder of src/) depends on itself through others: dependencies point one way', () => {
  const found = cycles(moduleGraph(fileGraph(SRC)));
  assert.equal(found.length, 0, `import cycles between modules:\n${show(found)}`);
});

test('the result types are a leaf: they import nothing but the cause taxonomy', () => {
  const modules = moduleGraph(fileGraph(SRC));
  assert.deepEqual([...(modules.get('result') ?? [])].sort(), ['cause']);
  assert.deepEqual([...(modules.get('cause') ?? [])], []);
});

test('the cycle finder finds cycles of every kind, and reports a path through each', () => {
  const g: Graph = new Map([
    ['a', new Set(['b'])],
    ['b', new Set(['c'])],
    ['c', new Set(['a', 'd'])],
    ['d', new Set(['d'])],
    ['e', new Set(['a'])],
  ]);
  const found = cycles(g).map((c) => c.join(' '));
  assert.deepEqual(found.sort(), ['a b c a', 'd d']);
  assert.deepEqual(cycles(new Map([['x', new Set(['y'])]])), []);
});

test('the parser sees static, type-only, re-export, side-effect and dynamic imports, and skips comments', async () => {
  const root = await fx.subdir('src');
  await mkdir(join(root, 'one'));
  await mkdir(join(root, 'two'));
  await writeFile(join(root, 'one', 'a.ts'), "import type { X } from '../two/b.ts';\nexport const a = 1;\n");
  await writeFile(
    join(root, 'two', 'b.ts'),
    [
      "// import { nope } from '../one/never.ts';",
      "export { a } from '../one/a.ts';",
      "import '../one/c.ts';",
      "const lazy = () => import('../one/d.ts');",
      "import * as z from 'zod/mini';",
    ].join('\n'),
  );
  const files = fileGraph(root);
  assert.deepEqual([...files.get('one/a.ts')!], ['two/b.ts']);
  assert.deepEqual([...files.get('two/b.ts')!].sort(), ['one/a.ts', 'one/c.ts', 'one/d.ts']);
  assert.deepEqual(show(cycles(moduleGraph(files))), 'one → two → one');
});
