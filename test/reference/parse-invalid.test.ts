import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference } from '../../src/reference/index.ts';
import { invalid } from './helpers.ts';

const F64 = 'f'.repeat(64);
const HEX64 = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
const LONG_NAMESPACE = `${'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4)}x/docker`;

type Row = [input: string, part: string, fragment: string];

// Re-expressed from distribution/reference reference_test.go and normalize_test.go: inputs Docker rejects.
// Each row names the part the message blames and a fragment of the message that explains the mistake.
const UPSTREAM: Row[] = [
  [':justtag', 'repository', "repository name is missing before ':'"],
  [`@sha256:${F64}`, 'repository', "repository name is missing before '@'"],
  [`repo@sha256:${'f'.repeat(34)}`, 'digest', 'sha256 digests have 64 hex characters, got 34'],
  [`validname@invaliddigest:${F64}`, 'digest', 'unsupported digest algorithm "invaliddigest"'],
  ['Uppercase:tag', 'repository', 'repository name must be lowercase ("Uppercase")'],
  ['test:5000/Uppercase/lowercase:tag', 'repository', 'must be lowercase ("Uppercase/lowercase")'],
  [`${'a/'.repeat(128)}a:tag`, 'repository', 'must not be more than 255 characters, got 257'],
  ['aa/asdf$$^/aa', 'repository', "invalid character '$' at character 8"],
  ['[2001:db8::1]', 'registry', 'must be followed by a repository'],
  ['[2001:db8::1]:5000', 'registry', 'must be followed by a repository'],
  ['[2001:db8::1]:tag', 'registry', 'must be followed by a repository'],
  ['[fe80::1%eth0]:5000/repo', 'registry', 'IPv6 zone identifiers ("%eth0") are not allowed'],
  ['[fe80::1%@invalidzone]:5000/repo', 'registry', 'must be followed by a repository'],
  ['https://github.com/docker/docker', 'reference', 'remove the scheme "https://"'],
  ['docker/Docker', 'repository', 'must be lowercase ("docker/Docker")'],
  ['-docker', 'repository', 'component "-docker" must start with a lowercase letter or digit'],
  ['-docker/docker', 'repository', 'component "-docker" must start with a lowercase letter or digit'],
  ['-docker.io/docker/docker', 'registry', `label "-docker" must not start or end with '-'`],
  ['docker///docker', 'repository', "empty component ('//')"],
  ['docker.io/docker/Docker', 'repository', 'must be lowercase ("docker/Docker")'],
  ['docker.io/docker///docker', 'repository', "empty component ('//')"],
  ['[fc00::1]', 'registry', 'must be followed by a repository'],
  ['[fc00::1]:5000', 'registry', 'must be followed by a repository'],
  ['fc00::1:5000/debian', 'registry', 'IPv6 registry addresses must be in brackets'],
  ['[2001:db8:3:4::192.0.2.33]:5000/debian', 'registry', 'embedded IPv4 forms'],
  [HEX64, 'repository', 'cannot specify 64-byte hexadecimal strings'],
  ['docker-/docker', 'repository', 'component "docker-" must end with a lowercase letter or digit'],
  ['-docker-/docker', 'repository', 'must start with a lowercase letter or digit'],
  ['____/____', 'repository', 'must start with a lowercase letter or digit'],
  ['_docker/_docker', 'repository', 'must start with a lowercase letter or digit'],
  ['dock..er/docker', 'registry', 'has an empty label'],
  ['dock_.er/docker', 'registry', "invalid character '_'"],
  ['dock-.er/docker', 'registry', `label "dock-" must not start or end with '-'`],
  ['docker/', 'repository', "repository name must not end with '/'"],
  [LONG_NAMESPACE, 'repository', 'must not be more than 255 characters'],
];

const EVERYDAY: Row[] = [
  ['nginx:', 'tag', "tag is empty: remove the trailing ':' or add a tag"],
  [`nginx:@sha256:${F64}`, 'tag', "tag is empty: nothing between ':' and '@'"],
  [`nginx:${'a'.repeat(129)}`, 'tag', 'tags are at most 128 characters, got 129'],
  ['nginx:-rc1', 'tag', "tags must start with a letter, digit or '_'"],
  ['nginx:.x', 'tag', "tags must start with a letter, digit or '_'"],
  ['nginx:1.0:extra', 'tag', "invalid character ':' at character 10"],
  ['nginx:la\u200btest', 'tag', 'invalid character U+200B at character 9'],
  ['nginx@', 'digest', "digest is empty after '@'"],
  ['nginx@sha256', 'digest', 'a digest has the form <algorithm>:<hex>'],
  ['nginx@:abc', 'digest', "digest algorithm is missing before ':'"],
  [`nginx@sha-:${F64}`, 'digest', 'invalid digest algorithm "sha-"'],
  [`nginx@SHA256:${F64}`, 'digest', 'digest algorithm must be lowercase ("sha256")'],
  [`nginx@sha256:${'F'.repeat(64)}`, 'digest', 'digest hex must be lowercase'],
  [`nginx@sha512:${F64}`, 'digest', 'sha512 digests have 128 hex characters, got 64'],
  [`nginx@sha256:${F64}:v1`, 'digest', 'a tag must come before the digest: name:tag@digest'],
  ['nginx@sha256:xyz', 'digest', "invalid character 'x' at character 14: digests are hexadecimal"],
  [`a/b@sha256:${F64}@x`, 'digest', "a reference has at most one '@'"],
  [' nginx', 'reference', 'remove the leading whitespace'],
  ['nginx\n', 'reference', 'remove the trailing whitespace'],
  ['\tnginx ', 'reference', 'remove the leading and trailing whitespace'],
  ['nginx latest', 'repository', 'invalid character a space at character 6'],
  ['docker://alpine', 'reference', 'remove the scheme "docker://"'],
  ['ghcr.io/', 'repository', 'registry "ghcr.io" must be followed by a repository name'],
  ['ghcr.io//x', 'repository', "empty component ('//')"],
  ['/nginx', 'repository', "repository name must not start with '/'"],
  ['My_Org/app', 'repository', 'must be lowercase ("My_Org/app")'],
  ['foo:bar/baz', 'registry', 'registry port "bar" must be a decimal number'],
  ['host:/app', 'registry', "registry port is empty after ':'"],
  ['host:1:2/app', 'registry', "has more than one ':'"],
  ['fc00::1/app', 'registry', 'must be in brackets, e.g. "[fc00::1]"'],
  ['[::1/app', 'registry', "missing its closing ']'"],
  ['[]:5000/app', 'registry', 'IPv6 registry address is empty'],
  ['[::1]x/app', 'registry', "only ':<port>' may follow ']'"],
  ['a..b.io/app', 'registry', 'has an empty label'],
  ['r.io/dock..er', 'repository', 'has an invalid separator ".."'],
  ['r.io/a___b', 'repository', 'has an invalid separator "___"'],
  ['r.io/a-.b', 'repository', 'has an invalid separator "-."'],
  ['r.io/caf\u00e9', 'repository', 'invalid character U+00E9 at character 9'],
  [`r.io/${'a'.repeat(256)}`, 'repository', 'must not be more than 255 characters, got 256'],
  [`${'a'.repeat(248)}`, 'repository', 'got 256 (Docker Hub adds "library/" in front)'],
];

for (const [title, rows] of [
  ['inputs distribution rejects', UPSTREAM],
  ['everyday mistakes', EVERYDAY],
] as const) {
  describe(`parseReference rejects: ${title}`, () => {
    for (const [input, part, fragment] of rows) {
      test(JSON.stringify(input.length > 80 ? `${input.slice(0, 80)}…` : input), () => {
        const err = invalid(input);
        assert.equal(err.detail['part'], part, err.message);
        assert.ok(
          err.message.includes(fragment),
          `message ${JSON.stringify(err.message)} lacks ${JSON.stringify(fragment)}`,
        );
      });
    }
  });
}

describe('parseReference error messages', () => {
  test('an empty string says so and nothing more', () => {
    assert.equal(invalid('').message, 'empty reference');
  });

  test('uppercase repository names quote the name as typed', () => {
    assert.equal(
      invalid('Nginx:latest').message,
      'invalid reference "Nginx:latest": repository name must be lowercase ("Nginx")',
    );
  });

  test('a short sha256 digest states the expected and actual length', () => {
    assert.equal(
      invalid('repo@sha256:abc').message,
      'invalid reference "repo@sha256:abc": invalid digest "sha256:abc": sha256 digests have 64 hex characters, got 3',
    );
  });

  test('an over-long tag names the tag and the limit', () => {
    const err = invalid(`nginx:${'x'.repeat(200)}`);
    assert.match(err.message, /invalid tag "x+…": tags are at most 128 characters, got 200$/);
    assert.equal(err.detail['value'], 'x'.repeat(200));
  });

  test('very long input is shortened in the message but kept whole in detail', () => {
    const input = `r.io/${'a'.repeat(300)}`;
    const err = invalid(input);
    assert.ok(err.message.length < 250, err.message);
    assert.equal(err.detail['input'], input);
  });

  test('control characters are escaped, not printed raw', () => {
    const err = invalid('nginx\u0007:1');
    assert.ok(!err.message.includes('\u0007'));
    assert.ok(err.message.includes('U+0007'), err.message);
  });
});

describe('parseReference error detail', () => {
  const cases: [input: string, position: number][] = [
    ['aa/asdf$$^/aa', 7],
    ['Nginx:latest', 0],
    ['docker.io/library/Nginx', 18],
    ['nginx:', 5],
    ['nginx:1.0:extra', 9],
    [`repo@sha256:abc`, 12],
    ['nginx@sha256:xyz', 13],
    ['[fe80::1%eth0]:5000/repo', 8],
    ['host:x1/app', 5],
    ['r.io/a__-b', 6],
  ];
  for (const [input, position] of cases) {
    test(`position of the mistake in ${JSON.stringify(input)}`, () => {
      assert.equal(invalid(input).detail['position'], position);
    });
  }

  const suggestions: [input: string, suggestion: string][] = [
    ['Nginx:latest', 'nginx:latest'],
    ['ghcr.io/MyOrg/App:v1', 'ghcr.io/myorg/app:v1'],
    ['https://ghcr.io/x/', 'ghcr.io/x'],
    ['  nginx:1 ', 'nginx:1'],
    ['nginx:', 'nginx'],
    ['nginx@', 'nginx'],
  ];
  for (const [input, suggestion] of suggestions) {
    test(`suggests ${JSON.stringify(suggestion)} for ${JSON.stringify(input)}`, () => {
      assert.equal(invalid(input).detail['suggestion'], suggestion);
    });
  }

  test('no suggestion when the obvious fix is still invalid', () => {
    assert.equal(invalid(' Nginx').detail['suggestion'], undefined);
    assert.equal(invalid('https://ghcr.io/').detail['suggestion'], undefined);
  });

  test('non-string input from untyped callers is an INVALID_REFERENCE, not a TypeError', () => {
    assert.throws(
      () => (parseReference as (x: unknown) => unknown)(42),
      (e: unknown) => e instanceof Error && (e as { cause?: unknown }).cause === 'INVALID_REFERENCE',
    );
  });
});
