// `regdoctor alerts`: prints what monitoring needs around `regdoctor exporter`: the alert rules (PrometheusRule or
// rules file), the ServiceMonitor that scrapes it, or the Grafana dashboard. The YAML formats load their module
// (and with it the yaml package) only when asked for.
import { UsageError } from '../../cause/index.ts';
import { EXIT, helpText, parseFlags, type Command } from '../command.ts';
import { writeStdout } from '../../output/index.ts';

const HELP = `Usage: regdoctor alerts [flags]

Print the monitoring objects for the metrics of \`regdoctor exporter\`. By default the alert rules: registry
unreachable, authentication failures, TLS certificate expiring (warning and critical), rate-limit headroom
low, image pull failures, image unavailable, pulls too slow at p99, and checks gone stale. Each names the
regdoctor command to run.

Flags:
  --format F          prometheusrule (default: a monitoring.coreos.com/v1 PrometheusRule),
                      rules (a plain Prometheus rules file for rule_files:),
                      servicemonitor (a monitoring.coreos.com/v1 ServiceMonitor for the exporter's Service),
                      dashboard (Grafana dashboard JSON, with a datasource variable)
  --name NAME         metadata.name of the PrometheusRule or ServiceMonitor
                      (default regdoctor, regdoctor-exporter)
  -n, --namespace NS  metadata.namespace of the PrometheusRule or ServiceMonitor (default: none, kubectl's
                      current namespace)
  -h, --help          show this help

Examples:
  regdoctor alerts -n monitoring | kubectl apply -f -
  regdoctor alerts --format rules > regdoctor-rules.yml && promtool check rules regdoctor-rules.yml
  regdoctor alerts --format servicemonitor -n regdoctor | kubectl apply -f -
  regdoctor alerts --format dashboard > regdoctor-dashboard.json
`;

export const flags = {
  format: { type: 'string' },
  name: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FORMATS = ['prometheusrule', 'rules', 'servicemonitor', 'dashboard'] as const;
type Format = (typeof FORMATS)[number];
export const values = { format: FORMATS };
const isFormat = (f: string): f is Format => (FORMATS as readonly string[]).includes(f);

// RFC 1123 names, as Kubernetes requires for both metadata.name and namespaces.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

async function render(format: Format, meta: { name?: string; namespace?: string }): Promise<string> {
  switch (format) {
    case 'prometheusrule':
      return (await import('../../monitor/rules.ts')).renderPrometheusRule(meta);
    case 'rules':
      return (await import('../../monitor/rules.ts')).renderRulesFile();
    case 'servicemonitor':
      return (await import('../../monitor/servicemonitor.ts')).renderServiceMonitor(meta);
    case 'dashboard':
      return (await import('../../monitor/dashboard.ts')).renderDashboard();
  }
}

const alerts: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  if (positionals.length > 0)
    throw new UsageError(`alerts takes no arguments (got ${positionals.join(' ')})`);
  const format = values.format ?? 'prometheusrule';
  if (!isFormat(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
  }
  const { name, namespace } = values;
  if (name !== undefined && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    throw new UsageError(`--name "${name}" is not a valid Kubernetes object name`);
  }
  if (namespace !== undefined && (namespace.length > 63 || !DNS_LABEL.test(namespace))) {
    throw new UsageError(`--namespace "${namespace}" is not a valid namespace name`);
  }
  if ((format === 'rules' || format === 'dashboard') && (name !== undefined || namespace !== undefined)) {
    throw new UsageError(
      `--name and --namespace apply to the PrometheusRule and ServiceMonitor, not to --format ${format}`,
    );
  }
  writeStdout(await render(format, { name, namespace }));
  return EXIT.ok;
};

export default alerts;
