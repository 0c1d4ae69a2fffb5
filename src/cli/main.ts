// Entry point. Keep this file's static imports tiny: every command is loaded on demand so that `--help` and
// `--version` cost little more than starting Node itself.
import type { Command } from './command.ts';
import { EXIT, reportFatal } from './command.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ default: Command }> }> = {
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
  demo: {
    summary: 'Start throwaway local registries with broken cases and diagnose them',
    load: () => import('./commands/demo.ts'),
  },
};

const VERSION = '0.1.0';

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'regdoctor — find out why a container image will not pull',
    '',
    'Usage: regdoctor <command> [flags]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `regdoctor <command> --help` for the flags of a command.',
    'Exit codes: 0 pullable / nothing found, 1 not pullable / findings, 2 usage or internal error.',
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`regdoctor ${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`regdoctor: unknown command "${name}"\n\n${help()}`);
    return EXIT.usage;
  }
  const mod = await entry.load();
  return mod.default(rest);
}

// `regdoctor probe -f images.txt -o json | head -1`: once the reader is gone, writes fail with EPIPE (Node ignores
// SIGPIPE), and an unhandled stream error would print a stack trace. The reader chose to stop; end quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(EXIT.ok);
    throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.exitCode = reportFatal(err);
  },
);
