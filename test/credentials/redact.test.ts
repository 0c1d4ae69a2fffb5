import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  captureSecrets,
  currentRedactor,
  newRunRedactor,
  redact,
  Redactor,
  registerAuthorization,
  registerSecret,
  runWithRedactor,
} from '../../src/credentials/index.ts';

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const secret = fc.string({ minLength: 4, maxLength: 40, unit: 'grapheme' });
const user = fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/);
const filler = fc.string({ maxLength: 30 });

/** The base64 characters of `encoded` that depend only on bytes [from, to) of the encoded input. */
function innerBase64(encoded: string, from: number, to: number): string {
  return encoded.slice(Math.ceil((8 * from) / 6), Math.floor((8 * to) / 6));
}

describe('redact', () => {
  test('a secret with a lone surrogate (a "\\ud800" escape in a docker config) is masked, not a URIError', () => {
    // encodeURIComponent throws on a lone surrogate: registering such a password made every later redaction throw.
    for (const s of ['pass\ud800word', 'ab\udfff', 'x\ud83dx\ud83d']) {
      runWithRedactor(newRunRedactor(), () => {
        registerSecret(s);
        assert.equal(currentRedactor().redact(`a ${s} b`), 'a *** b');
      });
    }
    // Under the minimum length a secret is matched as a whole word; registering one must not throw either.
    runWithRedactor(newRunRedactor(), () => {
      registerSecret('\udfff');
      assert.equal(currentRedactor().redact('plain'), 'plain');
    });
  });

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

  test('registered secrets are used when no list is given', () => {
    registerSecret('registered-secret-1');
    registerSecret(undefined);
    assert.equal(redact('x registered-secret-1 abcd'), 'x *** abcd');
    assert.equal(redact(`basic ${b64('registered-secret-1')}`), 'basic ***');
  });

  test('secrets under 4 characters are masked as whole words, at any length', () => {
    assert.equal(redact('{"password":"pw","note":"pwned"}', ['pw']), '{"password":"***","note":"pwned"}');
    assert.equal(redact('https://u:pw@r.io and upwards', ['pw']), 'https://u:***@r.io and upwards');
    assert.equal(redact('x=1 y', ['x']), '***=1 y');
    assert.equal(redact('a "q\\"" b', ['q"']), 'a "***" b', 'the JSON-escaped form of a short secret');
    // A value with no letter or digit (`:` of an empty user:password) is no secret: it would blank punctuation.
    assert.equal(redact('a: b', [':']), 'a: b');
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

  // The scan skips positions where no needle can start (a shift table over the shortest needle's length): secrets
  // of very different lengths, back to back, at either end and sharing prefixes must still all be found.
  test('secrets of mixed lengths, adjacent or at the ends of the text: every occurrence, and nothing else', () => {
    const alphabet = fc.constantFrom('a', 'b', 'c', 'd');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: alphabet, minLength: 4, maxLength: 70 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('', ' ', '  x ', 'Z')), { maxLength: 30 }),
        (secrets, picks) => {
          const words = picks.map(([p, sep]) => [secrets[p % secrets.length]!, sep] as const);
          const text = words.map(([w, sep]) => w + sep).join('');
          const out = redact(text, secrets);
          for (const s of secrets) assert.ok(!out.includes(s), `${JSON.stringify(s)} survives in ${out}`);
          // Secrets of one letter class never run into each other when separated by a non-letter.
          const separated = words.every(([, sep]) => sep !== '');
          const clash = secrets.some((a) => secrets.some((b) => a !== b && b.includes(a)));
          if (separated && !clash) assert.equal(out, words.map(([, sep]) => `***${sep}`).join(''));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('replacement never re-creates a secret from the pieces around it', () => {
    assert.equal(redact('aa***bb', ['a***b']), '***');
  });
});

describe('masked whether known or not', () => {
  test('the password of URL userinfo; the user and the rest of the URL stay', () => {
    assert.equal(
      redact('key https://ci:s3cr3t@registry.local:5000/v2/ and http://x:y@h'),
      'key https://ci:***@registry.local:5000/v2/ and http://x:***@h',
    );
    assert.equal(redact('"https://ci:p%40ss@r.io"'), '"https://ci:***@r.io"');
    assert.equal(
      redact('no userinfo https://r.io/a@b, mail a@b.c'),
      'no userinfo https://r.io/a@b, mail a@b.c',
    );
    // Linear in the text: a long run of URL-like text is scanned once (this took minutes with a naive regex).
    const long = `${'a://'.repeat(200_000)}x:y@h`;
    assert.ok(redact(long).endsWith('x:***@h'));
  });

  test('Bearer and Basic credentials; the words after them in prose stay', () => {
    assert.equal(
      redact('sent Authorization: Bearer eyJhbGciOi.eyJzdWIi.c2ln'),
      'sent Authorization: Bearer ***',
    );
    assert.equal(redact(`header "Basic ${b64('user:pass')}" echoed`), 'header "Basic ***" echoed');
    assert.equal(
      redact('registry requires Basic authentication; a Bearer challenge without a realm'),
      'registry requires Basic authentication; a Bearer challenge without a realm',
    );
    // One pass: a text of nothing but scheme words is read once.
    assert.equal(redact(`${'Bearer Basic '.repeat(100_000)}Bearer abcdEFGH1234`).slice(-10), 'Bearer ***');
    assert.equal(
      redact('WWW-Authenticate: Bearer realm="https://auth.io/token"'),
      'WWW-Authenticate: Bearer realm="https://auth.io/token"',
    );
  });
});

describe('Redactor: one per run', () => {
  test('a run masks its own secrets and the process ones; another run and the process do not see its secrets', async () => {
    registerSecret('process-wide-config-secret');
    const a = newRunRedactor();
    const b = newRunRedactor();
    await runWithRedactor(a, async () => {
      await new Promise((r) => setTimeout(r, 1));
      registerSecret('token-of-run-a');
    });
    const text = 'token-of-run-a process-wide-config-secret';
    assert.equal(a.redact(text), '*** ***');
    assert.equal(b.redact(text), 'token-of-run-a ***');
    assert.equal(currentRedactor().redact(text), 'token-of-run-a ***', 'the process redactor did not grow');
    assert.equal(
      runWithRedactor(a, () => redact(text)),
      '*** ***',
      'redact() inside a run uses the run',
    );
  });

  test('a thousand runs leave nothing behind in the process redactor', async () => {
    const before = currentRedactor().size;
    for (let i = 0; i < 1000; i++) {
      await runWithRedactor(newRunRedactor(), async () => registerSecret(`bearer-token-${i}-xyz`));
    }
    assert.equal(currentRedactor().size, before);
  });

  test('secrets captured for a cached result reach every run that is given it', async () => {
    const cached = new Redactor();
    const a = newRunRedactor();
    await runWithRedactor(a, () => captureSecrets(cached, async () => registerSecret('token-in-cache')));
    assert.equal(a.redact('token-in-cache'), '***', 'the run that computed it');
    const b = newRunRedactor();
    assert.equal(b.redact('token-in-cache'), 'token-in-cache');
    b.link(cached);
    assert.equal(b.redact('token-in-cache'), '***', 'a later run given the cached result');
    runWithRedactor(newRunRedactor(), () => captureSecrets(cached, () => registerSecret('learned-later')));
    assert.equal(b.redact('learned-later'), '***', 'a link sees what the cached result learns afterwards');
  });

  test('an Authorization header registers its credential, Basic decoded too', () => {
    const r = newRunRedactor();
    runWithRedactor(r, () => {
      registerAuthorization('Bearer abc.def.ghi');
      registerAuthorization(`Basic ${b64('kube-user:kp')}`);
    });
    assert.equal(r.redact('abc.def.ghi kube-user:kp "kp"'), '*** *** "***"');
  });
});
