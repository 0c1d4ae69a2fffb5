import { readFile } from 'node:fs/promises';
import { UsageError } from '../../cause/index.ts';
import { parseReference } from '../../reference/index.ts';
import { probeImage } from '../../probe/probe.ts';
import type { ProbeResult } from '../../result/index.ts';
import { probeJson, renderProbeText } from '../../report/probe.ts';
import { EXIT, helpText, parseFlags, positiveInt, useColour, type Command } from '../command.ts';
import { htmlPage, outputFormat, yamlOf, type OutputFormat } from '../output.ts';
import { checkNodeFlags, NODE_FLAGS, NODE_FLAGS_HELP, probeFromNode } from '../node-probe.ts';
import { outputHelp, REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, registryContext } from '../registry-flags.ts';
import { RUNTIME_FLAGS, RUNTIME_FLAGS_HELP, runtimeChoice } from '../runtime-flags.ts';
import { writeDocument, writeStdout } from '../../output/index.ts';

export const outputs: readonly OutputFormat[] = ['text', 'json', 'yaml', 'html'];
export const flags = {
  ...REGISTRY_FLAGS,
  ...NODE_FLAGS,
  ...RUNTIME_FLAGS,
  file: { type: 'string', short: 'f' },
  concurrency: { type: 'string' },
} as const;

const HELP = `Usage: regdoctor probe IMAGE... [flags]
       regdoctor probe --file IMAGES.txt [flags]

Replays what a container runtime does to pull IMAGE — DNS, TCP, TLS, /v2/, auth, manifest, platform, config,
first layer — timing each step, stopping at the first that fails, and naming the cause with a fix.

What a probe costs, per image, in requests (the same as a node's pull, minus most of the layer bytes):
  GET /v2/ and a token request   once per registry and per repository and credential in one run
  HEAD manifest                  resolves the tag to a digest (free against Docker Hub's pull limit)
  GET manifest by digest         plus one for the platform's manifest of a multi-platform image; on Docker
                                 Hub these GETs count as ONE pull against the rate limit, as a node's pull does
  GET config blob, and the first 64 KiB of the first layer (a Range request)
  on a missing tag or repository: the tag list (up to 10 pages) to tell which is missing
Each image gets at most --deadline in all (default 60s), 100 requests and 64 MiB of answers.

Examples:
  regdoctor probe nginx:1.27
  regdoctor probe ghcr.io/org/app:v2 --platform linux/arm64 -o json
  echo "$PASS" | regdoctor probe registry.local:5000/team/app:1 -u ci --password-stdin --ca-file ca.pem
  regdoctor probe -f images.txt -o html > probe.html   # one self-contained page: waterfalls, verdicts, fixes
  regdoctor probe registry.local:5000/team/app:1 --node worker-3 --pull-secret regcred -n shop
  regdoctor probe nginx:1.27 --node-root /host          # as the node's runtime pulls: its mirrors, CAs, proxy

Flags:
  -f, --file FILE                images to probe, one per line (# comments and blank lines ignored; - for stdin)
  --concurrency N                images probed at once (default 8, at most 256)
${REGISTRY_FLAGS_HELP}
${NODE_FLAGS_HELP}
${RUNTIME_FLAGS_HELP}
${outputHelp(outputs)}
                                 json: one object per line; yaml: one document per image

Exit codes: 0 every image is pullable, 1 at least one is not, 2 usage error.
`;

async function readImageList(file: string): Promise<string[]> {
  const text =
    file === '-'
      ? await new Response(process.stdin as unknown as ReadableStream).text()
      : await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
          throw new UsageError(`--file ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
        });
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
}

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  const images = [...positionals, ...(values.file ? await readImageList(values.file) : [])];
  if (images.length === 0)
    throw new UsageError('probe: give at least one IMAGE (or --file); see `regdoctor probe --help`');
  if (values.file === '-' && values['password-stdin'])
    throw new UsageError('--file - and --password-stdin both want standard input');
  const concurrency = positiveInt('concurrency', values.concurrency, 8, 256);
  checkNodeFlags(values);
  if (values.node !== undefined) {
    const runtimeFlag = Object.keys(RUNTIME_FLAGS).find(
      (f) => values[f as keyof typeof values] !== undefined,
    );
    if (runtimeFlag)
      throw new UsageError(
        `--${runtimeFlag} does not apply with --node: the node's agent reads the node's own runtime configuration`,
      );
    // The page has no place yet for what the node's agent adds (image filesystem, kubelet settings).
    const format = outputFormat(values.output, ['text', 'json', 'yaml']);
    return probeFromNode(images, values, format);
  }
  const registries = new Set<string>();
  for (const img of images) {
    try {
      registries.add(parseReference(img).registry);
    } catch {
      // reported per image by the probe itself
    }
  }
  const node = await runtimeChoice(values);
  const ctx = await registryContext(values, registries, outputs);
  const colour = ctx.output === 'text' && useColour();
  // HTML is one page for every image, written once all are done; the other formats stream in input order.
  const streaming = ctx.output !== 'html';
  const results: ProbeResult[] = new Array(images.length);
  let next = 0;
  let printed = 0;
  const render = async (r: ProbeResult): Promise<string> => {
    if (ctx.output === 'json') return `${JSON.stringify(probeJson(r))}\n`;
    if (ctx.output === 'yaml') return `---\n${await yamlOf(probeJson(r))}`;
    return renderProbeText(r, { colour, verbose: ctx.verbose }) + (images.length > 1 ? '\n' : '');
  };
  // Results print in input order as soon as every earlier one is done; one flush at a time, as rendering awaits.
  let flushing = Promise.resolve();
  const flush = () =>
    (flushing = flushing.then(async () => {
      while (streaming && printed < images.length && results[printed]) {
        writeStdout(await render(results[printed++]!));
      }
    }));
  const worker = async () => {
    while (next < images.length) {
      const i = next++;
      results[i] = await probeImage(images[i]!, ctx.session, {
        platform: ctx.platform,
        credentials: ctx.credentials,
        plainHttp: ctx.plainHttp,
        budget: { deadlineMs: ctx.deadlineMs },
        ...node,
      });
      await flush();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, images.length) }, worker));
  } finally {
    await ctx.session.close();
  }
  if (ctx.output === 'html') {
    const text = results.map((r) => renderProbeText(r, { colour: false })).join('\n');
    writeDocument(await htmlPage((m, meta, red) => m.probeReport(results, meta, red), text));
  }
  const bad = results.filter((r) => r.cause !== null).length;
  if (images.length > 1 && ctx.output === 'text') {
    writeStdout(`${images.length - bad} of ${images.length} images pullable\n`);
  }
  return bad ? EXIT.problem : EXIT.ok;
};
export default run;
