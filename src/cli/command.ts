// Shared plumbing for commands: exit codes, flag parsing, fatal-error reporting. No heavy imports here.
import { basename } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RegdoctorError, UsageError } from '../cause/index.ts';
import { writeStderr } from '../output/index.ts';

/** A command takes its arguments (after the command name) and resolves to a process exit code. */
export type Command = (argv: string[]) => Promise<number>;

export const EXIT = { ok: 0, problem: 1, usage: 2 } as const;

export const VERSION = '0.1.0';

/**
 * How the user runs this program: `kubectl regdoctor` when kubectl started it as the plugin `kubectl-regdoctor`
 * (kubectl execs the plugin's path, so argv[1]'s basename says which), else `regdoctor`.
 */
export function programName(argv1: string | undefined = process.argv[1]): string {
  return argv1 !== undefined && basename(argv1).startsWith('kubectl-') ? 'kubectl regdoctor' : 'regdoctor';
}

/** Help and usage text with every `regdoctor <command>` spelled the way the user runs it. */
export function helpText(text: string, program: string = programName()): string {
  if (program === 'regdoctor') return text;
  return text.replace(/(^|[\s`'"(])(?<!kubectl )regdoctor(?= [a-z<-])/gm, `$1${program}`);
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with strict checking; unknown flags become a UsageError (exit 2), not a stack trace. */
export function parseFlags<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs explains some errors over several lines (an option value that starts with a dash); the CLI's
    // contract is one `regdoctor: …` line on stderr.
    const message = (err as Error).message
      .replace(/\. To specify a positional argument.*$/s, '')
      .replace(/\s*\n\s*/g, ' ');
    throw new UsageError(message);
  }
}

/** A whole-number flag from 1 to max; `fallback` when the flag is absent. */
export function positiveInt(flag: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max)
    throw new UsageError(`--${flag} must be an integer from 1 to ${max}`);
  return n;
}

/** Turns anything thrown out of a command into a one-line message and an exit code. */
export function reportFatal(err: unknown): number {
  if (err instanceof UsageError) {
    writeStderr(`regdoctor: ${helpText(err.message)}\n`);
    return EXIT.usage;
  }
  if (err instanceof RegdoctorError) {
    writeStderr(`regdoctor: ${err.cause}: ${err.message}\n`);
    return EXIT.problem;
  }
  const e = err as { message?: string };
  writeStderr(`regdoctor: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.REGDOCTOR_DEBUG) writeStderr(`${(err as Error)?.stack ?? ''}\n`);
  return EXIT.usage;
}

/** Colour only on a TTY, never when NO_COLOR is set, never in JSON. */
export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
}
