// `regdoctor completion bash|zsh|fish`: prints a completion script built from every command's flags.
import { UsageError } from '../../cause/index.ts';
import { writeStdout } from '../../output/index.ts';
import { EXIT, helpText, parseFlags, programName, type Command } from '../command.ts';
import { COMMANDS, COMPLETION_SUMMARY } from '../commands.ts';
import { bashCompletion, fishCompletion, flagSpecs, zshCompletion, type CommandSpec } from '../completion.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export const subcommands = SHELLS;
export const flags = { help: { type: 'boolean', short: 'h' } } as const;

const HELP = `Usage: regdoctor completion bash|zsh|fish

Prints a completion script for the shell: commands, their flags, -o formats and flag values (--platform,
--signature-format, files, kubeconfig contexts).

  bash   source <(regdoctor completion bash)       # or save it in ~/.local/share/bash-completion/completions/
  zsh    source <(regdoctor completion zsh)        # or save it as _regdoctor in a directory of $fpath
  fish   regdoctor completion fish > ~/.config/fish/completions/regdoctor.fish

Installed as kubectl-regdoctor, the scripts also complete that name.
`;

const GENERATORS = { bash: bashCompletion, zsh: zshCompletion, fish: fishCompletion };

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  const [shell, ...extra] = positionals;
  if (shell === undefined || extra.length || !(SHELLS as readonly string[]).includes(shell))
    throw new UsageError('completion takes one shell: bash, zsh or fish; see `regdoctor completion --help`');
  const specs: CommandSpec[] = await Promise.all(
    Object.entries(COMMANDS).map(async ([name, c]) => {
      const m = await c.load();
      const values = { ...(m.outputs ? { output: m.outputs } : {}), ...m.values };
      return { name, summary: c.summary, flags: flagSpecs(m.flags, values), words: m.subcommands ?? [] };
    }),
  );
  specs.push({ name: 'completion', summary: COMPLETION_SUMMARY, flags: flagSpecs(flags, {}), words: SHELLS });
  writeStdout(GENERATORS[shell as keyof typeof GENERATORS](programName(), specs));
  return EXIT.ok;
};
export default run;
