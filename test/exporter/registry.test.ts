// The exporter against real docker-registry processes: an outage and recovery on the same port, image availability
// with the probe's causes, TLS with a private CA plus htpasswd credentials from per-registry Docker configs, the
// certificate and rate-limit gauges, and health endpoints while a check hangs.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import {
  exporterFrom,
  get,
  sample,
  samples,
  scrape,
  waitFor,
  waitForSample,
  restartableRegistry,
  type RestartableRegistry,
} from './support.ts';

const zero = () => 0;

describe('exporter: a plain-HTTP registry that goes down and comes back', () => {
  const fx = useFixture();
  let reg: RestartableRegistry;

  before(async () => {
    reg = await restartableRegistry(fx);
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
  });

  test('registry_up and image availability follow the outage: CONNECTION_REFUSED, then back to 1 on the same port', async () => {
    const app = `${reg.host}/team/app:1`;
    const ex = await exporterFrom(
      fx,
      `
interval: 1s
timeout: 3s
registries:
  - host: ${reg.host}
    plainHttp: true
images:
  - ${app}
  - ${reg.host}/team/app:404
  - ${reg.host}/team/nothing-here:1
`,
      { random: zero },
    );
    await ex.ready;
    let text = await scrape(ex);
    assert.equal(sample(text, 'regdoctor_registry_up', { registry: reg.host }), 1);
    assert.equal(sample(text, 'regdoctor_image_available', { image: app, cause: '' }), 1);
    assert.equal(
      sample(text, 'regdoctor_image_available', {
        image: `${reg.host}/team/app:404`,
        cause: 'MANIFEST_NOT_FOUND',
      }),
      0,
    );
    assert.equal(
      sample(text, 'regdoctor_image_available', {
        image: `${reg.host}/team/nothing-here:1`,
        cause: 'REPOSITORY_NOT_FOUND',
      }),
      0,
    );
    assert.equal(
      sample(text, 'regdoctor_registry_check_failures_total', { registry: reg.host, cause: 'UNAUTHORIZED' }),
      0,
    );
    assert.ok(sample(text, 'regdoctor_last_successful_check_timestamp_seconds', { check: 'registry' })! > 0);
    assert.ok(sample(text, 'regdoctor_last_successful_check_timestamp_seconds', { check: 'image' })! > 0);

    await reg.stop();
    text = await waitForSample(ex, 'regdoctor_registry_up', { registry: reg.host }, 0);
    assert.ok(
      sample(text, 'regdoctor_registry_check_failures_total', {
        registry: reg.host,
        cause: 'CONNECTION_REFUSED',
      })! >= 1,
    );
    text = await waitForSample(
      ex,
      'regdoctor_image_available',
      { image: app, cause: 'CONNECTION_REFUSED' },
      0,
    );
    // One series per image: the old cause label is gone, not left behind at its last value.
    assert.deepEqual(
      samples(text, 'regdoctor_image_available').filter((l) => l.includes(`image="${app}"`)),
      [`regdoctor_image_available{image="${app}",cause="CONNECTION_REFUSED"} 0`],
    );

    await reg.start();
    await waitForSample(ex, 'regdoctor_registry_up', { registry: reg.host }, 1);
    await waitForSample(ex, 'regdoctor_image_available', { image: app, cause: '' }, 1);

    const registryLines = ex.lines.filter((l) => l.includes(`registry ${reg.host}:`));
    assert.match(registryLines[0] ?? '', /CONNECTION_REFUSED/);
    assert.ok(
      registryLines.some((l) => /ok again \(was CONNECTION_REFUSED\)/.test(l)),
      registryLines.join('\n'),
    );
    // A change is logged once, not once per round: the outage spanned several rounds.
    assert.equal(registryLines.filter((l) => /: CONNECTION_REFUSED:/.test(l)).length, 1);
    assert.ok(ex.rounds() >= 3);
  });
});

describe('exporter: TLS registries with a private CA and htpasswd credentials from Docker configs', () => {
  const fx = useFixture();
  const ALICE = { username: 'alice', password: 'alice-Exp0rter-pw' };
  const WRONG = 'not-the-password-of-alice';
  let good: { host: string };
  let bad: { host: string };
  let caFile: string;
  let goodConfig: string;
  let badConfig: string;

  before(async () => {
    const pki = await fx.pki();
    caFile = pki.ca.certPath;
    [good, bad] = await Promise.all([
      fx.registry({ tls: pki.valid, htpasswd: { alice: ALICE.password } }),
      fx.registry({ tls: pki.valid, htpasswd: { alice: ALICE.password } }),
    ]);
    const layout = await buildImageLayout(await fx.subdir('img'));
    for (const r of [good, bad])
      await pushImage(layout, `docker://${r.host}/team/app:1`, { certDir: pki.ca.certDir, creds: ALICE });
    const dir = await fx.subdir('docker');
    const auth = (pw: string) => Buffer.from(`alice:${pw}`).toString('base64');
    goodConfig = join(dir, 'good.json');
    badConfig = join(dir, 'bad.json');
    await writeFile(goodConfig, JSON.stringify({ auths: { [good.host]: { auth: auth(ALICE.password) } } }));
    await writeFile(badConfig, JSON.stringify({ auths: { [bad.host]: { auth: auth(WRONG) } } }));
  });

  test('credentials accepted: up, no failure, manifest step timed, certificate expiry as the server certificate says', async () => {
    const ex = await exporterFrom(
      fx,
      `
interval: 1m
registries:
  - host: ${good.host}
    caFile: ${caFile}
    dockerConfig: ${goodConfig}
    checkImage: ${good.host}/team/app:1
  - host: ${bad.host}
    caFile: ${caFile}
    dockerConfig: ${badConfig}
images:
  - ${good.host}/team/app:1
  - ${bad.host}/team/app:1
`,
      { random: zero },
    );
    await ex.ready;
    const text = await scrape(ex);
    assert.equal(sample(text, 'regdoctor_registry_up', { registry: good.host }), 1);
    assert.equal(
      sample(text, 'regdoctor_registry_check_failures_total', { registry: good.host, cause: 'UNAUTHORIZED' }),
      0,
    );
    for (const step of ['dns', 'connect', 'tls', 'ping', 'auth', 'manifest']) {
      assert.equal(
        sample(text, 'regdoctor_registry_probe_duration_seconds_count', { registry: good.host, step }),
        1,
        `one ${step} observation`,
      );
    }
    const pki = await fx.pki();
    const notAfter = Date.parse(new X509Certificate(pki.valid.certPem).validTo) / 1000;
    assert.equal(
      sample(text, 'regdoctor_registry_tls_cert_expiry_timestamp_seconds', { registry: good.host }),
      notAfter,
    );
    assert.equal(
      sample(text, 'regdoctor_image_available', { image: `${good.host}/team/app:1`, cause: '' }),
      1,
    );

    // Wrong password: the registry is up (its API answered), the check fails with UNAUTHORIZED, the image too.
    assert.equal(sample(text, 'regdoctor_registry_up', { registry: bad.host }), 1);
    assert.equal(
      sample(text, 'regdoctor_registry_check_failures_total', { registry: bad.host, cause: 'UNAUTHORIZED' }),
      1,
    );
    assert.equal(
      sample(text, 'regdoctor_registry_probe_duration_seconds_count', {
        registry: bad.host,
        step: 'manifest',
      }),
      undefined,
      'no manifest step without a checkImage',
    );
    assert.equal(
      sample(text, 'regdoctor_image_available', { image: `${bad.host}/team/app:1`, cause: 'UNAUTHORIZED' }),
      0,
    );

    for (const secret of [ALICE.password, WRONG, Buffer.from(`alice:${WRONG}`).toString('base64')]) {
      assert.ok(!text.includes(secret), 'no secret in the metrics');
      assert.ok(!ex.lines.join('\n').includes(secret), 'no secret in the log');
    }
    assert.ok(
      ex.lines.some((l) => l.includes(`registry ${bad.host}: UNAUTHORIZED`)),
      ex.lines.join('\n'),
    );
  });

  test('a broken Docker config fails the check (PULL_SECRET_INVALID) but does not call the registry down', async () => {
    const broken = join(await fx.subdir('broken'), 'config.json');
    await writeFile(broken, JSON.stringify({ auths: { [good.host]: { auth: '%%%notbase64%%%' } } }));
    for (const checkImage of [`    checkImage: ${good.host}/team/app:1\n`, '']) {
      const ex = await exporterFrom(
        fx,
        `interval: 1m\nregistries:\n  - host: ${good.host}\n    caFile: ${caFile}\n    dockerConfig: ${broken}\n${checkImage}`,
        { random: zero },
      );
      await ex.ready;
      const text = await scrape(ex);
      const what = checkImage ? 'with checkImage' : 'without checkImage';
      assert.equal(sample(text, 'regdoctor_registry_up', { registry: good.host }), 1, what);
      assert.equal(
        sample(text, 'regdoctor_registry_check_failures_total', {
          registry: good.host,
          cause: 'PULL_SECRET_INVALID',
        }),
        1,
        `${what}:\n${ex.lines.join('\n')}`,
      );
      await ex.close();
    }
  });

  test('a registry without the CA: TLS_UNTRUSTED and down', async () => {
    const ex = await exporterFrom(fx, `registries:\n  - host: ${good.host}\n`, { random: zero });
    await ex.ready;
    const text = await scrape(ex);
    assert.equal(sample(text, 'regdoctor_registry_up', { registry: good.host }), 0);
    assert.equal(
      sample(text, 'regdoctor_registry_check_failures_total', {
        registry: good.host,
        cause: 'TLS_UNTRUSTED',
      }),
      1,
    );
  });
  test('insecureSkipTlsVerify: up without the CA, and the certificate expiry is still exported', async () => {
    const ex = await exporterFrom(
      fx,
      `registries:\n  - host: ${good.host}\n    insecureSkipTlsVerify: true\n    dockerConfig: ${goodConfig}\n`,
      { random: zero },
    );
    await ex.ready;
    const text = await scrape(ex);
    assert.equal(sample(text, 'regdoctor_registry_up', { registry: good.host }), 1);
    assert.equal(
      sample(text, 'regdoctor_registry_check_failures_total', { registry: good.host, cause: 'UNAUTHORIZED' }),
      0,
    );
    assert.ok(
      sample(text, 'regdoctor_registry_tls_cert_expiry_timestamp_seconds', { registry: good.host })! > 0,
    );
  });
});

describe('exporter: rate limits, stalls and health endpoints', () => {
  const fx = useFixture();

  test('rate-limit gauge and RATE_LIMITED from a registry that throttles manifests', async () => {
    const limited = await fx.start(faults.rateLimited());
    const ex = await exporterFrom(
      fx,
      `registries:\n  - host: ${limited.host}\n    plainHttp: true\n    checkImage: ${limited.host}/team/app:1\n`,
      { random: zero },
    );
    await ex.ready;
    const text = await scrape(ex);
    assert.equal(sample(text, 'regdoctor_registry_up', { registry: limited.host }), 1);
    assert.equal(sample(text, 'regdoctor_registry_ratelimit_remaining', { registry: limited.host }), 0);
    assert.equal(
      sample(text, 'regdoctor_registry_check_failures_total', {
        registry: limited.host,
        cause: 'RATE_LIMITED',
      }),
      1,
    );
  });

  test('a scrape is answered while a check is stalled; /readyz turns 200 only after the first round', async () => {
    const stalled = await fx.start(faults.stall({ phase: 'headers' }));
    const ex = await exporterFrom(
      fx,
      `interval: 1m\ntimeout: 2s\nregistries:\n  - host: ${stalled.host}\n    plainHttp: true\n`,
      { random: zero },
    );
    await waitFor('the check to reach the stalled server', async () => stalled.requests.length > 0);
    const health = await get(`${ex.url}/healthz`);
    const ready = await get(`${ex.url}/readyz`);
    const metrics = await get(`${ex.url}/metrics`);
    // All three answered while the check was still waiting on the server: none of them waits for a check.
    assert.equal(ex.isReady(), false, 'the check was still in flight when the answers came');
    assert.equal(health.status, 200);
    assert.equal(ready.status, 503);
    assert.match(ready.body, /first round/);
    assert.equal(metrics.status, 200);
    assert.match(String(metrics.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(metrics.body, 'regdoctor_registry_up', { registry: stalled.host }), undefined);

    await ex.ready;
    assert.equal((await get(`${ex.url}/readyz`)).status, 200);
    const text = await scrape(ex);
    assert.equal(sample(text, 'regdoctor_registry_up', { registry: stalled.host }), 0);
    assert.equal(
      sample(text, 'regdoctor_registry_check_failures_total', {
        registry: stalled.host,
        cause: 'NETWORK_TIMEOUT',
      }),
      1,
    );
  });

  test('other paths and methods', async () => {
    const ex = await exporterFrom(fx, '', { random: zero });
    await ex.ready;
    assert.equal((await get(`${ex.url}/nope`)).status, 404);
    assert.equal((await get(`${ex.url}/metrics`, { method: 'POST' })).status, 405);
    const head = await get(`${ex.url}/metrics`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.match((await get(`${ex.url}/`)).body, /\/metrics/);
  });
});
