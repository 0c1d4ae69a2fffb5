// Alert rules over the metrics of metrics.ts, generated rather than hand-written so that thresholds, names and the
// runbook hints stay in one place, and tested with promtool (test/monitor). They replace the seed's five alerts,
// whose metrics (container_image_pull_failures_total, …) no real exporter produced.
//
// The seed's "vulnerability found" alert is deliberately absent: regdoctor exports no vulnerability data, and an
// alert over a metric that never exists can never fire. It comes back when a vulnerability metric does.
import { Document } from 'yaml';

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string; runbook: string };
}

export interface RuleGroup {
  name: string;
  rules: AlertRule[];
}

export interface RuleOptions {
  /** p99 pull time above which pulls count as too slow (seconds). */
  pullP99Seconds?: number;
  /** Remaining pulls in the registry's window below which headroom is low. */
  rateLimitMinRemaining?: number;
  /** Days before certificate expiry for the warning and the critical alert. */
  certWarningDays?: number;
  certCriticalDays?: number;
  /** A check kind without success for this long means the exporter is blind (seconds). */
  staleAfterSeconds?: number;
}

export const DEFAULT_RULE_OPTIONS: Required<RuleOptions> = {
  pullP99Seconds: 300,
  rateLimitMinRemaining: 10,
  certWarningDays: 14,
  certCriticalDays: 3,
  staleAfterSeconds: 900,
};

const DAY = 86_400;

export function ruleGroups(options: RuleOptions = {}): RuleGroup[] {
  const o = { ...DEFAULT_RULE_OPTIONS, ...options };
  const certRule = (days: number, severity: 'warning' | 'critical'): AlertRule => ({
    alert: 'RegdoctorRegistryCertificateExpiring',
    expr: `regdoctor_registry_tls_cert_expiry_timestamp_seconds - time() < ${days * DAY}`,
    labels: { severity },
    annotations: {
      summary: `TLS certificate of {{ $labels.registry }} expires in less than ${days} days`,
      description:
        'The certificate served by {{ $labels.registry }} expires in {{ $value | humanizeDuration }}. ' +
        'Once it has expired every pull from it fails with TLS_EXPIRED.',
      runbook:
        'Run `regdoctor probe <an image on {{ $labels.registry }}>`: the tls step shows subject, issuer and expiry. Renew the certificate.',
    },
  });
  return [
    {
      name: 'regdoctor.registry',
      rules: [
        {
          alert: 'RegdoctorRegistryUnreachable',
          expr: 'regdoctor_registry_up == 0',
          for: '5m',
          labels: { severity: 'critical' },
          annotations: {
            summary: 'Registry {{ $labels.registry }} is unreachable',
            description:
              "regdoctor's checks have not reached the registry API (/v2/) of {{ $labels.registry }} for 5 minutes; " +
              'new pulls from it fail. regdoctor_registry_check_failures_total says which cause.',
            runbook:
              'Run `regdoctor probe <an image on {{ $labels.registry }}>` to see which step fails (dns, connect, tls, ping) and why.',
          },
        },
        {
          alert: 'RegdoctorAuthenticationFailures',
          // Two sources: the exporter's own registry checks, and containers failing in the cluster right now.
          expr:
            'sum by (registry, cause) (increase(regdoctor_registry_check_failures_total{cause=~"UNAUTHORIZED|FORBIDDEN"}[15m])) > 0' +
            ' or sum by (namespace, cause) (regdoctor_image_pull_failures{cause=~"UNAUTHORIZED|FORBIDDEN"}) > 0',
          for: '5m',
          labels: { severity: 'warning' },
          annotations: {
            summary:
              'Image pulls are refused with {{ $labels.cause }}{{ if $labels.namespace }} in namespace {{ $labels.namespace }}{{ else }} by {{ $labels.registry }}{{ end }}',
            description:
              'The registry rejects the credentials presented (UNAUTHORIZED) or denies access to the repository (FORBIDDEN).',
            runbook:
              '{{ if $labels.namespace }}Run `regdoctor scan -n {{ $labels.namespace }}`{{ else }}Run `regdoctor probe <an image on {{ $labels.registry }}>`{{ end }}: it names the credential used and what the registry answered.',
          },
        },
        certRule(o.certWarningDays, 'warning'),
        certRule(o.certCriticalDays, 'critical'),
        {
          alert: 'RegdoctorRegistryRateLimitLow',
          expr: `regdoctor_registry_ratelimit_remaining < ${o.rateLimitMinRemaining}`,
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Only {{ $value }} pulls left in the rate-limit window of {{ $labels.registry }}',
            description: `{{ $labels.registry }} reports fewer than ${o.rateLimitMinRemaining} pulls left; once none are left pulls fail with RATE_LIMITED.`,
            runbook:
              'Run `regdoctor probe <an image on {{ $labels.registry }}>` to see the limit, the window and which credential is counted; authenticate pulls or use a mirror.',
          },
        },
      ],
    },
    {
      name: 'regdoctor.images',
      rules: [
        {
          alert: 'RegdoctorImagePullFailures',
          expr: 'sum by (namespace, cause) (regdoctor_image_pull_failures) > 0',
          for: '10m',
          labels: { severity: 'warning' },
          annotations: {
            summary:
              '{{ $value }} containers in {{ $labels.namespace }} cannot pull their image ({{ $labels.cause }})',
            description:
              'Containers in namespace {{ $labels.namespace }} have been failing to pull their image for 10 minutes with cause {{ $labels.cause }}.',
            runbook:
              'Run `regdoctor scan -n {{ $labels.namespace }}` for each failing pod, its cause and the fix.',
          },
        },
        {
          alert: 'RegdoctorImageUnavailable',
          expr: 'regdoctor_image_available == 0',
          for: '15m',
          labels: { severity: 'warning' },
          annotations: {
            summary: 'Image {{ $labels.image }} cannot be pulled ({{ $labels.cause }})',
            description:
              'A monitored image has failed its availability check for 15 minutes; the next pod that needs it will not start.',
            runbook: 'Run `regdoctor probe {{ $labels.image }}` for the failing step and the fix.',
          },
        },
        {
          alert: 'RegdoctorImagePullSlow',
          expr:
            'histogram_quantile(0.99, sum by (le, image_size_in_bytes) (rate(regdoctor_image_pull_duration_seconds_bucket[30m])))' +
            ` > ${o.pullP99Seconds}`,
          for: '15m',
          labels: { severity: 'warning' },
          annotations: {
            summary:
              'p99 image pull time is {{ $value | humanizeDuration }} for images of {{ $labels.image_size_in_bytes }}',
            description: `Over the last 30 minutes, 1% of pulls of images in size bucket {{ $labels.image_size_in_bytes }} took longer than ${o.pullP99Seconds}s (kubelet Pulled events, queue wait included).`,
            runbook:
              'Run `regdoctor inspect <image>` to see layer sizes per platform, and `regdoctor probe <image>` for registry latency by step.',
          },
        },
      ],
    },
    {
      name: 'regdoctor.exporter',
      rules: [
        {
          alert: 'RegdoctorChecksStale',
          expr: `time() - regdoctor_last_successful_check_timestamp_seconds > ${o.staleAfterSeconds}`,
          for: '5m',
          labels: { severity: 'warning' },
          annotations: {
            summary:
              'regdoctor has not completed a {{ $labels.check }} check for {{ $value | humanizeDuration }}',
            description:
              'The other regdoctor alerts rest on these checks; while they fail, those alerts neither fire nor resolve.',
            runbook:
              "Read the exporter's log, then run `regdoctor probe <image>` from its pod to see what it cannot reach.",
          },
        },
      ],
    },
  ];
}

const HEADER =
  " Generated by `regdoctor alerts`. The seed's vulnerability alert is left out until regdoctor exports vulnerability data.";

// Single quotes, as prettier writes YAML here: deploy/exporter holds this output verbatim and is prettier-checked.
const YAML_OUT = { lineWidth: 0, singleQuote: true } as const;

/** A plain Prometheus rules file (`rule_files:`). */
export function renderRulesFile(options: RuleOptions = {}): string {
  const doc = new Document({ groups: ruleGroups(options) });
  doc.commentBefore = HEADER;
  return doc.toString(YAML_OUT);
}

export interface PrometheusRuleMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
}

/** The same rules as a prometheus-operator PrometheusRule. */
export function prometheusRule(meta: PrometheusRuleMeta = {}, options: RuleOptions = {}) {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: meta.name ?? 'regdoctor',
      ...(meta.namespace ? { namespace: meta.namespace } : {}),
      labels: {
        'app.kubernetes.io/name': 'regdoctor',
        'app.kubernetes.io/component': 'alerts',
        ...meta.labels,
      },
    },
    spec: { groups: ruleGroups(options) },
  };
}

export function renderPrometheusRule(meta: PrometheusRuleMeta = {}, options: RuleOptions = {}): string {
  const doc = new Document(prometheusRule(meta, options));
  doc.commentBefore = HEADER;
  return doc.toString(YAML_OUT);
}
