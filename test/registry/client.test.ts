// The registry client's parts on their own: endpoints with a path prefix and a mirror's ns, the budget, the one
// status → cause mapping per operation, and the steps a repository reports while it connects and authenticates.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { fakeImage } from '../helpers/fake-image.ts';
import { fakeRegistry } from '../helpers/fake-registry.ts';
import { serve, sendRegistryError } from '../helpers/server.ts';
import { apiRoot, endpointUrl, upstreamEndpoint } from '../../src/registry/endpoint.ts';
import { statusCause } from '../../src/registry/errors.ts';
import { Repository } from '../../src/registry/repository.ts';
import { Session } from '../../src/registry/session.ts';
import type { Step } from '../../src/result/index.ts';
import { Budget } from '../../src/transport/budget.ts';
import { TransportError } from '../../src/transport/errors.ts';

describe('endpoints', () => {
  test('the API root: /v2/ under the URL, its path prefix kept, or the path itself with overridePath', () => {
    assert.equal(apiRoot(upstreamEndpoint('docker.io')).href, 'https://registry-1.docker.io/v2/');
    assert.equal(apiRoot(upstreamEndpoint('localhost:5000', true)).href, 'http://localhost:5000/v2/');
    assert.equal(
      apiRoot({ url: 'https://m.local/cache/', role: 'mirror' }).href,
      'https://m.local/cache/v2/',
    );
    assert.equal(
      apiRoot({ url: 'https://m.local/api/v2/docker', role: 'mirror', overridePath: true }).href,
      'https://m.local/api/v2/docker/',
    );
  });

  test("a mirror's requests carry ?ns= naming the upstream registry", () => {
    const e = { url: 'https://m.local', role: 'mirror' as const, namespace: 'docker.io' };
    assert.equal(
      endpointUrl(e, apiRoot(e), 'library/nginx/manifests/1').href,
      'https://m.local/v2/library/nginx/manifests/1?ns=docker.io',
    );
  });
});

describe('budget', () => {
  test('requests past the allowance are refused before they are sent', () => {
    const b = new Budget({ requests: 2 });
    b.spendRequest('manifest', 'GET a');
    b.spendRequest('manifest', 'GET b');
    assert.throws(
      () => b.spendRequest('manifest', 'GET c'),
      (e: unknown) =>
        e instanceof TransportError &&
        e.cause === 'REGISTRY_ERROR' &&
        /2 requests already made/.test(e.message),
    );
  });

  test('a spent deadline is NETWORK_TIMEOUT naming the deadline; a wait is cut at what is left', async () => {
    const b = new Budget({ deadlineMs: 50 });
    assert.deepEqual(b.timeout(10).byDeadline, false);
    assert.equal(b.timeout(10_000).byDeadline, true);
    const never = new Promise<never>(() => undefined);
    await assert.rejects(
      b.race(never, 'ping', 'GET /v2/'),
      (e: unknown) =>
        e instanceof TransportError && e.cause === 'NETWORK_TIMEOUT' && /deadline of 50 ms/.test(e.message),
    );
    assert.throws(
      () => b.spendRequest('ping', 'GET /v2/'),
      /deadline of 50 ms for the whole operation ran out/,
    );
  });
});

describe('the one status → cause mapping', () => {
  test('the same status means different things at each operation', () => {
    const cases: [number, string[], Parameters<typeof statusCause>[2], string][] = [
      [404, [], 'ping', 'REGISTRY_ERROR'],
      [401, [], 'ping', 'REGISTRY_ERROR'],
      [429, [], 'ping', 'RATE_LIMITED'],
      [407, [], 'ping', 'PROXY_ERROR'],
      [403, [], 'token', 'UNAUTHORIZED'],
      [500, [], 'token', 'REGISTRY_ERROR'],
      [429, [], 'token', 'RATE_LIMITED'],
      [404, [], 'blob', 'LAYER_DOWNLOAD_FAILED'],
      [404, ['BLOB_UNKNOWN'], 'blob', 'LAYER_DOWNLOAD_FAILED'],
      [403, ['DENIED'], 'blob', 'FORBIDDEN'],
      [404, ['NAME_UNKNOWN'], 'tags', 'REPOSITORY_NOT_FOUND'],
      [404, [], 'tags', 'REPOSITORY_NOT_FOUND'],
      [403, ['DENIED'], 'tags', 'FORBIDDEN'],
      [404, [], 'manifest', 'MANIFEST_NOT_FOUND'],
    ];
    for (const [status, codes, op, cause] of cases)
      assert.equal(statusCause(status, codes, op), cause, `${op} ${status}`);
  });
});

describe('repository', () => {
  const fx = useFixture();

  test('served under a path prefix: every request goes below it, and the steps are reported as they happen', async () => {
    const image = fakeImage();
    const normal = fakeRegistry(image);
    const s = await fx.start(
      serve((req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (!url.pathname.startsWith('/cache/'))
          return sendRegistryError(res, 404, 'NOT_FOUND', 'outside the prefix');
        req.url = url.pathname.slice('/cache'.length) + url.search;
        normal(req, res);
      }),
    );
    const steps: Step[] = [];
    const session = new Session({ timeoutMs: 5000 });
    try {
      const repo = new Repository(
        session,
        { url: `${s.url}/cache`, role: 'mirror', namespace: 'docker.io' },
        'team/app',
        {
          onStep: (st) => steps.push(st),
        },
      );
      const { digest } = await repo.resolve('1');
      assert.equal(digest, image.manifestDigest);
      const m = await repo.manifest(digest);
      assert.equal(m.digest, digest);
    } finally {
      await session.close();
    }
    assert.deepEqual(
      s.requests.map((r) => `${r.method} ${r.url.replace(/sha256:[a-f0-9]{64}/, 'D')}`),
      [
        'GET /cache/v2/',
        'HEAD /cache/v2/team/app/manifests/1?ns=docker.io',
        'GET /cache/v2/team/app/manifests/D?ns=docker.io',
      ],
    );
    assert.deepEqual(
      steps.map((st) => `${st.name} ${st.ok}`),
      ['dns true', 'connect true', 'ping true', 'auth true'],
    );
    assert.equal(steps.find((st) => st.name === 'ping')!.detail.endpoint, `${s.url}/cache`);
  });
});
