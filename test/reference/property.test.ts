import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RegdoctorError } from '../../src/cause/index.ts';
import { familiarString, formatReference, parseReference } from '../../src/reference/index.ts';
import {
  assemble,
  digest,
  explicitDomain,
  nearMiss,
  parts,
  path,
  tag,
  tokenSoup,
  validReference,
} from './arbitraries.ts';
import { fields, invalid } from './helpers.ts';
import { oracleParse } from './oracle.ts';

/** Runs the parser and reports its verdict without letting anything but a RegdoctorError escape unnoticed. */
function verdict(s: string): ReturnType<typeof fields> | RegdoctorError {
  try {
    return fields(parseReference(s));
  } catch (e) {
    if (e instanceof RegdoctorError) return e;
    throw e;
  }
}

describe('valid references round-trip', () => {
  test('parse(format(parse(x))) equals parse(x), and format is idempotent', () => {
    fc.assert(
      fc.property(validReference, (x) => {
        const r = parseReference(x);
        const formatted = formatReference(r);
        const again = parseReference(formatted);
        assert.deepEqual(fields(again), fields(r));
        assert.equal(formatReference(again), formatted);
      }),
      { numRuns: 500 },
    );
  });

  test("the familiar form parses back to the same reference (it is Docker's own short name)", () => {
    fc.assert(
      fc.property(validReference, (x) => {
        const r = parseReference(x);
        assert.deepEqual(fields(parseReference(familiarString(r))), fields(r));
      }),
      { numRuns: 500 },
    );
  });

  test('an explicit registry, path, tag and digest come back exactly as given', () => {
    const explicit = fc.record({
      domain: explicitDomain,
      path,
      tag: fc.option(tag, { nil: undefined }),
      digest: fc.option(digest, { nil: undefined }),
    });
    fc.assert(
      fc.property(explicit, (p) => {
        const r = parseReference(assemble(p));
        assert.deepEqual(fields(r), {
          registry: p.domain,
          repository: p.path,
          tag: p.tag ?? (p.digest === undefined ? 'latest' : null),
          digest: p.digest ?? null,
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('agreement with the regex definition of distribution/reference', () => {
  // Strings near the valid set are where hand-written parsers drift; random strings over the grammar's own
  // alphabet cover the rest.
  const grammarAlphabet = fc.constantFrom(...'ab0F9_.-:/@[]'.split(''));
  const inputs = fc.oneof(
    validReference,
    nearMiss,
    tokenSoup,
    fc.string({ unit: grammarAlphabet, maxLength: 24 }),
    parts.map((p) => assemble({ ...p, domain: p.domain?.toUpperCase() })),
  );

  test('accepts exactly what the regexes accept, with the same parts', () => {
    fc.assert(
      fc.property(inputs, (s) => {
        const expected = oracleParse(s);
        const got = verdict(s);
        if (expected === null) {
          assert.ok(got instanceof RegdoctorError, `accepted ${JSON.stringify(s)}, distribution rejects it`);
        } else {
          assert.ok(!(got instanceof RegdoctorError), `rejected ${JSON.stringify(s)}: ${String(got)}`);
          assert.deepEqual(got, expected);
        }
      }),
      { numRuns: 5000 },
    );
  });
});

describe('generated invalid references', () => {
  test('an uppercase letter in the path is a lowercase error about the repository', () => {
    const arb = fc.tuple(parts, fc.nat()).map(([p, i]) => {
      const at = i % p.path.length;
      const upper = p.path.slice(0, at) + p.path.slice(at).replace(/[a-z]/, (c) => c.toUpperCase());
      // A dotted registry keeps an uppercase first component from being read as a registry name.
      return { input: assemble({ ...p, domain: 'r.example', path: upper }), changed: upper !== p.path };
    });
    fc.assert(
      fc.property(
        arb.filter((a) => a.changed),
        ({ input }) => {
          const err = invalid(input);
          assert.equal(err.detail['part'], 'repository');
          assert.match(err.message, /repository name must be lowercase/);
        },
      ),
    );
  });

  test('a tag longer than 128 characters is rejected as such', () => {
    const longTag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{128,300}$/);
    fc.assert(
      fc.property(parts, longTag, (p, t) => {
        const err = invalid(assemble({ ...p, tag: t }));
        assert.equal(err.detail['part'], 'tag');
        assert.ok(err.message.endsWith(`tags are at most 128 characters, got ${t.length}`), err.message);
      }),
    );
  });

  test('a sha256 digest of the wrong length reports both lengths', () => {
    const wrongHex = fc.stringMatching(/^[a-f0-9]{1,200}$/).filter((h) => h.length !== 64);
    fc.assert(
      fc.property(parts, wrongHex, (p, hex) => {
        const err = invalid(assemble({ ...p, digest: `sha256:${hex}` }));
        assert.equal(err.detail['part'], 'digest');
        assert.ok(
          err.message.endsWith(`sha256 digests have 64 hex characters, got ${hex.length}`),
          err.message,
        );
      }),
    );
  });

  test('uppercase hex and unsupported algorithms are digest errors', () => {
    const badDigest = fc.oneof(
      fc.stringMatching(/^[a-f0-9]{63}$/).map((h) => `sha256:A${h}`),
      fc.constantFrom('md5', 'sha1', 'blake3', 'sha256+b64').map((a) => `${a}:${'0'.repeat(64)}`),
    );
    fc.assert(
      fc.property(parts, badDigest, (p, d) => {
        assert.equal(invalid(assemble({ ...p, digest: d })).detail['part'], 'digest');
      }),
    );
  });
});

describe('arbitrary input', () => {
  const strings = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: fc.constantFrom(...'aA0_.-:/@[]% \t'.split('')), maxLength: 40 }),
    nearMiss,
  );

  test('never throws anything but an INVALID_REFERENCE RegdoctorError, with a usable detail', () => {
    fc.assert(
      fc.property(strings, (s) => {
        const got = verdict(s);
        if (!(got instanceof RegdoctorError)) return;
        assert.equal(got.cause, 'INVALID_REFERENCE');
        assert.equal(got.detail['input'], s);
        assert.ok(got.message.length > 0);
        const position = got.detail['position'];
        if (position !== undefined) {
          assert.ok(
            typeof position === 'number' && position >= 0 && position < s.length,
            `position ${position}`,
          );
        }
        const suggestion = got.detail['suggestion'];
        if (suggestion !== undefined) assert.doesNotThrow(() => parseReference(suggestion as string));
      }),
      { numRuns: 2000 },
    );
  });
});
