import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout, MT } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { decodeJwt, makeClaims } from '../helpers/jwt.ts';
import type { TokenServer } from '../helpers/token-server.ts';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

function parseChallenge(header: string | null): Record<string, string> {
  assert.ok(header?.startsWith('Bearer '), `expected a Bearer challenge, got ${String(header)}`);
  if (header === null) return {};
  return Object.fromEntries(
    [...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
  );
}

async function getToken(
  ts: TokenServer,
  scope: string,
  auth?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = `${ts.realm}?service=${encodeURIComponent(ts.service)}&scope=${encodeURIComponent(scope)}`;
  const res = await fetch(url, { headers: auth ? { authorization: auth } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('token server against a real token-auth registry', () => {
  const fx = useFixture();
  const acl = {
    users: { alice: 'wonder', ci: 'robot' },
    grants: [
      { user: 'alice', repository: 'team/*', actions: ['pull'] },
      { user: 'ci', repository: '**', actions: ['pull', 'push'] },
      { user: '*anonymous*', repository: 'public/*', actions: ['pull'] },
    ],
  };

  async function setup() {
    const ts = await fx.tokenServer({ acl });
    const reg = await fx.registry({ token: ts.registryAuth() });
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, {
      tlsVerify: false,
      creds: { username: 'ci', password: 'robot' },
    });
    await pushImage(layout, `docker://${reg.host}/public/base:1`, {
      tlsVerify: false,
      creds: { username: 'ci', password: 'robot' },
    });
    return { ts, reg, layout };
  }

  test('the full flow by hand: challenge, token, pull; ungranted is insufficient_scope', async () => {
    const { ts, reg, layout } = await setup();
    const first = await fetch(`${reg.url}/v2/team/app/manifests/1`, { headers: { accept: MT.ociManifest } });
    assert.equal(first.status, 401);
    const ch = parseChallenge(first.headers.get('www-authenticate'));
    assert.deepEqual(ch, { realm: ts.realm, service: ts.service, scope: 'repository:team/app:pull' });

    const before = ts.tokenRequests.length;
    const granted = await getToken(ts, ch.scope ?? '', basic('alice', 'wonder'));
    assert.equal(granted.status, 200);
    assert.equal(granted.body.token, granted.body.access_token);
    assert.equal(granted.body.expires_in, 300);
    assert.equal(typeof granted.body.issued_at, 'string');
    assert.equal(ts.tokenRequests.length, before + 1, 'one request counted per token');
    const token = String(granted.body.token);
    const pulled = await fetch(`${reg.url}/v2/team/app/manifests/1`, {
      headers: { accept: MT.ociManifest, authorization: `Bearer ${token}` },
    });
    assert.equal(pulled.status, 200);
    assert.equal(pulled.headers.get('docker-content-digest'), layout.top.digest);

    // No grant covers other/*: the server still issues a token, with empty access.
    const ungranted = await getToken(ts, 'repository:other/app:pull', basic('alice', 'wonder'));
    assert.equal(ungranted.status, 200, 'an ungranted scope still gets a token');
    assert.deepEqual(decodeJwt(String(ungranted.body.token)).claims.access, []);
    const refused = await fetch(`${reg.url}/v2/other/app/manifests/1`, {
      headers: { accept: MT.ociManifest, authorization: `Bearer ${String(ungranted.body.token)}` },
    });
    assert.equal(refused.status, 401);
    assert.equal(parseChallenge(refused.headers.get('www-authenticate')).error, 'insufficient_scope');

    // The same token used on a repository it does not cover is refused the same way.
    const wrongRepo = await fetch(`${reg.url}/v2/public/base/manifests/1`, {
      headers: { accept: MT.ociManifest, authorization: `Bearer ${token}` },
    });
    assert.equal(wrongRepo.status, 401);
  });

  test('wrong password is a 401 JSON error; anonymous gets only anonymous grants', async () => {
    const { ts, reg } = await setup();
    const bad = await getToken(ts, 'repository:team/app:pull', basic('alice', 'nope'));
    assert.equal(bad.status, 401);
    assert.match(JSON.stringify(bad.body), /UNAUTHORIZED/);
    assert.equal(ts.tokenRequests.at(-1)?.badCredentials, true);

    const anonPublic = await getToken(ts, 'repository:public/base:pull');
    const res = await fetch(`${reg.url}/v2/public/base/manifests/1`, {
      headers: { accept: MT.ociManifest, authorization: `Bearer ${String(anonPublic.body.token)}` },
    });
    assert.equal(res.status, 200);
    const anonTeam = await getToken(ts, 'repository:team/app:pull');
    assert.deepEqual(decodeJwt(String(anonTeam.body.token)).claims.access, []);
  });

  test('the JWT: ES256 with x5c chaining to rootcertbundle, string aud, only granted actions', async () => {
    const ts = await fx.tokenServer({ acl });
    const got = await getToken(
      ts,
      'repository:team/app:pull,push repository:team/lib:pull',
      basic('alice', 'wonder'),
    );
    const { header, claims } = decodeJwt(String(got.body.token));
    assert.equal(header.alg, 'ES256');
    assert.ok(Array.isArray(header.x5c) && header.x5c.length === 1);
    const leaf = new X509Certificate(Buffer.from(String(header.x5c[0]), 'base64'));
    assert.ok(leaf.checkIssued(new X509Certificate(ts.rootCertPem)));
    assert.equal(Buffer.from(String(got.body.token).split('.')[2] ?? '', 'base64url').length, 64, 'raw r||s');
    assert.equal(claims.aud, ts.service);
    assert.equal(claims.iss, ts.issuer);
    assert.equal(claims.sub, 'alice');
    assert.ok(claims.exp > claims.iat && claims.nbf <= claims.iat && claims.jti.length > 0);
    assert.deepEqual(claims.access, [
      { type: 'repository', name: 'team/app', actions: ['pull'] },
      { type: 'repository', name: 'team/lib', actions: ['pull'] },
    ]);
  });

  test('the registry rejects an expired or wrong-audience token signed by the same key', async () => {
    const { ts, reg } = await setup();
    const access = [{ type: 'repository', name: 'team/app', actions: ['pull'] }];
    const base = { issuer: ts.issuer, subject: 'alice', access, lifetimeSeconds: 60 };
    const expired = ts.sign(makeClaims({ ...base, audience: ts.service, now: Date.now() - 3_600_000 }));
    const wrongAud = ts.sign(makeClaims({ ...base, audience: 'someone-else' }));
    const good = ts.sign(makeClaims({ ...base, audience: ts.service }));
    const status = async (t: string) =>
      (
        await fetch(`${reg.url}/v2/team/app/manifests/1`, {
          headers: { accept: MT.ociManifest, authorization: `Bearer ${t}` },
        })
      ).status;
    assert.equal(await status(good), 200);
    assert.equal(await status(expired), 401);
    assert.equal(await status(wrongAud), 401);
  });

  test('OAuth2 POST password grant, expires_in left out, override, and an HTTPS realm', async () => {
    const pki = await fx.pki();
    const ts = await fx.tokenServer({
      acl,
      tls: pki.valid,
      expiresIn: null,
      override: (r) =>
        r.scopes[0]?.name === 'broken/app' ? { status: 503, body: { error: 'down' } } : undefined,
    });
    assert.match(ts.realm, /^https:/);
    const dispatcher = new Agent({ connect: { ca: pki.ca.certPem } });
    try {
      const post = await fetch(ts.realm, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'password',
          username: 'alice',
          password: 'wonder',
          service: ts.service,
          scope: 'repository:team/app:pull',
          client_id: 'regdoctor',
        }).toString(),
      });
      const body = (await post.json()) as Record<string, unknown>;
      assert.equal(post.status, 200);
      assert.equal(body.scope, 'repository:team/app:pull');
      assert.equal('expires_in' in body, false);
      assert.equal('token' in body, false, 'the OAuth2 form answers access_token only');
      const broken = await fetch(`${ts.realm}?service=x&scope=repository:broken/app:pull`, { dispatcher });
      assert.equal(broken.status, 503);
    } finally {
      await dispatcher.close();
    }
  });
});
