// `regdoctor manifest IMAGE`: the manifest exactly as the registry serves it, as `crane manifest` prints it.
import { writeBytes, writeStdout } from '../../output/index.ts';
import { parsePlatform } from '../../platform/index.ts';
import { manifestFor } from '../../registry/basics.ts';
import { EXIT, helpText, parseFlags, type Command } from '../command.ts';
import { REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, withRepository } from '../registry-flags.ts';

// The output is the registry's own bytes: no -o.
const { output: _output, ...registryFlags } = REGISTRY_FLAGS;
export const flags = registryFlags;

const HELP = `Usage: regdoctor manifest IMAGE [--platform OS/ARCH[/VARIANT]] [flags]

Prints the manifest IMAGE resolves to, byte for byte as the registry serves it (its sha256 is the digest), as
\`crane manifest\` does. With --platform and a multi-platform image, prints the manifest of that platform,
chosen by the container runtime's rules (containerd's: arm64 = arm64/v8, variant fallbacks, attestations
skipped). Without --platform, an index is printed as it is. Same credentials, TLS and registry flags as \`probe\`.

Examples:
  regdoctor manifest nginx:1.27 | jq .mediaType
  regdoctor manifest nginx:1.27 --platform linux/arm64 | jq '.layers | length'
  regdoctor manifest registry.local:5000/team/app:1 --plain-http | sha256sum     # = regdoctor digest

${REGISTRY_FLAGS_HELP.replace(/platform to resolve \(default: [^)]*\)/, 'the platform to print from an index (default: the manifest as it is)')}

On a terminal the bytes are shown as text with control characters escaped; to a pipe or a file, exactly.
Exit codes: 0 printed, 1 the registry refused, has no such manifest or no such platform, 2 usage error.
`;

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  const platform = values.platform === undefined ? undefined : parsePlatform(values.platform);
  return withRepository(values, positionals, 'manifest', ['text'], async (_ctx, _ref, target, repo) => {
    writeBytes((await manifestFor(repo, target, platform)).body);
    return EXIT.ok;
  });
};
export default run;
