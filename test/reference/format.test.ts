import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiHost,
  familiarString,
  formatReference,
  isDockerHub,
  parseReference,
  repositoryName,
  type Reference,
} from '../../src/reference/index.ts';

const D = `sha256:${'86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa'}`;

type Row = [input: string, formatted: string, familiar: string, name: string];

// Familiar names re-expressed from distribution/reference TestParseRepositoryInfo and
// TestParseReferenceWithTagAndDigest; the parser adds 'latest' where the input has neither tag nor digest.
const ROWS: Row[] = [
  ['nginx', 'docker.io/library/nginx:latest', 'nginx:latest', 'docker.io/library/nginx'],
  ['user/app:1', 'docker.io/user/app:1', 'user/app:1', 'docker.io/user/app'],
  ['ghcr.io/o/a:1', 'ghcr.io/o/a:1', 'ghcr.io/o/a:1', 'ghcr.io/o/a'],
  ['index.docker.io/fooo/bar', 'docker.io/fooo/bar:latest', 'fooo/bar:latest', 'docker.io/fooo/bar'],
  ['library/ubuntu', 'docker.io/library/ubuntu:latest', 'ubuntu:latest', 'docker.io/library/ubuntu'],
  ['docker.io/foo', 'docker.io/library/foo:latest', 'foo:latest', 'docker.io/library/foo'],
  [
    'nonlibrary/ubuntu',
    'docker.io/nonlibrary/ubuntu:latest',
    'nonlibrary/ubuntu:latest',
    'docker.io/nonlibrary/ubuntu',
  ],
  ['other/library', 'docker.io/other/library:latest', 'other/library:latest', 'docker.io/other/library'],
  [
    'library/foo/bar',
    'docker.io/library/foo/bar:latest',
    'library/foo/bar:latest',
    'docker.io/library/foo/bar',
  ],
  [
    'index.docker.io/library/ubuntu-12.04-base',
    'docker.io/library/ubuntu-12.04-base:latest',
    'ubuntu-12.04-base:latest',
    'docker.io/library/ubuntu-12.04-base',
  ],
  [
    '127.0.0.1:8000/private/moonbase',
    '127.0.0.1:8000/private/moonbase:latest',
    '127.0.0.1:8000/private/moonbase:latest',
    '127.0.0.1:8000/private/moonbase',
  ],
  ['Foo/bar', 'Foo/bar:latest', 'Foo/bar:latest', 'Foo/bar'],
  [
    `busybox:latest@${D}`,
    `docker.io/library/busybox:latest@${D}`,
    `busybox:latest@${D}`,
    'docker.io/library/busybox',
  ],
  [`localhost:5000/a/b@${D}`, `localhost:5000/a/b@${D}`, `localhost:5000/a/b@${D}`, 'localhost:5000/a/b'],
  [`r/a:t@${D}`, `docker.io/r/a:t@${D}`, `r/a:t@${D}`, 'docker.io/r/a'],
  ['[::1]:5000/app:v2', '[::1]:5000/app:v2', '[::1]:5000/app:v2', '[::1]:5000/app'],
  // Docker would shorten these to 'a.b/c' and 'localhost/x', which name other registries.
  ['docker.io/a.b/c', 'docker.io/a.b/c:latest', 'docker.io/a.b/c:latest', 'docker.io/a.b/c'],
  [
    'docker.io/localhost/x',
    'docker.io/localhost/x:latest',
    'docker.io/localhost/x:latest',
    'docker.io/localhost/x',
  ],
];

describe('formatReference / familiarString / repositoryName', () => {
  for (const [input, formatted, familiar, name] of ROWS) {
    test(input.length > 80 ? `${input.slice(0, 80)}…` : input, () => {
      const r = parseReference(input);
      assert.equal(formatReference(r), formatted);
      assert.equal(familiarString(r), familiar);
      assert.equal(repositoryName(r), name);
    });
  }

  test('formats a reference built by hand, not only parsed ones', () => {
    const r: Reference = { registry: 'r.io', repository: 'a', tag: 't', digest: D, original: 'ignored' };
    assert.equal(formatReference(r), `r.io/a:t@${D}`);
    assert.equal(formatReference({ ...r, tag: null }), `r.io/a@${D}`);
    assert.equal(formatReference({ ...r, digest: null }), 'r.io/a:t');
    assert.equal(formatReference({ ...r, tag: null, digest: null }), 'r.io/a');
  });
});

describe('apiHost', () => {
  test("maps Docker Hub's names to the host that serves the registry API", () => {
    assert.equal(apiHost('docker.io'), 'registry-1.docker.io');
    assert.equal(apiHost('index.docker.io'), 'registry-1.docker.io');
  });
  test('leaves every other registry unchanged', () => {
    for (const host of [
      'ghcr.io',
      'localhost:5000',
      '[::1]:5000',
      '127.0.0.1:5000',
      'registry-1.docker.io',
    ]) {
      assert.equal(apiHost(host), host);
    }
  });
});

describe('isDockerHub', () => {
  test('recognises the names Docker Hub goes by, in any case', () => {
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'Docker.IO']) {
      assert.equal(isDockerHub(host), true, host);
    }
  });
  test('rejects look-alikes and other registries', () => {
    for (const host of ['ghcr.io', 'docker.io.evil.com', 'mirror.gcr.io', 'docker.io:443', 'localhost']) {
      assert.equal(isDockerHub(host), false, host);
    }
  });
  test('agrees with what parseReference normalizes to', () => {
    assert.equal(isDockerHub(parseReference('nginx').registry), true);
    assert.equal(isDockerHub(parseReference('quay.io/a/b').registry), false);
  });
});
