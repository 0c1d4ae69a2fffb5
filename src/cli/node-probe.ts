// `probe IMAGE --node NODE`: an ImagePullCheck per image for the node's agent, its answer printed as the usual
// probe output labelled with the node, plus what the cluster knows about the node's pulls (the image already on
// it, the kubelet's pull settings, the image filesystem's room). The checks are deleted whatever happens.
import { UsageError } from '../cause/index.ts';
import type { NodeAnswer } from '../agent/client.ts';
import type { KubeletPullSettings, NodeHolding } from '../cluster/node-facts.ts';
import type { Options } from './command.ts';
import { EXIT, useColour } from './command.ts';
import { yamlOf, type OutputFormat } from './output.ts';
import { writeProgress, writeStderr, writeStdout } from '../output/index.ts';

export const NODE_FLAGS = {
  node: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  'pull-secret': { type: 'string', multiple: true },
  pod: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'node-wait': { type: 'string' },
} as const satisfies Options;

export const NODE_FLAGS_HELP = `From a node (the regdoctor agent answers; deploy/agent, docs/agent.md):
  --node NODE                    probe from NODE — its DNS, routes, firewall and proxy — instead of from here
  --pull-secret NAME             with --node: credentials from this secret (in -n), repeatable, kubelet order
  --pod POD                      with --node: credentials from this pod's imagePullSecrets (it runs on NODE)
  -n, --namespace NS             namespace of --pull-secret/--pod (default: the kubeconfig context's)
  --kubeconfig FILE              kubeconfig (default $KUBECONFIG, ~/.kube/config, in-cluster)
  --context NAME                 kubeconfig context
  --node-wait DURATION           how long the node's answer may take (default 90s)`;

/** Flags that configure this machine's probe: the node's agent has its own configuration. */
const LOCAL_ONLY = [
  'docker-config',
  'username',
  'password-stdin',
  'ca-file',
  'insecure-skip-tls-verify',
  'plain-http',
  'timeout',
  'verbose',
] as const;

type Values = Record<string, string | boolean | string[] | undefined>;

export function checkNodeFlags(values: Values): void {
  if (values.node === undefined) {
    const stray = Object.keys(NODE_FLAGS).filter((f) => f !== 'node' && values[f] !== undefined);
    if (stray.length) throw new UsageError(`--${stray[0]} is for --node`);
    return;
  }
  if (values.node === '') throw new UsageError('--node needs a node name');
  const local = LOCAL_ONLY.filter((f) => values[f] !== undefined);
  if (local.length) {
    throw new UsageError(
      `--${local[0]} does not apply with --node: the node's agent probes with the node's configuration and the credentials of --pull-secret or --pod`,
    );
  }
  if (values['pull-secret'] !== undefined && values.pod !== undefined)
    throw new UsageError('--pull-secret and --pod cannot be combined');
}

interface NodeView {
  answer: NodeAnswer;
  holds: NodeHolding | null;
  kubelet: KubeletPullSettings | null;
  /** Why the node's facts are missing, when they are. */
  notes: string[];
}

export async function probeFromNode(images: string[], values: Values, format: OutputFormat): Promise<number> {
  if (format !== 'text' && format !== 'json' && format !== 'yaml')
    throw new UsageError(`-o ${format} is not available with --node (text, json or yaml)`);
  const node = values.node as string;
  const [
    { parseDuration },
    { openCheckApi },
    { CheckRun },
    facts,
    { nodeSchema },
    { probeJson, renderProbeText },
    { fmtBytes },
  ] = await Promise.all([
    import('../util/duration.ts'),
    import('../agent/api.ts'),
    import('../agent/client.ts'),
    import('../cluster/node-facts.ts'),
    import('../cluster/types.ts'),
    import('../report/probe.ts'),
    import('../inspect/index.ts'),
  ]);
  const waitMs = values['node-wait'] !== undefined ? parseDuration(values['node-wait'] as string) : 90_000;
  if (waitMs < 1000 || waitMs > 3600_000) throw new UsageError('--node-wait must be between 1s and 1h');
  const api = await openCheckApi({
    kubeconfig: values.kubeconfig as string | undefined,
    context: values.context as string | undefined,
    timeoutMs: 30_000,
  });
  const namespace = (values.namespace as string | undefined) ?? api.namespace;
  const secrets = values['pull-secret'] as string[] | undefined;
  const pod = values.pod as string | undefined;
  const progress = process.stderr.isTTY ? writeProgress : null;
  let answered = 0;
  const run = new CheckRun(api, {
    answerMs: Math.min(15_000, waitMs),
    waitMs,
    onProgress: (c) =>
      progress?.(`node ${node}: ${c.status?.phase ?? 'created'} (${answered}/${images.length} answered)…`),
  });

  // The node's own facts, fetched while the checks run; each is optional (RBAC may forbid it).
  const notes: string[] = [];
  const nodeObject = api.node(node).then(
    (raw) => {
      if (raw === null) {
        notes.push(`node ${node} not found`);
        return null;
      }
      const n = nodeSchema.safeParse(raw);
      return n.success ? n.data : null;
    },
    (err: unknown) => {
      notes.push(`node ${node} not readable (${(err as Error).message})`);
      return null;
    },
  );
  const kubelet = api.configz(node).then(
    (raw) => facts.pullSettings(raw),
    (err: unknown) => {
      notes.push(
        `the kubelet's configz is not readable (${(err as Error).message}; needs get on nodes/proxy)`,
      );
      return null;
    },
  );

  let views: NodeView[];
  try {
    progress?.(`node ${node}: creating ${images.length} ImagePullCheck${images.length > 1 ? 's' : ''}…`);
    const answers = await Promise.all(
      images.map(async (image) => {
        const a = await run.probe({
          image,
          nodeName: node,
          ...(values.platform ? { platform: values.platform as string } : {}),
          ...(secrets || pod ? { namespace } : {}),
          ...(secrets ? { pullSecrets: secrets.map((name) => ({ name })) } : {}),
          ...(pod ? { podRef: { name: pod } } : {}),
        });
        answered++;
        return a;
      }),
    );
    const [n, k] = await Promise.all([nodeObject, kubelet]);
    views = answers.map((answer) => {
      const digest = answer.kind === 'result' ? (answer.probe.manifest?.digest ?? null) : null;
      const holds =
        n && answer.kind === 'result'
          ? (facts.nodesHolding([n], answer.probe.image, digest)[0] ?? null)
          : null;
      return { answer, holds, kubelet: k, notes };
    });
  } finally {
    progress?.('');
    await run.close();
  }

  const colour = format === 'text' && useColour();
  let unprobed = 0;
  let bad = 0;
  for (const [i, v] of views.entries()) {
    const a = v.answer;
    if (a.kind !== 'result') {
      unprobed++;
      writeStderr(`regdoctor: ${images[i]} from node ${node}: ${a.kind}: ${a.message}\n`);
      continue;
    }
    if (a.probe.cause !== null) bad++;
    const nodeJson = {
      name: node,
      agent: a.agent,
      check: a.check,
      imageFs: a.node?.imageFs ?? null,
      imageBytes: a.node?.imageBytes ?? null,
      holdsImage: v.holds ? v.holds.match : null,
      kubelet: v.kubelet,
      ...(a.message ? { note: a.message } : {}),
    };
    if (format === 'json') {
      writeStdout(`${JSON.stringify({ ...probeJson(a.probe), from: nodeJson })}\n`);
    } else if (format === 'yaml') {
      writeStdout(`---\n${await yamlOf({ ...probeJson(a.probe), from: nodeJson })}`);
    } else {
      const lines = [`from node ${node} (agent ${a.agent})`, renderProbeText(a.probe, { colour }).trimEnd()];
      const fs = a.node?.imageFs;
      if (fs) {
        const size =
          a.node?.imageBytes != null ? `; this image: ${fmtBytes(a.node.imageBytes)} compressed` : '';
        lines.push(
          `  image filesystem ${fs.path}: ${fmtBytes(fs.availableBytes)} free of ${fmtBytes(fs.totalBytes)}${size}`,
        );
      }
      if (v.holds)
        lines.push(
          `  node ${node} already holds this image (${v.holds.match === 'digest' ? 'same digest' : 'same tag, digest not compared'})`,
        );
      if (v.kubelet) lines.push(`  kubelet: ${facts.describePullSettings(v.kubelet)}`);
      if (a.message) lines.push(`  note: ${a.message}`);
      for (const n of v.notes) lines.push(`  (${n})`);
      writeStdout(`${lines.join('\n')}\n${views.length > 1 ? '\n' : ''}`);
    }
  }
  if (unprobed) return EXIT.usage;
  return bad ? EXIT.problem : EXIT.ok;
}
