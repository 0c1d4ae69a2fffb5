import { UsageError } from '../../cause/index.ts';
import { EXIT, helpText, parseFlags, useColour, type Command } from '../command.ts';
import { CLUSTER_FLAGS, clusterContext, clusterFlagsHelp } from '../cluster-flags.ts';
import { htmlPage, yamlOf, type OutputFormat } from '../output.ts';
import { writeDocument, writeStderr, writeStdout } from '../../output/index.ts';

export const outputs: readonly OutputFormat[] = ['text', 'json', 'yaml', 'html'];
export const flags = CLUSTER_FLAGS;

const HELP = `Usage: regdoctor pod NAME [-n NAMESPACE] [flags]

The same diagnosis as \`scan\` for one pod, in full: its containers, pull secrets, every event, each finding
with its evidence, and the probe's step-by-step waterfall. Without -n, the namespace is the kubeconfig
context's (as with kubectl), or \`default\`.

Examples:
  regdoctor pod web-7c9f8d6b5d-x2k4p -n shop
  regdoctor pod db-0 -n data --snapshot bundle/ -o json
  regdoctor pod db-0 -n data -o html > db-0.html    # one self-contained page for the incident ticket

${clusterFlagsHelp('pod')}
  -o, --output text|json|yaml|html

Exit codes: 0 no image-pull problem in the pod, 1 problems found, 2 error (including: no such pod).
`;

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError('pod takes exactly one pod NAME; see `regdoctor pod --help`');
  const name = positionals[0]!;
  const ctx = await clusterContext(values, outputs);
  try {
    const namespace = values.namespace ?? (await ctx.source.defaultNamespace());
    const state = await ctx.source.load({ namespace, secrets: !values['no-secrets'] });
    const pod = state.pods.find(
      (p) => p.metadata.name === name && (p.metadata.namespace ?? 'default') === namespace,
    );
    if (!pod) {
      const forbidden = state.skipped.find((s) => s.resource === 'pods');
      throw new UsageError(
        forbidden
          ? `cannot list pods in ${namespace}: ${forbidden.reason}`
          : `pod ${namespace}/${name} not found in ${ctx.source.describe()}`,
      );
    }
    const [
      { scanCluster },
      { podEvents, podPlatform },
      { formatPlatform },
      { renderPodText, podJson },
      { skippedWarnings },
    ] = await Promise.all([
      import('../../scan/index.ts'),
      import('../../diagnose/index.ts'),
      import('../../platform/index.ts'),
      import('../../report/pod.ts'),
      import('../../report/scan.ts'),
    ]);
    const result = await scanCluster(
      { ...state, pods: [pod] },
      {
        session: ctx.session,
        deadlineMs: ctx.deadlineMs,
        defaultPlatform: ctx.defaultPlatform,
        plainHttp: ctx.plainHttp,
        concurrency: ctx.concurrency,
        now: ctx.now,
        secretsRead: !values['no-secrets'],
      },
    );
    const platform = podPlatform(state, pod);
    writeStderr(skippedWarnings(result.summary.skipped));
    const view = {
      pod,
      events: podEvents(state, pod),
      node: pod.spec.nodeName ?? null,
      platform: platform ? formatPlatform(platform) : null,
      result,
    };
    if (ctx.format === 'html') {
      const text = renderPodText(view, { colour: false });
      writeDocument(await htmlPage((m, meta, red) => m.podReport(view, meta, red), text));
      return result.findings.length ? EXIT.problem : EXIT.ok;
    }
    let out: string;
    if (ctx.format === 'json') out = `${JSON.stringify(podJson(view), null, 2)}\n`;
    else if (ctx.format === 'yaml') out = await yamlOf(podJson(view));
    else out = renderPodText(view, { colour: useColour() });
    writeStdout(out);
    return result.findings.length ? EXIT.problem : EXIT.ok;
  } finally {
    await ctx.session?.close();
  }
};
export default run;
