// The kube-api test server's watches, as a real API server answers them, where the other self-tests leave gaps:
//   - after compaction a watch from the list's own resourceVersion is served (issue 9, item 7: the server once
//     answered 410 one version too early, `n <= compacted`, which made "410 re-lists" loop on a loaded machine);
//     a watch from an older version gets an ERROR event with a 410 Expired Status, then the end of the stream;
//   - a watch with a field selector (issue 12: spec.nodeName is a selectable field of ImagePullCheck) sees only the
//     matching objects' changes, a delete as DELETED.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { crdResource, readWatch, startKubeApi, type KubeApi } from '../helpers/kube-api.ts';

const CHECKS = crdResource(new URL('../../deploy/crds/imagepullcheck.yaml', import.meta.url));
const PATH = '/apis/regdoctor.dev/v1alpha1/imagepullchecks';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON

const fx = useFixture();

const check = (name: string, node: string) => ({
  apiVersion: 'regdoctor.dev/v1alpha1',
  kind: 'ImagePullCheck',
  metadata: { name, labels: { 'regdoctor.dev/node': node } },
  spec: { image: 'registry.test/app:1', nodeName: node },
});

async function call(api: KubeApi, method: string, path: string, body?: unknown) {
  const res = await fetch(api.url + path, {
    method,
    headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

const watch = (api: KubeApi, query: string, n: number) => readWatch(api, `${PATH}?watch=1&${query}`, n);

test("after compaction: a watch from the list's version is served, one from before it is 410 Expired", async () => {
  const api = await fx.start(startKubeApi({ objects: [], resources: [CHECKS] }));
  await call(api, 'POST', PATH, check('a', 'node-a'));
  api.expire();
  const list = await call(api, 'GET', PATH);
  const rv = Number(list.body.metadata.resourceVersion);
  assert.ok(rv > 0);

  const fresh = watch(api, `resourceVersion=${rv}`, 1);
  await new Promise((r) => setTimeout(r, 50));
  await call(api, 'POST', PATH, check('b', 'node-a'));
  const served = await fresh;
  assert.deepEqual(
    served.events.map((e) => [e.type, e.object.metadata.name]),
    [['ADDED', 'b']],
    'only the change after the list, and no ERROR',
  );

  const stale = await watch(api, `resourceVersion=${rv - 1}`, 2);
  assert.equal(stale.ended, true, 'the server ends the stream');
  assert.equal(stale.events.length, 1);
  assert.equal(stale.events[0]!.type, 'ERROR');
  assert.equal(stale.events[0]!.object.code, 410);
  assert.equal(stale.events[0]!.object.reason, 'Expired');
});

test('a watch with a field selector sees only the matching objects, a delete as DELETED', async () => {
  const api = await fx.start(startKubeApi({ objects: [], resources: [CHECKS] }));
  const rv = api.resourceVersion();
  const events = watch(
    api,
    `resourceVersion=${rv}&fieldSelector=${encodeURIComponent('spec.nodeName=node-b')}`,
    2,
  );
  await new Promise((r) => setTimeout(r, 50));
  await call(api, 'POST', PATH, check('on-a', 'node-a'));
  await call(api, 'POST', PATH, check('on-b', 'node-b'));
  await call(api, 'DELETE', `${PATH}/on-a`);
  await call(api, 'DELETE', `${PATH}/on-b`);
  const seen = await events;
  assert.deepEqual(
    seen.events.map((e) => [e.type, e.object.metadata.name]),
    [
      ['ADDED', 'on-b'],
      ['DELETED', 'on-b'],
    ],
  );
});
