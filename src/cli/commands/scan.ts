import { UsageError } from '../../cause/index.ts';
import { EXIT, helpText, parseFlags, useColour, type Command } from '../command.ts';
import { CLUSTER_FLAGS, clusterContext, clusterFlagsHelp } from '../cluster-flags.ts';
import type { FromNodes } from '../../scan/index.ts';
import { nodeRoots, RUNTIME_FLAGS } from '../runtime-flags.ts';
import { htmlPage, yamlOf, type OutputFormat } from '../output.ts';
import { writeDocument, writeJson, writeProgress, writeStderr, writeStdout } from '../../output/index.ts';

export const outputs: readonly OutputFormat[] = ['text', 'json', 'yaml', 'wide', 'name', 'html'];
export const flags = {
  ...CLUSTER_FLAGS,
  'all-namespaces': { type: 'boolean', short: 'A' },
  'no-headers': { type: 'boolean' },
  'from-nodes': { type: 'boolean' },
  'node-wait': { type: 'string' },
  ...RUNTIME_FLAGS,
} as const;

const HELP = `Usage: regdoctor scan [flags]

Names the root cause of every image-pull failure in a cluster: finds containers (init, regular, ephemeral)
waiting on a pull error and pods stuck pulling, reads their events, audits their pull secrets with the kubelet's
matching rules, then probes each unique image once with the pod's own credentials and its node's platform.
Scans every namespace unless -n is given.

Examples:
  regdoctor scan                                   # current kubeconfig context, all namespaces
  regdoctor scan -n shop -o json
  kubectl get pods,events,secrets,serviceaccounts,nodes,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs -A -o json > snap.json
  regdoctor scan --snapshot snap.json --no-probe
  regdoctor scan --snapshot bundle/snap.json --node-root bundle/node   # a support bundle: state and a node's /
  regdoctor scan -o html > scan.html              # one self-contained page, grouped by cause and by workload
  regdoctor scan -o name | head                   # namespace/pod of every pod that cannot pull

  -A, --all-namespaces          every namespace (the default)
${clusterFlagsHelp('scan')}
  -o, --output FORMAT           text (default), json, yaml, wide (a table, one line per container),
                                name (namespace/pod, one line per pod), html (one self-contained page)
  --no-headers                  -o wide: no header line
  --from-nodes                  probe each image from its pod's node (the regdoctor agent answers an
                                ImagePullCheck: the node's DNS, routes, firewall, proxy); nodes without an
                                agent are probed from here, and the report says so (docs/agent.md)
  --node-wait DURATION          with --from-nodes: how long one node's answer may take (default 90s)
Node runtime (probe as each node's container runtime pulls: its mirrors, hosts.toml / registries.conf, CA
files and service proxy, read from the node's files; docs/runtime.md):
  --node-root DIR               every node's / (a support bundle of one node, or nodes configured alike)
  --node-root NODE=DIR          this node's /, repeatable; nodes not named are probed from here directly
  --runtime containerd|crio|docker   instead of each node's status.nodeInfo.containerRuntimeVersion
  --runtime-version VERSION     instead of the version the node reports

Exit codes: 0 no findings, 1 findings, 2 error.
`;

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  if (positionals.length)
    throw new UsageError(`scan takes no arguments (got ${positionals.join(' ')}); use -n NAMESPACE`);
  if (values.namespace !== undefined && values['all-namespaces'])
    throw new UsageError('-n and -A cannot be combined');
  if (values['from-nodes'] && (values.snapshot !== undefined || values['no-probe']))
    throw new UsageError(
      "--from-nodes asks the live cluster's nodes: it cannot be combined with --snapshot or --no-probe",
    );
  if (values['node-wait'] !== undefined && !values['from-nodes'])
    throw new UsageError('--node-wait is for --from-nodes');
  const roots = await nodeRoots(values);
  if (roots && values['no-probe']) throw new UsageError('--node-root is for probing; drop --no-probe');
  const ctx = await clusterContext(values, outputs);
  const nodes = values['from-nodes'] ? await nodeChecks(values) : null;
  if (values['no-headers'] && ctx.format !== 'wide' && ctx.format !== 'name')
    throw new UsageError('--no-headers goes with -o wide (the other formats print no header line)');
  const progress = process.stderr.isTTY && ctx.format !== 'json' ? writeProgress : null;
  try {
    progress?.(`reading ${ctx.source.describe()}…`);
    const state = await ctx.source.load({
      namespace: values.namespace ?? null,
      secrets: !values['no-secrets'],
      lean: true,
    });
    const { scanCluster } = await import('../../scan/index.ts');
    const result = await scanCluster(state, {
      session: ctx.session,
      deadlineMs: ctx.deadlineMs,
      defaultPlatform: ctx.defaultPlatform,
      plainHttp: ctx.plainHttp,
      concurrency: ctx.concurrency,
      now: ctx.now,
      secretsRead: !values['no-secrets'],
      onProgress: progress ? (done, total) => progress(`probing ${done}/${total} unique images…`) : undefined,
      ...(nodes ? { fromNodes: nodes.fromNodes } : {}),
      ...(roots ? { nodeRoots: roots } : {}),
    });
    progress?.('');
    const { renderScanNames, renderScanText, renderScanWide, scanJson, skippedWarnings } =
      await import('../../report/scan.ts');
    writeStderr(skippedWarnings(result.summary.skipped));
    if (ctx.format === 'html') {
      const text = renderScanText(result, { colour: false });
      writeDocument(await htmlPage((m, meta, red) => m.scanReport(result, meta, red), text));
      return result.findings.length ? EXIT.problem : EXIT.ok;
    }
    if (ctx.format === 'json') {
      await writeJson(scanJson(result));
      return result.findings.length ? EXIT.problem : EXIT.ok;
    }
    let out: string;
    if (ctx.format === 'yaml') out = await yamlOf(scanJson(result));
    else if (ctx.format === 'wide') out = renderScanWide(result, { headers: !values['no-headers'] });
    else if (ctx.format === 'name') out = renderScanNames(result);
    else out = renderScanText(result, { colour: useColour() });
    writeStdout(out);
    return result.findings.length ? EXIT.problem : EXIT.ok;
  } finally {
    await Promise.all([ctx.session?.close(), nodes?.close()]);
  }
};
export default run;

/** --from-nodes: one CheckRun for the scan (one watch, every check deleted at the end). */
async function nodeChecks(values: { kubeconfig?: string; context?: string; 'node-wait'?: string }) {
  const [{ parseDuration }, { openCheckApi }, { CheckRun }, { pullSettings }] = await Promise.all([
    import('../../util/duration.ts'),
    import('../../agent/api.ts'),
    import('../../agent/client.ts'),
    import('../../cluster/node-facts.ts'),
  ]);
  const waitMs = values['node-wait'] !== undefined ? parseDuration(values['node-wait']) : 90_000;
  if (waitMs < 1000 || waitMs > 3600_000) throw new UsageError('--node-wait must be between 1s and 1h');
  const api = await openCheckApi({
    kubeconfig: values.kubeconfig,
    context: values.context,
    timeoutMs: 30_000,
  });
  const run = new CheckRun(api, { answerMs: Math.min(15_000, waitMs), waitMs });
  const fromNodes: FromNodes = {
    probe: (r) =>
      run.probe({
        image: r.image,
        nodeName: r.node,
        platform: r.platform,
        namespace: r.namespace,
        podRef: { name: r.pod },
      }),
    kubelet: async (node) => pullSettings(await api.configz(node)),
  };
  return { fromNodes, close: () => run.close(), api };
}
