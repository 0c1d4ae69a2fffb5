import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CAUSES, type Cause } from '../../src/cause/index.ts';
import type { ProbeResult, Step, StepName } from '../../src/result/index.ts';
import { createMonitorMetrics, DEFAULT_MAX_IMAGES, type MonitorMetrics } from '../../src/monitor/metrics.ts';
import type { MetricValue } from 'prom-client';
import { promtool } from './promtool.ts';
import { needs, PROMTOOL } from '../helpers/tools.ts';

const step = (name: StepName, ok: boolean, ms: number, detail: Record<string, unknown> = {}): Step => ({
  name,
  ok,
  ms,
  summary: '',
  detail,
});

const VALID_TO = '2027-03-01T12:00:00.000Z';
const tls = step('tls', true, 8.5, { subject: 'CN=registry.local', validTo: VALID_TO, expiresInDays: 95 });

function result(cause: Cause | null, steps: Step[], extra: Partial<ProbeResult> = {}): ProbeResult {
  return {
    image: 'registry.local:5000/team/app:1',
    reference: { registry: 'registry.local:5000', repository: 'team/app', tag: '1', digest: null },
    platform: 'linux/amd64',
    cause,
    confidence: 'certain',
    summary: '',
    remediation: [],
    steps,
    ...extra,
  };
}

const pullable = result(
  null,
  [
    step('reference', true, 0.1),
    step('credentials', true, 0.4),
    step('dns', true, 1.2),
    step('connect', true, 2),
    tls,
    step('ping', true, 4),
    step('auth', true, 12),
    step('manifest', true, 20),
    step('platform', true, 0.1),
  ],
  { rateLimit: { limit: 100, remaining: 76, windowSeconds: 21600 } },
);
const unauthorized = result('UNAUTHORIZED', [
  step('dns', true, 1),
  step('connect', true, 2),
  tls,
  step('ping', true, 3),
  step('auth', false, 9, { status: 401 }),
]);
const refused = result('CONNECTION_REFUSED', [step('dns', true, 1), step('connect', false, 0.6)]);

/** One sample by exposition name (histograms by their `_bucket`/`_sum`/`_count` names) and a subset of labels. */
async function value(
  m: MonitorMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const base = m.registry.getSingleMetric(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
  const hit = (await series(m, base)).find(
    (v) =>
      (v.metricName ?? base) === name &&
      Object.entries(labels).every(([k, want]) => String((v.labels as Record<string, unknown>)[k]) === want),
  );
  return hit?.value;
}

async function series(m: MonitorMetrics, name: string) {
  const metric = m.registry.getSingleMetric(name);
  assert.ok(metric, `${name} is registered`);
  // Histogram samples carry their exposition name (`…_bucket`, `…_sum`, `…_count`); prom-client's type omits it.
  return (await metric.get()).values as Array<MetricValue<string> & { metricName?: string }>;
}

describe('recordProbe', () => {
  test('a pullable image: up, one latency sample per probed step, cert expiry, rate limit', async () => {
    const m = createMonitorMetrics();
    m.recordProbe('registry.local:5000', pullable);
    assert.equal(await value(m, 'regdoctor_registry_up', { registry: 'registry.local:5000' }), 1);
    const counts = (await series(m, 'regdoctor_registry_probe_duration_seconds'))
      .filter((v) => v.metricName === 'regdoctor_registry_probe_duration_seconds_count')
      .map((v) => [v.labels.step, v.value]);
    assert.deepEqual(counts.sort(), [
      ['auth', 1],
      ['connect', 1],
      ['dns', 1],
      ['manifest', 1],
      ['ping', 1],
      ['tls', 1],
    ]);
    assert.equal(
      await value(m, 'regdoctor_registry_probe_duration_seconds_sum', { step: 'manifest' }),
      0.02,
      'milliseconds become seconds',
    );
    assert.equal(
      await value(m, 'regdoctor_registry_tls_cert_expiry_timestamp_seconds', {
        registry: 'registry.local:5000',
      }),
      Date.parse(VALID_TO) / 1000,
    );
    assert.equal(
      await value(m, 'regdoctor_registry_ratelimit_remaining', { registry: 'registry.local:5000' }),
      76,
    );
    const failures = await series(m, 'regdoctor_registry_check_failures_total');
    assert.ok(failures.length > 0 && failures.every((v) => v.value === 0), 'no failure counted');
  });

  test('steps reused from an earlier probe in the same session measured nothing and are not observed', async () => {
    const m = createMonitorMetrics();
    const reused = (s: Step): Step => ({ ...s, ms: 0, detail: { ...s.detail, reused: true } });
    m.recordProbe(
      'r',
      result(null, [
        reused(step('dns', true, 1)),
        reused(step('connect', true, 2)),
        reused(tls),
        reused(step('ping', true, 3)),
        step('auth', true, 5),
        step('manifest', true, 7),
      ]),
    );
    const counted = (await series(m, 'regdoctor_registry_probe_duration_seconds'))
      .filter((v) => v.metricName === 'regdoctor_registry_probe_duration_seconds_count')
      .map((v) => v.labels.step)
      .sort();
    assert.deepEqual(counted, ['auth', 'manifest']);
    assert.equal(
      await value(m, 'regdoctor_registry_up', { registry: 'r' }),
      1,
      'a reused ping still says up',
    );
    assert.equal(
      await value(m, 'regdoctor_registry_tls_cert_expiry_timestamp_seconds', { registry: 'r' }),
      Date.parse(VALID_TO) / 1000,
    );
  });

  test('UNAUTHORIZED behind a reachable API: still up, one failure with that cause', async () => {
    const m = createMonitorMetrics();
    m.recordProbe('r', unauthorized);
    assert.equal(await value(m, 'regdoctor_registry_up', { registry: 'r' }), 1);
    assert.equal(
      await value(m, 'regdoctor_registry_check_failures_total', { registry: 'r', cause: 'UNAUTHORIZED' }),
      1,
    );
    assert.equal(
      await value(m, 'regdoctor_registry_check_failures_total', { registry: 'r', cause: 'FORBIDDEN' }),
      0,
    );
  });

  test('a registry that goes down flips up to 0 with its cause, keeps the last seen certificate, and comes back', async () => {
    const m = createMonitorMetrics();
    m.recordProbe('r', pullable);
    m.recordProbe('r', refused);
    assert.equal(await value(m, 'regdoctor_registry_up', { registry: 'r' }), 0);
    assert.equal(
      await value(m, 'regdoctor_registry_check_failures_total', {
        registry: 'r',
        cause: 'CONNECTION_REFUSED',
      }),
      1,
    );
    assert.equal(
      await value(m, 'regdoctor_registry_tls_cert_expiry_timestamp_seconds', { registry: 'r' }),
      Date.parse(VALID_TO) / 1000,
    );
    assert.equal(await value(m, 'regdoctor_registry_ratelimit_remaining', { registry: 'r' }), 76);
    m.recordProbe('r', pullable);
    assert.equal(await value(m, 'regdoctor_registry_up', { registry: 'r' }), 1);
  });

  test('an expired certificate: the failed tls step still carries the expiry, so the gauge shows it', async () => {
    const m = createMonitorMetrics();
    const expiredAt = '2025-01-01T00:00:00.000Z';
    m.recordProbe(
      'old.local',
      result('TLS_EXPIRED', [
        step('dns', true, 1),
        step('connect', true, 1),
        step('tls', false, 3, { code: 'CERT_HAS_EXPIRED', validTo: expiredAt }),
      ]),
    );
    assert.equal(await value(m, 'regdoctor_registry_up', { registry: 'old.local' }), 0);
    assert.equal(
      await value(m, 'regdoctor_registry_tls_cert_expiry_timestamp_seconds', { registry: 'old.local' }),
      Date.parse(expiredAt) / 1000,
    );
  });

  test('failure series stay within registries × cause codes whatever the probes say', async () => {
    const m = createMonitorMetrics();
    for (const host of ['a', 'b']) for (const cause of CAUSES) m.recordProbe(host, result(cause, []));
    const failures = await series(m, 'regdoctor_registry_check_failures_total');
    assert.equal(failures.length, 2 * CAUSES.length);
    assert.ok(failures.every((v) => (CAUSES as readonly string[]).includes(String(v.labels.cause))));
  });
});

describe('image availability series limit', () => {
  test('beyond the limit new images are dropped and counted; known images still update', async () => {
    const m = createMonitorMetrics({ maxImages: 3 });
    assert.equal(m.setImageAvailability('i1', null), true);
    assert.equal(m.setImageAvailability('i2', 'MANIFEST_NOT_FOUND'), true);
    assert.equal(m.setImageAvailability('i3', null), true);
    assert.equal(m.setImageAvailability('i4', null), false);
    assert.equal(m.setImageAvailability('i5', 'UNAUTHORIZED'), false);
    assert.equal(m.setImageAvailability('i1', 'UNAUTHORIZED'), true);
    const images = await series(m, 'regdoctor_image_available');
    assert.deepEqual(
      images.map((v) => [v.labels.image, v.labels.cause, v.value]).sort(),
      [
        ['i1', 'UNAUTHORIZED', 0],
        ['i2', 'MANIFEST_NOT_FOUND', 0],
        ['i3', '', 1],
      ],
      'one series per image: the old cause of i1 is gone',
    );
    assert.equal(await value(m, 'regdoctor_image_series_dropped_total', {}), 2);
    m.forgetImage('i3');
    assert.equal(m.setImageAvailability('i4', null), true, 'a forgotten image frees its slot');
  });

  test('trackedImages lists the images holding a series; dropImages counts skipped ones', async () => {
    const m = createMonitorMetrics({ maxImages: 2 });
    m.setImageAvailability('i1', null);
    m.setImageAvailability('i2', 'UNAUTHORIZED');
    m.setImageAvailability('i3', null);
    assert.deepEqual(m.trackedImages().sort(), ['i1', 'i2']);
    m.forgetImage('i1');
    assert.deepEqual(m.trackedImages(), ['i2']);
    m.dropImages(4);
    m.dropImages(0);
    assert.equal(await value(m, 'regdoctor_image_series_dropped_total', {}), 5);
  });

  test(`the default limit is ${DEFAULT_MAX_IMAGES} images`, async () => {
    const m = createMonitorMetrics();
    for (let i = 0; i < DEFAULT_MAX_IMAGES + 5; i++)
      m.setImageAvailability(`registry.local/app-${i}:1`, null);
    assert.equal((await series(m, 'regdoctor_image_available')).length, DEFAULT_MAX_IMAGES);
    assert.equal(await value(m, 'regdoctor_image_series_dropped_total', {}), 5);
  });
});

describe('cluster-side metrics', () => {
  test('pull failures: summed per namespace and cause, and replaced as a whole', async () => {
    const m = createMonitorMetrics();
    m.setPullFailures([
      { namespace: 'shop', cause: 'UNAUTHORIZED', count: 1 },
      { namespace: 'shop', cause: 'UNAUTHORIZED', count: 2 },
      { namespace: 'web', cause: 'MANIFEST_NOT_FOUND', count: 1 },
    ]);
    assert.equal(
      await value(m, 'regdoctor_image_pull_failures', { namespace: 'shop', cause: 'UNAUTHORIZED' }),
      3,
    );
    m.setPullFailures([{ namespace: 'web', cause: 'MANIFEST_NOT_FOUND', count: 1 }]);
    const rows = await series(m, 'regdoctor_image_pull_failures');
    assert.deepEqual(
      rows.map((v) => [v.labels.namespace, v.labels.cause, v.value]),
      [['web', 'MANIFEST_NOT_FOUND', 1]],
    );
  });

  test('Pulled events land in the kubelet size bucket; other messages are ignored', async () => {
    const m = createMonitorMetrics();
    assert.equal(
      m.observePulledEvent(
        'Successfully pulled image "nginx:1.25" in 3.203s (4.5s including waiting). Image size: 70520497 bytes.',
      ),
      true,
    );
    assert.equal(m.observePulledEvent('Successfully pulled image "busybox" in 1.87s'), true);
    assert.equal(m.observePulledEvent('Container image "nginx:1.25" already present on machine'), false);
    const name = 'regdoctor_image_pull_duration_seconds';
    assert.equal(await value(m, `${name}_count`, { image_size_in_bytes: '10MB-100MB' }), 1);
    assert.equal(await value(m, `${name}_sum`, { image_size_in_bytes: '10MB-100MB' }), 4.5);
    assert.equal(await value(m, `${name}_count`, { image_size_in_bytes: 'N/A' }), 1);
    assert.equal(await value(m, `${name}_bucket`, { image_size_in_bytes: '10MB-100MB', le: '5' }), 1);
    assert.equal(await value(m, `${name}_bucket`, { image_size_in_bytes: '10MB-100MB', le: '1' }), 0);
  });

  test('exporter health: a failed check does not move the last-success time', async () => {
    const m = createMonitorMetrics();
    m.observeCheck('registry', 1.5, true, 1_700_000_000_000);
    m.observeCheck('registry', 2, false, 1_700_000_060_000);
    assert.equal(
      await value(m, 'regdoctor_last_successful_check_timestamp_seconds', { check: 'registry' }),
      1_700_000_000,
    );
    assert.equal(await value(m, 'regdoctor_check_duration_seconds_count', { check: 'registry' }), 2);
  });
});

describe('promtool check metrics', needs(PROMTOOL), () => {
  test('a real exposition after several probes passes the Prometheus linter', async () => {
    const m = createMonitorMetrics();
    m.recordProbe('registry.local:5000', pullable);
    m.recordProbe('registry.local:5000', unauthorized);
    m.recordProbe('down.local:5000', refused);
    m.setImageAvailability('registry.local:5000/team/app:1', null);
    m.setImageAvailability('registry.local:5000/team/gone:1', 'MANIFEST_NOT_FOUND');
    m.setPullFailures([{ namespace: 'shop', cause: 'UNAUTHORIZED', count: 2 }]);
    m.observePulledEvent(
      'Successfully pulled image "x" in 3.2s (3.2s including waiting). Image size: 12345 bytes.',
    );
    m.observeCheck('registry', 0.8, true);
    const text = await m.registry.metrics();
    // promtool accepts empty input, so first make sure the exposition holds what it is meant to.
    for (const name of [
      'regdoctor_registry_up{registry="down.local:5000"} 0',
      'regdoctor_registry_check_failures_total{registry="registry.local:5000",cause="UNAUTHORIZED"} 1',
      'regdoctor_registry_tls_cert_expiry_timestamp_seconds{registry="registry.local:5000"}',
      'regdoctor_image_pull_duration_seconds_bucket{le="1",image_size_in_bytes="0-10MB"} 0',
    ]) {
      assert.ok(text.includes(name), `exposition contains ${name}`);
    }
    const r = await promtool(['check', 'metrics'], { input: text });
    assert.equal(r.code, 0, r.output);
    assert.equal(r.output.trim(), '', 'no lint findings');
  });

  test('control: the same check rejects a counter without _total', async () => {
    const r = await promtool(['check', 'metrics'], {
      input: '# HELP regdoctor_failures Failures.\n# TYPE regdoctor_failures counter\nregdoctor_failures 1\n',
    });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /_total/);
  });
});
