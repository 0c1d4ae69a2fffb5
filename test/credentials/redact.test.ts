import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { redact, registerSecret } from '../../src/credentials/index.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const secret = fc.string({ minLength: 4, maxLength: 40, unit: 'grapheme' });
const user = fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/);
const filler = fc.string({ maxLength: 30 });

/** The base64 characters of `encoded` that depend only on bytes [from, to) of the encoded input. */
function innerBase64(encoded: string, from: number, to: number): string {
  return encoded.slice(Math.ceil((8 * from) / 6), Math.floor((8 * to) / 6));
}

describe('redact', () => {
  test('secret, its base64 and the base64 of user:secret never survive', () => {
    fc.assert(
      fc.property(secret, user, filler, filler, (s, u, before, after) => {
        const forms = [s, b64(s), b64(`${u}:${s}`)];
        const text = `${before}${forms.join(' | ')}${after}`;
        const out = redact(text, [s, `${u}:${s}`]);
        for (const f of forms)
          assert.ok(!out.includes(f), `${JSON.stringify(f)} survived in ${JSON.stringify(out)}`);
      }),
    );
  });

  test('a secret inside a larger base64 blob (a whole encoded pull secret) is scrubbed at any offset', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6, maxLength: 40 }), filler, filler, (s, before, after) => {
        const prefix = Buffer.from(before, 'utf8');
        const encoded = Buffer.concat([prefix, Buffer.from(s, 'utf8'), Buffer.from(after, 'utf8')]).toString(
          'base64',
        );
        const inner = innerBase64(encoded, prefix.length, prefix.length + Buffer.byteLength(s));
        const out = redact(encoded, [s]);
        if (inner.length >= 6) assert.ok(!out.includes(inner), `${inner} survived in ${out}`);
      }),
    );
  });

  test('registered secrets are used when no list is given; short values are not registered', () => {
    registerSecret('registered-secret-1');
    registerSecret('abc');
    registerSecret(undefined);
    assert.equal(redact('x registered-secret-1 abc'), 'x *** abc');
    assert.equal(redact(`basic ${b64('registered-secret-1')}`), 'basic ***');
  });

  test('JSON-escaped and URL-encoded forms are scrubbed', () => {
    const s = 'p"a\\ss/word?';
    assert.equal(redact(`{"password":${JSON.stringify(s)}}`, [s]), '{"password":"***"}');
    assert.equal(redact(`https://u:${encodeURIComponent(s)}@r.io`, [s]), 'https://u:***@r.io');
  });

  test('overlapping secrets are scrubbed as one run: no tail of either survives', () => {
    assert.equal(redact('xx abcdefghijkl yy', ['abcdefgh', 'efghijkl']), 'xx *** yy');
    assert.equal(redact('xx abcdefghijkl yy', ['efghijkl', 'abcdefgh']), 'xx *** yy');
    assert.equal(redact('abcdefgh-efghijkl', ['abcdefgh', 'efghijkl']), '***-***');
  });

  test('many secrets in a large text: every occurrence, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9_-]{8,24}$/), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (secrets, picks) => {
          const words = picks.map((p) => (p % 3 === 0 ? secrets[p % secrets.length]! : `word${p}`));
          const out = redact(words.join(' '), secrets);
          const expected = words.map((w) => (secrets.includes(w) ? '***' : w)).join(' ');
          // Random secrets can contain one another or a 'wordN'; only assert when none does.
          const clash = secrets.some((a) => words.some((w) => w !== a && (w.includes(a) || a.includes(w))));
          if (!clash) assert.equal(out, expected);
          for (const s of secrets) assert.ok(!out.includes(s));
        },
      ),
    );
  });

  test('replacement never re-creates a secret from the pieces around it', () => {
    assert.equal(redact('aa***bb', ['a***b']), '***');
  });
});
