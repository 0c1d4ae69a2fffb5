// `regdoctor digest IMAGE`: the digest IMAGE resolves to, as `crane digest` prints it.
import { writeStdout } from '../../output/index.ts';
import { parsePlatform } from '../../platform/index.ts';
import { repositoryName } from '../../reference/index.ts';
import { digestFor } from '../../registry/basics.ts';
import { EXIT, helpText, parseFlags, type Command } from '../command.ts';
import { yamlOf, type OutputFormat } from '../output.ts';
import { outputHelp, REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, withRepository } from '../registry-flags.ts';

export const outputs: readonly OutputFormat[] = ['text', 'json', 'yaml'];
export const flags = { ...REGISTRY_FLAGS, full: { type: 'boolean' } } as const;

const HELP = `Usage: regdoctor digest IMAGE [--platform OS/ARCH[/VARIANT]] [--full] [flags]

Prints the digest IMAGE resolves to, as \`crane digest\` does: the one a runtime pins (for a multi-platform
image, the index's), found with a HEAD request — free against Docker Hub's pull rate limit. With --platform, the
digest of that platform's manifest, chosen by the container runtime's rules. Same credentials, TLS and registry
flags as \`probe\`.

Examples:
  regdoctor digest nginx:1.27
  regdoctor digest nginx:1.27 --platform linux/arm64 --full        # docker.io/library/nginx@sha256:…
  kubectl set image deploy/web web=$(regdoctor digest registry.local:5000/team/app:1 --full)

Flags:
  --full                         print registry/repository@digest, a reference to pin a workload to
${REGISTRY_FLAGS_HELP.replace(/platform to resolve \(default: [^)]*\)/, "the platform's manifest (default: what IMAGE itself names)")}
${outputHelp(outputs)}
                                 json, yaml: {"image", "reference", "digest", "mediaType"}

Exit codes: 0 printed, 1 the registry refused, has no such manifest or no such platform, 2 usage error.
`;

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  const platform = values.platform === undefined ? undefined : parsePlatform(values.platform);
  return withRepository(values, positionals, 'digest', outputs, async (ctx, ref, target, repo) => {
    const d = await digestFor(repo, target, platform);
    const pinned = `${repositoryName(ref)}@${d.digest}`;
    if (ctx.output === 'text') writeStdout(`${values.full ? pinned : d.digest}\n`);
    else {
      const doc = { image: ref.original, reference: pinned, digest: d.digest, mediaType: d.mediaType };
      writeStdout(ctx.output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : await yamlOf(doc));
    }
    return EXIT.ok;
  });
};
export default run;
