// Regression tests for issue 10 item 11 and for the structure the classifier reads: pull attempts, bracketed
// groups, and the operation a word is nested in.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classify } from '../../src/classify/index.ts';
import { groupEnds, splitAttempts } from '../../src/classify/peel.ts';

const ACR = 'myacr.azurecr.io/team/app:v1';
const notFoundAttempt = `rpc error: code = NotFound desc = failed to pull and unpack image "${ACR}": failed to resolve reference "${ACR}": ${ACR}: not found`;
const anonymous401 = (status: string) =>
  `rpc error: code = Unknown desc = failed to pull and unpack image "${ACR}": failed to resolve reference "${ACR}": failed to authorize: failed to fetch anonymous token: ${status}`;

describe('item 11: the ACR "not found, … anonymous token: 401" failure is an authorization failure', () => {
  for (const status of ['unexpected status: 401 Unauthorized', 'unexpected status: 401']) {
    test(`kubelet aggregate, ${status}`, () => {
      const got = classify(`Failed to pull image "${ACR}": [${notFoundAttempt}, ${anonymous401(status)}]`);
      assert.equal(got.cause, 'UNAUTHORIZED', got.evidence);
      assert.equal(got.alternatives[0], 'MANIFEST_NOT_FOUND');
      assert.equal(got.registry, 'myacr.azurecr.io');
      assert.match(got.evidence, /401/);
    });
  }

  test('without the brackets (as pasted from a log line)', () => {
    const got = classify(`${notFoundAttempt}, ${anonymous401('unexpected status: 401 Unauthorized')}`);
    assert.equal(got.cause, 'UNAUTHORIZED');
  });

  test('containerd ≥1.7 wording of the same failure', () => {
    const got = classify(
      `Failed to pull image "${ACR}": [${notFoundAttempt}, ${anonymous401('unexpected status from GET request to https://myacr.azurecr.io/oauth2/token?scope=repository%3Ateam%2Fapp%3Apull&service=myacr.azurecr.io: 401 Unauthorized')}]`,
    );
    assert.equal(got.cause, 'UNAUTHORIZED');
  });

  test('each attempt alone keeps its own cause', () => {
    assert.equal(classify(notFoundAttempt).cause, 'MANIFEST_NOT_FOUND');
    assert.equal(classify(anonymous401('unexpected status: 401 Unauthorized')).cause, 'UNAUTHORIZED');
  });

  test('two attempts that agree give that cause, the first attempt decides otherwise', () => {
    const refused = `rpc error: code = Unknown desc = failed to pull and unpack image "${ACR}": failed to resolve reference "${ACR}": failed to do request: Head "https://myacr.azurecr.io/v2/team/app/manifests/v1": dial tcp 10.1.2.3:443: connect: connection refused`;
    assert.equal(classify(`[${refused}, ${refused}]`).cause, 'CONNECTION_REFUSED');
    const got = classify(`[${refused}, ${notFoundAttempt}]`);
    assert.equal(got.cause, 'CONNECTION_REFUSED');
    assert.ok(got.alternatives.includes('MANIFEST_NOT_FOUND'));
  });
});

describe('item 11: a token fetch that ends in "unexpected EOF" is the network, not a layer', () => {
  const ref = 'registry.example.com/a/b:1';
  const wrap = (inner: string) =>
    `Failed to pull image "${ref}": rpc error: code = Unknown desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${inner}`;

  test('containerd 1.6: failed to fetch anonymous token: Get "…/token?…": unexpected EOF', () => {
    const got = classify(
      wrap(
        'failed to authorize: failed to fetch anonymous token: Get "https://auth.example.com/token?scope=repository%3Aa%2Fb%3Apull&service=registry.example.com": unexpected EOF',
      ),
    );
    assert.equal(got.cause, 'NETWORK_TIMEOUT', got.evidence);
    assert.notEqual(got.alternatives[0], 'LAYER_DOWNLOAD_FAILED');
  });

  test('containerd oauth token, and the token response body cut short', () => {
    for (const inner of [
      'failed to authorize: failed to fetch oauth token: Post "https://auth.example.com/token": unexpected EOF',
      'failed to authorize: failed to fetch anonymous token: unable to decode token response: unexpected EOF',
    ]) {
      assert.equal(classify(wrap(inner)).cause, 'NETWORK_TIMEOUT', inner);
    }
  });

  test('containers/image: Requesting bearer token / ping cut off', () => {
    for (const inner of [
      'reading manifest 1 in registry.example.com/a/b: Requesting bearer token: Get "https://auth.example.com/token?scope=repository%3Aa%2Fb%3Apull": unexpected EOF',
      'pinging container registry registry.example.com: Get "https://registry.example.com/v2/": unexpected EOF',
    ]) {
      assert.equal(classify(inner).cause, 'NETWORK_TIMEOUT', inner);
    }
  });

  test('the same words inside a blob transfer are still a broken layer', () => {
    const got = classify(
      `failed to pull and unpack image "${ref}": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://registry.example.com/v2/a/b/blobs/sha256:4f2c": unexpected EOF`,
    );
    assert.equal(got.cause, 'LAYER_DOWNLOAD_FAILED');
    assert.equal(
      classify('failed to copy: read tcp 10.0.0.5:41234->10.0.0.9:443: read: connection reset by peer').cause,
      'LAYER_DOWNLOAD_FAILED',
    );
  });
});

describe('item 11: a CRI-O message names the registry it used', () => {
  test('a short name CRI-O resolved to quay.io is about quay.io, not docker.io', () => {
    const got = classify(
      'Failed to pull image "x/y:1.2": rpc error: code = Unknown desc = initializing source docker://quay.io/x/y:1.2: reading manifest 1.2 in quay.io/x/y: manifest unknown',
    );
    assert.equal(got.cause, 'MANIFEST_NOT_FOUND');
    assert.equal(got.image, 'x/y:1.2');
    assert.equal(got.registry, 'quay.io');
    assert.match(got.explanation, /quay\.io/);
  });

  test('CRI-O wordings with no kubelet prefix name quay.io', () => {
    for (const m of [
      'rpc error: code = Unknown desc = initializing source docker://quay.io/x/y:latest: reading manifest latest in quay.io/x/y: unauthorized: access to the requested resource is not authorized',
      'Error: initializing source docker://quay.io/x/y:latest: pinging container registry quay.io: Get "https://quay.io/v2/": dial tcp: lookup quay.io: no such host',
      'SignatureValidationFailed: Source image rejected: Running image docker://quay.io/x/y:latest is rejected by policy.',
    ]) {
      assert.equal(classify(m).registry, 'quay.io', m);
    }
  });

  test('of several candidates the runtime tried, the one that decided names the registry', () => {
    const got = classify(
      [
        'Error: unable to pull x/y:1: 2 errors occurred:',
        '\t* initializing source docker://docker.io/x/y:1: reading manifest 1 in docker.io/x/y: manifest unknown: manifest unknown',
        '\t* initializing source docker://quay.io/x/y:1: reading manifest 1 in quay.io/x/y: unauthorized: access to the requested resource is not authorized',
      ].join('\n'),
    );
    assert.equal(got.cause, 'UNAUTHORIZED');
    assert.equal(got.registry, 'quay.io');
  });

  test('a short name the runtime says nothing more about stays on Docker Hub', () => {
    assert.equal(classify('Failed to pull image "x/y:1": pull QPS exceeded').registry, 'docker.io');
    const hub = classify(
      'Failed to pull image "nginx:nope": failed to pull and unpack image "docker.io/library/nginx:nope": failed to resolve reference "docker.io/library/nginx:nope": docker.io/library/nginx:nope: not found',
    );
    assert.equal(hub.registry, 'docker.io');
  });
});

describe('structure', () => {
  test('a mirror failure in "(Mirrors also failed: […])" does not claim the primary failure', () => {
    const got = classify(
      '(Mirrors also failed: [mirror.internal/x/y:1: pinging container registry mirror.internal: Get "https://mirror.internal/v2/": dial tcp: lookup mirror.internal on 10.96.0.10:53: no such host]): quay.io/x/y:1: reading manifest 1 in quay.io/x/y: manifest unknown',
    );
    assert.equal(got.cause, 'MANIFEST_NOT_FOUND');
  });

  test('the CRI socket refusing is not the registry refusing', () => {
    const got = classify(
      'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial unix /run/containerd/containerd.sock: connect: connection refused"',
    );
    assert.notEqual(got.cause, 'CONNECTION_REFUSED');
  });

  test('podman lists each candidate it tried (go-multierror): each is an attempt', () => {
    const got = classify(
      [
        'Error: unable to pull x/y:1: 2 errors occurred:',
        '\t* initializing source docker://docker.io/x/y:1: reading manifest 1 in docker.io/x/y: manifest unknown: manifest unknown',
        '\t* initializing source docker://quay.io/x/y:1: reading manifest 1 in quay.io/x/y: unauthorized: access to the requested resource is not authorized',
      ].join('\n'),
    );
    assert.equal(got.cause, 'UNAUTHORIZED');
    assert.ok(got.alternatives.includes('MANIFEST_NOT_FOUND'), got.alternatives.join());
    assert.equal(splitAttempts('2 errors occurred:\n\t* a\n\t* b').length, 3);
  });

  test('splitAttempts cuts a kubelet aggregate at its elements only', () => {
    const parts = splitAttempts(
      'Failed to pull image "a": [rpc error: code = X desc = [m 1]: e1, rpc error: code = Y desc = e2]',
    );
    assert.deepEqual(
      parts.map((p) => p.text),
      ['rpc error: code = X desc = [m 1]: e1', 'rpc error: code = Y desc = e2'],
    );
    assert.equal(splitAttempts('one error, and a comma').length, 1);
  });

  test('groupEnds: a position sees the end of its innermost group', () => {
    const text = 'a (b [c] d) e';
    const ends = groupEnds(text);
    assert.equal(ends[text.indexOf('c')], text.indexOf(']'));
    assert.equal(ends[text.indexOf('d')], text.indexOf(')'));
    assert.equal(ends[text.indexOf('e')], text.length);
  });
});
