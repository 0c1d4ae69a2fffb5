import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatReference, parseReference } from '../../src/reference/index.ts';
import { compilePattern, matchesPattern } from '../../src/policy/glob.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const matches = (pattern: string, image: string) =>
  matchesPattern(compilePattern(pattern), parseReference(image));

describe('pattern normalization', () => {
  const cases: [string, string][] = [
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:*', 'docker.io/library/nginx:*'],
    ['library/nginx', 'docker.io/library/nginx'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/nginx:1', 'docker.io/library/nginx:1'],
    ['bitnami/*', 'docker.io/bitnami/*'],
    ['*', 'docker.io/library/*'],
    ['**', '**'],
    ['**/nginx', '**/nginx'],
    ['docker.io/**', 'docker.io/**'],
    ['localhost:5000/app', 'localhost:5000/app'],
    ['host:5000/app', 'host:5000/app'],
    ['host:5000/app:1', 'host:5000/app:1'],
    ['GHCR.IO/acme/*', 'ghcr.io/acme/*'],
    [`nginx@${DIGEST}`, `docker.io/library/nginx@${DIGEST}`],
  ];
  for (const [input, want] of cases) {
    test(`${input} → ${want}`, () => assert.equal(compilePattern(input).normalized, want));
  }
  test('a port is not mistaken for a tag', () => {
    assert.equal(compilePattern('host:5000/app').tag, null);
    assert.notEqual(compilePattern('host:5000/app:1').tag, null);
  });
});

describe('pattern errors', () => {
  for (const bad of ['', 'nginx :1', 'a@b@c', 'nginx:', 'nginx@', ':1', 'ghcr.io//x', 'acme/App', 'a\tb']) {
    test(JSON.stringify(bad), () => assert.throws(() => compilePattern(bad), Error));
  }
});

describe('matching', () => {
  const yes: [string, string][] = [
    ['nginx', 'nginx'],
    ['nginx', 'nginx:1.25'],
    ['nginx', `nginx@${DIGEST}`],
    ['nginx', 'docker.io/library/nginx:1'],
    ['nginx', 'index.docker.io/library/nginx'],
    ['nginx:*', 'nginx'], // untagged = latest
    ['nginx:1.*', `nginx:1.25@${DIGEST}`],
    ['nginx:latest', 'nginx'],
    [`nginx@${DIGEST}`, `nginx:1@${DIGEST}`],
    [`nginx@sha256:*`, `nginx@${DIGEST}`],
    ['ghcr.io/acme/*', 'ghcr.io/acme/app:1'],
    ['ghcr.io/acme/**', 'ghcr.io/acme/team/app:1'],
    ['ghcr.io/acme/ap?', 'ghcr.io/acme/app'],
    ['**', 'localhost:5000/x'],
    ['**/nginx', 'quay.io/mirror/nginx:1'],
    ['*.gcr.io/**', 'eu.gcr.io/p/i'],
    ['localhost:5000/app', 'localhost:5000/app:1'],
    ['host:5000/*', 'host:5000/app'],
    ['bitnami/*', 'bitnami/redis:7'],
    ['[::1]:5000/app', '[::1]:5000/app:2'],
  ];
  const no: [string, string][] = [
    ['nginx', 'nginx-unprivileged'],
    ['nginx', 'bitnami/nginx'],
    ['nginx', 'quay.io/nginx'],
    ['nginx:*', `nginx@${DIGEST}`], // a digest-only reference has no tag
    ['nginx:1', 'nginx:10'],
    [`nginx@${DIGEST}`, 'nginx:1'],
    ['ghcr.io/acme/*', 'ghcr.io/acme/team/app'],
    ['ghcr.io/acme/*', 'ghcr.io/acme-evil/app'],
    ['ghcr.io/acme/ap?', 'ghcr.io/acme/ap'],
    ['*', 'bitnami/redis'],
    ['localhost:5000/app', 'localhost:5001/app'],
    ['localhost/app', 'localhost:5000/app'],
    ['host:5000/app', 'host/app'],
    ['ghcr.io/**/app', 'ghcr.io/app'],
    ['ghcr.io.evil/**', 'ghcr.io/x'],
  ];
  for (const [p, image] of yes) test(`${p} matches ${image}`, () => assert.equal(matches(p, image), true));
  for (const [p, image] of no)
    test(`${p} does not match ${image}`, () => assert.equal(matches(p, image), false));
  test('registry hosts compare case-insensitively', () => {
    assert.equal(matches('ghcr.io/acme/app', 'GHCR.IO/acme/app'), true);
  });
});

const component = fc.stringMatching(/^[a-z0-9]{1,5}([._-][a-z0-9]{1,4})?$/);
const reference = fc
  .record({
    registry: fc.constantFrom(
      '',
      'docker.io/',
      'index.docker.io/',
      'ghcr.io/',
      'localhost/',
      'localhost:5000/',
      'host:5000/',
      '[::1]:5000/',
      '10.0.0.1:443/',
    ),
    path: fc.array(component, { minLength: 1, maxLength: 4 }),
    tag: fc.option(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,12}$/)),
    digest: fc.option(fc.stringMatching(/^[a-f0-9]{64}$/)),
  })
  .map(({ registry, path, tag, digest }) => {
    const name = registry + path.join('/');
    return name + (tag !== null ? `:${tag}` : '') + (digest !== null ? `@sha256:${digest}` : '');
  });

describe('properties', () => {
  test('a pattern equal to a normalized reference matches it, and matches the written form too', () => {
    fc.assert(
      fc.property(reference, (image) => {
        const ref = parseReference(image);
        const p = compilePattern(formatReference(ref));
        assert.equal(p.normalized, formatReference(ref));
        assert.equal(matchesPattern(p, ref), true);
        assert.equal(matchesPattern(compilePattern(image), ref), true);
      }),
      { numRuns: 500 },
    );
  });
  test('such a pattern does not match another repository', () => {
    fc.assert(
      fc.property(reference, component, (image, extra) => {
        const ref = parseReference(image);
        const other = { ...ref, repository: `${ref.repository}/${extra}` };
        assert.equal(matchesPattern(compilePattern(formatReference(ref)), other), false);
      }),
      { numRuns: 300 },
    );
  });
});
