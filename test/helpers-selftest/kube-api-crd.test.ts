// The kube-api test server serves a custom resource as the API server serves a CRD with a status subresource:
// create (generateName, server-owned identity), get, list and watch with label and field selectors from a
// resourceVersion, update/patch that ignore status, /status writes that change only status, conflicts, delete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { crdResource, readWatch, startKubeApi, type KubeApi } from '../helpers/kube-api.ts';

const CHECKS = crdResource(new URL('../../deploy/crds/imagepullcheck.yaml', import.meta.url));
const PATH = '/apis/regdoctor.dev/v1alpha1/imagepullchecks';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- wire JSON

const fx = useFixture();

async function call(api: KubeApi, method: string, path: string, body?: unknown, type = 'application/json') {
  const res = await fetch(api.url + path, {
    method,
    headers: { authorization: `Bearer ${api.token}`, 'content-type': type },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

const check = (node: string, extra: Obj = {}) => ({
  apiVersion: 'regdoctor.dev/v1alpha1',
  kind: 'ImagePullCheck',
  metadata: { generateName: 'check-', labels: { 'regdoctor.dev/node': node } },
  spec: { image: 'registry.test/app:1', nodeName: node },
  ...extra,
});

/** Reads a watch stream until `n` events have arrived. */
const watchEvents = async (api: KubeApi, query: string, n: number): Promise<Obj[]> =>
  (await readWatch(api, `${PATH}?watch=1&${query}`, n)).events;

test('CRD from its YAML: cluster-scoped, status subresource, spec.nodeName selectable', () => {
  assert.deepEqual(CHECKS, {
    group: 'regdoctor.dev',
    version: 'v1alpha1',
    resource: 'imagepullchecks',
    kind: 'ImagePullCheck',
    namespaced: false,
    statusSubresource: true,
    selectableFields: ['spec.nodeName'],
  });
});

test('create, get, status, update, patch, conflict, delete', async () => {
  const api = await fx.start(startKubeApi({ objects: [], resources: [CHECKS] }));
  const created = await call(api, 'POST', PATH, check('node-a', { status: { phase: 'Completed' } }));
  assert.equal(created.status, 201);
  const name = created.body.metadata.name as string;
  assert.match(name, /^check-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  assert.equal(created.body.status, undefined, 'status is not set on create');
  assert.equal(created.body.metadata.generation, 1);
  assert.ok(created.body.metadata.uid && created.body.metadata.resourceVersion);

  const dup = await call(api, 'POST', PATH, { ...check('node-a'), metadata: { name } });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.reason, 'AlreadyExists');

  const st = await call(
    api,
    'PATCH',
    `${PATH}/${name}/status`,
    { status: { phase: 'Running' }, spec: { image: 'evil/x' } },
    'application/merge-patch+json',
  );
  assert.equal(st.status, 200);
  assert.equal(st.body.status.phase, 'Running');
  assert.equal(st.body.spec.image, 'registry.test/app:1', '/status changes only status');
  assert.equal(st.body.metadata.generation, 1);

  const main = await call(
    api,
    'PATCH',
    `${PATH}/${name}`,
    { status: { phase: 'Failed' }, metadata: { labels: { extra: 'x' } } },
    'application/merge-patch+json',
  );
  assert.equal(main.body.status.phase, 'Running', 'the object endpoint ignores status');
  assert.equal(main.body.metadata.labels.extra, 'x');

  const stale = await call(api, 'PUT', `${PATH}/${name}`, {
    ...created.body,
    spec: { image: 'b', nodeName: 'node-a' },
  });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.reason, 'Conflict');
  const put = await call(api, 'PUT', `${PATH}/${name}/status`, {
    ...main.body,
    status: { phase: 'Completed', result: { cause: null } },
  });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body.status, { phase: 'Completed', result: { cause: null } });

  const jsonPatch = await call(api, 'PATCH', `${PATH}/${name}`, { a: 1 }, 'application/json-patch+json');
  assert.equal(jsonPatch.status, 400, 'a JSON patch is a list of operations');
  const ops = (status: unknown) => [{ op: 'add', path: '/status', value: status }];
  const nulls = await call(
    api,
    'PATCH',
    `${PATH}/${name}/status`,
    ops({ phase: 'Completed', result: { cause: null } }),
    'application/json-patch+json',
  );
  assert.deepEqual(
    nulls.body.status,
    { phase: 'Completed', result: { cause: null } },
    'JSON patch keeps nulls',
  );
  const merged = await call(
    api,
    'PATCH',
    `${PATH}/${name}/status`,
    { status: { result: { cause: null } } },
    'application/merge-patch+json',
  );
  assert.deepEqual(merged.body.status, { phase: 'Completed', result: {} }, 'merge patch: null deletes');
  const failedTest = await call(
    api,
    'PATCH',
    `${PATH}/${name}`,
    [{ op: 'test', path: '/spec/image', value: 'x' }],
    'application/json-patch+json',
  );
  assert.equal(failedTest.status, 422);
  const missing = await call(
    api,
    'PATCH',
    `${PATH}/${name}`,
    [{ op: 'replace', path: '/spec/nope/x', value: 1 }],
    'application/json-patch+json',
  );
  assert.equal(missing.status, 422);
  const strategic = await call(api, 'PATCH', `${PATH}/${name}`, {}, 'application/strategic-merge-patch+json');
  assert.equal(strategic.status, 415);

  const got = await call(api, 'GET', `${PATH}/${name}`);
  assert.equal(got.body.kind, 'ImagePullCheck');
  assert.equal(got.body.status.phase, 'Completed');
  const del = await call(api, 'DELETE', `${PATH}/${name}`);
  assert.equal(del.status, 200);
  assert.equal(del.body.metadata.name, name);
  assert.equal((await call(api, 'GET', `${PATH}/${name}`)).status, 404);
  assert.equal((await call(api, 'DELETE', `${PATH}/${name}`)).status, 404);
});

test('selectors: labels on lists and watches; fields only where declared', async () => {
  const api = await fx.start(startKubeApi({ objects: [], resources: [CHECKS] }));
  for (const node of ['node-a', 'node-b', 'node-a']) await call(api, 'POST', PATH, check(node));
  const rv = api.resourceVersion();
  const byLabel = await call(
    api,
    'GET',
    `${PATH}?labelSelector=${encodeURIComponent('regdoctor.dev/node=node-a')}`,
  );
  assert.equal(byLabel.body.items.length, 2);
  const set = await call(
    api,
    'GET',
    `${PATH}?labelSelector=${encodeURIComponent('regdoctor.dev/node in (node-b,x)')}`,
  );
  assert.equal(set.body.items.length, 1);
  const byField = await call(api, 'GET', `${PATH}?fieldSelector=spec.nodeName%3Dnode-b`);
  assert.equal(byField.body.items.length, 1);
  const undeclared = await call(api, 'GET', `${PATH}?fieldSelector=spec.image%3Dx`);
  assert.equal(undeclared.status, 400);
  assert.equal(undeclared.body.message, 'field label not supported: spec.image');
  const bad = await call(api, 'GET', `${PATH}?labelSelector=${encodeURIComponent('a in b')}`);
  assert.equal(bad.status, 400);

  // A watch from rv sees only node-a's changes; a relabel in and out is ADDED then DELETED.
  const events = watchEvents(
    api,
    `resourceVersion=${rv}&labelSelector=${encodeURIComponent('regdoctor.dev/node=node-a')}`,
    3,
  );
  const b = byField.body.items[0] as Obj;
  const patch = (labels: Obj) =>
    call(
      api,
      'PATCH',
      `${PATH}/${b.metadata.name}`,
      { metadata: { labels } },
      'application/merge-patch+json',
    );
  await new Promise((r) => setTimeout(r, 50));
  await patch({ 'regdoctor.dev/node': 'node-a' });
  await patch({ 'regdoctor.dev/node': 'node-c' });
  await call(api, 'POST', PATH, check('node-a'));
  const seen = await events;
  assert.deepEqual(
    seen.map((e) => e.type),
    ['ADDED', 'DELETED', 'ADDED'],
  );
  assert.equal(seen[0]!.object.metadata.name, b.metadata.name);
});

test('configz through the node proxy, and RBAC per verb', async () => {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } };
  const api = await fx.start(
    startKubeApi({
      objects: [node],
      resources: [CHECKS],
      configz: { 'node-a': { serializeImagePulls: false, registryPullQPS: 5 } },
      forbid: [{ resource: 'imagepullchecks.regdoctor.dev', verbs: ['create'] }],
    }),
  );
  const cz = await call(api, 'GET', '/api/v1/nodes/node-a/proxy/configz');
  assert.deepEqual(cz.body, { kubeletconfig: { serializeImagePulls: false, registryPullQPS: 5 } });
  assert.equal((await call(api, 'GET', '/api/v1/nodes/node-x/proxy/configz')).status, 404);
  const denied = await call(api, 'POST', PATH, check('node-a'));
  assert.equal(denied.status, 403);
  assert.match(denied.body.message, /cannot create resource "imagepullchecks" in API group "regdoctor.dev"/);
  assert.equal((await call(api, 'GET', PATH)).status, 200, 'list is still allowed');
});
