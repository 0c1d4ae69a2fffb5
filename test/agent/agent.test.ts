// The agent in-process against the kube-api test server and real registries: it answers its own node's checks
// only, writes status through the status subresource, refuses what the ImagePolicy allow-list refuses (without a
// single registry request), uses only the secrets a check names (anonymously when it may not read them), expires
// finished checks, re-lists after 410, and stops gracefully with a probe in flight.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CheckRun } from '../../src/agent/client.ts';
import { useFixture } from '../helpers/fixture.ts';
import { countingProxy } from '../helpers/counting-proxy.ts';
import * as faults from '../helpers/faults.ts';
import { Session } from '../../src/registry/session.ts';
import { agentFor, checkApi, cluster, node, policy, pushSmall, until } from './support.ts';

const fx = useFixture();

const dockerconfig = (registry: string, username: string, password: string) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'pull', namespace: 'shop' },
  type: 'kubernetes.io/dockerconfigjson',
  data: {
    '.dockerconfigjson': Buffer.from(
      JSON.stringify({ auths: { [registry]: { username, password } } }),
    ).toString('base64'),
  },
});

describe('agent', () => {
  test("answers its node's check with a probe; another node's check is not its business", async () => {
    const reg = await fx.registry();
    const image = await pushSmall(fx, reg.host);
    const c = await cluster(fx, { objects: [node('node-a'), node('node-b')] });
    const { agent } = await agentFor(fx, c, 'node-a');
    await agent.synced;
    const api = await checkApi(c);
    const run = new CheckRun(api, { answerMs: 2000, waitMs: 20_000 });
    try {
      const mine = await run.probe({ image, nodeName: 'node-a' });
      assert.equal(mine.kind, 'result', JSON.stringify(mine));
      if (mine.kind !== 'result') return;
      assert.equal(mine.probe.cause, null, mine.probe.summary);
      assert.equal(mine.agent, 'agent-node-a');
      assert.equal(mine.node?.name, 'node-a');
      assert.ok((mine.node?.imageBytes ?? 0) > 0, 'the probe reports the image size');
      const other = await run.probe({ image, nodeName: 'node-b' });
      assert.equal(other.kind, 'unanswered');
    } finally {
      await run.close();
    }
    // Status went through /status only; the agent never wrote the main resource.
    const writes = c.api.log.filter(
      (e) => e.resource === 'imagepullchecks.regdoctor.dev' && e.verb === 'patch',
    );
    assert.ok(writes.length >= 2);
    assert.ok(writes.every((e) => e.subresource === 'status'));
    // The agent's list and watches asked for its own node's checks by label.
    const reads = c.api.log.filter(
      (e) =>
        e.resource === 'imagepullchecks.regdoctor.dev' &&
        (e.verb === 'list' || e.verb === 'watch') &&
        e.query.labelSelector?.startsWith('regdoctor.dev/node'),
    );
    assert.ok(reads.length >= 2);
    assert.ok(reads.every((e) => e.query.labelSelector === 'regdoctor.dev/node=node-a'));
    assert.equal(agent.stats().probed, 1);
    assert.equal(c.api.stored('imagepullchecks.regdoctor.dev', 'x'), undefined);
  });

  test('an ImagePolicy allow-list refuses the registry: Refused, and not one request reaches it', async () => {
    const reg = await fx.registry();
    const image = await pushSmall(fx, reg.host);
    const counted = await fx.start(countingProxy(reg.url));
    const c = await cluster(fx, {
      objects: [node('node-a'), policy('trusted', { allowedRegistries: ['registry.example.com'] })],
    });
    const { agent } = await agentFor(fx, c, 'node-a');
    await agent.synced;
    const run = new CheckRun(await checkApi(c), { answerMs: 2000, waitMs: 20_000 });
    try {
      const answer = await run.probe({ image: image.replace(reg.host, counted.host), nodeName: 'node-a' });
      assert.equal(answer.kind, 'refused', JSON.stringify(answer));
      assert.match(
        (answer as { message: string }).message,
        /ImagePolicy trusted: .*not from an allowed registry/,
      );
      const scan = await run.probe({ image: '10.0.0.1:22/x', nodeName: 'node-a', namespace: 'shop' });
      assert.equal(scan.kind, 'refused');
    } finally {
      await run.close();
    }
    assert.deepEqual(counted.lines(), [], 'the refused registry saw no request');
  });

  test('credentials: only the secrets the check names; anonymous (and said so) when secrets are forbidden', async () => {
    const reg = await fx.registry({ htpasswd: { ci: 'pull-pass-7' } });
    const image = await pushSmall(fx, reg.host, 'team/app', '1', { username: 'ci', password: 'pull-pass-7' });
    const objects = [
      node('node-a'),
      dockerconfig(reg.host, 'ci', 'pull-pass-7'),
      {
        ...dockerconfig(reg.host, 'ci', 'other-secret-9'),
        metadata: { name: 'unrelated', namespace: 'shop' },
      },
    ];
    const c = await cluster(fx, { objects });
    const { agent } = await agentFor(fx, c, 'node-a');
    await agent.synced;
    const run = new CheckRun(await checkApi(c), { answerMs: 2000, waitMs: 20_000 });
    try {
      const ok = await run.probe({
        image,
        nodeName: 'node-a',
        namespace: 'shop',
        pullSecrets: [{ name: 'pull' }],
      });
      assert.equal(ok.kind, 'result', JSON.stringify(ok));
      assert.ok(!JSON.stringify(ok).includes('pull-pass-7'), 'no secret in the status');
      if (ok.kind === 'result') {
        assert.equal(ok.probe.cause, null, ok.probe.summary);
        assert.equal(ok.probe.credential?.username, 'ci');
      }
      const anon = await run.probe({ image, nodeName: 'node-a' });
      assert.equal(anon.kind === 'result' && anon.probe.cause, 'UNAUTHORIZED');
    } finally {
      await run.close();
    }
    const secretReads = c.api.log.filter((e) => e.resource === 'secrets');
    assert.deepEqual(
      secretReads.map((e) => `${e.verb} ${e.namespace}/${e.name}`),
      ['get shop/pull'],
      'the agent read exactly the secret the check named',
    );

    // The base RBAC: no secrets. The probe goes anonymously and the status says so.
    const locked = await cluster(fx, { objects, forbid: [{ resource: 'secrets' }] });
    const { agent: a2 } = await agentFor(fx, locked, 'node-a');
    await a2.synced;
    const run2 = new CheckRun(await checkApi(locked), { answerMs: 2000, waitMs: 20_000 });
    try {
      const r = await run2.probe({
        image,
        nodeName: 'node-a',
        namespace: 'shop',
        pullSecrets: [{ name: 'pull' }],
      });
      assert.equal(r.kind, 'result', JSON.stringify(r));
      if (r.kind === 'result') {
        assert.equal(r.probe.cause, 'UNAUTHORIZED');
        assert.match(r.message ?? '', /secrets not readable: probed anonymously/);
        assert.match(
          r.probe.steps.find((st) => st.name === 'credentials')?.summary ?? '',
          /may not read secrets/,
        );
      }
    } finally {
      await run2.close();
    }
  });

  test('refusals: a pod on another node, a label that disagrees with spec.nodeName, a bad platform', async () => {
    const reg = await fx.registry();
    const image = await pushSmall(fx, reg.host);
    const pod = (name: string, nodeName: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop' },
      spec: { nodeName, containers: [{ name: 'c', image }], imagePullSecrets: [{ name: 'pull' }] },
    });
    const c = await cluster(fx, { objects: [node('node-a'), pod('here', 'node-a'), pod('there', 'node-b')] });
    const { agent } = await agentFor(fx, c, 'node-a');
    await agent.synced;
    const api = await checkApi(c);
    const run = new CheckRun(api, { answerMs: 2000, waitMs: 20_000 });
    try {
      const here = await run.probe({
        image,
        nodeName: 'node-a',
        namespace: 'shop',
        podRef: { name: 'here' },
      });
      assert.equal(here.kind, 'result', JSON.stringify(here));
      const there = await run.probe({
        image,
        nodeName: 'node-a',
        namespace: 'shop',
        podRef: { name: 'there' },
      });
      assert.equal(there.kind, 'refused');
      assert.match((there as { message: string }).message, /runs on node node-b, not on node-a/);
      const plat = await run.probe({ image, nodeName: 'node-a', platform: 'linux/x/y/z' });
      assert.equal(plat.kind, 'refused');
    } finally {
      await run.close();
    }
    // Labelled for node-a, but spec says node-b: node-a's agent refuses rather than probing for another node.
    const forged = await api.create({
      apiVersion: 'regdoctor.dev/v1alpha1',
      kind: 'ImagePullCheck',
      metadata: { generateName: 'forged-', labels: { 'regdoctor.dev/node': 'node-a' } },
      spec: { image, nodeName: 'node-b' },
    });
    await until(
      'forged check refused',
      async () => (await api.get(forged.name))?.status?.phase === 'Refused',
    );
    assert.match((await api.get(forged.name))?.status?.message ?? '', /spec.nodeName is node-b/);
  });

  test('finished checks expire after the TTL; abandoned ones after the maximum age', async () => {
    const reg = await fx.registry();
    const image = await pushSmall(fx, reg.host);
    const c = await cluster(fx, { objects: [node('node-a')] });
    const { agent } = await agentFor(fx, c, 'node-a', { ttlMs: 300, maxAgeMs: 60_000, sweepIntervalMs: 100 });
    await agent.synced;
    const api = await checkApi(c);
    const done = await api.create({
      apiVersion: 'regdoctor.dev/v1alpha1',
      kind: 'ImagePullCheck',
      metadata: { generateName: 'ttl-', labels: { 'regdoctor.dev/node': 'node-a' } },
      spec: { image, nodeName: 'node-a' },
    });
    await until('completed', async () => (await api.get(done.name))?.status?.phase === 'Completed');
    await until('deleted after the TTL', async () => (await api.get(done.name)) === null, 5000);
    assert.equal(agent.stats().deleted, 1);
    // A check nobody finished properly (no finishedAt), created long ago: gone by the maximum age.
    c.api.apply({
      apiVersion: 'regdoctor.dev/v1alpha1',
      kind: 'ImagePullCheck',
      metadata: {
        name: 'abandoned',
        creationTimestamp: '2020-01-01T00:00:00Z',
        labels: { 'regdoctor.dev/node': 'node-a' },
      },
      spec: { image, nodeName: 'node-a' },
      status: { phase: 'Failed' },
    });
    await until('abandoned check deleted', async () => (await api.get('abandoned')) === null, 5000);
    assert.equal(agent.stats().deleted, 2);
  });

  test('410 Gone: the agent lists again and goes on answering', async () => {
    const reg = await fx.registry();
    const image = await pushSmall(fx, reg.host);
    const c = await cluster(fx, { objects: [node('node-a')] });
    const { agent, logs } = await agentFor(fx, c, 'node-a');
    await agent.synced;
    const lists = () =>
      c.api.log.filter((e) => e.resource === 'imagepullchecks.regdoctor.dev' && e.verb === 'list').length;
    const before = lists();
    // expire() ends open watches with 410; a watch opened after it, from the list's own version, is served. A
    // watch request in the log is already registered (the server adds it in the same tick).
    await until('the ImagePullCheck watch', () =>
      c.api.log.some((e) => e.resource === 'imagepullchecks.regdoctor.dev' && e.verb === 'watch'),
    );
    c.api.expire();
    await until('re-listed', () => lists() > before);
    assert.ok(logs.some((l) => /ImagePullCheck watch expired \(410 Gone\)/.test(l)));
    const run = new CheckRun(await checkApi(c), { answerMs: 3000, waitMs: 20_000 });
    try {
      const r = await run.probe({ image, nodeName: 'node-a' });
      assert.equal(r.kind, 'result', JSON.stringify(r));
    } finally {
      await run.close();
    }
  });

  test('stop: a probe in flight gets the grace period, then the agent is gone; a stalled one is cut off', async () => {
    const stalled = await fx.start(faults.stall({ phase: 'headers' }));
    const c = await cluster(fx, { objects: [node('node-a')] });
    const { agent } = await agentFor(fx, c, 'node-a', {
      session: () => new Session({ timeoutMs: 60_000 }),
    });
    await agent.synced;
    const api = await checkApi(c);
    const check = await api.create({
      apiVersion: 'regdoctor.dev/v1alpha1',
      kind: 'ImagePullCheck',
      metadata: { generateName: 'stall-', labels: { 'regdoctor.dev/node': 'node-a' } },
      spec: { image: `${stalled.host}/team/app:1`, nodeName: 'node-a' },
    });
    await until('running', async () => (await api.get(check.name))?.status?.phase === 'Running');
    const t0 = performance.now();
    await agent.stop(300);
    const took = performance.now() - t0;
    assert.ok(took < 3000, `stop took ${took} ms`);
    assert.equal(
      (await api.get(check.name))?.status?.phase,
      'Running',
      'left for the next agent on the node',
    );
  });

  test('the creator never waits unbounded: a watch it may not make, a queue that is full', async () => {
    const c = await cluster(fx, {
      objects: [node('node-a')],
      forbid: [{ resource: 'imagepullchecks.regdoctor.dev', verbs: ['list', 'watch'] }],
    });
    const run = new CheckRun(await checkApi(c), { answerMs: 500, waitMs: 1000 });
    const t0 = performance.now();
    try {
      const a = await run.probe({ image: 'r.io/x:1', nodeName: 'node-a' });
      assert.equal(a.kind, 'unanswered');
      assert.match((a as { message: string }).message, /could not watch ImagePullChecks: .*403.*forbidden/);
    } finally {
      await run.close();
    }
    assert.ok(performance.now() - t0 < 5000);

    // An agent whose queue is full answers Failed ("busy") at once instead of taking more.
    const stalled = await fx.start(faults.stall({ phase: 'headers' }));
    const c2 = await cluster(fx, { objects: [node('node-a')] });
    const { agent } = await agentFor(fx, c2, 'node-a', {
      concurrency: 1,
      queueLimit: 1,
      session: () => new Session({ timeoutMs: 60_000 }),
    });
    await agent.synced;
    const run2 = new CheckRun(await checkApi(c2), { answerMs: 3000, waitMs: 3000 });
    try {
      const answers = await Promise.all(
        [1, 2, 3, 4].map((i) => run2.probe({ image: `${stalled.host}/team/app:${i}`, nodeName: 'node-a' })),
      );
      const busy = answers.filter((a) => a.kind === 'failed' && /is busy/.test(a.message));
      assert.ok(busy.length >= 2, JSON.stringify(answers));
      assert.ok(
        answers.some((a) => a.kind === 'timeout'),
        "the stalled one times out on the creator's side",
      );
    } finally {
      await run2.close();
    }
  });

  test('a stale Running event after the answer does not start a second probe', async () => {
    const reg = await fx.registry();
    const image = await pushSmall(fx, reg.host);
    const c = await cluster(fx, { objects: [node('node-a')] });
    const { agent } = await agentFor(fx, c, 'node-a');
    await agent.synced;
    const api = await checkApi(c);
    const check = await api.create({
      apiVersion: 'regdoctor.dev/v1alpha1',
      kind: 'ImagePullCheck',
      metadata: { generateName: 'stale-', labels: { 'regdoctor.dev/node': 'node-a' } },
      spec: { image, nodeName: 'node-a' },
    });
    await until('completed', async () => (await api.get(check.name))?.status?.phase === 'Completed');
    // What a delayed watch event looks like to the agent: the check as it was while it ran.
    const stored = c.api.stored('imagepullchecks.regdoctor.dev', check.name)!;
    c.api.apply({ ...stored, status: { phase: 'Running', agent: 'agent-node-a' } });
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(agent.stats().probed, 1);
    assert.equal(agent.stats().inFlight + agent.stats().queued, 0);
  });
});
