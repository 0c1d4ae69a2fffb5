// The agent probes as its node's runtime pulls when the runtime's configuration is mounted under its node root:
// here containerd's hosts.toml sends a name that does not resolve to a loopback registry, so only a probe that
// followed it can pull, and the check's result says which endpoint served.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckRun } from '../../src/agent/client.ts';
import { useFixture } from '../helpers/fixture.ts';
import { containerdMirror, nodeRoot } from '../runtime/node-root.ts';
import { agentFor, checkApi, cluster, node, pushSmall } from './support.ts';

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
});
