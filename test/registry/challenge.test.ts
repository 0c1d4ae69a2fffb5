import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseChallenges, parseScope, type Challenge } from '../../src/registry/challenge.ts';

const CASES: [header: string | string[] | undefined, expected: Challenge[]][] = [
  // distribution token.md
  [
    'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
    [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:samalba/my-app:pull,push',
        },
      },
    ],
  ],
  // distribution authchallenge_test.go: bare token values and backslash escapes
  [
    'Bearer realm="https://auth.example.com/token",service="registry.example.com",other=fun,slashed="he\\"\\l\\lo"',
    [
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example.com/token',
          service: 'registry.example.com',
          other: 'fun',
          slashed: 'he"llo',
        },
      },
    ],
  ],
  // RFC 7235 §4.1 example: two challenges in one field, a comma and escaped quotes inside a quoted string
  [
    'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
    [
      { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'basic', params: { realm: 'simple' } },
    ],
  ],
  ['Basic realm="a, b", charset="UTF-8"', [{ scheme: 'basic', params: { realm: 'a, b', charset: 'UTF-8' } }]],
  [
    'BEARER Realm="r", ERROR="insufficient_scope", Error_Description="no"',
    [{ scheme: 'bearer', params: { realm: 'r', error: 'insufficient_scope', error_description: 'no' } }],
  ],
  ['Bearer realm = "spaced" , service= s', [{ scheme: 'bearer', params: { realm: 'spaced', service: 's' } }]],
  [
    'Bearer realm=https://auth.example.com:5001/token',
    [{ scheme: 'bearer', params: { realm: 'https://auth.example.com:5001/token' } }],
  ],
  [
    'Negotiate abc+/9==, Basic realm=x',
    [
      { scheme: 'negotiate', params: {}, token68: 'abc+/9==' },
      { scheme: 'basic', params: { realm: 'x' } },
    ],
  ],
  [
    'Negotiate, NTLM',
    [
      { scheme: 'negotiate', params: {} },
      { scheme: 'ntlm', params: {} },
    ],
  ],
  ['Bearer', [{ scheme: 'bearer', params: {} }]],
  [' , ,Basic realm="x",, ', [{ scheme: 'basic', params: { realm: 'x' } }]],
  ['Bearer realm="first", realm="second"', [{ scheme: 'bearer', params: { realm: 'first' } }]],
  ['Basic realm="unterminated', [{ scheme: 'basic', params: { realm: 'unterminated' } }]],
  // A forgotten comma between parameters is forgiven.
  ['Bearer realm="r" service="s"', [{ scheme: 'bearer', params: { realm: 'r', service: 's' } }]],
  // Several header lines (one per array item)
  [
    ['Bearer realm="https://a/token",service="keep"', 'Basic realm="b"'],
    [
      { scheme: 'bearer', params: { realm: 'https://a/token', service: 'keep' } },
      { scheme: 'basic', params: { realm: 'b' } },
    ],
  ],
  [undefined, []],
  ['', []],
  ['realm="no scheme"', []],
  ['"quoted" ===', []],
  ['=', []],
];

describe('parseChallenges', () => {
  for (const [header, expected] of CASES) {
    test(JSON.stringify(header), () => assert.deepEqual(parseChallenges(header), expected));
  }

  test('a parameter named __proto__ does not touch the prototype', () => {
    const [c] = parseChallenges('Bearer __proto__="x", realm="r"');
    assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'r' } });
    assert.equal(Object.getPrototypeOf(c!.params), Object.prototype);
  });

  test('property: never throws, and every challenge has a lower-case token scheme and lower-case keys', () => {
    const piece = fc.oneof(
      fc.string(),
      fc.constantFrom('Bearer', 'Basic', 'realm', '=', '"', '\\', ',', ' ', 'scope="a:b:c"', 'x==', '\t'),
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(piece).map((p) => p.join('')),
        ),
        (header) => {
          const got = parseChallenges(header);
          for (const c of got) {
            assert.match(c.scheme, /^[!#$%&'*+\-.^_`|~0-9a-z]+$/);
            for (const k of Object.keys(c.params)) assert.equal(k, k.toLowerCase());
          }
        },
      ),
    );
  });

  test('property: quoted values round-trip through escaping', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (realm, service) => {
        const q = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
        const got = parseChallenges(`Bearer realm=${q(realm)}, service=${q(service)}, Basic realm="b"`);
        assert.deepEqual(got, [
          { scheme: 'bearer', params: { realm, service } },
          { scheme: 'basic', params: { realm: 'b' } },
        ]);
      }),
    );
  });
});

describe('parseScope', () => {
  test('splits type, name and actions; the name keeps a registry port', () => {
    assert.deepEqual(parseScope('repository:samalba/my-app:pull,push'), [
      { type: 'repository', name: 'samalba/my-app', actions: ['pull', 'push'] },
    ]);
    assert.deepEqual(parseScope('repository:host:5000/a/b:pull,push'), [
      { type: 'repository', name: 'host:5000/a/b', actions: ['pull', 'push'] },
    ]);
  });

  test('several space-separated scopes, a wildcard action, and a deprecated resource class', () => {
    assert.deepEqual(parseScope('repository:a/b:pull  registry:catalog:* repository(plugin):c/d:pull'), [
      { type: 'repository', name: 'a/b', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'c/d', actions: ['pull'] },
    ]);
  });

  test('drops malformed items and empty actions', () => {
    assert.deepEqual(parseScope(''), []);
    assert.deepEqual(parseScope('nonsense repository:x :a:b repository::pull'), []);
    assert.deepEqual(parseScope('repository:a/b:'), [{ type: 'repository', name: 'a/b', actions: [] }]);
    assert.deepEqual(parseScope('repository:a/b:pull,,push'), [
      { type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
    ]);
  });
});
