// `regdoctor tags IMAGE`: every tag of the image's repository, one per line, as `crane ls` prints them.
import { UsageError } from '../../cause/index.ts';
import { goFilepathMatch } from '../../credentials/goglob.ts';
import { writeStderr, writeStdout } from '../../output/index.ts';
import { repositoryName } from '../../reference/index.ts';
import { allTags } from '../../registry/basics.ts';
import { LIMITS } from '../../registry/limits.ts';
import { sortTags, TAG_ORDERS, type TagOrder } from '../../registry/tag-order.ts';
import { EXIT, helpText, parseFlags, type Command } from '../command.ts';
import { yamlOf, type OutputFormat } from '../output.ts';
import { outputHelp, REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, withRepository } from '../registry-flags.ts';

// --platform means nothing to a tag list.
const { platform: _platform, ...registryFlags } = REGISTRY_FLAGS;
export const outputs: readonly OutputFormat[] = ['text', 'json', 'yaml'];
export const values = { sort: TAG_ORDERS };
export const flags = {
  ...registryFlags,
  filter: { type: 'string' },
  sort: { type: 'string' },
  'full-ref': { type: 'boolean' },
  'omit-digest-tags': { type: 'boolean', short: 'O' },
} as const;

const HELP = `Usage: regdoctor tags IMAGE [flags]

Lists the tags of IMAGE's repository (a tag or digest in IMAGE is ignored), every page of them, one per line —
the output of \`crane ls\`, in version order by default. Same credentials, TLS and registry flags as \`probe\`.

Examples:
  regdoctor tags nginx --filter '1.27*'
  regdoctor tags registry.local:5000/team/app --plain-http | tail -1      # the newest version
  regdoctor tags ghcr.io/org/app -O --full-ref -o json

Flags:
  --filter GLOB                  only tags matching GLOB as a whole (* any run, ? one character, [a-z] a class)
  --sort semver|name|registry    semver (default): tags that are not versions first, by name, then versions
                                 oldest to newest (1.9 < 1.10, 1.0.0-rc.1 < 1.0.0); name; registry: as listed
  --full-ref                     print registry/repository:tag, not the tag alone
  -O, --omit-digest-tags         leave out sha256-… tags (cosign signatures, attestations, referrers fallback)
${REGISTRY_FLAGS_HELP.split('\n')
  .filter((l) => !/^\s+--platform\b/.test(l))
  .join('\n')}
${outputHelp(outputs)}
                                 json, yaml: {"name": repository, "tags": [...], "complete": true}

Lists at most ${LIMITS.tagListingPages} pages and ${LIMITS.tagListingBytes / 1024 / 1024} MiB of tags; a listing cut there is printed, with a warning, and exits 1.
Exit codes: 0 listed, 1 the registry refused or the listing was cut short, 2 usage error.
`;

const run: Command = async (argv) => {
  const { values: v, positionals } = parseFlags(argv, flags);
  if (v.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  const order = (v.sort ?? 'semver') as TagOrder;
  if (!TAG_ORDERS.includes(order))
    throw new UsageError(`--sort must be ${TAG_ORDERS.join(', ')}, not ${JSON.stringify(v.sort)}`);
  const filter = v.filter;
  if (filter !== undefined && goFilepathMatch(filter, '') === 'bad')
    throw new UsageError(`--filter ${JSON.stringify(filter)} is not a valid glob`);
  const keep = (t: string) =>
    (!v['omit-digest-tags'] || !t.startsWith('sha256-')) &&
    (filter === undefined || goFilepathMatch(filter, t) === 'match');
  const budget = {
    requests: LIMITS.tagListingPages + 10,
    bytes: LIMITS.tagListingBytes + 10 * LIMITS.errorBytes,
  };
  return withRepository(
    v,
    positionals,
    'tags',
    outputs,
    async (ctx, ref, _target, repo) => {
      const list = await allTags(repo);
      const name = repositoryName(ref);
      const tags = sortTags(list.tags.filter(keep), order).map((t) => (v['full-ref'] ? `${name}:${t}` : t));
      if (ctx.output === 'text') writeStdout(tags.map((t) => `${t}\n`).join(''));
      else {
        const doc = { name: ref.repository, tags, complete: list.complete };
        writeStdout(ctx.output === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : await yamlOf(doc));
      }
      if (list.complete) return EXIT.ok;
      writeStderr(
        `regdoctor: the tag list of ${name} was cut short (${list.cut} limit after ${list.pages} pages); more tags may exist\n`,
      );
      return EXIT.problem;
    },
    budget,
  );
};
export default run;
