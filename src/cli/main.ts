// Entry point. Keep this file's static imports tiny: every command is loaded on demand so that `--help` and
// `--version` cost little more than starting Node itself.
import { EXIT, helpText, reportFatal, VERSION } from './command.ts';
import { COMMANDS, COMPLETION_SUMMARY } from './commands.ts';
import { writeStdout, writeStderr } from '../output/index.ts';

const ALL = {
  ...COMMANDS,
  completion: { summary: COMPLETION_SUMMARY, load: () => import('./commands/completion.ts') },
};

function help(): string {
  const width = Math.max(...Object.keys(ALL).map((k) => k.length));
  const lines = Object.entries(ALL).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
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
    writeStdout(helpText(help()));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    writeStdout(`regdoctor ${VERSION}\n`);
    return EXIT.ok;
  }
  const entry = ALL[name as keyof typeof ALL];
  if (!entry) {
    writeStderr(`regdoctor: unknown command "${name}"\n\n${helpText(help())}`);
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
