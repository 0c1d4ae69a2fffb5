// Cluster mode through the kube-api test server (the live source, @kubernetes/client-node, a generated kubeconfig):
// workload images — scaled to zero, suspended, pull secrets on the template or the service account — probed
// against a real htpasswd registry; failing containers summed per namespace and cause; kubelet Pulled events
// counted once however many polls list them.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { liveSource, snapshotSource } from '../../src/cluster/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import { startKubeApi, writeKubeconfig } from '../helpers/kube-api.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import {
  event,
  exporterFrom,
  failingPod,
  meta,
  sample,
  samples,
  scrape,
  waitFor,
  workload,
  podTemplate,
  type Obj,
} from './support.ts';

const ALICE = { username: 'alice', password: 'alice-Clu5ter-pw' };

function objects(host: string): Obj[] {
  const auth = Buffer.from(`${ALICE.username}:${ALICE.password}`).toString('base64');
  const dockerconfig = Buffer.from(JSON.stringify({ auths: { [host]: { auth } } })).toString('base64');
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('regcred', 'shop'),
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': dockerconfig },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('default', 'shop') },
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta('builder', 'shop'),
      imagePullSecrets: [{ name: 'regcred' }],
    },
    // Scaled to zero, pull secret on the template: nobody pulls it today, the exporter still checks it.
    workload('Deployment', 'web', 'shop', {
      replicas: 0,
      template: podTemplate(`${host}/team/app:1`, { imagePullSecrets: [{ name: 'regcred' }] }),
    }),
    workload('StatefulSet', 'db', 'shop', {
      replicas: 1,
      template: podTemplate(`${host}/team/app:missing`, { imagePullSecrets: [{ name: 'regcred' }] }),
    }),
    // No pull secret anywhere: anonymous, which this registry refuses.
    workload('DaemonSet', 'agent', 'shop', { template: podTemplate(`${host}/team/agent:1`) }),
    // Suspended, credentials from its service account (admission copies them into pods without their own).
    workload('CronJob', 'report', 'shop', {
      suspend: true,
      schedule: '0 3 * * *',
      jobTemplate: {
        spec: {
          template: podTemplate(`${host}/team/report:1`, {
            serviceAccountName: 'builder',
            restartPolicy: 'Never',
          }),
        },
      },
    }),
    failingPod('api-1', 'shop', `${host}/team/api:2`, {
      reason: 'ErrImagePull',
      message: `failed to pull and unpack image "${host}/team/api:2": failed to resolve reference "${host}/team/api:2": pulling from host ${host} failed with status code [manifests 2]: 401 Unauthorized`,
    }),
    failingPod('api-2', 'shop', `${host}/team/api:2`, {
      reason: 'ErrImagePull',
      message: `failed to pull and unpack image "${host}/team/api:2": failed to resolve reference "${host}/team/api:2": pulling from host ${host} failed with status code [manifests 2]: 401 Unauthorized`,
    }),
    failingPod('etl-1', 'data', `${host}/team/etl:9`, {
      reason: 'ErrImagePull',
      message: `rpc error: code = NotFound desc = failed to pull and unpack image "${host}/team/etl:9": failed to resolve reference "${host}/team/etl:9": ${host}/team/etl:9: not found`,
    }),
    event(
      'pulled-1',
      'shop',
      'web-x',
      'Pulled',
      'Successfully pulled image "a/b:1" in 3.2s (3.5s including waiting). Image size: 1048576 bytes.',
    ),
    // Folded by the API server into one event with count 2: two pulls.
    event(
      'pulled-2',
      'data',
      'etl-x',
      'Pulled',
      'Successfully pulled image "a/c:1" in 40s (45s including waiting). Image size: 52428800 bytes.',
      2,
    ),
    // Same reason, no pull: not an observation.
    event('pulled-3', 'data', 'etl-y', 'Pulled', 'Container image "a/c:1" already present on machine'),
  ];
}

describe('exporter: cluster mode through the kube-api test server', () => {
  const fx = useFixture();
  let reg: RunningRegistry;
  let kubeconfig: string;

  before(async () => {
    reg = await fx.registry({ htpasswd: { [ALICE.username]: ALICE.password } });
    const layout = await buildImageLayout(await fx.subdir('img'));
    for (const repo of ['team/app:1', 'team/agent:1', 'team/report:1'])
      await pushImage(layout, `docker://${reg.host}/${repo}`, { tlsVerify: false, creds: ALICE });
    const pki = await fx.pki();
    const api = await fx.start(startKubeApi({ objects: objects(reg.host), tls: pki.valid }));
    kubeconfig = await writeKubeconfig(await fx.subdir('kube'), {
      server: api.url,
      token: api.token,
      caPem: pki.ca.certPem,
    });
  });

  test('workload images with their pull secrets, pull failures per namespace and cause, Pulled events once', async () => {
    const ex = await exporterFrom(
      fx,
      `
interval: 1s
registries:
  - host: ${reg.host}
    plainHttp: true
cluster:
  enabled: true
  readSecrets: true
`,
      { cluster: liveSource({ kubeconfig }), random: () => 0 },
    );
    await ex.ready;
    // Several polls of the same events: each must still count once.
    await waitFor('three rounds', async () => ex.rounds() >= 3);
    const text = await scrape(ex);
    const available = (image: string, cause: string) =>
      sample(text, 'regdoctor_image_available', { image: `${reg.host}/${image}`, cause });
    assert.equal(available('team/app:1', ''), 1, 'scaled-to-zero Deployment, secret on the template');
    assert.equal(available('team/report:1', ''), 1, 'suspended CronJob, secret from its service account');
    assert.equal(available('team/app:missing', 'MANIFEST_NOT_FOUND'), 0);
    assert.equal(available('team/agent:1', 'UNAUTHORIZED'), 0, 'DaemonSet without pull secrets');
    assert.equal(samples(text, 'regdoctor_image_available').length, 4);

    assert.equal(
      sample(text, 'regdoctor_image_pull_failures', { namespace: 'shop', cause: 'UNAUTHORIZED' }),
      2,
    );
    assert.equal(
      sample(text, 'regdoctor_image_pull_failures', { namespace: 'data', cause: 'MANIFEST_NOT_FOUND' }),
      1,
    );
    assert.equal(samples(text, 'regdoctor_image_pull_failures').length, 2);

    const count = (bucket: string) =>
      sample(text, 'regdoctor_image_pull_duration_seconds_count', { image_size_in_bytes: bucket });
    assert.equal(count('0-10MB'), 1);
    assert.equal(count('10MB-100MB'), 2);
    assert.equal(
      sample(text, 'regdoctor_image_pull_duration_seconds_sum', { image_size_in_bytes: '10MB-100MB' }),
      90,
    );
    assert.ok(sample(text, 'regdoctor_last_successful_check_timestamp_seconds', { check: 'cluster' })! > 0);
    assert.ok(!text.includes(ALICE.password));
  });

  test('cluster.namespaces limits everything to those namespaces; without readSecrets probes go anonymously', async () => {
    const ex = await exporterFrom(
      fx,
      `
interval: 1m
registries:
  - host: ${reg.host}
    plainHttp: true
cluster:
  enabled: true
  namespaces: [data]
`,
      { cluster: liveSource({ kubeconfig }), random: () => 0 },
    );
    await ex.ready;
    let text = await scrape(ex);
    assert.deepEqual(samples(text, 'regdoctor_image_pull_failures'), [
      'regdoctor_image_pull_failures{namespace="data",cause="MANIFEST_NOT_FOUND"} 1',
    ]);
    assert.deepEqual(samples(text, 'regdoctor_image_available'), [], 'no workloads in data');

    const shop = await exporterFrom(
      fx,
      `registries:\n  - host: ${reg.host}\n    plainHttp: true\ncluster:\n  enabled: true\n  namespaces: [shop]\n`,
      { cluster: liveSource({ kubeconfig }), random: () => 0 },
    );
    await shop.ready;
    text = await scrape(shop);
    // The secret cannot be read, so the pods' credentials are unknown: every image goes anonymously.
    assert.equal(
      sample(text, 'regdoctor_image_available', { image: `${reg.host}/team/app:1`, cause: 'UNAUTHORIZED' }),
      0,
    );
  });

  test('maxImages: images over the cap are neither checked nor exported, and counted as dropped', async () => {
    const ex = await exporterFrom(
      fx,
      `
interval: 1m
maxImages: 2
registries:
  - host: ${reg.host}
    plainHttp: true
images:
  - ${reg.host}/team/app:1
cluster:
  enabled: true
  readSecrets: true
`,
      { cluster: liveSource({ kubeconfig }), random: () => 0 },
    );
    await ex.ready;
    const text = await scrape(ex);
    // The config's images come first, then the workloads' in name order: agent:1 fills the second slot. app:1 is
    // checked twice, anonymously for the config (this registry has no dockerConfig) and with web's secret; one
    // user that cannot pull it makes it unavailable.
    assert.deepEqual(samples(text, 'regdoctor_image_available').sort(), [
      `regdoctor_image_available{image="${reg.host}/team/agent:1",cause="UNAUTHORIZED"} 0`,
      `regdoctor_image_available{image="${reg.host}/team/app:1",cause="UNAUTHORIZED"} 0`,
    ]);
    assert.equal(sample(text, 'regdoctor_image_series_dropped_total'), 2);
  });

  test('a cluster that cannot be loaded: logged once, no success timestamp, then ok again; the round still completes', async () => {
    const file = join(await fx.subdir('snap'), 'later.json');
    const ex = await exporterFrom(fx, 'interval: 1s\ncluster:\n  enabled: true\n', {
      cluster: snapshotSource(file),
      random: () => 0,
    });
    await ex.ready;
    let text = await scrape(ex);
    assert.equal(
      sample(text, 'regdoctor_last_successful_check_timestamp_seconds', { check: 'cluster' }),
      undefined,
    );
    assert.ok(sample(text, 'regdoctor_check_duration_seconds_count', { check: 'cluster' })! >= 1);
    await waitFor('two failed rounds', async () => ex.rounds() >= 2);
    await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects('127.0.0.1:1') }));
    text = await waitFor('a successful cluster check', async () => {
      const t = await scrape(ex);
      return sample(t, 'regdoctor_last_successful_check_timestamp_seconds', { check: 'cluster' })
        ? t
        : undefined;
    });
    assert.equal(
      sample(text, 'regdoctor_image_pull_failures', { namespace: 'shop', cause: 'UNAUTHORIZED' }),
      2,
    );
    const lines = ex.lines.filter((l) => / cluster: /.test(l));
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0]!, /cluster: cannot load: .*later\.json/);
    assert.match(lines[1]!, /cluster: ok again \(was cannot load\)/);
  });
});
