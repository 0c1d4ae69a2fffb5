import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference } from '../../src/reference/index.ts';
import { fields } from './helpers.ts';

const F64 = 'f'.repeat(64);
const F128 = 'f'.repeat(128);
const D256 = `sha256:${F64}`;
const HEX64 = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';

type Row = [input: string, registry: string, repository: string, tag: string | null, digest: string | null];

// Re-expressed from distribution/reference TestReferenceParse, with Docker normalization applied on top
// (ParseNormalizedNamed + TagNameOnly), which is what the kubelet and runtimes do with an image string.
const FROM_REFERENCE_TEST: Row[] = [
  ['test_com', 'docker.io', 'library/test_com', 'latest', null],
  ['test.com:tag', 'docker.io', 'library/test.com', 'tag', null],
  ['test.com:5000', 'docker.io', 'library/test.com', '5000', null],
  ['test.com/repo:tag', 'test.com', 'repo', 'tag', null],
  ['test:5000/repo', 'test:5000', 'repo', 'latest', null],
  ['test:5000/repo:tag', 'test:5000', 'repo', 'tag', null],
  [`test:5000/repo@${D256}`, 'test:5000', 'repo', null, D256],
  [`test:5000/repo:tag@${D256}`, 'test:5000', 'repo', 'tag', D256],
  ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase', null],
  [
    `${'a/'.repeat(127)}a:tag-puts-this-over-max`,
    'docker.io',
    `${'a/'.repeat(127)}a`,
    'tag-puts-this-over-max',
    null,
  ],
  ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com', 'bar/baz/quux', 'latest', null],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag', null],
  [
    'b.gcr.io/test.example.com/my-app:test.example.com',
    'b.gcr.io',
    'test.example.com/my-app',
    'test.example.com',
    null,
  ],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com', null],
  [
    `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${F128}`,
    'xn--7o8h.com',
    'myimage',
    'xn--7o8h.com',
    `sha512:${F128}`,
  ],
  ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080', null],
  ['foo/foo_bar.com:8080', 'docker.io', 'foo/foo_bar.com', '8080', null],
  ['192.168.1.1', 'docker.io', 'library/192.168.1.1', 'latest', null],
  ['192.168.1.1:tag', 'docker.io', 'library/192.168.1.1', 'tag', null],
  ['192.168.1.1:5000', 'docker.io', 'library/192.168.1.1', '5000', null],
  ['192.168.1.1/repo', '192.168.1.1', 'repo', 'latest', null],
  ['192.168.1.1:5000/repo', '192.168.1.1:5000', 'repo', 'latest', null],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050', null],
  ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo', 'latest', null],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag', null],
  ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000', 'repo', 'latest', null],
  ['[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000', 'repo', 'tag', null],
  [`[2001:db8::1]:5000/repo@${D256}`, '[2001:db8::1]:5000', 'repo', null, D256],
  [`[2001:db8::1]:5000/repo:tag@${D256}`, '[2001:db8::1]:5000', 'repo', 'tag', D256],
  ['[2001:db8::]:5000/repo', '[2001:db8::]:5000', 'repo', 'latest', null],
  ['[::1]:5000/repo', '[::1]:5000', 'repo', 'latest', null],
];

// Re-expressed from distribution/reference normalize_test.go (TestValidateReferenceName, TestValidateRemoteName,
// TestParseRepositoryInfo, TestNormalizedSplitHostname, TestParseAnyReference).
const FROM_NORMALIZE_TEST: Row[] = [
  ['docker/docker', 'docker.io', 'docker/docker', 'latest', null],
  ['library/debian', 'docker.io', 'library/debian', 'latest', null],
  ['debian', 'docker.io', 'library/debian', 'latest', null],
  ['docker.io/docker/docker', 'docker.io', 'docker/docker', 'latest', null],
  ['docker.io/library/debian', 'docker.io', 'library/debian', 'latest', null],
  ['docker.io/debian', 'docker.io', 'library/debian', 'latest', null],
  ['index.docker.io/docker/docker', 'docker.io', 'docker/docker', 'latest', null],
  ['index.docker.io/library/debian', 'docker.io', 'library/debian', 'latest', null],
  ['index.docker.io/debian', 'docker.io', 'library/debian', 'latest', null],
  ['127.0.0.1:5000/docker/docker', '127.0.0.1:5000', 'docker/docker', 'latest', null],
  ['127.0.0.1:5000/library/debian', '127.0.0.1:5000', 'library/debian', 'latest', null],
  ['127.0.0.1:5000/debian', '127.0.0.1:5000', 'debian', 'latest', null],
  ['192.168.0.1', 'docker.io', 'library/192.168.0.1', 'latest', null],
  ['192.168.0.1:80', 'docker.io', 'library/192.168.0.1', '80', null],
  ['192.168.0.1:8/debian', '192.168.0.1:8', 'debian', 'latest', null],
  ['192.168.0.2:25000/debian', '192.168.0.2:25000', 'debian', 'latest', null],
  [
    'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    'docker.io',
    'library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
    'latest',
    null,
  ],
  ['[fc00::1]:5000/docker', '[fc00::1]:5000', 'docker', 'latest', null],
  ['[fc00::1]:5000/docker/docker', '[fc00::1]:5000', 'docker/docker', 'latest', null],
  ['[fc00:1:2:3:4:5:6:7]:5000/library/debian', '[fc00:1:2:3:4:5:6:7]:5000', 'library/debian', 'latest', null],
  [`docker.io/${HEX64}`, 'docker.io', `library/${HEX64}`, 'latest', null],
  [`${HEX64}:v1`, 'docker.io', `library/${HEX64}`, 'v1', null],
  [HEX64.slice(0, 63), 'docker.io', `library/${HEX64.slice(0, 63)}`, 'latest', null],
  ['Docker/docker', 'Docker', 'docker', 'latest', null],
  ['DOCKER/docker', 'DOCKER', 'docker', 'latest', null],
  ['docker-rules/docker', 'docker.io', 'docker-rules/docker', 'latest', null],
  ['docker---rules/docker', 'docker.io', 'docker---rules/docker', 'latest', null],
  ['d/docker', 'docker.io', 'd/docker', 'latest', null],
  ['jess/t', 'docker.io', 'jess/t', 'latest', null],
  ['dock__er/docker', 'docker.io', 'dock__er/docker', 'latest', null],
  ['other/library', 'docker.io', 'other/library', 'latest', null],
  ['library/foo/bar', 'docker.io', 'library/foo/bar', 'latest', null],
  ['store/foo/bar', 'docker.io', 'store/foo/bar', 'latest', null],
  ['example.com:8000/private/moonbase', 'example.com:8000', 'private/moonbase', 'latest', null],
  ['test-com:8080/foo', 'test-com:8080', 'foo', 'latest', null],
  ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo', 'latest', null],
  ['Foo/bar', 'Foo', 'bar', 'latest', null],
  [`redis@sha256:${F64}`, 'docker.io', 'library/redis', null, D256],
  [`busybox:latest@${D256}`, 'docker.io', 'library/busybox', 'latest', D256],
];

// Cases a Kubernetes user meets that the upstream tables do not spell out.
const EVERYDAY: Row[] = [
  ['nginx', 'docker.io', 'library/nginx', 'latest', null],
  ['nginx:1.27-alpine', 'docker.io', 'library/nginx', '1.27-alpine', null],
  ['ghcr.io/org/app:v1.2.3', 'ghcr.io', 'org/app', 'v1.2.3', null],
  ['localhost/foo', 'localhost', 'foo', 'latest', null],
  ['localhost:5000/team/app', 'localhost:5000', 'team/app', 'latest', null],
  ['localhost:5000', 'docker.io', 'library/localhost', '5000', null],
  ['registry.k8s.io/pause:3.9', 'registry.k8s.io', 'pause', '3.9', null],
  [
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:prod',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    'app',
    'prod',
    null,
  ],
  ['docker.io/bitnami/redis:7.2', 'docker.io', 'bitnami/redis', '7.2', null],
  [`quay.io/a/b@sha384:${'0'.repeat(96)}`, 'quay.io', 'a/b', null, `sha384:${'0'.repeat(96)}`],
  [`r.io/a:${'t'.repeat(128)}`, 'r.io', 'a', 't'.repeat(128), null],
  ['r.io/a:_x', 'r.io', 'a', '_x', null],
  [`${'a'.repeat(247)}`, 'docker.io', `library/${'a'.repeat(247)}`, 'latest', null],
  [`r.io/${'a'.repeat(255)}`, 'r.io', 'a'.repeat(255), 'latest', null],
  ['Docker.io/x', 'Docker.io', 'x', 'latest', null],
];

for (const [title, rows] of [
  ['distribution reference_test cases', FROM_REFERENCE_TEST],
  ['distribution normalize_test cases', FROM_NORMALIZE_TEST],
  ['everyday references', EVERYDAY],
] as const) {
  describe(`parseReference: ${title}`, () => {
    for (const [input, registry, repository, tag, digest] of rows) {
      test(input.length > 90 ? `${input.slice(0, 90)}…` : input, () => {
        const r = parseReference(input);
        assert.deepEqual(fields(r), { registry, repository, tag, digest });
        assert.equal(r.original, input);
      });
    }
  });
}
