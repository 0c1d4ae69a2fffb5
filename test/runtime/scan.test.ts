// scan through node runtimes: a node whose root is given is probed as its runtime pulls (its hosts.toml, the
// runtime and version it reports in status.nodeInfo), a node without one straight from the registry; one probe
// per root and runtime, so the same image on two nodes configured differently gets two verdicts.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { nodeRoots } from '../../src/cli/runtime-flags.ts';
import { UsageError } from '../../src/cause/index.ts';
import { scanCluster } from '../../src/scan/index.ts';
import { Session } from '../../src/registry/session.ts';
import { useFixture } from '../helpers/fixture.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { kubelet } from '../scan/kubelet.ts';
import { findingOf } from '../scan/support.ts';
import { pullFailure, world } from '../scan/world.ts';
import { containerdMirror, nodeRoot } from './node-root.ts';

describe('scan --node-root', () => {
  const fx = useFixture();
  let image: string;
  let mirror: CountingProxy;
  let root: string;

  before(async () => {
    const [reg, empty] = await Promise.all([fx.registry(), fx.registry()]);
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    image = `${reg.host}/team/app:1`;
    mirror = await fx.start(countingProxy(reg.url));
    mirror.mode = 'fail';
    // node-amd64 pulls the image's registry through a failing mirror, then a server without the image.
    root = await nodeRoot(fx, containerdMirror(reg.host, `http://${mirror.host}`, empty.url), 'node-amd64');
  });

  test('each node as its runtime pulls; nodes without a root from here', async () => {
    const w = world().node('node-amd64-b', 'amd64');
    for (const [name, node] of [
      ['a', 'node-amd64'],
      ['b', 'node-amd64-b'],
    ] as const)
      w.pod({ namespace: 'shop', name, node, image, events: pullFailure(image, kubelet.notFound(image)) });
    const roots = await nodeRoots({ 'node-root': [`node-amd64=${root}`] });
    const session = new Session({ timeoutMs: 5000 });
    try {
      const r = await scanCluster(w.state(), {
        session,
        defaultPlatform: { os: 'linux', architecture: 'amd64' },
        plainHttp: () => true,
        nodeRoots: roots!,
      });
      assert.equal(r.summary.probes, 2, 'one probe per node configuration');
      const a = findingOf(r, 'shop', 'a').probe!;
      assert.equal(a.runtime?.name, 'containerd');
      assert.equal(a.runtime?.version, '1.7.13', "the node's containerRuntimeVersion");
      // containerd before 2.0 reports the first failure that is not a 404: the mirror's 503.
      assert.equal(a.cause, 'REGISTRY_ERROR', a.summary);
      assert.match(
        a.runtime?.reported ?? '',
        new RegExp(`unexpected status from HEAD request to http://${mirror.host}/v2/`),
      );
      const b = findingOf(r, 'shop', 'b').probe!;
      assert.equal(b.runtime, undefined);
      assert.equal(b.cause, null, b.summary);
    } finally {
      await session.close();
    }
  });

  test('--node-root forms: one DIR for every node, or NODE=DIR each; mixing or repeating is a usage error', async () => {
    const all = await nodeRoots({ 'node-root': [root] });
    assert.equal(all?.rootOf('any-node'), root);
    const named = await nodeRoots({
      'node-root': [`n1=${root}`],
      runtime: 'cri-o',
      'runtime-version': '1.30.0',
    });
    assert.equal(named?.rootOf('n1'), root);
    assert.equal(named?.rootOf('n2'), null);
    assert.equal(named?.runtime, 'crio');
    assert.equal(await nodeRoots({}), null);
    for (const bad of [
      { 'node-root': [root, `n1=${root}`] },
      { 'node-root': [`n1=${root}`, `n1=${root}`] },
      { 'node-root': [`=${root}`] },
      { 'node-root': [join(root, 'missing')] },
      { runtime: 'containerd' },
      { 'node-root': [root], runtime: 'rkt' },
    ])
      await assert.rejects(nodeRoots(bad), UsageError, JSON.stringify(bad));
  });
});
