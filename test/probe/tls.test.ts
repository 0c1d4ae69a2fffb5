// TLS against real docker-registry processes, one per certificate of the test PKI.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { assertFailure, assertPullable, plainHttp, probeOnce, step } from './support.ts';

describe('probe: TLS', () => {
  const fx = useFixture();

  test('a certificate from the CA given in tlsFor: pullable, the tls step shows the certificate', async () => {
    const pki = await fx.pki();
    const reg = await fx.registry({ tls: pki.valid });
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { certDir: pki.ca.certDir });
    const asked: string[] = [];
    const { result } = await probeOnce(
      `${reg.host}/team/app:1`,
      {},
      {
        tlsFor: (host) => {
          asked.push(host);
          return { ca: [pki.ca.certPem] };
        },
      },
    );
    assertPullable(result);
    assert.ok(asked.includes(reg.host), 'TLS settings are looked up by host:port');
    const tls = step(result, 'tls');
    assert.match(String(tls.detail.issuer), /regdoctor test CA/);
    assert.ok((tls.detail.altNames as string[]).includes('127.0.0.1'));
    assert.equal(tls.detail.verification, undefined, 'verification was not skipped');
    assert.equal(result.manifest?.digest, layout.top.digest);
  });

  test('insecure: true pulls past a self-signed certificate and says verification was skipped', async () => {
    const pki = await fx.pki();
    const reg = await fx.registry({ tls: pki.selfSigned });
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    const { result } = await probeOnce(
      `${reg.host}/team/app:1`,
      {},
      {
        tlsFor: () => ({ insecure: true }),
      },
    );
    assertPullable(result);
    const tls = step(result, 'tls');
    assert.match(String(tls.detail.verification), /skipped/);
    assert.equal(tls.detail.ignoredCause, 'TLS_UNTRUSTED');
    assert.match(tls.summary, /skipped/);

    // The same registry without insecure is refused: the flag is what made the difference.
    const strict = await probeOnce(`${reg.host}/team/app:1`);
    const s = assertFailure(strict.result, 'TLS_UNTRUSTED', 'tls');
    assert.match(String(s.detail.code), /SELF_SIGNED/);
  });

  test('TLS_UNTRUSTED: signed by a CA the client was not given', async () => {
    const pki = await fx.pki();
    const reg = await fx.registry({ tls: pki.untrusted });
    const { result } = await probeOnce(
      `${reg.host}/team/app:1`,
      {},
      {
        tlsFor: () => ({ ca: [pki.ca.certPem] }),
      },
    );
    const s = assertFailure(result, 'TLS_UNTRUSTED', 'tls');
    assert.equal(s.detail.code, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.match(s.summary, /regdoctor untrusted CA/, 'the summary names the issuer');
    assert.match(
      String(s.detail.issuer),
      /regdoctor untrusted CA/,
      'the detail keeps the rejected certificate',
    );
  });

  for (const which of ['expired', 'notYetValid'] as const) {
    test(`TLS_EXPIRED: a ${which} certificate from a trusted CA`, async () => {
      const pki = await fx.pki();
      const reg = await fx.registry({ tls: pki[which] });
      const { result } = await probeOnce(
        `${reg.host}/team/app:1`,
        {},
        {
          tlsFor: () => ({ ca: [pki.ca.certPem] }),
        },
      );
      const s = assertFailure(result, 'TLS_EXPIRED', 'tls');
      assert.equal(s.detail.code, which === 'expired' ? 'CERT_HAS_EXPIRED' : 'CERT_NOT_YET_VALID');
      assert.match(s.summary, /not valid now/);
      const validTo = Date.parse(String(s.detail.validTo));
      const validFrom = Date.parse(String(s.detail.validFrom));
      if (which === 'expired') assert.ok(validTo < Date.now(), 'detail shows the past expiry');
      else assert.ok(validFrom > Date.now(), 'detail shows the future start');
    });
  }

  test('TLS_HOSTNAME_MISMATCH: a trusted certificate for another name', async () => {
    const pki = await fx.pki();
    const reg = await fx.registry({ tls: pki.wrongHost });
    const { result } = await probeOnce(
      `${reg.host}/team/app:1`,
      {},
      {
        tlsFor: () => ({ ca: [pki.ca.certPem] }),
      },
    );
    const s = assertFailure(result, 'TLS_HOSTNAME_MISMATCH', 'tls');
    assert.match(s.summary, /registry\.example\.test/);
    assert.match(s.summary, /127\.0\.0\.1/);
    assert.deepEqual(s.detail.altNames, ['registry.example.test']);
  });

  describe('HTTP_HTTPS_MISMATCH', () => {
    test('HTTPS to a plain-HTTP registry fails the TLS handshake', async () => {
      const reg = await fx.registry();
      const { result } = await probeOnce(`${reg.host}/team/app:1`);
      const s = assertFailure(result, 'HTTP_HTTPS_MISMATCH', 'tls');
      assert.match(s.summary, /plain-HTTP/);
    });

    test('plain HTTP to a TLS registry gets its "HTTP request to an HTTPS server" answer', async () => {
      const pki = await fx.pki();
      const reg = await fx.registry({ tls: pki.valid });
      const { result } = await probeOnce(`${reg.host}/team/app:1`, { plainHttp });
      const s = assertFailure(result, 'HTTP_HTTPS_MISMATCH', 'ping');
      assert.equal(s.detail.status, 400);
      assert.match(s.summary, /HTTPS/);
    });
  });
});
