// Node facts reach the user (issue 12, "Node facts"): which nodes already hold the image (Node.status.images, by
// digest when the probe resolved one) and the kubelet's pull settings from configz, in `scan --from-nodes`'s
// evidence and in `probe --node`'s output. test/agent/model.test.ts checks the pure functions; this runs the CLI
// against the kube-api test server with an agent answering, so a fact that is computed but never shown fails here.
// And `probe --node` as the issue has it: the secrets named by --pull-secret are the ones the node's agent pulls
// with, and the checks it creates are deleted, answered or not.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { agentFor, cluster, node, waitingPod, type Cluster } from './support.ts';

const PASSWORD = 'node-pull-s3cret';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- CLI JSON output

describe('node facts in the output', () => {
  const fx = useFixture();
  let cli: Cli;
  let c: Cluster;
  let image: string;
  let host: string;
  let privateImage: string;

  before(async () => {
    cli = await buildCli(fx);
    const reg = await fx.registry();
    host = reg.host;
    const layout = await buildImageLayout(await fx.subdir('img'), { tag: '1' });
    await pushImage(layout, `docker://${host}/team/app:1`, { tlsVerify: false });
    image = `${host}/team/app:1`;
    const digest = layout.top.digest;
    const priv = await fx.registry({ htpasswd: { ci: PASSWORD } });
    await pushImage(layout, `docker://${priv.host}/team/private:1`, {
      tlsVerify: false,
      creds: { username: 'ci', password: PASSWORD },
    });
    privateImage = `${priv.host}/team/private:1`;
    const auth = Buffer.from(`ci:${PASSWORD}`).toString('base64');
    const images = (names: string[]) => ({ images: [{ names, sizeBytes: 1234 }] });
    c = await cluster(fx, {
      objects: [
        node('node-a', images([`${host}/team/app@${digest}`, image])),
        node('node-b', images([image])),
        node('node-c', images([`${host}/team/other:1`])),
        waitingPod('web', 'node-a', image),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'pull', namespace: 'shop' },
          type: 'kubernetes.io/dockerconfigjson',
          data: {
            '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [priv.host]: { auth } } })).toString(
              'base64',
            ),
          },
        },
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

  test('probe --node --pull-secret: the agent pulls with the named secret; without one, anonymously', async () => {
    const args = ['probe', privateImage, '--node', 'node-a', '--kubeconfig', c.kubeconfig, '-o', 'json'];
    const withSecret = await cli.run([...args, '--pull-secret', 'pull', '-n', 'shop'], {
      killAfterMs: 60_000,
    });
    assert.equal(withSecret.code, 0, show(withSecret));
    assert.equal(JSON.parse(withSecret.stdout).cause, null);
    assert.ok(!withSecret.stdout.includes(PASSWORD) && !withSecret.stderr.includes(PASSWORD));
    const anonymous = await cli.run(args, { killAfterMs: 60_000 });
    assert.equal(anonymous.code, 1, show(anonymous));
    assert.equal(JSON.parse(anonymous.stdout).cause, 'UNAUTHORIZED');
  });

  test('probe --node deletes the checks it created, answered or not', async () => {
    const none = await cli.run(
      ['probe', image, '--node', 'node-b', '--kubeconfig', c.kubeconfig, '--node-wait', '2s'],
      { killAfterMs: 60_000 },
    );
    assert.equal(none.code, 2, show(none));
    assert.match(none.stderr, /no regdoctor agent took the check within 2 s/);
    const checks = c.api.log.filter((e) => e.resource === 'imagepullchecks.regdoctor.dev');
    const created = checks.filter((e) => e.verb === 'create' && e.status === 201).length;
    const deleted = checks.filter((e) => e.verb === 'delete' && e.status === 200).length;
    assert.ok(created >= 5, `${created} checks created by the runs of this file`);
    assert.equal(deleted, created, 'every check created was deleted');
    const res = await fetch(`${c.api.url}/apis/regdoctor.dev/v1alpha1/imagepullchecks`, {
      headers: { authorization: `Bearer ${c.api.token}` },
    });
    assert.deepEqual(((await res.json()) as Obj).items, []);
  });
});
