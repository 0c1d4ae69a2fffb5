// ImagePolicy objects watched in a cluster (the kube-api test server over HTTPS, through @kubernetes/client-node):
// decisions follow adds, edits and deletes; a bad object is skipped; an expired watch re-lists; readiness waits for
// the first list.
import { afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { startKubeApi, writeKubeconfig, type KubeApi, type KubeApiOptions } from '../helpers/kube-api.ts';
import type { TestPki } from '../helpers/pki.ts';
import { startWebhook, type Webhook } from '../../src/webhook/index.ts';
import { admit, call, workload } from './reviews.ts';

const IMAGE_POLICIES = {
  group: 'regdoctor.dev',
  version: 'v1alpha1',
  resource: 'imagepolicies',
  kind: 'ImagePolicy',
  namespaced: false,
};

const policy = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'regdoctor.dev/v1alpha1',
  kind: 'ImagePolicy',
  metadata: { name, uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
  spec,
});

describe('policies watched in the cluster', () => {
  const fx = useFixture();
  let pki: TestPki;
  const logs: string[] = [];
  /** What a test started: stopped when it ends, so no watch of an earlier test runs (and logs) into the next. */
  const started: { close(): Promise<void> }[] = [];

  before(async () => {
    pki = await fx.pki();
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
    logs.length = 0;
  });

  async function cluster(opts: Partial<KubeApiOptions> = {}): Promise<{ api: KubeApi; hook: Webhook }> {
    const api = await fx.start(
      startKubeApi({ objects: [], tls: pki.valid, resources: [IMAGE_POLICIES], ...opts }),
    );
    const kubeconfig = await writeKubeconfig(await fx.subdir('kube'), {
      server: api.url,
      token: api.token,
      caPem: pki.ca.certPem,
    });
    const hook = await startWebhook({
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: pki.valid.certPath, keyFile: pki.valid.keyPath },
      cluster: { kubeconfig, retryDelayMs: 20, watchTimeoutSeconds: 60 },
      log: (l) => logs.push(l),
    });
    started.push({ close: () => hook.close(0) }, { close: () => api.stop() });
    return { api, hook };
  }

  const decide = async (hook: Webhook, image: string) =>
    (await admit(hook.url, pki.ca.certPem, { object: workload('Pod', 'p', [{ name: 'c', image }]) })).answer
      .json.response;

  async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
    const end = Date.now() + 30_000;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`not seen in time: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  test('adds, edits and deletes change decisions; a bad object is skipped; 410 re-lists', async () => {
    const { api, hook } = await cluster({
      objects: [
        policy('no-latest', { disallowLatestTag: true }),
        policy('misspelt', { disalowLatestTag: true }),
      ],
    });
    await hook.synced;
    assert.equal(hook.ready(), true);
    assert.deepEqual(
      hook.policies.policies?.map((p) => p.name),
      ['no-latest'],
    );
    assert.ok(
      logs.some((l) =>
        /ImagePolicy "misspelt" is not valid; skipped: .*unknown field spec\.disalowLatestTag/.test(l),
      ),
    );
    const list = api.log.find(
      (e) => e.path === '/apis/regdoctor.dev/v1alpha1/imagepolicies' && !e.query.watch,
    );
    assert.ok(list?.authorized);
    await until('the watch', () => api.openWatches() === 1);
    const watchReq = api.log.find((e) => e.query.watch);
    assert.equal(watchReq?.query.resourceVersion, '481900', 'watches from the list resourceVersion');
    assert.equal(watchReq?.query.allowWatchBookmarks, 'true');

    assert.equal((await decide(hook, 'nginx')).allowed, false);
    assert.equal((await decide(hook, 'quay.io/team/app:1')).allowed, true);

    // ADDED
    api.apply(policy('quay-blocked', { blockedImages: ['quay.io/**'] }));
    await until('the added policy', async () => !(await decide(hook, 'quay.io/team/app:1')).allowed);
    const denied = await decide(hook, 'quay.io/team/app:1');
    assert.match(denied.status.message, /\[quay-blocked\/blockedImages\]/);

    // MODIFIED: to warn mode
    api.apply(policy('quay-blocked', { mode: 'warn', blockedImages: ['quay.io/**'] }));
    await until('the edit', async () => (await decide(hook, 'quay.io/team/app:1')).allowed);
    assert.match((await decide(hook, 'quay.io/team/app:1')).warnings[0], /^quay-blocked\/blockedImages: /);

    // MODIFIED into something invalid: the last good version stays in force.
    api.apply(policy('quay-blocked', { mode: 'sometimes' }));
    await until('the rejected edit', () =>
      logs.some((l) => /"quay-blocked" is not valid; the previous version stays in force/.test(l)),
    );
    assert.ok((await decide(hook, 'quay.io/team/app:1')).warnings?.length);

    // DELETED
    assert.ok(
      api.remove({ apiVersion: 'regdoctor.dev/v1alpha1', kind: 'ImagePolicy', name: 'quay-blocked' }),
    );
    await until('the delete', async () => (await decide(hook, 'quay.io/team/app:1')).warnings === undefined);

    // A bookmark moves the resourceVersion on; the next watch starts from there.
    api.bookmark();
    const rvAfterBookmark = api.resourceVersion();
    // The server ends the watch (its timeout): watching again from the last version, without a new list.
    const lists = hook.watch!.lists();
    const watchesBefore = api.log.filter((e) => e.query.watch).length;
    api.closeWatches();
    await until(
      'the re-watch',
      () => api.log.filter((e) => e.query.watch).length > watchesBefore && api.openWatches() === 1,
    );
    assert.equal(hook.watch!.lists(), lists, 'no re-list after a normal end');
    assert.equal(api.log.filter((e) => e.query.watch).at(-1)?.query.resourceVersion, rvAfterBookmark);

    // 410 Gone: history compacted while the watch was open — list again, and changes still arrive.
    api.expire();
    await relisted(api, hook, lists);
    assert.ok(logs.some((l) => l.includes('watch expired (410 Gone); listing again')));
    api.apply(policy('no-quay', { blockedImages: ['quay.io/**'] }));
    await until(
      'a change after the re-list',
      async () => !(await decide(hook, 'quay.io/team/app:1')).allowed,
    );
    assert.deepEqual(
      hook.policies.policies?.map((p) => p.name),
      ['no-latest', 'no-quay'],
    );
  });

  /** A re-list happened since `before` lists and its watch is open (how many re-lists is the backoff's business). */
  async function relisted(api: KubeApi, hook: Webhook, before: number): Promise<void> {
    const at = api.log.length;
    await until(
      'the re-list and its watch',
      () =>
        hook.watch!.lists() > before &&
        api.log.slice(at).some((e) => e.query.watch && e.status === 200) &&
        api.openWatches() === 1,
    );
  }

  test('a version kept in force after an invalid edit stays in force across a 410 re-list', async () => {
    const { api, hook } = await cluster({
      objects: [policy('quay-blocked', { blockedImages: ['quay.io/**'] }), policy('gone', {})],
    });
    await hook.synced;
    await until('the watch', () => api.openWatches() === 1);
    assert.equal((await decide(hook, 'quay.io/team/app:1')).allowed, false);
    api.apply(policy('quay-blocked', { mode: 'sometimes' }));
    await until('the rejected edit', () =>
      logs.some((l) => /"quay-blocked" is not valid; the previous version stays in force/.test(l)),
    );
    // No watch can follow history for a while; meanwhile "gone" is deleted and that is compacted away too, so
    // only a list can tell.
    const lists = hook.watch!.lists();
    api.everyWatch('expire');
    api.expire();
    assert.equal(api.openWatches(), 0);
    assert.ok(api.remove({ apiVersion: 'regdoctor.dev/v1alpha1', kind: 'ImagePolicy', name: 'gone' }));
    api.expire();
    api.everyWatch('serve');
    await relisted(api, hook, lists);
    await until('the list without "gone"', () => !hook.policies.policies?.some((p) => p.name === 'gone'));
    assert.deepEqual(
      hook.policies.policies?.map((p) => p.name),
      ['quay-blocked'],
      'the last good version is kept; an object the list no longer has is dropped',
    );
    const d = await decide(hook, 'quay.io/team/app:1');
    assert.equal(d.allowed, false, 'still blocked after the re-list');
    assert.match(d.status.message, /\[quay-blocked\/blockedImages\]/);
    // A valid edit after the re-list replaces the kept version.
    api.apply(policy('quay-blocked', { mode: 'warn', blockedImages: ['quay.io/**'] }));
    await until('the valid edit', async () => (await decide(hook, 'quay.io/team/app:1')).allowed);
  });

  test('a server that keeps answering 410: re-lists back off exponentially, with jitter', async () => {
    const { api, hook } = await cluster({
      objects: [policy('no-latest', { disallowLatestTag: true })],
      everyWatch: 'expire',
    });
    await hook.synced;
    const lists = () => api.log.filter((e) => !e.query.watch).map((e) => e.at);
    await until('six LISTs', () => lists().length >= 6);
    // From 20 ms, doubling: the wait before re-list i is at least 20·2^(i-1) ms (jitter only adds).
    const at = lists();
    for (let i = 1; i < 6; i++) {
      const gap = at[i]! - at[i - 1]!;
      assert.ok(gap >= 20 * 2 ** (i - 1) - 2, `gap ${i}: ${gap.toFixed(1)} ms`);
    }
    const waits = logs
      .map((l) => /watch expired \(410 Gone\); listing again in ([\d.]+) s/.exec(l)?.[1])
      .filter((w) => w !== undefined)
      .map(Number);
    waits.slice(0, 5).forEach((w, i) => assert.ok(w >= 0.02 * 2 ** i - 0.005, `wait ${i}: ${w} s`));
    // The policies listed stay in force the whole time.
    assert.equal((await decide(hook, 'nginx')).allowed, false);
  });

  test('a server that ends every watch at once, empty: re-watches back off too', async () => {
    const { hook } = await cluster({
      objects: [policy('no-latest', { disallowLatestTag: true })],
      everyWatch: 'close',
    });
    await hook.synced;
    const waits = () =>
      logs
        .map((l) =>
          /watch ended \(closed within a second with no events\); watching again in ([\d.]+) s/.exec(l),
        )
        .filter((m) => m !== null)
        .map((m) => Number(m[1]));
    await until('five short watches', () => waits().length >= 5);
    waits()
      .slice(0, 5)
      .forEach((w, i) => assert.ok(w >= 0.02 * 2 ** i - 0.005, `wait ${i}: ${w} s`));
  });

  test('not ready before the first list: /readyz and /validate answer 503', async () => {
    const { hook } = await cluster({ stall: ['imagepolicies.regdoctor.dev'] });
    const ready = await call(hook.url, pki.ca.certPem, { method: 'GET', path: '/readyz' });
    assert.deepEqual([ready.status, ready.json.message], [503, 'policies not loaded yet']);
    const live = await call(hook.url, pki.ca.certPem, { method: 'GET', path: '/healthz' });
    assert.equal(live.status, 200);
    const r = await admit(hook.url, pki.ca.certPem, {
      object: workload('Pod', 'p', [{ name: 'c', image: 'nginx' }]),
    });
    assert.equal(r.answer.status, 503);
  });

  test('a failing list is retried until it succeeds', async () => {
    const { api, hook } = await cluster({
      objects: [policy('no-latest', { disallowLatestTag: true })],
      faults: [{ resource: 'imagepolicies.regdoctor.dev', status: 503, times: 2 }],
    });
    await hook.synced;
    assert.deepEqual(
      api.log.filter((e) => !e.query.watch).map((e) => e.status),
      [503, 503, 200],
    );
    assert.equal((await decide(hook, 'nginx')).allowed, false);
  });
});
