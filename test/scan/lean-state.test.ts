// A scan loads its state lean (ClusterScope.lean: only the fields the schemas name, no workload specs), so that a
// 10,000-pod snapshot is not held whole. It must not change a verdict: the scan of a lean state is the scan of the
// loose one, including what is read outside the schemas' main fields (the snapshot's time from a terminated
// container or a node heartbeat, the deprecated spec.serviceAccount).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { snapshotSource, type ClusterState } from '../../src/cluster/index.ts';
import { scanCluster } from '../../src/scan/index.ts';
import { SNAPSHOT_JSON } from '../cluster/helpers.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const load = (path: string, lean: boolean) =>
  snapshotSource(path).load({ namespace: null, secrets: true, lean });
const scan = (s: ClusterState) => scanCluster(s, { session: null, defaultPlatform: AMD64 });

type Obj = Record<string, unknown>;
const IMG = 'registry.example.com/team/app:1.0';
const REFERENCE = Date.parse('2024-05-14T09:00:00Z');
const iso = (minutesAfter: number) => new Date(REFERENCE + minutesAfter * 60_000).toISOString();

/** A pod failing to pull IMG; its service account named only by the deprecated field, its sidecar terminated. */
function failingPod(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'api', namespace: 'shop', uid: 'u-1', creationTimestamp: iso(0) },
    spec: {
      serviceAccount: 'builder',
      nodeName: 'node-1',
      tolerations: [{ key: 'x', operator: 'Exists' }],
      containers: [
        { name: 'app', image: IMG, env: [{ name: 'A', value: 'b' }] },
        { name: 'side', image: 'registry.example.com/team/side:1' },
      ],
    },
    status: {
      phase: 'Pending',
      startTime: iso(1),
      containerStatuses: [
        {
          name: 'app',
          image: IMG,
          imageID: '',
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'ErrImagePull', message: `failed to pull image "${IMG}": not found` } },
        },
        {
          name: 'side',
          image: 'registry.example.com/team/side:1',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, startedAt: iso(2), finishedAt: iso(90) } },
        },
      ],
    },
  };
}

function node(heartbeat: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', creationTimestamp: iso(-1000) },
    status: {
      nodeInfo: { architecture: 'amd64', operatingSystem: 'linux' },
      conditions: [
        { type: 'Ready', status: 'True', lastHeartbeatTime: heartbeat, lastTransitionTime: iso(-900) },
      ],
    },
  };
}

const serviceAccount: Obj = {
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name: 'builder', namespace: 'shop', creationTimestamp: iso(-10) },
  imagePullSecrets: [{ name: 'regcred' }],
};

describe('scan: a lean state gives the scan of the loose one', () => {
  let tmp: TempDir;
  before(async () => {
    tmp = await makeTempDir('regdoctor-lean-');
  });
  after(() => tmp.remove());
  const write = async (name: string, items: Obj[]) => {
    const path = join(tmp.path, name);
    await writeFile(path, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
    return path;
  };

  test('the cluster fixture: the same findings and summary, with fewer fields held', async () => {
    const [loose, lean] = [await load(SNAPSHOT_JSON, false), await load(SNAPSHOT_JSON, true)];
    assert.ok((await scan(loose)).findings.length > 0, 'the fixture has failing pods');
    assert.deepEqual(await scan(lean), await scan(loose));
    assert.equal(lean.observedAt, loose.observedAt);
    // The loose state keeps what policy check and the exporter read; the lean one does not.
    const spec = (s: ClusterState) => [...s.workloads.values()].map((w) => w.spec);
    assert.ok(spec(loose).every((x) => x !== undefined) && spec(loose).length > 0);
    assert.ok(spec(lean).every((x) => x === undefined));
  });

  test('fields read outside the main ones: terminated times, heartbeats, spec.serviceAccount', async () => {
    const pod = failingPod();
    const byTerminated = await write('terminated.json', [pod, node(iso(30)), serviceAccount]);
    const byHeartbeat = await write('heartbeat.json', [pod, node(iso(120)), serviceAccount]);
    for (const [path, newest] of [
      [byTerminated, iso(90)],
      [byHeartbeat, iso(120)],
    ] as const) {
      const [loose, lean] = [await load(path, false), await load(path, true)];
      assert.equal(lean.observedAt, Date.parse(newest), path);
      assert.equal(loose.observedAt, Date.parse(newest), path);
      const [a, b] = [await scan(loose), await scan(lean)];
      assert.deepEqual(b, a);
      assert.equal(b.summary.asOf, newest);
      // The service account named by the deprecated field is the one audited: its pull secret is missing.
      assert.match(JSON.stringify(b.findings[0]), /regcred/);
      const leanPod = lean.pods[0] as unknown as { spec: Obj };
      assert.equal(leanPod.spec.tolerations, undefined);
      assert.equal(leanPod.spec.serviceAccount, 'builder');
      assert.deepEqual((loose.pods[0] as unknown as { spec: Obj }).spec.tolerations, [
        { key: 'x', operator: 'Exists' },
      ]);
    }
  });
});
