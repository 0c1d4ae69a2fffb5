// writeJson prints a document piece by piece (a scan's report of thousands of findings is never one string): the
// pieces must join to exactly what JSON.stringify(doc, null, 2) prints, and each must be whole values, so that the
// redaction and escaping applied to each piece see every string whole.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonPieces } from '../../src/output/json.ts';
import { newRunRedactor, registerSecret, runWithRedactor } from '../../src/credentials/redact.ts';
import { cleanText } from '../../src/output/index.ts';

const whole = (doc: Record<string, unknown>, indent = 2) => `${JSON.stringify(doc, null, indent)}\n`;

describe('output: JSON in pieces', () => {
  test('the pieces join to JSON.stringify(doc, null, indent), for any document', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string(),
          fc.oneof(fc.jsonValue(), fc.array(fc.jsonValue()), fc.constant(undefined)),
        ),
        fc.integer({ min: 0, max: 12 }),
        (doc, indent) => {
          assert.equal([...jsonPieces(doc, indent)].join(''), whole(doc, indent));
        },
      ),
      { numRuns: 500 },
    );
  });

  test('undefined, functions and empty arrays and objects are printed as JSON.stringify prints them', () => {
    const docs: Record<string, unknown>[] = [
      {},
      { a: undefined },
      { a: [], b: {}, c: undefined, d: () => 1 },
      { list: [1, undefined, () => 2, null, { x: [] }], after: 'text' },
      { first: [{ a: 1 }], second: [{ b: [2, 3] }] },
    ];
    for (const d of docs) assert.equal([...jsonPieces(d)].join(''), whole(d));
  });

  test('each element of an array field is a piece of its own', () => {
    const findings = Array.from({ length: 1000 }, (_, i) => ({ pod: `p-${i}`, evidence: ['x'.repeat(100)] }));
    const pieces = [...jsonPieces({ findings, summary: { findings: 1000 } })];
    assert.equal(pieces.length, 1000 + 2);
    assert.ok(Math.max(...pieces.map((p) => p.length)) < 300);
  });

  test('a secret inside an element is redacted piece by piece as it is in the whole text', () => {
    const secret = 's3cr3t-Passw0rd';
    const doc = {
      findings: [
        { evidence: [`Basic ${Buffer.from(`user:${secret}`).toString('base64')}`] },
        { evidence: [`https://user:${secret}@registry.example.com/v2/`, `token ${secret}`] },
      ],
      summary: { note: secret },
    };
    runWithRedactor(newRunRedactor(), () => {
      registerSecret(secret);
      const pieces = [...jsonPieces(doc)].map(cleanText).join('');
      assert.equal(pieces, cleanText(whole(doc)));
      assert.ok(!pieces.includes(secret));
    });
  });
});
