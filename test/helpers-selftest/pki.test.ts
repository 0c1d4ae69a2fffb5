import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:net';
import { useFixture } from '../helpers/fixture.ts';
import { serve } from '../helpers/server.ts';
import { closedPort, freePort } from '../helpers/ports.ts';
import { tlsGet } from './tls-get.ts';

describe('pki: each certificate fails a real TLS client the way its name says', () => {
  const fx = useFixture();
  const ok = (_req: unknown, res: { end(s: string): void }) => res.end('ok');

  test('valid: trusted for 127.0.0.1 and localhost when the client has the CA', async () => {
    const pki = await fx.pki();
    const s = await fx.start(serve(ok, { tls: pki.valid }));
    assert.deepEqual(await tlsGet(s.url, pki.ca.certPem), { status: 200 });
    assert.deepEqual(await tlsGet(`https://localhost:${s.port}`, pki.ca.certPem), { status: 200 });
    assert.equal(
      (await tlsGet(s.url)).code,
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'without the CA it is untrusted',
    );
  });

  test('expired, not yet valid, wrong host, other CA, self-signed', async () => {
    const pki = await fx.pki();
    const cases = [
      [pki.expired, 'CERT_HAS_EXPIRED'],
      [pki.notYetValid, 'CERT_NOT_YET_VALID'],
      [pki.wrongHost, 'ERR_TLS_CERT_ALTNAME_INVALID'],
      [pki.untrusted, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
      [pki.selfSigned, 'DEPTH_ZERO_SELF_SIGNED_CERT'],
    ] as const;
    for (const [cert, code] of cases) {
      const s = await fx.start(serve(ok, { tls: cert }));
      assert.equal((await tlsGet(s.url, pki.ca.certPem)).code, code);
      await s.stop();
    }
  });

  test('expired really has notAfter in the past; files and PEM agree', async () => {
    const pki = await fx.pki();
    const c = new X509Certificate(pki.expired.certPem);
    assert.ok(new Date(c.validTo).getTime() < Date.now());
    assert.ok(c.checkIssued(new X509Certificate(pki.ca.certPem)));
    assert.match(
      new X509Certificate(pki.wrongHost.certPem).subjectAltName ?? '',
      /^DNS:registry\.example\.test$/,
    );
  });
});

describe('ports', () => {
  test('closedPort refuses connections; freePort can be bound', async () => {
    const port = await closedPort();
    const code = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve('connected');
      });
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? ''));
    });
    assert.equal(code, 'ECONNREFUSED');
    const free = await freePort();
    assert.ok(free > 0 && free < 65536);
  });
});
