// The Grafana dashboard over the exporter's metrics (metrics.ts), generated like the alert rules so that metric
// names and thresholds live in code that tests parse with promtool and check against the metric registry.
// Plain data and no imports: `regdoctor alerts --format dashboard` only serialises it.

/** Grafana 12.0's dashboard schema; newer Grafana migrates it on load, 11.x opens it unchanged. */
export const DASHBOARD_SCHEMA_VERSION = 41;

// Registry and image checks run every few minutes (config `interval`, 5m by default), so a window has to span
// several of them or rate() sees one sample and answers nothing. Pull events arrive continuously instead.
const CHECK_WINDOW = '30m';

const DS = { type: 'prometheus', uid: '${datasource}' } as const;

export interface Target {
  refId: string;
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  range?: boolean;
  format?: 'time_series' | 'table' | 'heatmap';
  datasource: typeof DS;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: typeof DS;
  targets?: Target[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: unknown[] };
  options?: Record<string, unknown>;
  collapsed?: boolean;
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  editable: boolean;
  graphTooltip: number;
  refresh: string;
  time: { from: string; to: string };
  timezone: string;
  schemaVersion: number;
  version: number;
  templating: { list: Record<string, unknown>[] };
  annotations: { list: unknown[] };
  links: unknown[];
  panels: Panel[];
}

type PanelSpec = Omit<Panel, 'id' | 'gridPos' | 'datasource' | 'targets'> & {
  w: number;
  h: number;
  targets?: Array<Omit<Target, 'refId' | 'datasource'>>;
};

const thresholds = (steps: Array<[number | null, string]>) => ({
  mode: 'absolute',
  steps: steps.map(([value, color]) => ({ value, color })),
});

const REG = 'registry=~"$registry"';
const NS = 'namespace=~"$namespace"';

const DAY = 86_400;

/** The panels, top to bottom, in rows of width 24; ids and positions are assigned by `dashboard()`. */
function sections(): Array<{ row: string; panels: PanelSpec[] }> {
  return [
    {
      row: 'Registries',
      panels: [
        {
          type: 'state-timeline',
          title: 'Registry up',
          description: "1 when the registry's API (/v2/) answered the exporter's last check.",
          w: 12,
          h: 8,
          targets: [{ expr: `regdoctor_registry_up{${REG}}`, legendFormat: '{{registry}}' }],
          fieldConfig: {
            defaults: {
              mappings: [
                { type: 'value', options: { '0': { text: 'down', color: 'red', index: 0 } } },
                { type: 'value', options: { '1': { text: 'up', color: 'green', index: 1 } } },
              ],
              thresholds: thresholds([
                [null, 'red'],
                [1, 'green'],
              ]),
              color: { mode: 'thresholds' },
            },
            overrides: [],
          },
          options: { showValue: 'never', mergeValues: true },
        },
        {
          type: 'timeseries',
          title: 'Check failures by cause (last hour)',
          description: 'Failed registry checks per regdoctor cause code.',
          w: 12,
          h: 8,
          targets: [
            {
              expr: `sum by (registry, cause) (increase(regdoctor_registry_check_failures_total{${REG}}[1h])) > 0`,
              legendFormat: '{{registry}} {{cause}}',
            },
          ],
          fieldConfig: { defaults: { unit: 'short', min: 0, decimals: 0 }, overrides: [] },
        },
        {
          type: 'timeseries',
          title: 'Probe latency p95 by step',
          description: `95th percentile of each probe step over ${CHECK_WINDOW} (dns, connect, tls, ping, auth, manifest).`,
          w: 24,
          h: 9,
          targets: [
            {
              expr:
                'histogram_quantile(0.95, sum by (le, registry, step) ' +
                `(rate(regdoctor_registry_probe_duration_seconds_bucket{${REG}}[${CHECK_WINDOW}])))`,
              legendFormat: '{{registry}} {{step}}',
            },
          ],
          fieldConfig: { defaults: { unit: 's', min: 0 }, overrides: [] },
        },
        {
          type: 'bargauge',
          title: 'TLS certificate expires in',
          description: 'Time left on the leaf certificate each registry served at its last check.',
          w: 12,
          h: 8,
          targets: [
            {
              expr: `min by (registry) (regdoctor_registry_tls_cert_expiry_timestamp_seconds{${REG}}) - time()`,
              legendFormat: '{{registry}}',
              instant: true,
              range: false,
            },
          ],
          // Colours at the default alert thresholds (3 and 14 days).
          fieldConfig: {
            defaults: {
              unit: 'dtdurations',
              color: { mode: 'thresholds' },
              thresholds: thresholds([
                [null, 'red'],
                [3 * DAY, 'orange'],
                [14 * DAY, 'green'],
              ]),
            },
            overrides: [],
          },
          options: { orientation: 'horizontal', displayMode: 'basic', showUnfilled: true },
        },
        {
          type: 'timeseries',
          title: 'Rate-limit pulls remaining',
          description: 'Pulls left in the current window, for registries that report it (Docker Hub).',
          w: 12,
          h: 8,
          targets: [{ expr: `regdoctor_registry_ratelimit_remaining{${REG}}`, legendFormat: '{{registry}}' }],
          fieldConfig: {
            defaults: {
              unit: 'short',
              min: 0,
              thresholds: thresholds([
                [null, 'red'],
                [10, 'green'],
              ]),
              custom: { thresholdsStyle: { mode: 'line' } },
            },
            overrides: [],
          },
        },
      ],
    },
    {
      row: 'Images',
      panels: [
        {
          type: 'stat',
          title: 'Images available',
          description: 'Share of the monitored images whose last availability check passed.',
          w: 6,
          h: 8,
          targets: [
            { expr: 'sum(regdoctor_image_available) / count(regdoctor_image_available)', instant: true },
          ],
          fieldConfig: {
            defaults: {
              unit: 'percentunit',
              min: 0,
              max: 1,
              color: { mode: 'thresholds' },
              thresholds: thresholds([
                [null, 'red'],
                [1, 'green'],
              ]),
            },
            overrides: [],
          },
        },
        {
          type: 'table',
          title: 'Unavailable images',
          description: 'Run `regdoctor probe <image>` for the failing step and the fix.',
          w: 18,
          h: 8,
          targets: [
            {
              expr: 'regdoctor_image_available == 0',
              instant: true,
              range: false,
              format: 'table',
            },
          ],
          options: { showHeader: true },
          fieldConfig: { defaults: {}, overrides: [] },
        },
      ],
    },
    {
      row: 'Cluster pulls',
      panels: [
        {
          type: 'timeseries',
          title: 'Containers failing to pull, by namespace and cause',
          description: 'Run `regdoctor scan -n <namespace>` for each pod, its cause and the fix.',
          w: 24,
          h: 9,
          targets: [
            {
              expr: `sum by (namespace, cause) (regdoctor_image_pull_failures{${NS}})`,
              legendFormat: '{{namespace}} {{cause}}',
            },
          ],
          fieldConfig: {
            defaults: { unit: 'short', min: 0, decimals: 0, custom: { stacking: { mode: 'normal' } } },
            overrides: [],
          },
        },
        {
          type: 'heatmap',
          title: 'Image pull duration',
          description: 'Pulls per duration bucket, from kubelet Pulled events (queue wait included).',
          w: 12,
          h: 9,
          targets: [
            {
              expr: 'sum by (le) (increase(regdoctor_image_pull_duration_seconds_bucket[$__rate_interval]))',
              legendFormat: '{{le}}',
              format: 'heatmap',
            },
          ],
          options: {
            calculate: false,
            yAxis: { unit: 's' },
            cellGap: 1,
            color: { mode: 'scheme', scheme: 'Oranges', steps: 64 },
          },
          fieldConfig: { defaults: {}, overrides: [] },
        },
        {
          type: 'timeseries',
          title: 'Image pull p99 by image size',
          w: 12,
          h: 9,
          targets: [
            {
              expr:
                'histogram_quantile(0.99, sum by (le, image_size_in_bytes) ' +
                '(rate(regdoctor_image_pull_duration_seconds_bucket[$__rate_interval])))',
              legendFormat: '{{image_size_in_bytes}}',
            },
          ],
          fieldConfig: { defaults: { unit: 's', min: 0 }, overrides: [] },
        },
      ],
    },
    {
      row: 'Exporter',
      panels: [
        {
          type: 'stat',
          title: 'Exporter up',
          description: 'Whether Prometheus can scrape the exporter.',
          w: 6,
          h: 6,
          targets: [{ expr: 'up{job=~"$job"}', legendFormat: '{{instance}}', instant: true }],
          fieldConfig: {
            defaults: {
              mappings: [
                { type: 'value', options: { '0': { text: 'down', color: 'red', index: 0 } } },
                { type: 'value', options: { '1': { text: 'up', color: 'green', index: 1 } } },
              ],
              color: { mode: 'thresholds' },
              thresholds: thresholds([
                [null, 'red'],
                [1, 'green'],
              ]),
            },
            overrides: [],
          },
        },
        {
          type: 'timeseries',
          title: 'Time since last successful check',
          description:
            'The other panels and the alerts rest on these checks; a rising line means they are stale.',
          w: 6,
          h: 6,
          targets: [
            {
              expr: 'time() - regdoctor_last_successful_check_timestamp_seconds{job=~"$job"}',
              legendFormat: '{{check}}',
            },
          ],
          fieldConfig: { defaults: { unit: 's', min: 0 }, overrides: [] },
        },
        {
          type: 'timeseries',
          title: 'Check run time p95',
          w: 6,
          h: 6,
          targets: [
            {
              expr:
                'histogram_quantile(0.95, sum by (le, check) ' +
                `(rate(regdoctor_check_duration_seconds_bucket{job=~"$job"}[${CHECK_WINDOW}])))`,
              legendFormat: '{{check}}',
            },
          ],
          fieldConfig: { defaults: { unit: 's', min: 0 }, overrides: [] },
        },
        {
          type: 'stat',
          title: 'Image updates dropped (last hour)',
          description: 'More images than maxImages: raise it or monitor fewer.',
          w: 6,
          h: 6,
          targets: [
            {
              expr: 'sum(increase(regdoctor_image_series_dropped_total{job=~"$job"}[1h]))',
              instant: true,
            },
          ],
          fieldConfig: {
            defaults: {
              unit: 'short',
              decimals: 0,
              color: { mode: 'thresholds' },
              thresholds: thresholds([
                [null, 'green'],
                [1, 'orange'],
              ]),
            },
            overrides: [],
          },
        },
      ],
    },
  ];
}

function queryVariable(name: string, label: string, query: string, all = true) {
  return {
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query, refId: `${name}-variable` },
    definition: query,
    refresh: 2,
    includeAll: all,
    multi: all,
    ...(all ? { allValue: '.*', current: { text: 'All', value: '$__all' } } : { current: {} }),
    sort: 1,
  };
}

export interface DashboardOptions {
  title?: string;
  uid?: string;
}

export function dashboard(options: DashboardOptions = {}): Dashboard {
  const panels: Panel[] = [];
  let id = 0;
  let y = 0;
  for (const section of sections()) {
    panels.push({
      id: ++id,
      type: 'row',
      title: section.row,
      collapsed: false,
      panels: [],
      gridPos: { x: 0, y: y++, w: 24, h: 1 },
    });
    let x = 0;
    let rowHeight = 0;
    for (const { w, h, targets, ...rest } of section.panels) {
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push({
        ...rest,
        id: ++id,
        gridPos: { x, y, w, h },
        datasource: DS,
        targets: (targets ?? []).map((t, i) => ({
          ...t,
          refId: String.fromCharCode(65 + i),
          datasource: DS,
        })),
      });
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: options.uid ?? 'regdoctor',
    title: options.title ?? 'regdoctor',
    description: 'Registry health, image availability and image pulls, from `regdoctor exporter`.',
    tags: ['regdoctor', 'kubernetes', 'registry'],
    editable: true,
    graphTooltip: 1,
    refresh: '1m',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    schemaVersion: DASHBOARD_SCHEMA_VERSION,
    version: 1,
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
        },
        // From a regdoctor metric, so it finds the exporter's job whatever the ServiceMonitor names it. One job,
        // not All: `up{job=~".*"}` would be every target Prometheus scrapes.
        queryVariable(
          'job',
          'Job',
          'label_values(regdoctor_last_successful_check_timestamp_seconds, job)',
          false,
        ),
        queryVariable('registry', 'Registry', 'label_values(regdoctor_registry_up, registry)'),
        queryVariable('namespace', 'Namespace', 'label_values(regdoctor_image_pull_failures, namespace)'),
      ],
    },
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    links: [],
    panels,
  };
}

/** Every panel query of the dashboard (the variables' label_values() are Grafana's syntax, not PromQL). */
export function dashboardQueries(d: Dashboard): Array<{ panel: string; refId: string; expr: string }> {
  return d.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, refId: t.refId, expr: t.expr })),
  );
}

export function renderDashboard(options: DashboardOptions = {}): string {
  return `${JSON.stringify(dashboard(options), null, 2)}\n`;
}
