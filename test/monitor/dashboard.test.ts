import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import {
  DASHBOARD_SCHEMA_VERSION,
  dashboard,
  dashboardQueries,
  renderDashboard,
  type Panel,
} from '../../src/monitor/dashboard.ts';
import { ruleGroups } from '../../src/monitor/rules.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';
import { exportedSeries, metricNames, unknownMetrics, withoutTemplateVariables } from './promql.ts';
import { promtool } from './promtool.ts';
import { needs, PROMTOOL } from '../helpers/tools.ts';

const d = dashboard();
const queries = dashboardQueries(d);
const panels = d.panels.filter((p) => p.type !== 'row');
const byTitle = (re: RegExp): Panel => {
  const found = panels.filter((p) => re.test(p.title));
  assert.equal(found.length, 1, `one panel titled ${re}`);
  return found[0]!;
};
const exprOf = (p: Panel) => p.targets!.map((t) => t.expr).join('\n');
const variableMetrics = d.templating.list.flatMap((v) => {
  const m = /^label_values\(([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,/.exec(String(v.definition ?? ''));
  return m ? [m[1]!] : [];
});

describe('dashboard', () => {
  test('renders as JSON that parses back to the same dashboard', () => {
    const text = renderDashboard();
    assert.deepEqual(JSON.parse(text), d);
    assert.ok(text.endsWith('}\n'));
  });

  test('panel ids are unique, panels sit inside the 24-column grid and do not overlap', () => {
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids.join(',')}`);
    const cells = new Set<string>();
    for (const p of d.panels) {
      const { x, y, w, h } = p.gridPos;
      assert.ok(x >= 0 && w > 0 && x + w <= 24, `${p.title} fits the grid`);
      for (let i = x; i < x + w; i++) {
        for (let j = y; j < y + h; j++) {
          assert.ok(!cells.has(`${i},${j}`), `${p.title} overlaps another panel at ${i},${j}`);
          cells.add(`${i},${j}`);
        }
      }
    }
  });

  test('a datasource variable, used by every panel and query; current schema version', () => {
    const ds = d.templating.list.find((v) => v.name === 'datasource');
    assert.deepEqual([ds?.type, ds?.query], ['datasource', 'prometheus']);
    for (const p of panels) {
      assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, p.title);
      assert.ok(p.targets && p.targets.length > 0, `${p.title} has a query`);
      for (const t of p.targets) assert.equal(t.datasource.uid, '${datasource}', p.title);
      const refIds = p.targets.map((t) => t.refId);
      assert.equal(new Set(refIds).size, refIds.length, `${p.title} refIds`);
    }
    assert.equal(d.schemaVersion, DASHBOARD_SCHEMA_VERSION);
    assert.ok(DASHBOARD_SCHEMA_VERSION >= 41, 'Grafana 12 schema');
  });

  test('the panels the brief asks for, over the right series', () => {
    assert.match(
      exprOf(byTitle(/latency.*step/i)),
      /histogram_quantile\(0\.95, sum by \([^)]*\bstep\b[^)]*\) \(rate\(regdoctor_registry_probe_duration_seconds_bucket/,
    );
    assert.match(exprOf(byTitle(/^Registry up$/)), /^regdoctor_registry_up\{/);
    assert.match(
      exprOf(byTitle(/failures by cause/i)),
      /sum by \(registry, cause\) \(increase\(regdoctor_registry_check_failures_total/,
    );
    assert.match(
      exprOf(byTitle(/certificate/i)),
      /regdoctor_registry_tls_cert_expiry_timestamp_seconds\{[^}]*\}\) - time\(\)$/,
    );
    assert.match(exprOf(byTitle(/rate-limit/i)), /regdoctor_registry_ratelimit_remaining/);
    assert.match(exprOf(byTitle(/^Images available$/)), /regdoctor_image_available/);
    assert.match(
      exprOf(byTitle(/namespace and cause/)),
      /sum by \(namespace, cause\) \(regdoctor_image_pull_failures/,
    );
    const heatmap = byTitle(/pull duration/i);
    assert.equal(heatmap.type, 'heatmap');
    assert.equal(heatmap.targets![0]!.format, 'heatmap');
    assert.match(exprOf(heatmap), /sum by \(le\) \(increase\(regdoctor_image_pull_duration_seconds_bucket/);
    assert.match(exprOf(byTitle(/^Exporter up$/)), /^up\{job=~"\$job"\}$/);
  });

  test('every exported metric is on the dashboard', () => {
    const used = new Set(queries.flatMap((q) => metricNames(q.expr)));
    const families = new Set([...exportedSeries()].map((s) => s.replace(/_(bucket|sum|count)$/, '')));
    for (const family of families) {
      assert.ok(
        [...used].some((u) => u === family || u.startsWith(`${family}_`)),
        `${family} is exported but no panel shows it`,
      );
    }
  });

  test('every metric a panel, a variable or an alert uses is one the exporter exports', () => {
    const exported = exportedSeries();
    const exprs = [
      ...queries.map((q) => ({ where: `panel "${q.panel}"`, expr: q.expr })),
      ...variableMetrics.map((m) => ({ where: `variable over ${m}`, expr: m })),
      ...ruleGroups()
        .flatMap((g) => g.rules)
        .map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
    ];
    assert.ok(variableMetrics.length >= 3);
    for (const { where, expr } of exprs) {
      assert.ok(metricNames(expr).length > 0, `${where} selects a metric`);
      assert.deepEqual(unknownMetrics(expr, exported), [], `${where}: ${expr}`);
    }
  });

  test('control: a renamed metric is caught', () => {
    assert.deepEqual(
      unknownMetrics(
        'histogram_quantile(0.9, sum by (le) (rate(regdoctor_registry_probe_seconds_bucket{registry="a"}[5m])))',
      ),
      ['regdoctor_registry_probe_seconds_bucket'],
    );
    assert.deepEqual(unknownMetrics('regdoctor_registry_upp == 0 or up == 0'), ['regdoctor_registry_upp']);
    assert.deepEqual(unknownMetrics('time() - regdoctor_last_successful_check_timestamp_seconds > 900'), []);
  });
});

describe('dashboard queries through promtool', needs(PROMTOOL), () => {
  let dir: TempDir;
  before(async () => {
    dir = await makeTempDir('regdoctor-dashboard-');
  });
  after(() => dir?.remove());

  // As recording rules, promtool parses each expression with Prometheus' own parser.
  const asRules = (exprs: string[]) =>
    stringify({
      groups: [
        {
          name: 'dashboard',
          rules: exprs.map((expr, i) => ({ record: `regdoctor:dashboard_query_${i}`, expr })),
        },
      ],
    });

  test('check rules parses every panel query', async () => {
    const file = join(dir.path, 'dashboard.yml');
    await writeFile(file, asRules(queries.map((q) => withoutTemplateVariables(q.expr))));
    const r = await promtool(['check', 'rules', file]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, new RegExp(`SUCCESS: ${queries.length} rules found`));
  });

  test('control: check rules rejects a broken query', async () => {
    const file = join(dir.path, 'broken.yml');
    await writeFile(file, asRules(['sum by (le (rate(regdoctor_registry_up[5m]))']));
    const r = await promtool(['check', 'rules', file]);
    assert.notEqual(r.code, 0);
  });

  test('the queries answer what their panels say on sample series', async () => {
    const DAY = 86_400;
    const q = (re: RegExp) => withoutTemplateVariables(byTitle(re).targets![0]!.expr);
    const tests = {
      rule_files: [],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            {
              series: 'regdoctor_registry_tls_cert_expiry_timestamp_seconds{registry="a.local"}',
              values: `${10 * DAY}x10`,
            },
            { series: 'regdoctor_image_available{image="x:1",cause=""}', values: '1x10' },
            { series: 'regdoctor_image_available{image="y:1",cause="MANIFEST_NOT_FOUND"}', values: '0x10' },
            {
              series: 'regdoctor_image_pull_failures{namespace="shop",cause="UNAUTHORIZED"}',
              values: '3x10',
            },
            {
              series: 'regdoctor_registry_check_failures_total{registry="a.local",cause="DNS_FAILURE"}',
              values: '0+1x70',
            },
          ],
          promql_expr_test: [
            {
              expr: q(/certificate/i),
              eval_time: '0m',
              exp_samples: [{ labels: '{registry="a.local"}', value: 10 * DAY }],
            },
            { expr: q(/^Images available$/), eval_time: '5m', exp_samples: [{ labels: '{}', value: 0.5 }] },
            {
              expr: q(/^Unavailable images$/),
              eval_time: '5m',
              exp_samples: [
                {
                  labels: 'regdoctor_image_available{image="y:1",cause="MANIFEST_NOT_FOUND"}',
                  value: 0,
                },
              ],
            },
            {
              expr: q(/namespace and cause/),
              eval_time: '5m',
              exp_samples: [{ labels: '{namespace="shop",cause="UNAUTHORIZED"}', value: 3 }],
            },
            {
              expr: q(/failures by cause/i),
              eval_time: '70m',
              exp_samples: [{ labels: '{registry="a.local",cause="DNS_FAILURE"}', value: 60 }],
            },
          ],
        },
      ],
    };
    const file = join(dir.path, 'queries-test.yml');
    await writeFile(file, stringify(tests));
    const r = await promtool(['test', 'rules', file], { cwd: dir.path });
    assert.equal(r.code, 0, r.output);
  });
});
