// The agent probes as its node's runtime pulls when the runtime's configuration is mounted under its node root:
// here containerd's hosts.toml sends a name that does not resolve to a loopback registry, so only a probe that
// followed it can pull, and the check's result says which endpoint served.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckRun } from '../../src/agent/client.ts';
import { useFixture } from '../helpers/fixture.ts';
import { containerdMirror, nodeRoot } from '../runtime/node-root.ts';
import { agentFor, checkApi, cluster, node, pushSmall, type Cluster } from './support.ts';

describe('agent through the node runtime', () => {
  const fx = useFixture();
  test('hosts.toml under the node root decides where the agent pulls from', async () => {
    const reg = await fx.registry();
    await pushSmall(fx, reg.host);
    const root = await nodeRoot(
      fx,
      containerdMirror('registry.invalid', `http://${reg.host}`, 'https://registry.invalid'),
      'host',
    );
    const c = await cluster(fx, { objects: [node('node-a')] });
    const { agent, logs } = await agentFor(fx, c, 'node-a', { nodeRoot: root });
    await agent.synced;
    assert.ok(
      logs.some((l) => /probing through containerd/.test(l)),
      logs.join('\n'),
    );
    const checks = new CheckRun(await checkApi(c), { answerMs: 2000, waitMs: 20_000 });
    try {
      const a = await checks.probe({ image: 'registry.invalid/team/app:1', nodeName: 'node-a' });
      assert.equal(a.kind, 'result', JSON.stringify(a));
      if (a.kind !== 'result') return;
      assert.equal(a.probe.cause, null, a.probe.summary);
      assert.equal(a.probe.runtime?.name, 'containerd');
      assert.equal(a.probe.runtime?.servedBy, `http://${reg.host}/v2`);
      assert.deepEqual(
        a.probe.runtime?.endpoints.map((e) => [e.role, e.outcome]),
        [
          ['mirror', 'served'],
          ['upstream', 'not-tried'],
        ],
      );
    } finally {
      await checks.close();
    }
  });

  // Both runtimes' files are on this node: containerd's hosts.toml sends registry.invalid to the loopback registry,
  // CRI-O's registries.conf blocks it. Only the runtime the Node object reports decides which one the agent is.
  const bothRuntimes = (mirror: string) => ({
    ...containerdMirror('registry.invalid', mirror, 'https://registry.invalid'),
    'etc/containers/registries.conf': '[[registry]]\nlocation = "registry.invalid"\nblocked = true\n',
  });
  const answer = async (c: Cluster) => {
    const checks = new CheckRun(await checkApi(c), { answerMs: 2000, waitMs: 20_000 });
    try {
      const a = await checks.probe({ image: 'registry.invalid/team/app:1', nodeName: 'node-a' });
      assert.equal(a.kind, 'result', JSON.stringify(a));
      return a.kind === 'result' ? a.probe : null;
    } finally {
      await checks.close();
    }
  };
  for (const [reported, name, cause] of [
    ['containerd://1.7.2', 'containerd', null],
    ['cri-o://1.30.0', 'crio', 'POLICY_REJECTED'],
  ] as const) {
    test(`the Node's containerRuntimeVersion ${reported} decides the runtime, and its version is used`, async () => {
      const reg = await fx.registry();
      await pushSmall(fx, reg.host);
      const root = await nodeRoot(fx, bothRuntimes(`http://${reg.host}`), 'host');
      const c = await cluster(fx, {
        objects: [node('node-a', { nodeInfo: { containerRuntimeVersion: reported } })],
      });
      const { agent, logs } = await agentFor(fx, c, 'node-a', { nodeRoot: root });
      await agent.synced;
      assert.ok(
        logs.some((l) => l.includes(`probing through ${name} ${reported.split('://')[1]}`)),
        logs.join('\n'),
      );
      const probe = await answer(c);
      assert.equal(probe?.runtime?.name, name);
      assert.equal(probe?.runtime?.version, reported.split('://')[1]);
      assert.equal(probe?.cause, cause, probe?.summary);
    });
  }

  test('without access to its Node the agent falls back to the files, and says why', async () => {
    const reg = await fx.registry();
    const root = await nodeRoot(fx, bothRuntimes(`http://${reg.host}`), 'host');
    const c = await cluster(fx, {
      objects: [node('node-a', { nodeInfo: { containerRuntimeVersion: 'cri-o://1.30.0' } })],
      forbid: [{ resource: 'nodes' }],
    });
    const { agent, logs } = await agentFor(fx, c, 'node-a', { nodeRoot: root });
    await agent.synced;
    const line = logs.find((l) => l.startsWith('probing through'));
    assert.match(line ?? '', /files present: .*node node-a not readable: .*forbidden/, logs.join('\n'));
    assert.doesNotMatch(line ?? '', /crio 1\.30\.0/);
  });

  test('a runtime the Node reports, with no node root mounted: probed directly, and the log says why', async () => {
    const c = await cluster(fx, {
      objects: [node('node-a', { nodeInfo: { containerRuntimeVersion: 'cri-o://1.30.0' } })],
    });
    const { agent, logs } = await agentFor(fx, c, 'node-a');
    await agent.synced;
    const line = logs.find((l) => l.startsWith('no container runtime configuration'));
    assert.match(
      line ?? '',
      /probing the registries directly \(.*node node-a reports cri-o:\/\/1\.30\.0, but .*no-node-root is not mounted\)/,
      logs.join('\n'),
    );
  });
});
