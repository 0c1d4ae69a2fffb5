import { UsageError } from '../../cause/index.ts';
import { inspectImage, parseBandwidth } from '../../inspect/index.ts';
import { parseReference } from '../../reference/index.ts';
import { parsePlatform } from '../../platform/index.ts';
import { inspectJson, renderInspectText } from '../../report/inspect.ts';
import { EXIT, helpText, parseFlags, useColour, type Command } from '../command.ts';
import { htmlPage, yamlOf, type OutputFormat } from '../output.ts';
import { outputHelp, REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, registryContext } from '../registry-flags.ts';
import { RUNTIME_FLAGS, RUNTIME_FLAGS_HELP, runtimeChoice } from '../runtime-flags.ts';
import { writeDocument, writeStdout } from '../../output/index.ts';

export const outputs: readonly OutputFormat[] = ['text', 'json', 'yaml', 'html'];
export const flags = {
  ...REGISTRY_FLAGS,
  ...RUNTIME_FLAGS,
  bandwidth: { type: 'string' },
  'all-platforms': { type: 'boolean' },
} as const;

const HELP = `Usage: regdoctor inspect IMAGE [flags]

Shows, per platform and without pulling, the layers with their compressed sizes, the total, the config
(entrypoint, user, created), layers shared between platforms and the estimated pull time at a bandwidth.
An image that cannot be pulled gets the probe's verdict instead; without --platform, an image with no build for
this machine is still shown (through the platforms it has), with a warning.

Examples:
  regdoctor inspect nginx:1.27
  regdoctor inspect ghcr.io/org/app:v2 --bandwidth 20Mbit/s -o json
  regdoctor inspect ghcr.io/org/app:v2 -o html > app.html    # layers per platform as a page

Flags:
  --bandwidth RATE               link speed for the pull-time estimate (default 100Mbit/s; e.g. 1Gbps, 12.5MB/s)
  --all-platforms                show every platform (default when --platform is not given)
${REGISTRY_FLAGS_HELP}
${RUNTIME_FLAGS_HELP}
${outputHelp(outputs)}

Exit codes: 0 inspected, 1 the image cannot be pulled, 2 usage error.
`;

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError('inspect takes exactly one IMAGE; see `regdoctor inspect --help`');
  const image = positionals[0]!;
  const bandwidth = parseBandwidth(values.bandwidth ?? '100Mbit/s');
  const registries = new Set<string>();
  try {
    registries.add(parseReference(image).registry);
  } catch {
    // the probe reports it
  }
  const node = await runtimeChoice(values);
  const ctx = await registryContext(values, registries, outputs);
  const onlyPlatform =
    values.platform && !values['all-platforms'] ? parsePlatform(values.platform) : undefined;
  try {
    const r = await inspectImage(image, ctx.session, {
      platform: ctx.platform,
      credentials: ctx.credentials,
      plainHttp: ctx.plainHttp,
      bandwidth,
      onlyPlatform,
      platformIsDefault: values.platform === undefined,
      ...node,
    });
    if (ctx.output === 'html') {
      const text = renderInspectText(r, { colour: false });
      writeDocument(await htmlPage((m, meta, red) => m.inspectReport(r, meta, red), text));
    } else {
      const out =
        ctx.output === 'json'
          ? `${JSON.stringify(inspectJson(r))}\n`
          : ctx.output === 'yaml'
            ? await yamlOf(inspectJson(r))
            : renderInspectText(r, { colour: ctx.output === 'text' && useColour() });
      writeStdout(out);
    }
    return r.probe.cause === null ? EXIT.ok : EXIT.problem;
  } finally {
    await ctx.session.close();
  }
};
export default run;
