// Failures before any registry answers: a bad reference, DNS, refused and stalled connections, an unreachable
// network and a refusing proxy. Only fault servers and proxies are started here.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { closedPort } from '../helpers/ports.ts';
import { needs, UNSHARE } from '../helpers/tools.ts';
import { assertFailure, assertNoSecrets, basicOf, plainHttp, probeOnce } from './support.ts';
import type { ProbeResult } from '../../src/result/index.ts';

describe('probe: reference and network failures', () => {
  const fx = useFixture();

  test('INVALID_REFERENCE: stops at the reference step and says which part is wrong', async () => {
    for (const image of ['registry.example.com/Team/App:1', 'app@sha256:abc', 'app:has space']) {
      const { result, log } = await probeOnce(image);
      const s = assertFailure(result, 'INVALID_REFERENCE', 'reference');
      assert.equal(result.steps.length, 1, 'nothing is dialled for an invalid reference');
      assert.equal(s.detail.input, image);
      assert.equal(typeof s.detail.part, 'string', 'the detail names the offending part');
      assert.equal(result.reference, null);
      assert.deepEqual(log, [], 'no request was sent');
    }
  });

  test('DNS_FAILURE: a *.invalid registry fails at the dns step with the resolver code', async () => {
    const { result } = await probeOnce('registry.regdoctor-test.invalid/team/app:1');
    const s = assertFailure(result, 'DNS_FAILURE', 'dns');
    assert.match(String(s.detail.code), /^(ENOTFOUND|EAI_AGAIN|EAI_NODATA|ENODATA)$/);
    assert.match(s.summary, /registry\.regdoctor-test\.invalid/);
  });

  test('CONNECTION_REFUSED: a closed port fails at the connect step', async () => {
    const port = await closedPort();
    const { result } = await probeOnce(`127.0.0.1:${port}/team/app:1`, { plainHttp });
    const s = assertFailure(result, 'CONNECTION_REFUSED', 'connect');
    assert.equal(s.detail.code, 'ECONNREFUSED');
    assert.match(s.summary, new RegExp(`127\\.0\\.0\\.1:${port}`));
  });

  describe('NETWORK_TIMEOUT: a stalled server makes the probe give up within its deadline', () => {
    const timeoutMs = 500;
    // Generous: the point is that the probe returns at all, not how fast.
    const bound = 15_000;

    async function timed(image: string, opts: Parameters<typeof probeOnce>[1] = {}) {
      const t0 = performance.now();
      const probed = await probeOnce(image, opts, { timeoutMs });
      const elapsed = performance.now() - t0;
      assert.ok(elapsed < bound, `probe took ${Math.round(elapsed)} ms`);
      return probed.result;
    }

    test('accepted but never answered (plain HTTP): ping times out', async () => {
      const s = await fx.start(faults.stall({ phase: 'accept' }));
      const r = await timed(`${s.host}/team/app:1`, { plainHttp });
      const step = assertFailure(r, 'NETWORK_TIMEOUT', 'ping');
      assert.equal(step.detail.timeoutMs, timeoutMs);
      assert.equal(s.requests.length, 1, 'the TCP connection was accepted');
    });

    test('accepted but no ServerHello: the TLS handshake times out', async () => {
      const pki = await fx.pki();
      const s = await fx.start(faults.stall({ phase: 'accept', tls: pki.valid }));
      const r = await timed(`${s.host}/team/app:1`);
      const step = assertFailure(r, 'NETWORK_TIMEOUT', 'tls');
      assert.equal(step.detail.timeoutMs, timeoutMs);
    });

    test('request read, headers never sent: ping times out', async () => {
      const s = await fx.start(faults.stall({ phase: 'headers' }));
      const r = await timed(`${s.host}/team/app:1`, { plainHttp });
      assertFailure(r, 'NETWORK_TIMEOUT', 'ping');
      assert.equal(s.requests[0]?.url, '/v2/');
    });

    test('manifest headers and half the body, then silence: the manifest step times out', async () => {
      const s = await fx.start(faults.stall({ phase: 'body' }));
      const r = await timed(`${s.host}/team/app:1`, { plainHttp });
      const step = assertFailure(r, 'NETWORK_TIMEOUT', 'manifest');
      assert.match(step.summary, /manifests\/1/);
    });
  });

  // A real "no route" needs a network without one; an unprivileged user+network namespace has exactly that.
  test(
    'NETWORK_UNREACHABLE: in a network namespace whose loopback is down, connect gets ENETUNREACH',
    needs(UNSHARE),
    () => {
      const script = fileURLToPath(new URL('./netns-probe.ts', import.meta.url));
      const run = spawnSync(
        'unshare',
        ['-rn', process.execPath, '--import', 'tsx', script, '127.0.0.1:5000/team/app:1'],
        { encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(run.status, 0, run.stderr);
      const result = JSON.parse(run.stdout) as ProbeResult;
      const s = assertFailure(result, 'NETWORK_UNREACHABLE', 'connect');
      assert.equal(s.detail.code, 'ENETUNREACH');
    },
  );

  describe('PROXY_ERROR: HTTPS_PROXY refuses or is not there', () => {
    // Go (and so the runtimes) never proxies loopback, so the registry is a name only the proxy would resolve.
    const image = 'registry.regdoctor-test.example:5000/team/app:1';

    test('407 Proxy Authentication Required to CONNECT, with proxy credentials kept secret', async () => {
      const proxy = await fx.start(faults.proxy({ auth: { username: 'pxuser', password: 'right' } }));
      const url = new URL(proxy.url);
      url.username = 'pxuser';
      url.password = 'pxsecret';
      const probed = await probeOnce(image, {}, { proxyEnv: { httpsProxy: url.href } });
      const s = assertFailure(probed.result, 'PROXY_ERROR', 'connect');
      assert.equal(s.detail.status, 407);
      assert.match(s.summary, /407/);
      assert.equal(proxy.requests[0]?.method, 'CONNECT');
      assert.equal(proxy.requests[0]?.url, 'registry.regdoctor-test.example:5000');
      assert.equal(
        proxy.requests[0]?.headers['proxy-authorization'],
        `Basic ${basicOf('pxuser', 'pxsecret')}`,
        'the probe did send the proxy credentials',
      );
      assertNoSecrets(probed, { passwords: ['pxsecret'], userPasswords: [['pxuser', 'pxsecret']] });
    });

    test('502 Bad Gateway to CONNECT', async () => {
      const proxy = await fx.start(faults.proxy({ refuse: 502 }));
      const { result } = await probeOnce(image, {}, { proxyEnv: { httpsProxy: proxy.url } });
      const s = assertFailure(result, 'PROXY_ERROR', 'connect');
      assert.equal(s.detail.status, 502);
      assert.equal(proxy.requests.length, 1);
      assert.deepEqual(proxy.tunnels, []);
    });

    test('a proxy that cannot reach the registry answers 502 itself', async () => {
      const proxy = await fx.start(faults.proxy());
      const { result } = await probeOnce(
        'registry.regdoctor-test.invalid/team/app:1',
        {},
        {
          proxyEnv: { httpsProxy: proxy.url },
        },
      );
      const s = assertFailure(result, 'PROXY_ERROR', 'connect');
      assert.equal(s.detail.status, 502);
      assert.equal(s.detail.proxy, proxy.url);
    });

    test('a proxy address where nothing listens', async () => {
      const port = await closedPort();
      const { result } = await probeOnce(
        image,
        {},
        {
          proxyEnv: { httpsProxy: `http://127.0.0.1:${port}` },
        },
      );
      const s = assertFailure(result, 'PROXY_ERROR', 'connect');
      assert.equal(s.detail.code, 'ECONNREFUSED');
      assert.match(s.summary, new RegExp(`proxy http://127\\.0\\.0\\.1:${port}`));
    });

    test('HTTP_PROXY answering 407 to a plain-HTTP registry request', async () => {
      const proxy = await fx.start(faults.proxy({ refuse: 407 }));
      const { result } = await probeOnce(
        'registry.regdoctor-test.example:5000/team/app:1',
        { plainHttp },
        {
          proxyEnv: { httpProxy: proxy.url },
        },
      );
      const s = assertFailure(result, 'PROXY_ERROR', 'ping');
      assert.equal(s.detail.status, 407);
      assert.equal(proxy.requests[0]?.url, 'http://registry.regdoctor-test.example:5000/v2/');
    });
  });
});
