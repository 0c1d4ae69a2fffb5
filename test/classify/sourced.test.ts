// Every innermost cause under every runtime's wrapping: the cause must not depend on the dialect around it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/classify/index.ts';
import { ANSWERS, OUTER, TRANSPORT, TRANSPORT_WRAPPERS, answerMessages } from './sourced.ts';

describe('classify: Go transport errors under every runtime’s wrapping', () => {
  for (const t of TRANSPORT) {
    test(`${t.cause} ← ${t.id}`, () => {
      const wrong: string[] = [];
      for (const w of TRANSPORT_WRAPPERS) {
        const expected = w.blob ? (t.inBlob ?? t.cause) : w.auth ? (t.inAuth ?? t.cause) : t.cause;
        for (const o of OUTER) {
          const got = classify(o.wrap(w.wrap(t.error)));
          if (got.cause !== expected) wrong.push(`${w.id}/${o.id}: ${got.cause} (${got.evidence})`);
        }
      }
      assert.deepEqual(wrong, []);
    });
  }
});

describe('classify: registry answers as each client prints them', () => {
  for (const a of ANSWERS) {
    test(`${a.cause} ← ${a.id}`, () => {
      const wrong: string[] = [];
      for (const m of answerMessages(a)) {
        for (const o of OUTER) {
          const got = classify(o.wrap(m.message));
          if (got.cause !== a.cause) wrong.push(`${m.id}/${o.id}: ${got.cause} (${got.evidence})`);
        }
      }
      assert.deepEqual(wrong, []);
    });
  }
});
