// Metric names used by PromQL expressions, checked against the exporter's registry so that renaming a metric in
// metrics.ts breaks the alert and dashboard tests instead of leaving an alert that can never fire.
import { createMonitorMetrics } from '../../src/monitor/metrics.ts';

// Series Prometheus makes itself for every target; an expression may use them without the exporter exporting them.
export const PROMETHEUS_SERIES = new Set(['up']);

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);

/**
 * The metric names an expression selects. Strings, label matchers, ranges and grouping clauses are removed
 * first; what is left that is an identifier, not a function call and not a keyword, is a metric name.
 */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index + m[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Every series name the exporter's registry can expose: gauges and counters as named, histograms' three. */
export function exportedSeries(): Set<string> {
  const series = new Set<string>();
  for (const m of createMonitorMetrics().registry.getMetricsAsArray()) {
    const type = String(m.type);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) series.add(m.name + s);
    else series.add(m.name);
  }
  return series;
}

/** Metric names an expression uses that neither the exporter nor Prometheus itself produces. */
export function unknownMetrics(expr: string, exported = exportedSeries()): string[] {
  return metricNames(expr).filter((n) => !exported.has(n) && !PROMETHEUS_SERIES.has(n));
}

/** Grafana's template variables replaced by what Prometheus could parse, for promtool. */
export function withoutTemplateVariables(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '5m')
    .replaceAll('$__range', '1h')
    .replace(/\$\{?[a-z_]+\}?/g, '.*');
}
