// `-o`: the output formats a command accepts, and what an HTML report says about the run that made it. The
// renderers for yaml and html are loaded only when asked for.
import { UsageError } from '../cause/index.ts';
import { redact } from '../credentials/index.ts';
import type { HtmlReport, ReportMeta } from '../report/html-model.ts';
import { programName, VERSION } from './command.ts';

export type OutputFormat = 'text' | 'json' | 'yaml' | 'wide' | 'name' | 'html';

/** `-o` checked against what the command supports; `text` when not given. */
export function outputFormat<F extends OutputFormat>(value: string | undefined, allowed: readonly F[]): F {
  const f = value ?? 'text';
  if ((allowed as readonly string[]).includes(f)) return f as F;
  const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1)}` : allowed[0];
  throw new UsageError(`--output must be ${list}, not ${JSON.stringify(value)}`);
}

/** The JSON form of a result as YAML (the same keys, in the same order). */
export async function yamlOf(value: unknown): Promise<string> {
  const { toYaml } = await import('../report/yaml.ts');
  return toYaml(value);
}

/** A word a POSIX shell reads back as itself. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** The header of an HTML report: how it was made (the command line as typed) and when. */
export function reportMeta(argv: readonly string[] = process.argv.slice(2)): ReportMeta {
  return {
    command: [programName(), ...argv.map(shellWord)].join(' '),
    generatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    version: VERSION,
  };
}

type Models = typeof import('../report/html-model.ts');

/**
 * `-o html`: the page for the report `build` makes, with the text report for viewers that run no script. The
 * page is redacted inside, string by string, never as a whole: a pass over the whole page could also hit its
 * script or stylesheet (a weak password that is a word of the code) and break their CSP hashes.
 */
export async function htmlPage(
  build: (models: Models, meta: ReportMeta, redactText: typeof redact) => HtmlReport,
  fallbackText: string,
): Promise<string> {
  const [models, { renderHtml }] = await Promise.all([
    import('../report/html-model.ts'),
    import('../report/html.ts'),
  ]);
  return renderHtml(build(models, reportMeta(), redact), { fallbackText: redact(fallbackText) });
}
