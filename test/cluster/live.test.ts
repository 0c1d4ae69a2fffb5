// The live source through @kubernetes/client-node against the kube-api test server over HTTPS with a generated
// kubeconfig: paging, scopes, RBAC refusals, bad credentials, unreachable and hanging servers.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { get } from 'node:https';
import { UsageError } from '../../src/cause/index.ts';
import { liveSource, snapshotSource, type LiveOptions } from '../../src/cluster/index.ts';
import { createCA, type CertFiles, type TestCA } from '../helpers/pki.ts';
import { closedPort } from '../helpers/ports.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';
import { startKubeApi, writeKubeconfig, type KubeApi, type KubeApiOptions } from '../helpers/kube-api.ts';
import { ALL, comparable, fixtureItems, rejectsWith, SNAPSHOT_JSON } from './helpers.ts';

let tmp: TempDir;
let ca: TestCA;
let cert: CertFiles;
const servers: KubeApi[] = [];

before(async () => {
  tmp = await makeTempDir('regdoctor-kube-');
  ca = await createCA(join(tmp.path, 'ca'));
  cert = await ca.issue({
    name: 'kube-api',
    commonName: '127.0.0.1',
    dns: ['localhost'],
    ips: ['127.0.0.1'],
  });
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await tmp.remove();
});

let n = 0;
async function cluster(
  opts: Partial<KubeApiOptions> = {},
  live: Omit<LiveOptions, 'kubeconfig'> = {},
): Promise<{ api: KubeApi; kubeconfig: string; source: ReturnType<typeof liveSource> }> {
  const api = await startKubeApi({ objects: fixtureItems(), tls: cert, ...opts });
  servers.push(api);
  const kubeconfig = await writeKubeconfig(join(tmp.path, `kc-${++n}`), {
    server: api.url,
    token: api.token,
    caPem: ca.certPem,
    context: 'kind-test',
  });
  return { api, kubeconfig, source: liveSource({ kubeconfig, ...live }) };
}

const listPaths = (api: KubeApi) => api.log.map((e) => e.path);

describe('live source: loading', () => {
  test('all namespaces: every resource listed cluster-wide, and the state equals the snapshot of the same objects', async () => {
    const { api, source } = await cluster();
    const state = await source.load(ALL);
    const snap = await snapshotSource(SNAPSHOT_JSON).load(ALL);
    assert.deepEqual(comparable(state), comparable(snap));
    assert.equal(state.pods.length, 9);
    assert.deepEqual(state.skipped, []);
    assert.match(state.source, /^context "kind-test" \(https:\/\/127\.0\.0\.1:\d+\)$/);
    assert.equal(source.describe(), state.source);
    assert.deepEqual([...listPaths(api)].sort(), [
      '/api/v1/events',
      '/api/v1/nodes',
      '/api/v1/pods',
      '/api/v1/secrets',
      '/api/v1/serviceaccounts',
      '/apis/apps/v1/daemonsets',
      '/apis/apps/v1/deployments',
      '/apis/apps/v1/replicasets',
      '/apis/apps/v1/statefulsets',
      '/apis/batch/v1/cronjobs',
      '/apis/batch/v1/jobs',
      '/apis/events.k8s.io/v1/events',
    ]);
    assert.ok(api.log.every((e) => e.authorized && e.status === 200 && e.query.limit === '500'));
  });

  test('the server sends typed lists with kind-less items and managedFields; the state has neither problem', async () => {
    const { api, source } = await cluster();
    // The wire format first, read without the client: this is what the source has to cope with.
    const raw = await new Promise<string>((resolve, reject) => {
      get(
        `${api.url}/api/v1/namespaces/data/pods?limit=1`,
        { ca: ca.certPem, headers: { authorization: `Bearer ${api.token}` } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        },
      ).on('error', reject);
    });
    const list = JSON.parse(raw) as { kind: string; apiVersion: string; items: Record<string, unknown>[] };
    assert.equal(list.kind, 'PodList');
    assert.equal(list.apiVersion, 'v1');
    assert.equal(list.items[0]?.kind, undefined);
    assert.ok((list.items[0]?.metadata as { managedFields?: unknown }).managedFields);

    const state = await source.load(ALL);
    const pod = state.pods.find((p) => p.metadata.name === 'db-0');
    assert.equal(pod?.kind, 'Pod');
    assert.equal((pod as { apiVersion?: string }).apiVersion, 'v1');
    assert.equal('managedFields' in (pod?.metadata ?? {}), false);
    assert.equal(state.workloads.get('shop/Deployment/web')?.apiVersion, 'apps/v1');
  });

  test('one namespace: namespaced lists go to /namespaces/{ns}/, nodes stay cluster-wide', async () => {
    const { api, source } = await cluster();
    const state = await source.load({ namespace: 'shop', secrets: true });
    assert.deepEqual(state.pods.map((p) => p.metadata.name).sort(), [
      'api-6f7d9c8b7-4kq9s',
      'checkout',
      'web-7c9f8d6b5d-x2k4p',
    ]);
    assert.ok(state.events.length > 0 && state.events.every((e) => e.namespace === 'shop'));
    assert.deepEqual([...state.secrets.keys()], ['shop/regcred']);
    assert.deepEqual([...state.nodes.keys()], ['node-amd64-1', 'node-arm64-1']);
    const paths = listPaths(api);
    assert.ok(paths.includes('/api/v1/namespaces/shop/pods'));
    assert.ok(paths.includes('/apis/events.k8s.io/v1/namespaces/shop/events'));
    assert.ok(paths.includes('/apis/batch/v1/namespaces/shop/cronjobs'));
    assert.ok(paths.includes('/api/v1/nodes'));
    assert.ok(!paths.includes('/api/v1/pods'));
    const snap = await snapshotSource(SNAPSHOT_JSON).load({ namespace: 'shop', secrets: true });
    assert.deepEqual(comparable(state), comparable(snap));
  });

  test('pagination: small pages follow continue tokens to the end and load every object once', async () => {
    const { api, source } = await cluster({}, { pageSize: 2 });
    const state = await source.load(ALL);
    const podRequests = api.log.filter((e) => e.path === '/api/v1/pods');
    assert.equal(podRequests.length, 5); // 9 pods, 2 per page
    assert.equal(podRequests[0]?.query.continue, undefined);
    assert.ok(podRequests.slice(1).every((e) => e.query.continue && e.query.limit === '2'));
    const snap = await snapshotSource(SNAPSHOT_JSON).load(ALL);
    assert.deepEqual(comparable(state), comparable(snap));
  });

  test('secrets: false never asks for secrets', async () => {
    const { api, source } = await cluster();
    const state = await source.load({ namespace: null, secrets: false });
    assert.equal(state.secrets.size, 0);
    assert.ok(!listPaths(api).some((p) => p.includes('secrets')));
    assert.equal(state.pods.length, 9);
  });

  test('the same event through both event APIs is one ClusterEvent', async () => {
    const { source } = await cluster();
    const state = await source.load(ALL);
    const backoff = state.events.filter(
      (e) => e.reason === 'BackOff' && e.involved.name === 'web-7c9f8d6b5d-x2k4p',
    );
    assert.equal(backoff.length, 1);
    assert.equal(backoff[0]?.count, 41);
  });
});

describe('live source: partial access and failures', () => {
  test('403 on secrets: skipped with the server message, everything else loaded', async () => {
    const { source } = await cluster({ forbid: [{ resource: 'secrets' }] });
    const state = await source.load(ALL);
    assert.equal(state.secrets.size, 0);
    assert.equal(state.pods.length, 9);
    assert.equal(state.nodes.size, 2);
    assert.deepEqual(state.skipped, [
      {
        resource: 'secrets',
        reason:
          'forbidden: secrets is forbidden: User "system:serviceaccount:regdoctor:scanner" cannot list resource "secrets" in API group "" at the cluster scope',
      },
    ]);
  });

  test('403 in one namespace names the namespace; 404 for an API the cluster does not serve', async () => {
    const { source } = await cluster({
      forbid: [{ resource: 'deployments.apps', namespace: 'shop' }],
      missing: ['events.events.k8s.io'],
    });
    const state = await source.load({ namespace: 'shop', secrets: true });
    assert.deepEqual(state.skipped, [
      {
        resource: 'deployments.apps',
        namespace: 'shop',
        reason:
          'forbidden: deployments.apps is forbidden: User "system:serviceaccount:regdoctor:scanner" cannot list resource "deployments" in API group "apps" in the namespace "shop"',
      },
      {
        resource: 'events.events.k8s.io',
        namespace: 'shop',
        reason: 'not served by this cluster: the server could not find the requested resource',
      },
    ]);
    assert.equal(state.workloads.get('shop/Deployment/web'), undefined);
    assert.ok(state.workloads.get('shop/ReplicaSet/web-7c9f8d6b5d'));
    // Core events still carry everything.
    assert.ok(state.events.some((e) => e.reason === 'Failed' && e.message.includes('not found')));
  });

  test('401: one clear error for the whole load, naming the context, without the token', async () => {
    const { api } = await cluster();
    const kubeconfig = await writeKubeconfig(join(tmp.path, 'bad-token'), {
      server: api.url,
      token: 'expired-token-value',
      caPem: ca.certPem,
      context: 'prod',
    });
    const e = await rejectsWith(
      liveSource({ kubeconfig }).load(ALL),
      'unauthorized',
      /context "prod".*401 Unauthorized/,
    );
    assert.ok(!e.message.includes('expired-token-value'));
    assert.ok(!e.message.includes(api.token));
    assert.ok(e instanceof UsageError, 'exits 2 through the CLI');
  });

  test('server down: a clear connection error', async () => {
    const port = await closedPort();
    const kubeconfig = await writeKubeconfig(join(tmp.path, 'down'), {
      server: `https://127.0.0.1:${port}`,
      token: 't',
      caPem: ca.certPem,
    });
    await rejectsWith(
      liveSource({ kubeconfig }).load(ALL),
      'unreachable',
      new RegExp(`cannot reach the Kubernetes API at https://127\\.0\\.0\\.1:${port}: connection refused`),
    );
  });

  test('a server certificate the kubeconfig does not trust is a clear TLS error', async () => {
    const { api } = await cluster();
    const other = await createCA(join(tmp.path, 'other-ca'), 'some other CA');
    const kubeconfig = await writeKubeconfig(join(tmp.path, 'wrong-ca'), {
      server: api.url,
      token: api.token,
      caPem: other.certPem,
    });
    await rejectsWith(liveSource({ kubeconfig }).load(ALL), 'unreachable', /certificate.*not trusted/);
  });

  test('plain http: used with insecure-skip-tls-verify, refused with a way out without it (credentials in clear)', async () => {
    const api = await startKubeApi({ objects: fixtureItems() });
    servers.push(api);
    assert.match(api.url, /^http:/);
    const ok = await writeKubeconfig(join(tmp.path, 'http-ok'), { server: api.url, token: api.token });
    assert.equal((await liveSource({ kubeconfig: ok }).load(ALL)).pods.length, 9);
    const strict = join(tmp.path, 'http-strict.yaml');
    await writeFile(strict, (await readFile(ok, 'utf8')).replace(/\s*insecure-skip-tls-verify: true/, ''));
    assert.ok(!(await readFile(strict, 'utf8')).includes('insecure'));
    await rejectsWith(
      liveSource({ kubeconfig: strict }).load(ALL),
      'config',
      /points at plain-HTTP http:\/\/127\.0\.0\.1:\d+; use https, or mark the cluster `insecure-skip-tls-verify: true`/,
    );
  });

  test('a server that never answers: the per-request timeout ends the load', async () => {
    const { source } = await cluster({ stall: ['pods'] }, { timeoutMs: 300 });
    await rejectsWith(source.load(ALL), 'timeout', /no answer to listing pods within 0\.3 s/);
  });

  test('429 and 503 are retried; the load completes', async () => {
    const { api, source } = await cluster(
      {
        faults: [
          { resource: 'pods', status: 429, times: 1, retryAfter: '0' },
          { resource: 'nodes', status: 503, times: 2 },
        ],
      },
      { retryDelayMs: 1 },
    );
    const state = await source.load(ALL);
    assert.equal(state.pods.length, 9);
    assert.equal(state.nodes.size, 2);
    assert.deepEqual(
      api.log.filter((e) => e.path === '/api/v1/nodes').map((e) => e.status),
      [503, 503, 200],
    );
  });

  test('a 5xx that persists skips that resource only', async () => {
    const { source } = await cluster(
      { faults: [{ resource: 'jobs.batch', status: 500, times: 99 }] },
      { retryDelayMs: 1 },
    );
    const state = await source.load(ALL);
    assert.equal(state.pods.length, 9);
    assert.deepEqual(state.skipped, [
      {
        resource: 'jobs.batch',
        reason: 'HTTP 500 InternalError: an error on the server has prevented the request from succeeding',
      },
    ]);
  });

  test('an expired continue token (410) restarts the list and still loads everything once', async () => {
    const { api, source } = await cluster({ expireContinue: 1 }, { pageSize: 4, concurrency: 1 });
    const state = await source.load(ALL);
    assert.ok(api.log.some((e) => e.status === 410));
    const snap = await snapshotSource(SNAPSHOT_JSON).load(ALL);
    assert.deepEqual(comparable(state), comparable(snap));
  });

  test('something that is not a Kubernetes API server is a protocol error', async () => {
    const { serve } = await import('../helpers/server.ts');
    const web = await serve(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>login</html>');
      },
      { tls: cert },
    );
    try {
      const kubeconfig = await writeKubeconfig(join(tmp.path, 'html'), {
        server: web.url,
        token: 't',
        caPem: ca.certPem,
      });
      await rejectsWith(
        liveSource({ kubeconfig }).load(ALL),
        'protocol',
        /not JSON \(content-type text\/html\)/,
      );
    } finally {
      await web.stop();
    }
  });
});

describe('live source: choosing the kubeconfig and context', () => {
  const saved = { ...process.env };
  after(() => {
    for (const k of ['KUBECONFIG', 'HOME', 'KUBERNETES_SERVICE_HOST', 'KUBERNETES_SERVICE_PORT']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  test('--context picks a context other than current-context', async () => {
    const { api } = await cluster();
    const kubeconfig = await writeKubeconfig(join(tmp.path, 'ctx'), {
      server: api.url,
      token: api.token,
      caPem: ca.certPem,
      context: 'staging',
      currentContext: 'gone',
    });
    await rejectsWith(liveSource({ kubeconfig }).load(ALL), 'config', /context "gone".*names no cluster/);
    const state = await liveSource({ kubeconfig, context: 'staging' }).load(ALL);
    assert.equal(state.pods.length, 9);
    assert.match(state.source, /^context "staging"/);
  });

  test('an unknown --context lists the contexts the file has', async () => {
    const { kubeconfig } = await cluster();
    await rejectsWith(
      liveSource({ kubeconfig, context: 'nope' }).load(ALL),
      'config',
      /context "nope" is not in .*kubeconfig; it has "kind-test"/,
    );
  });

  test('a missing or broken kubeconfig file is a config error', async () => {
    await rejectsWith(
      liveSource({ kubeconfig: join(tmp.path, 'absent.yaml') }).load(ALL),
      'config',
      /cannot load kubeconfig .*absent\.yaml: no such file/,
    );
    const broken = join(tmp.path, 'broken.yaml');
    await writeFile(broken, 'clusters: [\n');
    await rejectsWith(
      liveSource({ kubeconfig: broken }).load(ALL),
      'config',
      /cannot load kubeconfig .*broken\.yaml/,
    );
  });

  test('KUBECONFIG is used when no --kubeconfig is given', async () => {
    const { kubeconfig } = await cluster();
    process.env.KUBECONFIG = kubeconfig;
    const state = await liveSource().load(ALL);
    assert.equal(state.pods.length, 9);
  });

  test('no kubeconfig anywhere and not in a pod: a clear error', async () => {
    delete process.env.KUBECONFIG;
    delete process.env.KUBERNETES_SERVICE_HOST;
    process.env.HOME = join(tmp.path, 'empty-home');
    await rejectsWith(liveSource().load(ALL), 'config', /no kubeconfig found/);
  });

  test('in a pod (KUBERNETES_SERVICE_HOST, no kubeconfig): the service account token and CA', async () => {
    const { api } = await cluster();
    const root = join(tmp.path, 'pod-root');
    const sa = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(sa, { recursive: true });
    await writeFile(join(sa, 'token'), api.token);
    await writeFile(join(sa, 'ca.crt'), ca.certPem);
    await writeFile(join(sa, 'namespace'), 'regdoctor');
    delete process.env.KUBECONFIG;
    process.env.HOME = join(tmp.path, 'empty-home');
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(api.port);
    const state = await liveSource({ inClusterRoot: root }).load(ALL);
    assert.equal(state.pods.length, 9);
    assert.match(state.source, /^in-cluster \(https:\/\/127\.0\.0\.1:\d+\)$/);
    assert.ok(api.log.every((e) => e.authorized));
    const forced = await liveSource({ inCluster: true, inClusterRoot: root }).load({
      namespace: 'data',
      secrets: false,
    });
    assert.deepEqual(
      forced.pods.map((p) => p.metadata.name),
      ['db-0'],
    );
    await rejectsWith(
      liveSource({ inCluster: true, inClusterRoot: join(tmp.path, 'no-sa') }).load(ALL),
      'config',
      /no service-account token/,
    );
  });
});
