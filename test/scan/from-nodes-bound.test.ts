// `scan --from-nodes` asks each pod's node "with bounded parallelism per node" (issue 12), and a node whose agent
// does not answer gets no more checks: its pods are left to the local probe and the scan's summary says so. The
// agents here are a recording stand-in for CheckRun (the real path is in test/agent/netns.test.ts); what is
// checked is the scheduling: how many checks one node has in flight at once, and what an unanswered node costs.
// (The fallback's wording in each finding, next to a local probe, is checked end to end in netns.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { snapshotSource } from '../../src/cluster/index.ts';
import type { ProbeResult } from '../../src/result/index.ts';
import { scanCluster, type NodeProbeAnswer, type NodeProbeRequest } from '../../src/scan/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import { node, waitingPod } from '../agent/support.ts';

const fx = useFixture();
const PER_NODE = 2;

const pullable = (image: string): ProbeResult => ({
  image,
  reference: { registry: 'r.test', repository: image.slice('r.test/'.length, -2), tag: '1', digest: null },
  platform: 'linux/amd64',
  cause: null,
  confidence: 'certain',
  summary: `${image} is pullable`,
  remediation: [],
  steps: [],
});

test(`at most ${PER_NODE} checks in flight per node; an unanswered node gets no more, and is named as a fallback`, async () => {
  const pods = [
    ...Array.from({ length: 10 }, (_, i) => waitingPod(`a${i}`, 'node-a', `r.test/app-a${i}:1`)),
    ...Array.from({ length: 6 }, (_, i) => waitingPod(`b${i}`, 'node-b', `r.test/app-b${i}:1`)),
  ];
  const file = join(await fx.subdir('snap'), 'snapshot.json');
  await writeFile(
    file,
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [node('node-a'), node('node-b'), ...pods] }),
  );
  const state = await snapshotSource(file).load({ namespace: null, secrets: true });

  const inFlight = new Map<string, number>();
  const most = new Map<string, number>();
  const asked: NodeProbeRequest[] = [];
  const probe = async (req: NodeProbeRequest): Promise<NodeProbeAnswer> => {
    asked.push(req);
    const n = (inFlight.get(req.node) ?? 0) + 1;
    inFlight.set(req.node, n);
    most.set(req.node, Math.max(most.get(req.node) ?? 0, n));
    await new Promise((r) => setTimeout(r, 5));
    inFlight.set(req.node, (inFlight.get(req.node) ?? 1) - 1);
    return req.node === 'node-a'
      ? { kind: 'result', agent: 'agent-node-a', probe: pullable(req.image) }
      : { kind: 'unanswered', message: 'no regdoctor agent took the check within 1 s' };
  };

  const r = await scanCluster(state, {
    session: null,
    defaultPlatform: { os: 'linux', architecture: 'amd64' },
    fromNodes: { probe, perNode: PER_NODE },
  });

  assert.equal(most.get('node-a'), PER_NODE, 'node-a was asked in parallel, up to the bound');
  assert.ok((most.get('node-b') ?? 0) <= PER_NODE);
  assert.equal(asked.filter((q) => q.node === 'node-a').length, 10);
  const toB = asked.filter((q) => q.node === 'node-b').length;
  assert.ok(toB >= 1 && toB <= PER_NODE, `${toB} checks sent to the node that does not answer`);
  assert.deepEqual(r.summary.fromNodes, {
    checks: 10,
    nodes: ['node-a'],
    fallbacks: [{ node: 'node-b', reason: 'no regdoctor agent took the check within 1 s' }],
  });
  // Each check named the pod, its namespace and the node's platform.
  const a0 = asked.find((q) => q.pod === 'a0')!;
  assert.deepEqual(a0, {
    image: 'r.test/app-a0:1',
    node: 'node-a',
    platform: 'linux/amd64',
    namespace: 'shop',
    pod: 'a0',
  });
});
