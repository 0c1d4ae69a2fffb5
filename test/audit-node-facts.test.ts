// Node facts reach the user (issue 12, "Node facts"): which nodes already hold the image (Node.status.images, by
// digest when the probe resolved one) and the kubelet's pull settings from configz, in `scan --from-nodes`'s
// evidence and in `probe --node`'s output. test/agent/model.test.ts checks the pure functions; this runs the CLI
// against the kube-api test server with an agent answering, so a fact that is computed but never shown fails here.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from './helpers/fixture.ts';
import { buildImageLayout } from './helpers/oci.ts';
import { pushImage } from './helpers/skopeo.ts';
import { buildCli, show, type Cli } from './cli/cli.ts';
import { agentFor, cluster, node, waitingPod, type Cluster } from './agent/support.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- CLI JSON output

describe('node facts in the output', () => {
  const fx = useFixture();
  let cli: Cli;
  let c: Cluster;
  let image: string;
  let host: string;

  before(async () => {
    cli = await buildCli(fx);
    const reg = await fx.registry();
    host = reg.host;
    const layout = await buildImageLayout(await fx.subdir('img'), { tag: '1' });
    await pushImage(layout, `docker://${host}/team/app:1`, { tlsVerify: false });
    image = `${host}/team/app:1`;
    const digest = layout.top.digest;
    const images = (names: string[]) => ({ images: [{ names, sizeBytes: 1234 }] });
    c = await cluster(fx, {
      objects: [
        node('node-a', images([`${host}/team/app@${digest}`, image])),
        node('node-b', images([image])),
        node('node-c', images([`${host}/team/other:1`])),
        waitingPod('web', 'node-a', image),
      ],
      configz: { 'node-a': { serializeImagePulls: false, maxParallelImagePulls: 3, registryPullQPS: 7 } },
    });
    const { agent } = await agentFor(fx, c, 'node-a');
    await agent.synced;
  });

  test('scan --from-nodes: the nodes that hold the image, by digest and by tag, and the kubelet settings', async () => {
    const r = await cli.run(
      [
        'scan',
        '--kubeconfig',
        c.kubeconfig,
        '--from-nodes',
        '--node-wait',
        '15s',
        '--plain-http-registry',
        host,
        '-o',
        'json',
      ],
      { killAfterMs: 60_000 },
    );
    assert.ok(r.code === 0 || r.code === 1, show(r));
    const f = (JSON.parse(r.stdout).findings as Obj[]).find((x) => x.pod === 'web');
    assert.ok(f, r.stdout);
    const evidence = f.evidence as string[];
    assert.ok(
      evidence.some((e) => e.includes('from node node-a (agent agent-node-a)')),
      `the agent answered: ${JSON.stringify(evidence)}`,
    );
    assert.ok(
      evidence.includes('nodes that already hold this image: node-a (same digest); node-b (same tag)'),
      JSON.stringify(evidence),
    );
    assert.ok(
      evidence.some((e) => /^kubelet on node node-a: .*registryPullQPS 7/.test(e)),
      JSON.stringify(evidence),
    );
  });

  test('probe --node: "already holds this image", and holdsImage in JSON', async () => {
    const text = await cli.run(['probe', image, '--node', 'node-a', '--kubeconfig', c.kubeconfig], {
      killAfterMs: 60_000,
    });
    assert.equal(text.code, 0, show(text));
    assert.match(text.stdout, /^from node node-a \(agent agent-node-a\)\n/);
    assert.match(text.stdout, /node node-a already holds this image \(same digest\)/);
    assert.match(text.stdout, /kubelet: .*registryPullQPS 7/);
    const json = await cli.run(
      ['probe', image, '--node', 'node-a', '--kubeconfig', c.kubeconfig, '-o', 'json'],
      {
        killAfterMs: 60_000,
      },
    );
    assert.equal(json.code, 0, show(json));
    const j = JSON.parse(json.stdout) as Obj;
    assert.equal(j.from.holdsImage, 'digest');
    assert.equal(j.from.kubelet.maxParallelImagePulls, 3);
  });
});
