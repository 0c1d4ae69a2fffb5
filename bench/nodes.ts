// Section `nodes` (issue 12): `regdoctor scan --from-nodes` over 50 nodes × 20 images — 1,000 failing pods, one
// per (node, image), so every pod's node is asked about every image: 1,000 ImagePullChecks. The 50 agents run
// in this process (each with its own API client, watch and registry sessions), against the kube-api test server
// (the real wire format, a real CRD's status subresource and label selectors); the CLI is a separate process.
// Measured: the scan's wall time, the API requests it and the agents caused (by verb), the registry requests per
// node, next to a plain `scan` of the same cluster from this machine.
//
// `node --import tsx bench/nodes.ts` runs this section alone against the built CLI (npm run build first);
// BENCH_NODES_RUNS=N changes the number of runs, BENCH_TIMELINE=1 prints when the creates, status writes and deletes
// of each run happened.
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type Agent } from '../src/agent/agent.ts';
import { buildImage } from '../src/demo/image.ts';
import { pushImage } from '../src/demo/push.ts';
import { startRegistry } from '../src/demo/registry.ts';
import { Session } from '../src/registry/session.ts';
import { crdResource, startKubeApi, writeKubeconfig, type KubeApi } from '../test/helpers/kube-api.ts';
import { Cleanup } from './cleanup.ts';
import { cleanEnv, timeProcess } from './process.ts';
import { median } from './stats.ts';
import { table, type Target } from './table.ts';

const NODES = 50;
const IMAGES = 20;
const RUNS = Number(process.env.BENCH_NODES_RUNS) || 3;
const AMD64 = { os: 'linux', architecture: 'amd64' };

export interface SectionResult {
  text: string;
  targets: Target[];
  failures: string[];
}

const nodeName = (i: number) => `node-${String(i).padStart(2, '0')}`;

function objects(host: string): unknown[] {
  const out: unknown[] = [];
  for (let n = 0; n < NODES; n++) {
    out.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: nodeName(n) },
      status: { nodeInfo: { architecture: 'amd64', operatingSystem: 'linux' } },
    });
    for (let i = 0; i < IMAGES; i++) {
      const image = `${host}/bench/app-${String(i).padStart(2, '0')}:1`;
      out.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `app-${i}-on-${n}`, namespace: 'bench', uid: `uid-${n}-${i}` },
        spec: { nodeName: nodeName(n), containers: [{ name: 'app', image }] },
        status: {
          phase: 'Pending',
          containerStatuses: [
            {
              name: 'app',
              image,
              ready: false,
              restartCount: 0,
              state: {
                waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` },
              },
            },
          ],
        },
      });
    }
  }
  return out;
}

/** API requests logged since `from`, by `verb resource[/sub]`. */
function apiCounts(api: KubeApi, from: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of api.log.slice(from)) {
    const k = `${e.verb ?? e.method} ${e.resource ?? e.path}${e.subresource ? `/${e.subresource}` : ''}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

export async function nodesSection(
  cli: string,
  registryBinary: string | null,
  cleanup: Cleanup,
  progress: (s: string) => void,
): Promise<SectionResult> {
  const failures: string[] = [];
  if (!registryBinary)
    return {
      text: 'docker-registry is not installed: section skipped.\n',
      targets: [],
      failures: ['nodes: no docker-registry'],
    };
  const tmp = await mkdtemp(join(tmpdir(), 'regdoctor-bench-nodes-'));
  cleanup.add('nodes temp dir', () => rm(tmp, { recursive: true, force: true }));
  const registry = await startRegistry(registryBinary);
  cleanup.add('nodes registry', () => registry.stop());
  const host = new URL(registry.url).host;
  progress(`nodes: pushing ${IMAGES} images`);
  for (let i = 0; i < IMAGES; i++) {
    const repo = `bench/app-${String(i).padStart(2, '0')}`;
    await pushImage(registry.url, repo, '1', await buildImage(AMD64, repo));
  }
  const checks = crdResource(new URL('../deploy/crds/imagepullcheck.yaml', import.meta.url));
  const policies = crdResource(new URL('../deploy/crds/imagepolicy.yaml', import.meta.url));
  const api = await startKubeApi({ objects: objects(host), resources: [checks, policies] });
  cleanup.add('nodes kube-api', () => api.stop());
  const kubeconfig = await writeKubeconfig(tmp, { server: api.url, token: api.token });

  progress(`nodes: starting ${NODES} agents`);
  const agents: Agent[] = [];
  for (let n = 0; n < NODES; n++) {
    agents.push(
      await startAgent({
        node: nodeName(n),
        agentName: `agent-${n}`,
        kubeconfig,
        platform: AMD64,
        nodeRoot: tmp,
        session: () => new Session({ timeoutMs: 10_000 }),
        plainHttp: () => true,
      }),
    );
  }
  cleanup.add('nodes agents', async () => {
    await Promise.all(agents.map((a) => a.stop(1000)));
  });
  await Promise.all(agents.map((a) => a.synced));

  const env = cleanEnv();
  const loadBefore = loadavg()[0]!;
  const scanArgs = ['scan', '--kubeconfig', kubeconfig, '--plain-http-registry', host, '-o', 'json'];
  const runs: {
    ms: number;
    cpuMs: number;
    api: Map<string, number>;
    registry: number[];
    checks: number;
    causes: string;
  }[] = [];
  const local: { ms: number; registry: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    progress(`nodes: run ${r + 1}/${RUNS}: scan --from-nodes`);
    const logFrom = api.log.length;
    const before = agents.map((a) => a.stats().registryRequests);
    const cpu = process.cpuUsage();
    const run = await timeProcess(cli, [...scanArgs, '--from-nodes'], env, 300_000);
    const used = process.cpuUsage(cpu);
    const after = agents.map((a) => a.stats().registryRequests);
    if (process.env.BENCH_TIMELINE) {
      const entries = api.log.slice(logFrom);
      const t0 = entries[0]?.at ?? 0;
      const phase = (verb: string, sub?: string) => {
        const xs = entries
          .filter(
            (e) => e.verb === verb && e.resource === 'imagepullchecks.regdoctor.dev' && e.subresource === sub,
          )
          .map((e) => e.at - t0);
        return xs.length
          ? `${verb}${sub ? '/' + sub : ''}: ${xs.length} from ${(Math.min(...xs) / 1000).toFixed(1)} to ${(Math.max(...xs) / 1000).toFixed(1)} s`
          : '';
      };
      process.stderr.write(`${[phase('create'), phase('patch', 'status'), phase('delete')].join('\n')}\n`);
      // Per check: create → Running (the agent took it) → Completed (it answered).
      const at = new Map<string, number[]>();
      for (const e of entries) {
        if (e.resource !== 'imagepullchecks.regdoctor.dev' || !e.name) continue;
        if (e.verb === 'create' || (e.verb === 'patch' && e.subresource === 'status')) {
          at.set(e.name, [...(at.get(e.name) ?? []), e.at]);
        }
      }
      const taken = [...at.values()].filter((x) => x.length === 3).map((x) => x[1]! - x[0]!);
      const answered = [...at.values()].filter((x) => x.length === 3).map((x) => x[2]! - x[1]!);
      const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))]!;
      process.stderr.write(
        `create→taken p50 ${q(taken, 0.5).toFixed(0)} ms p90 ${q(taken, 0.9).toFixed(0)} ms; taken→answered p50 ${q(answered, 0.5).toFixed(0)} ms p90 ${q(answered, 0.9).toFixed(0)} ms\n`,
      );
    }
    if (run.code !== 1) {
      failures.push(`nodes: scan --from-nodes exited ${run.code}: ${run.stderr.slice(0, 300)}`);
      continue;
    }
    const json = JSON.parse(run.stdout) as {
      findings: { cause: string }[];
      summary: { fromNodes?: { checks: number } };
    };
    const causes = new Map<string, number>();
    for (const f of json.findings) causes.set(f.cause, (causes.get(f.cause) ?? 0) + 1);
    runs.push({
      ms: run.ms,
      cpuMs: (used.user + used.system) / 1000,
      api: apiCounts(api, logFrom),
      registry: after.map((a, i) => a - before[i]!),
      checks: json.summary.fromNodes?.checks ?? 0,
      causes: [...causes].map(([c, n]) => `${c} ${n}`).join(', '),
    });
    progress(`nodes: run ${r + 1}/${RUNS}: plain scan from here`);
    const plain = await timeProcess(cli, scanArgs, env, 300_000);
    if (plain.code !== 1)
      failures.push(`nodes: plain scan exited ${plain.code}: ${plain.stderr.slice(0, 300)}`);
    else {
      const j = JSON.parse(plain.stdout) as { summary: { registryRequests: number } };
      local.push({ ms: plain.ms, registry: j.summary.registryRequests });
    }
  }
  if (!runs.length) return { text: 'no run succeeded\n', targets: [], failures };

  const mid = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
  const totalApi = [...mid.api.values()].reduce((a, b) => a + b, 0);
  const perNode = [...mid.registry].sort((a, b) => a - b);
  const text =
    `${NODES} nodes × ${IMAGES} images = ${NODES * IMAGES} failing pods; ${NODES} agents in this process, the CLI a separate process; ${RUNS} runs.\n` +
    `Machine load (1-minute average) ${loadBefore.toFixed(1)} before and ${loadavg()[0]!.toFixed(1)} after, on ${cpus().length} CPUs: ` +
    'wall times scale with it.\n\n' +
    table(
      ['scan', 'wall (median)', 'runs', 'probes', 'registry requests'],
      [
        [
          '--from-nodes',
          `${(median(runs.map((x) => x.ms)) / 1000).toFixed(2)} s`,
          runs.map((x) => `${(x.ms / 1000).toFixed(1)}`).join(' / '),
          `${mid.checks} checks`,
          `${perNode.reduce((a, b) => a + b, 0)} (per node: min ${perNode[0]}, median ${median(perNode)}, max ${perNode.at(-1)})`,
        ],
        [
          'from here',
          local.length ? `${(median(local.map((x) => x.ms)) / 1000).toFixed(2)} s` : '—',
          local.map((x) => `${(x.ms / 1000).toFixed(1)}`).join(' / '),
          `${IMAGES} unique`,
          local.length ? String(median(local.map((x) => x.registry))) : '—',
        ],
      ],
    ) +
    `\nAPI requests of the median --from-nodes run (CLI and agents together): ${totalApi}\n` +
    table(
      ['request', 'count'],
      [...mid.api].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, String(n)]),
    ) +
    `\nVerdicts: ${mid.causes}\n` +
    `This process (the test API server and the ${NODES} agents) used ${(mid.cpuMs / 1000).toFixed(1)} s of CPU in the ` +
    `median run's ${(mid.ms / 1000).toFixed(1)} s: ${Math.round((100 * mid.cpuMs) / mid.ms)}% of one core. ` +
    'A real cluster spreads that over 50 nodes and the API server.\n' +
    `The one local docker-registry served the ${NODES} nodes' ${perNode.reduce((a, b) => a + b, 0)} requests at ` +
    `${Math.round(perNode.reduce((a, b) => a + b, 0) / (mid.ms / 1000))}/s, with up to ${NODES} agents × 4 probes in flight ` +
    '(BENCH_TIMELINE=1 shows create→taken and taken→answered per check).\n';
  const perCheck = totalApi / Math.max(1, mid.checks);
  return {
    text,
    targets: [
      {
        what: `scan --from-nodes over ${NODES} nodes × ${IMAGES} images finishes within 60 s`,
        measured: `${(median(runs.map((x) => x.ms)) / 1000).toFixed(1)} s`,
        met: median(runs.map((x) => x.ms)) < 60_000,
      },
      {
        what: 'at most 6 API requests per check (create, 2 status writes, delete, and the watch events are free)',
        measured: `${perCheck.toFixed(2)} per check`,
        met: perCheck <= 6,
      },
    ],
    failures,
  };
}

// Alone: `node --import tsx bench/nodes.ts`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { findRegistryBinary } = await import('../src/demo/registry.ts');
  const cleanup = new Cleanup();
  try {
    const r = await nodesSection(
      join(process.cwd(), 'bin/regdoctor'),
      await findRegistryBinary(),
      cleanup,
      (s) => process.stderr.write(`bench: ${s}…\n`),
    );
    process.stdout.write(r.text);
    for (const t of r.targets)
      process.stdout.write(`  ${t.met ? '[met]   ' : '[MISSED]'} ${t.what}: ${t.measured}\n`);
    for (const f of r.failures) process.stdout.write(`  failed: ${f}\n`);
  } finally {
    await cleanup.run();
  }
}
