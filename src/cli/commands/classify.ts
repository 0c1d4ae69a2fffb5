// `regdoctor classify`: message → cause code, offline. Thin: parse flags, read input, call classify, render.
import * as z from 'zod/mini';
import { UsageError } from '../../cause/index.ts';
import { classify, type Classification } from '../../classify/index.ts';
import { EXIT, helpText, parseFlags, useColour, type Command } from '../command.ts';
import { outputFormat, yamlOf, type OutputFormat } from '../output.ts';
import { styleMark, writeStdout } from '../../output/index.ts';

const HELP = `Usage: regdoctor classify [MESSAGE] [flags]

Classify a kubelet, container runtime or admission error message into a cause code, offline.
MESSAGE is the whole message; without it, all of stdin is read as one message.

Flags:
  --reason R         kubelet waiting or event reason, if known (ErrImagePull, ImagePullBackOff,
                     ErrImageNeverPull, InvalidImageName, FailedToRetrieveImagePullSecret, ...)
  --batch            read JSON Lines from stdin, {"message": "...", "reason": "..."} per line, and write one
                     JSON object per line in the same order (a bad line yields {"error": "..."})
  -o, --output FMT   text (default), json or yaml
  -h, --help         show this help

Examples:
  regdoctor classify 'Back-off pulling image "nginx:1.25"'
  kubectl get pod web-0 -o jsonpath='{.status.containerStatuses[0].state.waiting.message}' | regdoctor classify
`;

export const outputs: readonly OutputFormat[] = ['text', 'json', 'yaml'];
export const flags = {
  reason: { type: 'string' },
  batch: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  const output = outputFormat(values.output, outputs);

  if (values.batch) {
    if (positionals.length > 0)
      throw new UsageError('classify: --batch reads stdin; do not also pass a MESSAGE');
    if (values.output !== undefined && values.output !== 'json')
      throw new UsageError('classify: --batch always writes JSON Lines');
    if (values.reason !== undefined)
      throw new UsageError('classify: with --batch, give "reason" per line instead');
    writeStdout(await classifyBatch(await readStdin()));
    return EXIT.ok;
  }

  let message: string;
  if (positionals.length > 0) {
    // An unquoted message arrives as several words; it is still one message.
    message = positionals.join(' ');
  } else {
    if (process.stdin.isTTY)
      throw new UsageError('classify: no MESSAGE given and stdin is a terminal (see --help)');
    message = await readStdin();
  }
  if (message.trim() === '' && values.reason === undefined)
    throw new UsageError('classify: the message is empty');

  const result = classify(message, values.reason !== undefined ? { reason: values.reason } : {});
  writeStdout(
    output === 'json'
      ? `${JSON.stringify({ message, ...result }, null, 2)}\n`
      : output === 'yaml'
        ? await yamlOf({ message, ...result })
        : renderText(result),
  );
  return EXIT.ok;
};
export default run;

async function classifyBatch(input: string): Promise<string> {
  const Line = z.object({ message: z.string(), reason: z.optional(z.string()) });
  const out: string[] = [];
  input.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      out.push(JSON.stringify({ error: `line ${i + 1}: not JSON: ${(err as Error).message}` }));
      return;
    }
    const input = Line.safeParse(parsed);
    if (!input.success) {
      out.push(JSON.stringify({ error: `line ${i + 1}: expected {"message": string, "reason"?: string}` }));
      return;
    }
    const { message, reason } = input.data;
    out.push(JSON.stringify({ message, ...classify(message, reason !== undefined ? { reason } : {}) }));
  });
  return out.length > 0 ? `${out.join('\n')}\n` : '';
}

function renderText(c: Classification): string {
  const colour = useColour();
  const paint = (code: string, s: string) => (colour ? `${styleMark(code)}${s}${styleMark('0')}` : s);
  const causeColour = c.cause === 'UNKNOWN' ? '1;33' : '1;31';
  const lines = [`${paint(causeColour, c.cause)}  ${paint('2', `(${c.confidence})`)}`];
  if (c.alternatives.length > 0) lines.push(`${paint('2', 'also possible:')} ${c.alternatives.join(', ')}`);
  if (c.image) lines.push(`${paint('2', 'image:')}    ${c.image}`);
  if (c.registry) lines.push(`${paint('2', 'registry:')} ${c.registry}`);
  lines.push('', c.explanation, '', paint('1', 'What to do:'));
  c.remediation.forEach((step, i) => lines.push(`  ${i + 1}. ${step}`));
  lines.push('', `${paint('2', 'Evidence:')} ${c.evidence}`, '');
  return lines.join('\n');
}
