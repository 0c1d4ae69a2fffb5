import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Agent, ProxyAgent, fetch } from 'undici';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { MT } from '../helpers/oci.ts';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/** The messages of an error and all its causes (undici nests the interesting one two levels down). */
function causes(err: unknown): string {
  const out: string[] = [];
  for (let e = err; e instanceof Error; e = e.cause) out.push(e.message);
  return out.join(' <- ');
}

/** Rejects with the abort reason when nothing (or not everything) arrives in `ms`. */
async function fetchWithin(url: string, ms: number, init: Parameters<typeof fetch>[1] = {}): Promise<string> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(ms) });
    await res.arrayBuffer();
    return `answered ${res.status}`;
  } catch (err) {
    return (err as Error).name;
  }
}

describe('fault servers', () => {
  const fx = useFixture();

  test('rateLimited: ping 200, manifest 429 with Retry-After and ratelimit headers', async () => {
    const s = await fx.start(faults.rateLimited());
    assert.equal((await fetch(`${s.url}/v2/`)).status, 200);
    const res = await fetch(`${s.url}/v2/library/app/manifests/latest`);
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '30');
    assert.equal(res.headers.get('ratelimit-remaining'), '0;w=21600');
    assert.match(await res.text(), /"code":"TOOMANYREQUESTS"/);
    assert.deepEqual(
      s.requests.map((r) => r.url),
      ['/v2/', '/v2/library/app/manifests/latest'],
    );
  });

  test('serverError, denied and a custom status', async () => {
    const s502 = await fx.start(faults.serverError(502));
    const r502 = await fetch(`${s502.url}/v2/`);
    assert.equal(r502.status, 502);
    assert.equal(r502.headers.get('content-type'), 'text/html');
    assert.match(await r502.text(), /<html>/);

    const d = await fx.start(faults.denied());
    assert.equal((await fetch(`${d.url}/v2/`)).status, 200);
    const r403 = await fetch(`${d.url}/v2/x/manifests/1`);
    assert.equal(r403.status, 403);
    assert.match(await r403.text(), /"code":"DENIED"/);

    const custom = await fx.start(
      faults.status(418, { body: 'teapot', headers: { 'x-why': 'test' }, on: ['blob'] }),
    );
    const m = await fetch(`${custom.url}/v2/x/manifests/1`, { headers: { accept: MT.ociManifest } });
    assert.equal(m.status, 200, 'routes not listed answer normally');
    const b = await fetch(`${custom.url}/v2/x/blobs/${custom.image.layerDigest}`);
    assert.deepEqual([b.status, b.headers.get('x-why'), await b.text()], [418, 'test', 'teapot']);
  });

  test('stall: accept, headers and body phases never finish (plain and TLS)', async () => {
    const pki = await fx.pki();
    const accept = await fx.start(faults.stall());
    assert.equal(await fetchWithin(`${accept.url}/v2/`, 300), 'TimeoutError');
    assert.equal(accept.requests.length, 1, 'the connection was accepted');

    const tlsAccept = await fx.start(faults.stall({ tls: pki.valid }));
    const dispatcher = new Agent({ connect: { ca: pki.ca.certPem } });
    try {
      assert.equal(await fetchWithin(`${tlsAccept.url}/v2/`, 300, { dispatcher }), 'TimeoutError');
      const tlsHeaders = await fx.start(faults.stall({ tls: pki.valid, phase: 'headers' }));
      assert.equal(await fetchWithin(`${tlsHeaders.url}/v2/`, 300, { dispatcher }), 'TimeoutError');
      assert.equal(tlsHeaders.requests[0]?.url, '/v2/', 'the handshake completed and the request was read');
    } finally {
      // close() would wait for the stalled requests; destroy() does not.
      await dispatcher.destroy();
    }

    const body = await fx.start(faults.stall({ phase: 'body' }));
    assert.equal(await fetchWithin(`${body.url}/v2/`, 5000), 'answered 200');
    const ctrl = new AbortController();
    const res = await fetch(`${body.url}/v2/a/manifests/1`, { signal: ctrl.signal });
    assert.equal(res.status, 200);
    setTimeout(() => ctrl.abort(), 300);
    await assert.rejects(res.arrayBuffer(), /aborted/i);
  });

  test('hugeManifest: a finite body of exactly that size, and an endless one', async () => {
    const finite = await fx.start(faults.hugeManifest(2_000_000));
    const res = await fetch(`${finite.url}/v2/a/manifests/1`);
    assert.equal(res.headers.get('content-length'), '2000000');
    const text = await res.text();
    assert.equal(text.length, 2_000_000);
    assert.equal(JSON.parse(text).schemaVersion, 2);

    const endless = await fx.start(faults.hugeManifest('endless'));
    const ctrl = new AbortController();
    const e = await fetch(`${endless.url}/v2/a/manifests/1`, { signal: ctrl.signal });
    assert.equal(e.headers.get('content-length'), null);
    let read = 0;
    const reader = e.body?.getReader();
    while (reader && read < 20_000_000) read += (await reader.read()).value?.length ?? 0;
    ctrl.abort();
    assert.ok(read >= 20_000_000);
  });

  test('redirectLoop: blobs bounce between /loop/a and /loop/b forever', async () => {
    const s = await fx.start(faults.redirectLoop());
    let url = `${s.url}/v2/a/blobs/${s.image.layerDigest}`;
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await fetch(url, { redirect: 'manual' });
      assert.equal(res.status, 307);
      url = res.headers.get('location') ?? '';
      seen.push(new URL(url).pathname);
    }
    assert.deepEqual(seen, ['/loop/a', '/loop/b', '/loop/a', '/loop/b']);
    await assert.rejects(fetch(`${s.url}/v2/a/blobs/${s.image.layerDigest}`), /fetch failed/);
    assert.equal(
      (await fetch(`${s.url}/v2/a/manifests/1`, { headers: { accept: MT.ociManifest } })).status,
      200,
    );
  });

  test('crossHostRedirect: 307 to 127.0.0.2, whose requests show whether Authorization came along', async () => {
    const creds = { username: 'u', password: 'p' };
    const s = await fx.start(faults.crossHostRedirect({ requireAuth: creds }));
    assert.ok(s.target);
    assert.equal((await fetch(`${s.url}/v2/`)).status, 401);
    const blobUrl = `${s.url}/v2/a/blobs/${s.image.layerDigest}`;
    const first = await fetch(blobUrl, { redirect: 'manual', headers: { authorization: basic('u', 'p') } });
    assert.equal(first.status, 307);
    const location = first.headers.get('location') ?? '';
    assert.equal(new URL(location).hostname, '127.0.0.2');

    // A client that (wrongly) forwards the header: the target records it.
    await new Promise<void>((resolve, reject) => {
      request(location, { headers: { authorization: basic('u', 'p') } }, (res) =>
        res.resume().on('end', resolve),
      )
        .on('error', reject)
        .end();
    });
    assert.equal(s.target.requests.at(-1)?.headers.authorization, basic('u', 'p'));
    assert.equal(s.target.requests.at(-1)?.localAddress, '127.0.0.2');

    // undici's fetch drops Authorization on a cross-origin redirect, and still gets the blob.
    const followed = await fetch(blobUrl, { headers: { authorization: basic('u', 'p') } });
    assert.equal(followed.status, 200);
    assert.equal(
      Buffer.from(await followed.arrayBuffer()).equals(
        s.image.blobs.get(s.image.layerDigest) ?? Buffer.alloc(0),
      ),
      true,
    );
    assert.equal(s.target.requests.at(-1)?.headers.authorization, undefined);
  });

  test('proxy: CONNECT tunnels and absolute-form requests are recorded; 407 and 502 refusals', async () => {
    const upstream = await fx.start(faults.status(200, { body: '{}' }));
    const p = await fx.start(faults.proxy());
    const tunnel = new ProxyAgent({ uri: p.url });
    const forward = new ProxyAgent({ uri: p.url, proxyTunnel: false });
    try {
      assert.equal((await fetch(`${upstream.url}/v2/`, { dispatcher: tunnel })).status, 200);
      assert.deepEqual(p.tunnels, [upstream.host]);
      assert.equal((await fetch(`${upstream.url}/v2/x`, { dispatcher: forward })).status, 200);
      assert.equal(p.requests.at(-1)?.url, `${upstream.url}/v2/x`);
    } finally {
      await Promise.all([tunnel.close(), forward.close()]);
    }

    for (const refuse of [407, 502] as const) {
      const r = await fx.start(faults.proxy({ refuse }));
      const agent = new ProxyAgent({ uri: r.url });
      try {
        await assert.rejects(fetch(`${upstream.url}/v2/`, { dispatcher: agent }), (err: Error) =>
          causes(err).includes(`Proxy response (${refuse})`),
        );
        assert.equal(r.requests[0]?.method, 'CONNECT');
        assert.deepEqual(r.tunnels, []);
      } finally {
        await agent.close();
      }
    }

    const authed = await fx.start(faults.proxy({ auth: { username: 'px', password: 'py' } }));
    const noCreds = new ProxyAgent({ uri: authed.url });
    const withCreds = new ProxyAgent({ uri: authed.url, token: basic('px', 'py') });
    try {
      await assert.rejects(fetch(`${upstream.url}/v2/`, { dispatcher: noCreds }));
      assert.equal((await fetch(`${upstream.url}/v2/`, { dispatcher: withCreds })).status, 200);
    } finally {
      await Promise.all([noCreds.close(), withCreds.close()]);
    }
  });
});
