import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CAUSES, type Cause } from '../../src/cause/index.ts';
import { classify } from '../../src/classify/index.ts';
import { CORPUS } from './corpus.ts';

describe('classify: corpus', () => {
  for (const entry of CORPUS) {
    test(`${entry.cause} ← ${entry.id}`, () => {
      const got = classify(entry.message, entry.reason !== undefined ? { reason: entry.reason } : {});
      assert.equal(got.cause, entry.cause, `evidence was: ${got.evidence}`);
      if (entry.alternatives) assert.deepEqual(got.alternatives, entry.alternatives);
      if (entry.confidence) assert.equal(got.confidence, entry.confidence);
      if (entry.image !== undefined) assert.equal(got.image, entry.image);
      if (entry.registry !== undefined) assert.equal(got.registry, entry.registry);
      if (entry.evidenceIncludes) assert.ok(got.evidence.includes(entry.evidenceIncludes), got.evidence);
      if (entry.explanationIncludes)
        assert.ok(got.explanation.includes(entry.explanationIncludes), got.explanation);
    });
  }

  test('every code a message can show has at least 4 corpus messages', () => {
    const counts = new Map<Cause, number>();
    for (const e of CORPUS) counts.set(e.cause, (counts.get(e.cause) ?? 0) + 1);
    const thin = CAUSES.filter((c) => c !== 'PULL_SECRET_INVALID' && (counts.get(c) ?? 0) < 4);
    assert.deepEqual(thin, []);
  });

  test('corpus ids are unique', () => {
    const ids = CORPUS.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('classify: shape of every result', () => {
  for (const entry of CORPUS) {
    test(entry.id, () => {
      const got = classify(entry.message, entry.reason !== undefined ? { reason: entry.reason } : {});
      assert.ok(CAUSES.includes(got.cause));
      assert.ok(!got.alternatives.includes(got.cause), 'a cause is not its own alternative');
      assert.equal(new Set(got.alternatives).size, got.alternatives.length);
      assert.ok(got.explanation.length > 0 && !got.explanation.includes('\n'));
      assert.ok(got.remediation.length > 0);
      assert.ok(got.evidence.length > 0 || entry.message === '');
      assert.ok(got.evidence.length <= 400 || got.cause === 'UNKNOWN');
    });
  }
});

describe('classify: innermost cause wins', () => {
  test('401 from the token endpoint inside "failed to resolve reference" is UNAUTHORIZED', () => {
    const got = classify(
      'failed to resolve reference "registry.example.com/a/b:1": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://registry.example.com/service/token?scope=repository%3Aa%2Fb%3Apull: 401 Unauthorized',
    );
    assert.equal(got.cause, 'UNAUTHORIZED');
    assert.ok(got.evidence.endsWith('401 Unauthorized'));
  });

  test('a DeadlineExceeded wrapping a dial timeout is the dial timeout', () => {
    const outer = 'rpc error: code = DeadlineExceeded desc = context deadline exceeded';
    assert.equal(classify(outer).cause, 'PULL_TIMEOUT');
    const wrapped =
      'rpc error: code = DeadlineExceeded desc = failed to pull and unpack image "r.example/x:1": failed to resolve reference "r.example/x:1": failed to do request: Head "https://r.example/v2/x/manifests/1": dial tcp 10.0.0.9:443: i/o timeout';
    assert.equal(classify(wrapped).cause, 'NETWORK_TIMEOUT');
  });

  test('a wrapper owns what it wraps: the same inner words mean different causes', () => {
    const refused = 'dial tcp 10.0.0.9:3128: connect: connection refused';
    assert.equal(classify(`Get "https://r.example/v2/": ${refused}`).cause, 'CONNECTION_REFUSED');
    assert.equal(classify(`Get "https://r.example/v2/": proxyconnect tcp: ${refused}`).cause, 'PROXY_ERROR');
    const notFound = 'failed to pull and unpack image "docker.io/library/x:1"';
    assert.equal(
      classify(
        `${notFound}: failed to resolve reference "docker.io/library/x:1": docker.io/library/x:1: not found`,
      ).cause,
      'MANIFEST_NOT_FOUND',
    );
    assert.equal(
      classify(`${notFound}: no match for platform in manifest: not found`).cause,
      'PLATFORM_MISMATCH',
    );
  });

  test('a back-off counts only when nothing else is said', () => {
    assert.equal(classify('Back-off pulling image "x/y:1"').cause, 'BACKOFF_NO_DETAIL');
    assert.equal(
      classify('Back-off pulling image "x/y:1": ErrImagePull: pull QPS exceeded', {
        reason: 'ImagePullBackOff',
      }).cause,
      'PULL_QPS_EXCEEDED',
    );
  });
});

describe('classify: reasons', () => {
  test('an authoritative reason overrides an unrelated message', () => {
    const got = classify('Back-off pulling image "local/tool:dev"', { reason: 'ErrImageNeverPull' });
    assert.equal(got.cause, 'NEVER_PULL');
    assert.equal(got.confidence, 'certain');
  });

  test('a non-authoritative reason does not override a message with a cause', () => {
    const got = classify('Failed to pull image "a.example/b:1": pull QPS exceeded', {
      reason: 'ImagePullBackOff',
    });
    assert.equal(got.cause, 'PULL_QPS_EXCEEDED');
  });

  test('an unknown reason changes nothing', () => {
    assert.equal(classify('something odd', { reason: 'Whatever' }).cause, 'UNKNOWN');
  });

  test('messages alone are likely, not certain', () => {
    const got = classify(
      'Failed to pull image "a.example/b:1": failed to resolve reference "a.example/b:1": a.example/b:1: not found',
    );
    assert.equal(got.confidence, 'likely');
  });
});

describe('classify: UNKNOWN', () => {
  test('keeps the raw message as evidence', () => {
    const raw = '  rpc error: code = Unknown desc = something nobody has seen before  ';
    const got = classify(raw);
    assert.equal(got.cause, 'UNKNOWN');
    assert.equal(got.evidence, raw.trim());
    assert.deepEqual(got.alternatives, []);
  });

  test('empty message with no reason', () => {
    const got = classify('');
    assert.equal(got.cause, 'UNKNOWN');
    assert.equal(got.image, null);
    assert.equal(got.registry, null);
  });
});

describe('classify: over-long input', () => {
  test('keeps the start (image) and the end (innermost cause) of a huge message', () => {
    const head =
      'Failed to pull image "registry.example.com/big/app:1": failed to resolve reference "registry.example.com/big/app:1": ';
    const noise = 'failed to copy: retrying: '.repeat(8000);
    const got = classify(
      `${head}${noise}unexpected status from GET request to https://registry.example.com/token: 401 Unauthorized`,
    );
    assert.equal(got.cause, 'UNAUTHORIZED');
    assert.equal(got.image, 'registry.example.com/big/app:1');
    assert.ok(got.evidence.length <= 400);
  });
});

describe('classify: names', () => {
  test('the kubelet spelling of the image is preferred over the runtime-normalized one', () => {
    const got = classify(
      'Failed to pull image "nginx:nope": failed to pull and unpack image "docker.io/library/nginx:nope": failed to resolve reference "docker.io/library/nginx:nope": docker.io/library/nginx:nope: not found',
    );
    assert.equal(got.image, 'nginx:nope');
    assert.equal(got.registry, 'docker.io');
  });

  test('the registry comes from URLs when no image is named', () => {
    const got = classify(
      'Error response from daemon: Get https://registry.example.org:8443/v2/: x509: certificate signed by unknown authority',
    );
    assert.equal(got.image, null);
    assert.equal(got.registry, 'registry.example.org:8443');
    assert.ok(
      got.remediation.some((s) => s.includes('/etc/containerd/certs.d/registry.example.org:8443/hosts.toml')),
    );
  });

  test('a DNS failure names the host that did not resolve, not only the registry', () => {
    const got = classify(
      'Failed to pull image "ghcr.io/a/b:1": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://pkg-containers.githubusercontent.com/ghcr1/blobs/sha256:abc": dial tcp: lookup pkg-containers.githubusercontent.com on 10.0.0.2:53: no such host',
    );
    assert.equal(got.cause, 'DNS_FAILURE');
    assert.equal(got.registry, 'ghcr.io');
    assert.ok(got.explanation.includes('pkg-containers.githubusercontent.com'));
    assert.ok(got.remediation.some((s) => s.includes('getent hosts pkg-containers.githubusercontent.com')));
  });

  test('Go escaping at several levels is undone', () => {
    const once = 'Failed to pull image \\"a.example/b:1\\": pull QPS exceeded';
    const twice = 'err=\\"Failed to pull image \\\\\\"a.example/b:1\\\\\\": pull QPS exceeded\\"';
    for (const m of [once, twice]) assert.equal(classify(m).image, 'a.example/b:1');
  });
});
