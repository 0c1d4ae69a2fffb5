// The payload claims, read as Go's encoding/json (case-insensitive keys) reads them in cosign.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readPayload } from '../../src/verify/payload.ts';

const D = `sha256:${'ab'.repeat(32)}`;
const read = (v: unknown) => readPayload(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)));

describe('readPayload', () => {
  test('the cosign payload yields its digest', () => {
    assert.deepEqual(
      read({
        critical: {
          identity: { 'docker-reference': 'r/x' },
          image: { 'docker-manifest-digest': D },
          type: 'cosign container image signature',
        },
        optional: null,
      }),
      { ok: true, digest: D },
    );
  });

  test('keys match case-insensitively at every level, an exact key winning', () => {
    const other = `sha256:${'cd'.repeat(32)}`;
    assert.deepEqual(
      read({
        Critical: { TYPE: 'cosign container image signature', Image: { 'Docker-manifest-digest': D } },
      }),
      { ok: true, digest: D },
    );
    assert.deepEqual(
      read({
        critical: {
          type: 'cosign container image signature',
          image: { 'Docker-Manifest-Digest': other, 'docker-manifest-digest': D },
        },
      }),
      { ok: true, digest: D },
    );
  });

  test('anything else is refused with a reason', () => {
    for (const [v, msg] of [
      ['{not json', /not JSON/],
      [[1], /not a JSON object/],
      [{ optional: {} }, /no "critical"/],
      [
        { critical: { type: 'atomic container signature', image: { 'docker-manifest-digest': D } } },
        /critical\.type/,
      ],
      [{ critical: { type: 'cosign container image signature', image: {} } }, /docker-manifest-digest/],
      [
        { critical: { type: 'cosign container image signature', image: { 'docker-manifest-digest': 7 } } },
        /docker-manifest-digest/,
      ],
    ] as const) {
      const r = read(v);
      assert.equal(r.ok, false, JSON.stringify(v));
      if (!r.ok) assert.match(r.message, msg);
    }
  });
});
