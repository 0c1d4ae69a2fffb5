import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterError, ClusterErrorKind, ClusterScope, ClusterState } from '../../src/cluster/index.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'cluster');
export const SNAPSHOT_JSON = join(FIXTURES, 'snapshot.json');
export const SNAPSHOT_YAML = join(FIXTURES, 'snapshot.yaml');

export const ALL: ClusterScope = { namespace: null, secrets: true };

type Obj = Record<string, unknown>;

/** The fixture's objects (the items of its kubectl `List`). */
export function fixtureItems(): Obj[] {
  return (JSON.parse(readFileSync(SNAPSHOT_JSON, 'utf8')) as { items: Obj[] }).items;
}

export const meta = (o: Obj) => o.metadata as { name: string; namespace?: string; uid?: string };

/** A state without its `source`, for comparing loads of the same objects from different places. */
/** A state without what tells its sources apart: the label, and the time a snapshot describes. */
export function comparable(s: ClusterState): Omit<ClusterState, 'source' | 'observedAt'> {
  const { source: _s, observedAt: _t, ...rest } = s;
  return rest;
}

export async function rejectsWith(
  p: Promise<unknown>,
  kind: ClusterErrorKind,
  pattern: RegExp,
): Promise<ClusterError> {
  try {
    await p;
  } catch (err) {
    const e = err as ClusterError;
    assert.equal(e.name, 'ClusterError', `expected a ClusterError, got ${String(err)}`);
    assert.equal(e.kind, kind, `kind of: ${e.message}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), `one-line message: ${e.message}`);
    return e;
  }
  assert.fail(`expected a ClusterError (${kind}) matching ${pattern}`);
}
