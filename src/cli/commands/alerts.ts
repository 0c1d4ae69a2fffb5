// `regdoctor alerts`: prints the alert rules over the exporter's metrics, as a PrometheusRule or a rules file.
import { UsageError } from '../../cause/index.ts';
import { renderPrometheusRule, renderRulesFile } from '../../monitor/rules.ts';
import { EXIT, parseFlags, type Command } from '../command.ts';

const HELP = `Usage: regdoctor alerts [flags]

Print alert rules over the metrics of \`regdoctor exporter\`: registry unreachable, authentication failures,
TLS certificate expiring (warning and critical), rate-limit headroom low, image pull failures, image
unavailable, pulls too slow at p99, and checks gone stale. Each names the regdoctor command to run.

Flags:
  --format F          prometheusrule (default: a monitoring.coreos.com/v1 PrometheusRule) or rules
                      (a plain Prometheus rules file for rule_files:)
  --name NAME         metadata.name of the PrometheusRule (default regdoctor)
  -n, --namespace NS  metadata.namespace of the PrometheusRule (default: none, kubectl's current namespace)
  -h, --help          show this help

Examples:
  regdoctor alerts -n monitoring | kubectl apply -f -
  regdoctor alerts --format rules > regdoctor-rules.yml && promtool check rules regdoctor-rules.yml
`;

const FLAGS = {
  format: { type: 'string' },
  name: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  help: { type: 'boolean', short: 'h' },
} as const;

// RFC 1123 names, as Kubernetes requires for both metadata.name and namespaces.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const alerts: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, FLAGS);
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (positionals.length > 0)
    throw new UsageError(`alerts takes no arguments (got ${positionals.join(' ')})`);
  const format = values.format ?? 'prometheusrule';
  if (format !== 'prometheusrule' && format !== 'rules') {
    throw new UsageError(`--format must be prometheusrule or rules (got "${format}")`);
  }
  const { name, namespace } = values;
  if (name !== undefined && (name.length > 253 || !DNS_SUBDOMAIN.test(name))) {
    throw new UsageError(`--name "${name}" is not a valid Kubernetes object name`);
  }
  if (namespace !== undefined && (namespace.length > 63 || !DNS_LABEL.test(namespace))) {
    throw new UsageError(`--namespace "${namespace}" is not a valid namespace name`);
  }
  if (format === 'rules' && (name !== undefined || namespace !== undefined)) {
    throw new UsageError('--name and --namespace apply to the PrometheusRule, not to --format rules');
  }
  process.stdout.write(format === 'rules' ? renderRulesFile() : renderPrometheusRule({ name, namespace }));
  return EXIT.ok;
};

export default alerts;
