// Every command, its one-line summary and how to load it. Commands are loaded on demand so that `--help` and
// `--version` cost little more than starting Node itself.
import type { Command, Options } from './command.ts';
import type { OutputFormat } from './output.ts';

/** What a command module exports: the command, and its flags and -o formats for shell completion. */
export interface CommandModule {
  default: Command;
  flags: Options;
  outputs?: readonly OutputFormat[];
  /** Subcommands (policy check), for completion. */
  subcommands?: readonly string[];
  /** The values a flag accepts, when it is one of a few (alerts --format), for completion. */
  values?: Record<string, readonly string[]>;
}

/** `completion` is loaded by main.ts, not listed here: it reads this table, and the table must not load it. */
export const COMPLETION_SUMMARY = 'Print a shell completion script for bash, zsh or fish';

export const COMMANDS: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  probe: {
    summary: 'Probe a registry step by step and say why an image cannot be pulled',
    load: () => import('./commands/probe.ts'),
  },
  scan: {
    summary: 'Diagnose every image-pull failure in a cluster (live or from a snapshot)',
    load: () => import('./commands/scan.ts'),
  },
  pod: {
    summary: 'Diagnose one pod in full detail, with all its events and the probe waterfall',
    load: () => import('./commands/pod.ts'),
  },
  inspect: {
    summary: 'Show layers, sizes and config of an image per platform, without pulling',
    load: () => import('./commands/inspect.ts'),
  },
  tags: {
    summary: 'List the tags of an image repository, every page, in version order (as crane ls)',
    load: () => import('./commands/tags.ts'),
  },
  manifest: {
    summary: 'Print an image manifest exactly as the registry serves it (as crane manifest)',
    load: () => import('./commands/manifest.ts'),
  },
  digest: {
    summary: 'Print the digest an image reference resolves to (as crane digest)',
    load: () => import('./commands/digest.ts'),
  },
  verify: {
    summary:
      'Verify cosign key-based signatures (classic .sig and Sigstore bundles via referrers; Rekor not checked)',
    load: () => import('./commands/verify.ts'),
  },
  classify: {
    summary: 'Classify a kubelet/runtime error message into a cause code',
    load: () => import('./commands/classify.ts'),
  },
  alerts: {
    summary: 'Print alert rules, a ServiceMonitor or a Grafana dashboard for the exporter metrics',
    load: () => import('./commands/alerts.ts'),
  },
  policy: {
    summary: 'Check workloads against ImagePolicy files (CI gate or cluster audit)',
    load: () => import('./commands/policy.ts'),
  },
  exporter: {
    summary: 'Run the Prometheus exporter: registry health, image availability and pull metrics',
    load: () => import('./commands/exporter.ts'),
  },
  webhook: {
    summary: 'Run the validating admission webhook that enforces ImagePolicy',
    load: () => import('./commands/webhook.ts'),
  },
  agent: {
    summary: 'Run the node agent that answers ImagePullChecks with a probe from its node (DaemonSet)',
    load: () => import('./commands/agent.ts'),
  },
  demo: {
    summary: 'Start throwaway local registries with broken cases and diagnose them',
    load: () => import('./commands/demo.ts'),
  },
};
