import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import {
  prometheusRule,
  renderPrometheusRule,
  renderRulesFile,
  ruleGroups,
} from '../../src/monitor/rules.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';
import { promtool } from './promtool.ts';
import { needs, PROMTOOL } from '../helpers/tools.ts';

const PROBE = (registry: string) => `Run \`regdoctor probe <an image on ${registry}>\``;

// Expected alerts spell out their annotations: promtool compares them exactly, so this checks the templates too.
function unreachable(registry: string) {
  return {
    exp_labels: { severity: 'critical', registry },
    exp_annotations: {
      summary: `Registry ${registry} is unreachable`,
      description: `regdoctor's checks have not reached the registry API (/v2/) of ${registry} for 5 minutes; new pulls from it fail. regdoctor_registry_check_failures_total says which cause.`,
      runbook: `${PROBE(registry)} to see which step fails (dns, connect, tls, ping) and why.`,
    },
  };
}

const AUTH_DESCRIPTION =
  'The registry rejects the credentials presented (UNAUTHORIZED) or denies access to the repository (FORBIDDEN).';
const AUTH_RUNBOOK_TAIL = ': it names the credential used and what the registry answered.';

function cert(registry: string, severity: string, days: number, left: string) {
  return {
    exp_labels: { severity, registry },
    exp_annotations: {
      summary: `TLS certificate of ${registry} expires in less than ${days} days`,
      description: `The certificate served by ${registry} expires in ${left}. Once it has expired every pull from it fails with TLS_EXPIRED.`,
      runbook: `${PROBE(registry)}: the tls step shows subject, issuer and expiry. Renew the certificate.`,
    },
  };
}

const DAY = 86_400;

interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: unknown[];
}
interface UnitTest {
  name: string;
  input_series: Array<{ series: string; values: string }>;
  alert_rule_test: AlertTest[];
}

/** Every alert gets a case where it fires and cases, with look-alike series, where it must not. */
const UNIT_TESTS: UnitTest[] = [
  {
    name: 'registry unreachable',
    input_series: [
      { series: 'regdoctor_registry_up{registry="down.local:5000"}', values: '0x20' },
      { series: 'regdoctor_registry_up{registry="ok.local"}', values: '1x20' },
      // Down for 3 minutes at a time, never the 5 the alert waits for.
      {
        series: 'regdoctor_registry_up{registry="flaky.local"}',
        values: '0 0 0 1 0 0 0 1 0 0 0 1 0 0 0 1 0 0 0 1',
      },
    ],
    alert_rule_test: [
      { eval_time: '3m', alertname: 'RegdoctorRegistryUnreachable', exp_alerts: [] },
      {
        eval_time: '10m',
        alertname: 'RegdoctorRegistryUnreachable',
        exp_alerts: [unreachable('down.local:5000')],
      },
    ],
  },
  {
    name: 'authentication failures',
    input_series: [
      // Failing auth on every check from minute 2.
      {
        series: 'regdoctor_registry_check_failures_total{registry="private.local",cause="UNAUTHORIZED"}',
        values: '0 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15',
      },
      {
        series: 'regdoctor_registry_check_failures_total{registry="quiet.local",cause="FORBIDDEN"}',
        values: '3x16',
      },
      {
        series: 'regdoctor_registry_check_failures_total{registry="quiet.local",cause="DNS_FAILURE"}',
        values: '0+1x16',
      },
      { series: 'regdoctor_image_pull_failures{namespace="shop",cause="FORBIDDEN"}', values: '2x16' },
      { series: 'regdoctor_image_pull_failures{namespace="web",cause="MANIFEST_NOT_FOUND"}', values: '4x16' },
      { series: 'regdoctor_image_pull_failures{namespace="batch",cause="UNAUTHORIZED"}', values: '0x16' },
    ],
    alert_rule_test: [
      { eval_time: '4m', alertname: 'RegdoctorAuthenticationFailures', exp_alerts: [] },
      {
        eval_time: '12m',
        alertname: 'RegdoctorAuthenticationFailures',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', registry: 'private.local', cause: 'UNAUTHORIZED' },
            exp_annotations: {
              summary: 'Image pulls are refused with UNAUTHORIZED by private.local',
              description: AUTH_DESCRIPTION,
              runbook: `${PROBE('private.local')}${AUTH_RUNBOOK_TAIL}`,
            },
          },
          {
            exp_labels: { severity: 'warning', namespace: 'shop', cause: 'FORBIDDEN' },
            exp_annotations: {
              summary: 'Image pulls are refused with FORBIDDEN in namespace shop',
              description: AUTH_DESCRIPTION,
              runbook: `Run \`regdoctor scan -n shop\`${AUTH_RUNBOOK_TAIL}`,
            },
          },
        ],
      },
    ],
  },
  {
    name: 'TLS certificate expiring',
    input_series: [
      {
        series: 'regdoctor_registry_tls_cert_expiry_timestamp_seconds{registry="soon.local"}',
        values: `${10 * DAY}x5`,
      },
      {
        series: 'regdoctor_registry_tls_cert_expiry_timestamp_seconds{registry="now.local"}',
        values: `${2 * DAY}x5`,
      },
      {
        series: 'regdoctor_registry_tls_cert_expiry_timestamp_seconds{registry="fine.local"}',
        values: `${30 * DAY}x5`,
      },
    ],
    alert_rule_test: [
      {
        eval_time: '0m',
        alertname: 'RegdoctorRegistryCertificateExpiring',
        exp_alerts: [
          cert('soon.local', 'warning', 14, '10d 0h 0m 0s'),
          cert('now.local', 'warning', 14, '2d 0h 0m 0s'),
          cert('now.local', 'critical', 3, '2d 0h 0m 0s'),
        ],
      },
    ],
  },
  {
    name: 'TLS certificate far from expiry',
    input_series: [
      {
        series: 'regdoctor_registry_tls_cert_expiry_timestamp_seconds{registry="fine.local"}',
        values: `${15 * DAY}x5`,
      },
    ],
    alert_rule_test: [{ eval_time: '0m', alertname: 'RegdoctorRegistryCertificateExpiring', exp_alerts: [] }],
  },
  {
    // Renewed at minute 3: both severities fire before, neither after.
    name: 'TLS certificate renewed',
    input_series: [
      {
        series: 'regdoctor_registry_tls_cert_expiry_timestamp_seconds{registry="renewed.local"}',
        values: `${2 * DAY} ${2 * DAY} ${2 * DAY} ${90 * DAY} ${90 * DAY} ${90 * DAY}`,
      },
    ],
    alert_rule_test: [
      {
        eval_time: '1m',
        alertname: 'RegdoctorRegistryCertificateExpiring',
        exp_alerts: [
          cert('renewed.local', 'warning', 14, '1d 23h 59m 0s'),
          cert('renewed.local', 'critical', 3, '1d 23h 59m 0s'),
        ],
      },
      { eval_time: '4m', alertname: 'RegdoctorRegistryCertificateExpiring', exp_alerts: [] },
    ],
  },
  {
    name: 'rate-limit headroom',
    input_series: [
      { series: 'regdoctor_registry_ratelimit_remaining{registry="docker.io"}', values: '50 30 12 9 4' },
      { series: 'regdoctor_registry_ratelimit_remaining{registry="quay.io"}', values: '100 10 10 10 10' },
    ],
    alert_rule_test: [
      { eval_time: '2m', alertname: 'RegdoctorRegistryRateLimitLow', exp_alerts: [] },
      {
        eval_time: '4m',
        alertname: 'RegdoctorRegistryRateLimitLow',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', registry: 'docker.io' },
            exp_annotations: {
              summary: 'Only 4 pulls left in the rate-limit window of docker.io',
              description:
                'docker.io reports fewer than 10 pulls left; once none are left pulls fail with RATE_LIMITED.',
              runbook: `${PROBE('docker.io')} to see the limit, the window and which credential is counted; authenticate pulls or use a mirror.`,
            },
          },
        ],
      },
    ],
  },
  {
    // The window reset at minute 3: the alert resolves as soon as the registry reports headroom again.
    name: 'rate-limit headroom recovered',
    input_series: [
      { series: 'regdoctor_registry_ratelimit_remaining{registry="docker.io"}', values: '3 2 1 100 99 98' },
    ],
    alert_rule_test: [
      {
        eval_time: '2m',
        alertname: 'RegdoctorRegistryRateLimitLow',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', registry: 'docker.io' },
            exp_annotations: {
              summary: 'Only 1 pulls left in the rate-limit window of docker.io',
              description:
                'docker.io reports fewer than 10 pulls left; once none are left pulls fail with RATE_LIMITED.',
              runbook: `${PROBE('docker.io')} to see the limit, the window and which credential is counted; authenticate pulls or use a mirror.`,
            },
          },
        ],
      },
      { eval_time: '4m', alertname: 'RegdoctorRegistryRateLimitLow', exp_alerts: [] },
    ],
  },
  {
    name: 'image pull failures in the cluster',
    input_series: [
      {
        series: 'regdoctor_image_pull_failures{namespace="shop",cause="MANIFEST_NOT_FOUND"}',
        values: '2x20',
      },
      { series: 'regdoctor_image_pull_failures{namespace="web",cause="UNAUTHORIZED"}', values: '0x20' },
      {
        series: 'regdoctor_image_pull_failures{namespace="batch",cause="DNS_FAILURE"}',
        values: '1 1 1 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
      },
    ],
    alert_rule_test: [
      { eval_time: '5m', alertname: 'RegdoctorImagePullFailures', exp_alerts: [] },
      {
        eval_time: '15m',
        alertname: 'RegdoctorImagePullFailures',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', namespace: 'shop', cause: 'MANIFEST_NOT_FOUND' },
            exp_annotations: {
              summary: '2 containers in shop cannot pull their image (MANIFEST_NOT_FOUND)',
              description:
                'Containers in namespace shop have been failing to pull their image for 10 minutes with cause MANIFEST_NOT_FOUND.',
              runbook: 'Run `regdoctor scan -n shop` for each failing pod, its cause and the fix.',
            },
          },
        ],
      },
    ],
  },
  {
    name: 'image unavailable',
    input_series: [
      {
        series: 'regdoctor_image_available{image="registry.local/team/gone:1",cause="MANIFEST_NOT_FOUND"}',
        values: '0x30',
      },
      { series: 'regdoctor_image_available{image="registry.local/team/app:1"}', values: '1x30' },
    ],
    alert_rule_test: [
      { eval_time: '10m', alertname: 'RegdoctorImageUnavailable', exp_alerts: [] },
      {
        eval_time: '20m',
        alertname: 'RegdoctorImageUnavailable',
        exp_alerts: [
          {
            exp_labels: {
              severity: 'warning',
              image: 'registry.local/team/gone:1',
              cause: 'MANIFEST_NOT_FOUND',
            },
            exp_annotations: {
              summary: 'Image registry.local/team/gone:1 cannot be pulled (MANIFEST_NOT_FOUND)',
              description:
                'A monitored image has failed its availability check for 15 minutes; the next pod that needs it will not start.',
              runbook: 'Run `regdoctor probe registry.local/team/gone:1` for the failing step and the fix.',
            },
          },
        ],
      },
    ],
  },
  {
    name: 'pulls too slow at p99',
    input_series: [
      // 10 pulls a minute of a 1GB-5GB image, all between 600 s and 900 s.
      ...histogram('1GB-5GB', {
        '60': '0x60',
        '300': '0x60',
        '600': '0x60',
        '900': '0+10x60',
        '+Inf': '0+10x60',
      }),
      // 10 pulls a minute of small images, all under 5 s.
      ...histogram('0-10MB', { '5': '0+10x60', '60': '0+10x60', '300': '0+10x60', '+Inf': '0+10x60' }),
      // No pulls at all: the quantile is undefined and must not alert.
      ...histogram('N/A', { '300': '0x60', '+Inf': '0x60' }),
    ],
    alert_rule_test: [
      { eval_time: '10m', alertname: 'RegdoctorImagePullSlow', exp_alerts: [] },
      {
        eval_time: '40m',
        alertname: 'RegdoctorImagePullSlow',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', image_size_in_bytes: '1GB-5GB' },
            exp_annotations: {
              summary: 'p99 image pull time is 14m 57s for images of 1GB-5GB',
              description:
                'Over the last 30 minutes, 1% of pulls of images in size bucket 1GB-5GB took longer than 300s (kubelet Pulled events, queue wait included).',
              runbook:
                'Run `regdoctor inspect <image>` to see layer sizes per platform, and `regdoctor probe <image>` for registry latency by step.',
            },
          },
        ],
      },
    ],
  },
  {
    name: 'checks stale',
    input_series: [
      { series: 'regdoctor_last_successful_check_timestamp_seconds{check="registry"}', values: '0+60x40' },
      { series: 'regdoctor_last_successful_check_timestamp_seconds{check="cluster"}', values: '0x40' },
    ],
    alert_rule_test: [
      { eval_time: '18m', alertname: 'RegdoctorChecksStale', exp_alerts: [] },
      {
        eval_time: '30m',
        alertname: 'RegdoctorChecksStale',
        exp_alerts: [
          {
            exp_labels: { severity: 'warning', check: 'cluster' },
            exp_annotations: {
              summary: 'regdoctor has not completed a cluster check for 30m 0s',
              description:
                'The other regdoctor alerts rest on these checks; while they fail, those alerts neither fire nor resolve.',
              runbook:
                "Read the exporter's log, then run `regdoctor probe <image>` from its pod to see what it cannot reach.",
            },
          },
        ],
      },
    ],
  },
];

function histogram(size: string, buckets: Record<string, string>) {
  return Object.entries(buckets).map(([le, values]) => ({
    series: `regdoctor_image_pull_duration_seconds_bucket{image_size_in_bytes="${size}",le="${le}"}`,
    values,
  }));
}

const ALERTS = [...new Set(ruleGroups().flatMap((g) => g.rules.map((r) => r.alert)))];

describe('generated rules', () => {
  test('every alert carries severity, summary, description and a runbook naming a regdoctor command', () => {
    const rules = ruleGroups().flatMap((g) => g.rules);
    assert.ok(rules.length >= 8);
    for (const r of rules) {
      assert.match(r.labels.severity, /^(warning|critical)$/, r.alert);
      assert.ok(r.annotations.summary && r.annotations.description, r.alert);
      assert.match(r.annotations.runbook, /`regdoctor (probe|scan|inspect) /, r.alert);
    }
  });

  test('the vulnerability alert is left out, and the output says so', () => {
    assert.ok(!ALERTS.some((a) => /vulnerab/i.test(a)));
    assert.match(renderRulesFile(), /^# .*vulnerability alert is left out/m);
  });

  test('the PrometheusRule wraps the same groups as the rules file', () => {
    const pr = parse(renderPrometheusRule({ name: 'rd', namespace: 'monitoring' }));
    assert.equal(pr.apiVersion, 'monitoring.coreos.com/v1');
    assert.equal(pr.kind, 'PrometheusRule');
    assert.equal(pr.metadata.name, 'rd');
    assert.equal(pr.metadata.namespace, 'monitoring');
    assert.deepEqual(pr.spec.groups, parse(renderRulesFile()).groups);
    assert.equal(prometheusRule().metadata.namespace, undefined, 'no namespace unless asked');
  });

  test('thresholds are options', () => {
    const expr = (alert: string, o: Parameters<typeof ruleGroups>[0]) =>
      ruleGroups(o)
        .flatMap((g) => g.rules)
        .find((r) => r.alert === alert)!.expr;
    assert.match(expr('RegdoctorImagePullSlow', { pullP99Seconds: 120 }), /> 120$/);
    assert.match(expr('RegdoctorRegistryRateLimitLow', { rateLimitMinRemaining: 25 }), /< 25$/);
  });
});

describe('promtool', needs(PROMTOOL), () => {
  let dir: TempDir;
  before(async () => {
    dir = await makeTempDir('regdoctor-rules-');
    await writeFile(join(dir.path, 'rules.yml'), renderRulesFile());
  });
  after(() => dir?.remove());

  test('check rules accepts the rules file', async () => {
    const r = await promtool(['check', 'rules', join(dir.path, 'rules.yml')]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS: 9 rules found/);
  });

  test('check rules accepts the rule groups of the PrometheusRule', async () => {
    const groups = parse(renderPrometheusRule({ namespace: 'monitoring' })).spec.groups;
    const file = join(dir.path, 'from-prometheusrule.yml');
    await writeFile(file, stringify({ groups }));
    const r = await promtool(['check', 'rules', file]);
    assert.equal(r.code, 0, r.output);
  });

  test('every alert is unit-tested firing and not firing', () => {
    for (const alert of ALERTS) {
      const cases = UNIT_TESTS.flatMap((t) => t.alert_rule_test).filter((c) => c.alertname === alert);
      assert.ok(
        cases.some((c) => c.exp_alerts.length > 0),
        `${alert} has a firing case`,
      );
      assert.ok(
        cases.some((c) => c.exp_alerts.length === 0),
        `${alert} has a silent case`,
      );
    }
  });

  test('every severity of every alert has a firing case', () => {
    const fired = new Set(
      UNIT_TESTS.flatMap((t) => t.alert_rule_test).flatMap((c) =>
        (c.exp_alerts as Array<{ exp_labels: { severity: string } }>).map(
          (a) => `${c.alertname}/${a.exp_labels.severity}`,
        ),
      ),
    );
    for (const r of ruleGroups().flatMap((g) => g.rules)) {
      assert.ok(
        fired.has(`${r.alert}/${r.labels.severity}`),
        `${r.alert} (${r.labels.severity}) has a firing case`,
      );
    }
  });

  test('test rules: each alert fires on its series and stays silent on the look-alikes', async () => {
    const file = join(dir.path, 'tests.yml');
    await writeFile(
      file,
      stringify({
        rule_files: ['rules.yml'],
        evaluation_interval: '1m',
        tests: UNIT_TESTS.map((t) => ({ interval: '1m', ...t })),
      }),
    );
    const r = await promtool(['test', 'rules', file], { cwd: dir.path });
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  test('control: test rules fails when an expected alert does not fire', async () => {
    const file = join(dir.path, 'wrong.yml');
    const wrong = {
      name: 'healthy registry',
      interval: '1m',
      input_series: [{ series: 'regdoctor_registry_up{registry="ok.local"}', values: '1x20' }],
      alert_rule_test: [
        {
          eval_time: '10m',
          alertname: 'RegdoctorRegistryUnreachable',
          exp_alerts: [unreachable('ok.local')],
        },
      ],
    };
    await writeFile(
      file,
      stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests: [wrong] }),
    );
    const r = await promtool(['test', 'rules', file], { cwd: dir.path });
    assert.notEqual(r.code, 0);
    assert.match(r.output, /FAILED/);
  });
});
