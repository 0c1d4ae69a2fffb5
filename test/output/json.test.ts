// writeJson prints a document piece by piece (a scan's report of thousands of findings is never one string): the
// pieces must join to exactly what JSON.stringify(doc, null, 2) prints, and each must be whole values, so that the
// redaction and escaping applied to each piece see every string whole.
import { describe, test } from 'node:test';
import { Writable } from 'node:stream';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jsonPieces } from '../../src/output/json.ts';
import { newRunRedactor, registerSecret, runWithRedactor } from '../../src/credentials/redact.ts';
import { cleanText, writeJson } from '../../src/output/index.ts';

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
          const pieces = [...jsonPieces(doc, indent)];
          assert.equal(pieces.join(''), whole(doc, indent));
          // writeJson relies on it: a secret across a seam holds a line feed.
          for (const p of pieces.slice(1)) assert.equal(p[0], '\n');
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

// Strings as a scan's evidence carries them: any code point, the C0/C1 controls a registry can put in an error
// (ESC, BEL, CR, the CSI byte), lone surrogates, quotes and backslashes that JSON escapes.
const hostileChar = fc.oneof(
  fc.constantFrom(
    '\x1b',
    '\x07',
    '\r',
    '\n',
    '\t',
    '\x00',
    '\x7f',
    '\x9b',
    '\u2028',
    '\ud800',
    '\udfff',
    '"',
    '\\',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);
const hostileString = fc.string({ unit: hostileChar, maxLength: 24 });
const hostileJson = fc.jsonValue({ stringUnit: hostileChar, maxDepth: 3 });
const hostileDoc = fc.dictionary(
  hostileString,
  fc.oneof(hostileJson, fc.array(hostileJson, { maxLength: 6 })),
  {
    maxKeys: 5,
  },
);

/** Every string in a JSON value, keys too, in document order. */
function stringsOf(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const e of v) stringsOf(e, out);
  else if (v !== null && typeof v === 'object') {
    for (const [k, e] of Object.entries(v)) {
      out.push(k);
      stringsOf(e, out);
    }
  }
  return out;
}

describe('output: JSON in pieces, hostile strings and secrets', () => {
  test('with control characters, lone surrogates and any code point in keys and values, the pieces join to JSON.stringify', () => {
    fc.assert(
      fc.property(hostileDoc, (doc) => {
        const pieces = [...jsonPieces(doc)];
        assert.equal(pieces.join(''), whole(doc));
        // No raw control character other than the indentation's line feeds: JSON escaped them all.
        for (const p of pieces) assert.ok(![...p].some((c) => c < ' ' && c !== '\n'), JSON.stringify(p));
      }),
      { numRuns: 500 },
    );
  });

  test('secrets of the run, taken from the strings and split across neighbouring values, are redacted piece by piece as in the whole text', () => {
    fc.assert(
      fc.property(
        hostileDoc.filter((d) => stringsOf(d).join('').length > 0),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 1, max: 20 })), {
          minLength: 1,
          maxLength: 4,
        }),
        (doc, picks) => {
          // A secret is a stretch of the strings' concatenation: inside one value, or the end of one value and
          // the start of the next (which in the text are separated by quotes, punctuation and a line break).
          const all = stringsOf(doc).join('');
          const secrets = picks.map(([at, _, len]) => all.slice(at % all.length, (at % all.length) + len));
          const text = whole(doc);
          runWithRedactor(newRunRedactor(), () => {
            for (const s of secrets) registerSecret(s);
            assert.equal([...jsonPieces(doc)].map(cleanText).join(''), cleanText(text));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a secret split between two findings is not joined by the output, and one inside a finding is masked', () => {
    const secret = 'hunter2-Passw0rd';
    const doc = {
      findings: [
        { evidence: [`tail ${secret.slice(0, 7)}`] },
        { evidence: [`${secret.slice(7)} head`] },
        { note: secret },
      ],
    };
    runWithRedactor(newRunRedactor(), () => {
      registerSecret(secret);
      const out = [...jsonPieces(doc)].map(cleanText).join('');
      assert.equal(out, cleanText(whole(doc)));
      assert.ok(!out.includes(secret));
      assert.ok(out.includes('"tail hunter2"') && out.includes('"-Passw0rd head"'), out);
    });
  });
});

const utf8 = (text: string) => Buffer.from(text, 'utf8').toString('utf8');

/** What writeJson prints for `doc` under the current run's redactor, decoded from the bytes written. */
async function written(doc: Record<string, unknown>): Promise<string> {
  const got: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      got.push(chunk);
      cb();
    },
  });
  await writeJson(doc, sink);
  return Buffer.concat(got).toString('utf8');
}

describe('output: writeJson, secrets across pieces', () => {
  test('a secret whose text runs from one piece into the next (across the punctuation between two findings) is masked', async () => {
    const doc = { findings: [{ e: 'aa-Secret' }, { e: 'Part2-bb' }], summary: {} };
    const text = whole(doc);
    // The secret is the output's own text from inside the first finding to inside the second.
    const secret = text.slice(text.indexOf('Secret'), text.indexOf('Part2') + 'Part2'.length);
    assert.ok(
      [...jsonPieces(doc)].every((p) => !p.includes(secret)),
      'the secret spans two pieces',
    );
    await runWithRedactor(newRunRedactor(), async () => {
      registerSecret(secret);
      const out = await written(doc);
      assert.ok(!out.includes(secret), out);
      assert.equal(out, cleanText(text));
    });
  });

  test('any stretch of the output text registered as a secret is redacted as in the whole text', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileDoc,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 3 }),
        async (doc, picks) => {
          const text = whole(doc);
          const secrets = picks.map(([at, len]) => text.slice(at % text.length, (at % text.length) + len));
          await runWithRedactor(newRunRedactor(), async () => {
            for (const s of secrets) registerSecret(s);
            // Compared as the bytes written: a stretch can end inside a surrogate pair, and UTF-8 has no half.
            assert.equal(await written(doc), utf8(cleanText(text)));
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a short secret with a lone surrogate is masked in the JSON (escaped there) and in text', async () => {
    for (const s of ['a\ud800', '\udfffb', 'x\ud83d', '\ud800ab']) {
      await runWithRedactor(newRunRedactor(), async () => {
        registerSecret(s);
        const doc = { findings: [{ msg: `token ${s} end` }], summary: { s } };
        const out = await written(doc);
        // JSON.stringify writes a lone surrogate as an escape: `a\ud800` is what a reader would see.
        assert.ok(!out.includes(JSON.stringify(s).slice(1, -1)) && !out.includes(s), out);
        assert.ok(out.includes('"token *** end"'), out);
        assert.equal(cleanText(`plain ${s} text`), 'plain *** text');
      });
    }
  });
});

describe('output: writeJson', () => {
  test('writes the cleaned pieces: JSON.stringify(doc, null, 2) and a line feed, secrets masked, one write per piece', async () => {
    const secret = 'tok-0123456789abcdef';
    const findings = Array.from({ length: 50 }, (_, i) => ({
      pod: `p-${i}`,
      msg: `denied \x1b[31m${secret}`,
    }));
    const doc = { findings, summary: { n: 50 } };
    const writes: string[] = [];
    const original = process.stdout.write;
    await runWithRedactor(newRunRedactor(), async () => {
      registerSecret(secret);
      process.stdout.write = ((chunk: string) => writes.push(chunk) > 0) as typeof process.stdout.write;
      try {
        await writeJson(doc);
      } finally {
        process.stdout.write = original;
      }
    });
    const expected = whole(doc).replaceAll(secret, '***');
    assert.equal(writes.join(''), expected);
    assert.equal(writes.length, 50 + 2);
  });

  test('waits for a slow reader: the stream never holds more than its high-water mark and one piece', async () => {
    // A pipe to a reader that takes its time: each write is taken a turn of the event loop later.
    const findings = Array.from({ length: 400 }, (_, i) => ({ pod: `p-${i}`, evidence: ['x'.repeat(500)] }));
    const doc = { findings, summary: { findings: 400 } };
    const got: Buffer[] = [];
    let mostQueued = 0;
    const highWaterMark = 4096;
    const slow = new Writable({
      highWaterMark,
      write(chunk: Buffer, _enc, cb) {
        got.push(chunk);
        setImmediate(cb);
      },
    });
    const write = slow.write.bind(slow);
    slow.write = ((chunk: string) => {
      const ok = write(chunk);
      mostQueued = Math.max(mostQueued, slow.writableLength);
      return ok;
    }) as typeof slow.write;
    await writeJson(doc, slow);
    await new Promise<void>((resolve) => slow.end(resolve));
    assert.equal(Buffer.concat(got).toString('utf8'), whole(doc));
    const piece = Math.max(...[...jsonPieces(doc)].map((p) => Buffer.byteLength(p)));
    // Writing every piece at once queued the whole document (about 230 KB here).
    assert.ok(mostQueued <= highWaterMark + piece, `${mostQueued} bytes queued at most`);
  });

  test('stops when the stream is destroyed (the reader went away) instead of waiting for ever', async () => {
    const findings = Array.from({ length: 100 }, (_, i) => ({ pod: `p-${i}`, evidence: ['x'.repeat(500)] }));
    let writes = 0;
    const gone = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        writes++;
        gone.destroy();
        cb();
      },
    });
    gone.on('error', () => {});
    await writeJson({ findings }, gone);
    assert.ok(writes < 5, `${writes} writes reached a destroyed stream`);
  });
});
