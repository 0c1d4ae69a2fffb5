// Credentials never travel to another host on a redirect (issue 9, item 5). A token endpoint that answers the
// OAuth2 refresh-token POST with a redirect to another host must not get the identity token re-sent there (Go
// drops the body on 301/302/303; a 307/308 would re-send it, so it is refused); an endpoint's own headers stay with
// the endpoint.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { serve } from '../helpers/server.ts';
import { Repository } from '../../src/registry/repository.ts';
import { Session } from '../../src/registry/session.ts';
import { assertFailure, assertPullable, fixedCredentials, plainHttp, probeOnce } from '../probe/support.ts';

const IDENTITY_TOKEN = 'identity-token-s3cret-0123456789';
const withToken = fixedCredentials({
  label: 'hub login',
  username: '<token>',
  identityToken: IDENTITY_TOKEN,
});

/** Nothing the other host received carries the identity token: not a body, a header or a query. */
function assertNothingSent(target: faults.TokenRedirectServer['target']): void {
  for (const body of target.bodies) assert.ok(!body.includes(IDENTITY_TOKEN), `body sent: ${body}`);
  for (const r of target.requests) {
    assert.ok(!JSON.stringify(r.headers).includes(IDENTITY_TOKEN), JSON.stringify(r.headers));
    assert.ok(!r.url.includes(IDENTITY_TOKEN), r.url);
    assert.equal(r.headers.authorization, undefined);
  }
}

describe('redirects: no credential crosses to another host', () => {
  const fx = useFixture();

  for (const status of [301, 302, 303] as const) {
    test(`the refresh-token POST answered ${status} to another host is followed as a GET without the body`, async () => {
      const s = await fx.start(faults.tokenRedirect(status));
      const probed = await probeOnce(`${s.host}/team/app:1`, { plainHttp, credentials: withToken });
      const target = s.target;
      assert.equal(target.requests.length, 1, 'the redirect was followed');
      assert.equal(target.requests[0]!.method, 'GET');
      assert.equal(target.requests[0]!.localAddress, '127.0.0.2');
      assert.deepEqual(target.bodies, ['']);
      assertNothingSent(target);
      // The realm then answers the Basic GET the client falls back to, on the registry's own host.
      assertPullable(probed.result);
    });
  }

  for (const status of [307, 308] as const) {
    test(`the refresh-token POST answered ${status} to another host is refused, never re-sent there`, async () => {
      const s = await fx.start(faults.tokenRedirect(status));
      const probed = await probeOnce(`${s.host}/team/app:1`, { plainHttp, credentials: withToken });
      assert.equal(s.target.requests.length, 0, 'nothing reached the other host');
      assertNothingSent(s.target);
      const st = assertFailure(probed.result, 'REGISTRY_ERROR', 'auth');
      assert.match(
        st.summary,
        /answered 30[78] to another host \(127\.0\.0\.2:\d+\); not re-sending its body there/,
      );
    });
  }

  test("an endpoint's own headers and the Authorization stay with the endpoint across a blob redirect", async () => {
    const creds = { username: 'alice', password: 'xhost-s3cret' };
    const s = await fx.start(faults.crossHostRedirect({ requireAuth: creds }));
    const session = new Session({ timeoutMs: 5000 });
    try {
      const repo = new Repository(
        session,
        { url: s.url, role: 'mirror', headers: { 'x-mirror-key': 'mirror-s3cret' } },
        'team/app',
        { credentials: [{ label: 'alice', ...creds }] },
      );
      const res = await repo.blob(s.image.layerDigest, { maxBytes: 1 << 20, step: 'blob' });
      assert.equal(res.status, 200);
    } finally {
      await session.close();
    }
    const target = s.target!;
    assert.equal(target.requests.length, 1);
    assert.equal(target.requests[0]!.headers['x-mirror-key'], undefined);
    assert.equal(target.requests[0]!.headers.authorization, undefined);
    const own = s.requests.filter((r) => r.url.includes('/blobs/'));
    assert.ok(own.length > 0 && own.every((r) => r.headers['x-mirror-key'] === 'mirror-s3cret'));
  });

  test('a same-host 307 keeps the POST body (the realm moved on its own host)', async () => {
    const seen: { method: string; body: string }[] = [];
    const s = await fx.start(
      serve((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          seen.push({ method: req.method ?? '', body: Buffer.concat(chunks).toString('utf8') });
          if (req.url === '/old') {
            res.writeHead(307, { location: '/new', 'content-length': 0 });
            return void res.end();
          }
          res.end('{}');
        });
      }),
    );
    const session = new Session({ timeoutMs: 5000 });
    try {
      const res = await session.transport.request({
        url: new URL(`${s.url}/old`),
        method: 'POST',
        body: 'a=1',
        maxBodyBytes: 1024,
        step: 'auth',
      });
      assert.equal(res.status, 200);
    } finally {
      await session.close();
    }
    assert.deepEqual(seen, [
      { method: 'POST', body: 'a=1' },
      { method: 'POST', body: 'a=1' },
    ]);
  });
});
