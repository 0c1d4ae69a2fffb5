import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../src/cause/index.ts';
import { chooseSource } from '../../src/cluster/index.ts';
import { ALL, SNAPSHOT_JSON } from './helpers.ts';

describe('chooseSource', () => {
  test('--snapshot reads files', async () => {
    const src = chooseSource({ snapshot: SNAPSHOT_JSON });
    assert.equal(src.describe(), `snapshot ${SNAPSHOT_JSON}`);
    assert.equal((await src.load(ALL)).pods.length, 9);
    assert.equal(chooseSource({ snapshot: '-' }).describe(), 'snapshot (stdin)');
  });

  test('without --snapshot: the live cluster, described by its kubeconfig and context until loaded', () => {
    assert.equal(chooseSource({}).describe(), 'kubeconfig (default)');
    assert.equal(
      chooseSource({ kubeconfig: '/k/config', context: 'prod' }).describe(),
      'kubeconfig /k/config, context "prod"',
    );
  });

  test('--snapshot with --kubeconfig or --context, or an empty --snapshot, is a usage error', () => {
    assert.throws(
      () => chooseSource({ snapshot: 'x.json', kubeconfig: 'k', context: 'c' }),
      (e: unknown) =>
        e instanceof UsageError && /cannot be combined with --kubeconfig or --context/.test(e.message),
    );
    assert.throws(() => chooseSource({ snapshot: '' }), UsageError);
  });
});

describe('start-up cost', () => {
  test('nothing in src/ imports @kubernetes/client-node except as a type or dynamically', () => {
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.ts')) files.push(join(d, e.name));
      }
    };
    walk(join(import.meta.dirname, '..', '..', 'src'));
    const offenders = files.filter((f) =>
      /^\s*import\s+(?!type\b)[^;]*from\s+['"]@kubernetes\/client-node['"]/m.test(readFileSync(f, 'utf8')),
    );
    assert.deepEqual(offenders, []);
    const live = readFileSync(join(import.meta.dirname, '..', '..', 'src', 'cluster', 'live.ts'), 'utf8');
    assert.match(live, /import\('@kubernetes\/client-node'\)/);
  });
});
