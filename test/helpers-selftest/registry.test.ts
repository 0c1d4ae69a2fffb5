import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, fetch } from 'undici';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout, sha256, MT } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { tlsGet } from './tls-get.ts';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('startRegistry: a real docker-registry in each mode', () => {
  const fx = useFixture();

  test('plain HTTP: ping, push, fetch by tag and digest, and how 2.8 says "missing"', async () => {
    const reg = await fx.registry();
    const ping = await fetch(`${reg.url}/v2/`);
    assert.equal(ping.status, 200);
    assert.equal(ping.headers.get('docker-distribution-api-version'), 'registry/2.0');

    const layout = await buildImageLayout(await fx.subdir('img'));
    const { digest } = await pushImage(layout, `docker://${reg.host}/lib/app:1.0`, { tlsVerify: false });
    assert.equal(digest, layout.top.digest, 'an OCI push keeps the digest');

    const res = await fetch(`${reg.url}/v2/lib/app/manifests/1.0`, { headers: { accept: MT.ociManifest } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), MT.ociManifest);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(sha256(body), digest);
    assert.equal(res.headers.get('docker-content-digest'), digest);

    const layer = layout.images[0]?.layers[0];
    assert.ok(layer);
    const blob = await fetch(`${reg.url}/v2/lib/app/blobs/${layer.digest}`);
    assert.equal(sha256(Buffer.from(await blob.arrayBuffer())), layer.digest);

    // 2.8 refuses an OCI manifest to a client that does not accept OCI, with a 404.
    const noAccept = await fetch(`${reg.url}/v2/lib/app/manifests/1.0`);
    assert.equal(noAccept.status, 404);
    assert.match(
      await noAccept.text(),
      /MANIFEST_UNKNOWN.*OCI manifest found, but accept header does not support/,
    );

    const missingTag = await fetch(`${reg.url}/v2/lib/app/manifests/nope`, {
      headers: { accept: MT.ociManifest },
    });
    assert.equal(missingTag.status, 404);
    assert.match(await missingTag.text(), /"code":"MANIFEST_UNKNOWN"/);
    // A missing repository is also MANIFEST_UNKNOWN on the manifest endpoint; only tags/list says NAME_UNKNOWN.
    const missingRepo = await fetch(`${reg.url}/v2/no/such/manifests/latest`, {
      headers: { accept: MT.ociManifest },
    });
    assert.match(await missingRepo.text(), /"code":"MANIFEST_UNKNOWN"/);
    const tags = await fetch(`${reg.url}/v2/no/such/tags/list`);
    assert.equal(tags.status, 404);
    assert.match(await tags.text(), /"code":"NAME_UNKNOWN"/);
  });

  test('TLS with the test CA: skopeo pushes with certDir, clients without the CA are refused', async () => {
    const pki = await fx.pki();
    const reg = await fx.registry({ tls: pki.valid });
    assert.match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/app:tls`, { certDir: pki.ca.certDir });
    const dispatcher = new Agent({ connect: { ca: pki.ca.certPem } });
    try {
      const res = await fetch(`${reg.url}/v2/app/manifests/tls`, {
        headers: { accept: MT.ociManifest },
        dispatcher,
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('docker-content-digest'), layout.top.digest);
    } finally {
      await dispatcher.close();
    }
    assert.equal((await tlsGet(`${reg.url}/v2/`)).code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    await assert.rejects(
      pushImage(layout, `docker://${reg.host}/app:nocert`, {}),
      /certificate signed by unknown authority/,
    );
  });

  test('TLS with the expired certificate is what Go clients call expired', async () => {
    const pki = await fx.pki();
    const reg = await fx.registry({ tls: pki.expired });
    const layout = await buildImageLayout(await fx.subdir('img'));
    await assert.rejects(
      pushImage(layout, `docker://${reg.host}/app:x`, { certDir: pki.ca.certDir }),
      /certificate has expired or is not yet valid/,
    );
  });

  test('htpasswd: 401 with a Basic challenge, pushes and pulls with the right password only', async () => {
    const reg = await fx.registry({ htpasswd: { alice: 's3cret', bob: 'other' } });
    const anon = await fetch(`${reg.url}/v2/`);
    assert.equal(anon.status, 401);
    assert.equal(anon.headers.get('www-authenticate'), 'Basic realm="regdoctor-test"');
    assert.equal(
      (await fetch(`${reg.url}/v2/`, { headers: { authorization: basic('alice', 'wrong') } })).status,
      401,
    );
    assert.equal(
      (await fetch(`${reg.url}/v2/`, { headers: { authorization: basic('bob', 'other') } })).status,
      200,
    );

    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/private/app:1`, {
      tlsVerify: false,
      creds: { username: 'alice', password: 's3cret' },
    });
    await assert.rejects(
      pushImage(layout, `docker://${reg.host}/private/app:2`, {
        tlsVerify: false,
        creds: { username: 'alice', password: 'nope' },
      }),
      (err: Error) =>
        /unauthorized|authentication required/i.test(err.message) && !err.message.includes('nope'),
    );
    const res = await fetch(`${reg.url}/v2/private/app/manifests/1`, {
      headers: { accept: MT.ociManifest, authorization: basic('alice', 's3cret') },
    });
    assert.equal(res.headers.get('docker-content-digest'), layout.top.digest);
  });

  test('pull-through cache: plain upstream, token upstream with credentials, and what 2.8 does with bad ones', async () => {
    const layout = await buildImageLayout(await fx.subdir('img'));
    const plain = await fx.registry();
    await pushImage(layout, `docker://${plain.host}/library/base:3`, { tlsVerify: false });
    const cache = await fx.registry({ proxy: { remoteUrl: plain.url } });
    const res = await fetch(`${cache.url}/v2/library/base/manifests/3`, {
      headers: { accept: MT.ociManifest },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-content-digest'), layout.top.digest);
    const layer = layout.images[0]?.layers[0];
    assert.ok(layer);
    const blob = await fetch(`${cache.url}/v2/library/base/blobs/${layer.digest}`);
    assert.equal(sha256(Buffer.from(await blob.arrayBuffer())), layer.digest);

    const ts = await fx.tokenServer({
      acl: {
        users: { mirror: 'pw', pusher: 'pp' },
        grants: [
          { user: 'mirror', repository: '**', actions: ['pull'] },
          { user: 'pusher', repository: '**', actions: ['pull', 'push'] },
        ],
      },
    });
    const upstream = await fx.registry({ token: ts.registryAuth() });
    await pushImage(layout, `docker://${upstream.host}/library/base:3`, {
      tlsVerify: false,
      creds: { username: 'pusher', password: 'pp' },
    });
    const authed = await fx.registry({
      proxy: { remoteUrl: upstream.url, username: 'mirror', password: 'pw' },
    });
    const ok = await fetch(`${authed.url}/v2/library/base/manifests/3`, {
      headers: { accept: MT.ociManifest },
    });
    assert.equal(ok.status, 200);
    assert.ok(ts.tokenRequests.some((r) => r.user === 'mirror' && r.granted.length === 1));

    // 2.8 masks the upstream's refusal: a cache with a wrong password answers 404 MANIFEST_UNKNOWN.
    const bad = await fx.registry({
      proxy: { remoteUrl: upstream.url, username: 'mirror', password: 'wrong' },
    });
    const masked = await fetch(`${bad.url}/v2/library/base/manifests/3`, {
      headers: { accept: MT.ociManifest },
    });
    assert.equal(masked.status, 404);
    assert.match(await masked.text(), /MANIFEST_UNKNOWN/);
    assert.ok(ts.tokenRequests.some((r) => r.badCredentials));
  });

  test('pull-through cache of a Basic-auth upstream: 2.8 sends the credentials only to Bearer realms', async () => {
    const upstream = await fx.registry({ htpasswd: { mirror: 'pw' } });
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${upstream.host}/library/base:3`, {
      tlsVerify: false,
      creds: { username: 'mirror', password: 'pw' },
    });
    const cache = await fx.registry({
      proxy: { remoteUrl: upstream.url, username: 'mirror', password: 'pw' },
    });
    const res = await fetch(`${cache.url}/v2/library/base/manifests/3`, {
      headers: { accept: MT.ociManifest },
    });
    assert.equal(res.status, 404);
  });

  test('a registry that cannot start rejects with its own error output', async () => {
    await assert.rejects(
      fx.registry({
        tls: { certPath: '/nonexistent.crt', keyPath: '/nonexistent.key', certPem: '', keyPem: '' },
      }),
      /docker-registry did not start[\s\S]*nonexistent/,
    );
  });
});
