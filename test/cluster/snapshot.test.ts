import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { snapshotSource, type ClusterState } from '../../src/cluster/index.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';
import {
  ALL,
  comparable,
  FIXTURES,
  fixtureItems,
  meta,
  rejectsWith,
  SNAPSHOT_JSON,
  SNAPSHOT_YAML,
} from './helpers.ts';

let tmp: TempDir;
let reference: ClusterState;
before(async () => {
  tmp = await makeTempDir('regdoctor-snapshot-');
  reference = await snapshotSource(SNAPSHOT_JSON).load(ALL);
});
after(() => tmp.remove());

let n = 0;
async function file(content: string | Buffer, name = `in-${++n}.json`): Promise<string> {
  const p = join(tmp.path, name);
  await writeFile(p, content);
  return p;
}
const load = (path: string, scope = ALL) => snapshotSource(path).load(scope);
const ABSENT = 'not in the snapshot';
const names = (s: ClusterState) => s.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);

describe('snapshot: the fixture', () => {
  test('kubectl get … -A -o json (a v1 List of mixed kinds) loads every object', () => {
    const s = reference;
    assert.equal(s.source, `snapshot ${SNAPSHOT_JSON}`);
    assert.deepEqual(s.skipped, []);
    assert.deepEqual(names(s), [
      'batch/nightly-report-28594200-q8vzn',
      'data/db-0',
      'kube-system/node-exporter-7xk2m',
      'kube-system/node-exporter-p9d4w',
      'shop/api-6f7d9c8b7-4kq9s',
      'shop/checkout',
      'shop/web-7c9f8d6b5d-x2k4p',
      'tools/legacy-app',
      'tools/toolbox',
    ]);
    assert.deepEqual([...s.nodes.keys()], ['node-amd64-1', 'node-arm64-1']);
    assert.deepEqual(
      [...s.secrets.keys()],
      ['batch/hub-pull', 'data/data-pull', 'shop/regcred', 'tools/docker-creds', 'tools/regcred-new'],
    );
    assert.equal(s.serviceAccounts.size, 7);
    assert.deepEqual(
      [...s.workloads.keys()],
      [
        'batch/CronJob/nightly-report',
        'batch/Job/nightly-report-28594200',
        'data/StatefulSet/db',
        'kube-system/DaemonSet/node-exporter',
        'shop/Deployment/api',
        'shop/Deployment/web',
        'shop/ReplicaSet/api-6f7d9c8b7',
        'shop/ReplicaSet/web-7c9f8d6b5d',
      ],
    );
    // 17 core/v1 events and 5 events.k8s.io/v1 ones, one of which is a core event seen through the other API.
    const raw = fixtureItems().filter((o) => o.kind === 'Event');
    assert.equal(raw.length, 22);
    assert.equal(new Set(raw.map((o) => meta(o).uid)).size, 21);
    assert.equal(s.events.length, 21);
  });

  test('the fixture holds the cases the scan needs, with exact API shapes', () => {
    const s = reference;
    const pod = (ns: string, name: string) =>
      s.pods.find((p) => p.metadata.namespace === ns && p.metadata.name === name);
    const web = pod('shop', 'web-7c9f8d6b5d-x2k4p');
    assert.equal(web?.status.containerStatuses?.[0]?.state?.waiting?.reason, 'ImagePullBackOff');
    const rsRef = web?.metadata.ownerReferences?.[0];
    assert.equal(rsRef?.kind, 'ReplicaSet');
    const rs = s.workloads.get(`shop/ReplicaSet/${rsRef?.name}`);
    assert.equal(rs?.metadata.ownerReferences?.[0]?.kind, 'Deployment');
    const failed = s.events.find(
      (e) =>
        e.involved.name === web?.metadata.name &&
        e.reason === 'Failed' &&
        e.message.startsWith('Failed to pull image'),
    );
    assert.match(
      failed?.message ?? '',
      /rpc error: code = NotFound desc = failed to pull and unpack image .*: not found$/,
    );
    assert.equal(failed?.involved.fieldPath, 'spec.containers{web}');

    assert.match(
      pod('data', 'db-0')?.status.containerStatuses?.[0]?.state?.waiting?.message ?? '',
      /401 Unauthorized$/,
    );
    assert.equal(pod('data', 'db-0')?.metadata.ownerReferences?.[0]?.kind, 'StatefulSet');

    const job = pod('batch', 'nightly-report-28594200-q8vzn')?.metadata.ownerReferences?.[0];
    assert.equal(job?.kind, 'Job');
    assert.equal(s.workloads.get(`batch/Job/${job?.name}`)?.metadata.ownerReferences?.[0]?.kind, 'CronJob');

    const arm = pod('kube-system', 'node-exporter-7xk2m');
    assert.equal(arm?.spec.nodeName, 'node-arm64-1');
    assert.equal(s.nodes.get('node-arm64-1')?.status.nodeInfo?.architecture, 'arm64');
    assert.equal(s.nodes.get('node-amd64-1')?.status.nodeInfo?.architecture, 'amd64');
    assert.match(
      arm?.status.containerStatuses?.[0]?.state?.waiting?.message ?? '',
      /no match for platform in manifest/,
    );

    const checkout = pod('shop', 'checkout');
    assert.equal(checkout?.status.initContainerStatuses?.[0]?.state?.waiting?.reason, 'ErrImagePull');
    assert.equal(checkout?.metadata.ownerReferences, undefined);
    const api = pod('shop', 'api-6f7d9c8b7-4kq9s');
    assert.equal(api?.spec.ephemeralContainers?.[0]?.name, 'debugger-x7k2p');
    assert.equal(api?.status.ephemeralContainerStatuses?.[0]?.state?.waiting?.reason, 'ImagePullBackOff');

    const toolbox = pod('tools', 'toolbox');
    assert.deepEqual(toolbox?.spec.imagePullSecrets, [{ name: 'regcred-old' }]);
    assert.equal(s.secrets.has('tools/regcred-old'), false);
    assert.ok(
      s.events.some((e) => e.involved.name === 'toolbox' && e.reason === 'FailedToRetrieveImagePullSecret'),
    );
    assert.deepEqual(s.serviceAccounts.get('tools/builder')?.imagePullSecrets, [{ name: 'regcred-new' }]);

    assert.equal(s.secrets.get('shop/regcred')?.type, 'kubernetes.io/dockerconfigjson');
    assert.equal(s.secrets.get('tools/docker-creds')?.type, 'Opaque');
    assert.deepEqual(pod('tools', 'legacy-app')?.spec.imagePullSecrets, [{ name: 'docker-creds' }]);
    assert.equal(s.secrets.get('batch/hub-pull')?.type, 'kubernetes.io/dockercfg');
  });

  test('secrets in the fixture hold only obviously fake values', () => {
    for (const sec of fixtureItems().filter((o) => o.kind === 'Secret')) {
      for (const v of Object.values(sec.data as Record<string, string>)) {
        const text = Buffer.from(v, 'base64').toString('utf8');
        const users = [...text.matchAll(/"(?:username|password)":"([^"]*)"/g)].map((m) => m[1]);
        assert.ok(
          users.length > 0 && users.every((u) => u?.startsWith('fake-')),
          `${meta(sec).name}: ${users.join(',')}`,
        );
      }
    }
  });

  test('-o yaml of the same List gives the same state', async () => {
    assert.deepEqual(comparable(await load(SNAPSHOT_YAML)), comparable(reference));
  });
});

describe('snapshot: supported shapes', () => {
  test('multi-document YAML (--- separated, comment first, empty last document)', async () => {
    const s = await load(join(FIXTURES, 'shapes', 'multi-doc.yaml'));
    const tools = await load(SNAPSHOT_JSON, { namespace: 'tools', secrets: true });
    assert.deepEqual(s.pods, tools.pods);
    assert.deepEqual(s.events, tools.events);
    assert.deepEqual(s.secrets, tools.secrets);
    assert.deepEqual(s.serviceAccounts, tools.serviceAccounts);
    // The file holds no Node: the scan must know that nodes are unknown here, not that there are none.
    assert.deepEqual(s.skipped, [{ resource: 'nodes', reason: 'not in the snapshot' }]);
  });

  test('a typed PodList from the API (items without kind/apiVersion)', async () => {
    const path = join(FIXTURES, 'shapes', 'pods-typed-list.json');
    const raw = JSON.parse(await readFile(path, 'utf8')) as {
      kind: string;
      items: Record<string, unknown>[];
    };
    assert.equal(raw.kind, 'PodList');
    assert.ok(raw.items.every((i) => !('kind' in i)));
    const s = await load(path);
    const shop = await load(SNAPSHOT_JSON, { namespace: 'shop', secrets: true });
    assert.deepEqual(s.pods, shop.pods);
  });

  test('a typed events.k8s.io/v1 EventList', async () => {
    const s = await load(join(FIXTURES, 'shapes', 'events-v1-list.json'));
    const data = await load(SNAPSHOT_JSON, { namespace: 'data', secrets: true });
    assert.equal(s.events.length, 3);
    assert.deepEqual(s.events, data.events);
  });

  test('a single object', async () => {
    const s = await load(join(FIXTURES, 'shapes', 'single-pod.yaml'));
    assert.deepEqual(names(s), ['data/db-0']);
    assert.deepEqual(
      s.pods,
      reference.pods.filter((p) => p.metadata.name === 'db-0'),
    );
  });

  test('a JSON array of objects, JSON lines (jq -c .items[]), a BOM, CRLF YAML', async () => {
    const items = fixtureItems();
    assert.deepEqual(comparable(await load(await file(JSON.stringify(items)))), comparable(reference));
    const lines = items.map((i) => JSON.stringify(i)).join('\n') + '\n';
    assert.deepEqual(comparable(await load(await file(lines))), comparable(reference));
    const bom = await file(`\ufeff${await readFile(SNAPSHOT_JSON, 'utf8')}`);
    assert.deepEqual(comparable(await load(bom)), comparable(reference));
    const crlf = (await readFile(SNAPSHOT_YAML, 'utf8')).replace(/\n/g, '\r\n');
    assert.deepEqual(comparable(await load(await file(crlf, 'crlf.yaml'))), comparable(reference));
  });

  test('a directory: recursive, .json/.yaml/.yml only, hidden entries and symlink loops ignored', async () => {
    const dir = join(tmp.path, 'bundle');
    const items = fixtureItems();
    const byNs = new Map<string, Record<string, unknown>[]>();
    for (const o of items) {
      const ns = meta(o).namespace ?? 'cluster';
      byNs.set(ns, [...(byNs.get(ns) ?? []), o]);
    }
    let i = 0;
    for (const [ns, objs] of byNs) {
      await mkdir(join(dir, ns, 'deep'), { recursive: true });
      const half = Math.ceil(objs.length / 2);
      const ext = ['json', 'yaml', 'yml'][i++ % 3];
      const first = { apiVersion: 'v1', kind: 'List', metadata: {}, items: objs.slice(0, half) };
      await writeFile(join(dir, ns, `a.${ext}`), ext === 'json' ? JSON.stringify(first) : stringify(first));
      await writeFile(
        join(dir, ns, 'deep', 'b.yaml'),
        objs
          .slice(half)
          .map((o) => `---\n${stringify(o)}`)
          .join(''),
      );
    }
    await writeFile(join(dir, 'README.txt'), 'not YAML: [');
    await mkdir(join(dir, '.git'));
    await writeFile(join(dir, '.git', 'junk.json'), '{ not json');
    await writeFile(join(dir, '.hidden.yaml'), ': :');
    await symlink(dir, join(dir, 'shop', 'loop'));
    const s = await load(dir);
    assert.equal(s.source, `snapshot ${dir}`);
    assert.deepEqual(comparable(s), comparable(reference));
  });

  test('stdin (-), read once even when loaded twice', async () => {
    const text = await readFile(SNAPSHOT_JSON);
    const chunks = [text.subarray(0, 1000), text.subarray(1000)];
    const src = snapshotSource('-', { stdin: Readable.from(chunks) });
    assert.equal(src.describe(), 'snapshot (stdin)');
    const first = await src.load(ALL);
    assert.deepEqual(comparable(first), comparable(reference));
    const second = await src.load({ namespace: 'data', secrets: false });
    assert.deepEqual(names(second), ['data/db-0']);
    assert.equal(second.secrets.size, 0);
  });

  test('scope: a namespace and secrets:false', async () => {
    const s = await load(SNAPSHOT_JSON, { namespace: 'tools', secrets: false });
    assert.deepEqual(names(s), ['tools/legacy-app', 'tools/toolbox']);
    assert.equal(s.secrets.size, 0);
    assert.ok(s.events.length > 0 && s.events.every((e) => e.namespace === 'tools'));
    assert.equal(s.nodes.size, 2);
  });

  test('one malformed object inside a big List is skipped and named; everything else loads', async () => {
    const items = fixtureItems();
    const broken = items.find((o) => o.kind === 'Pod' && meta(o).name === 'checkout') as Record<
      string,
      unknown
    >;
    (broken.status as Record<string, unknown>).initContainerStatuses = 'ErrImagePull';
    const s = await load(await file(JSON.stringify({ apiVersion: 'v1', kind: 'List', items })));
    assert.equal(s.pods.length, 8);
    assert.deepEqual(s.skipped, [
      {
        resource: 'pod/checkout',
        namespace: 'shop',
        reason:
          'invalid object: status.initContainerStatuses: Invalid input: expected array, received string',
      },
    ]);
  });

  test('a List item without a kind is skipped and named by position', async () => {
    const s = await load(
      await file(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [{ metadata: { name: 'x' } }, fixtureItems()[0]],
        }),
      ),
    );
    assert.equal(s.nodes.size, 1);
    const bad = s.skipped.filter((x) => x.reason !== ABSENT);
    assert.equal(bad.length, 1);
    assert.match(bad[0]?.resource ?? '', /item 0$/);
    assert.match(bad[0]?.reason ?? '', /without "kind"/);
  });

  test('an empty file inside a directory is a skipped entry, not an error', async () => {
    const dir = join(tmp.path, 'with-empty');
    await mkdir(dir);
    await writeFile(join(dir, 'empty.yaml'), '');
    await writeFile(join(dir, 'pods.json'), await readFile(join(FIXTURES, 'shapes', 'pods-typed-list.json')));
    const s = await load(dir);
    assert.equal(s.pods.length, 3);
    assert.deepEqual(
      s.skipped.filter((x) => x.reason !== ABSENT),
      [{ resource: join(dir, 'empty.yaml'), reason: 'empty file' }],
    );
  });
});

describe('snapshot: a kind it does not hold is unknown, not empty', () => {
  const absent = (s: ClusterState) => s.skipped.filter((x) => x.reason === ABSENT).map((x) => x.resource);
  const pods = () => fixtureItems().filter((o) => o.kind === 'Pod');

  test('a bundle of pods only: secrets, service accounts, nodes and events are each listed as not in it', async () => {
    const s = await load(await file(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods() })));
    assert.deepEqual(absent(s), ['events', 'nodes', 'secrets', 'serviceaccounts']);
  });

  test('an empty typed list (kubectl get secrets in a namespace with none) is present, just empty', async () => {
    const s = await load(
      await file(
        JSON.stringify([
          { apiVersion: 'v1', kind: 'List', items: pods() },
          { apiVersion: 'v1', kind: 'SecretList', items: [] },
          { apiVersion: 'events.k8s.io/v1', kind: 'EventList', items: [] },
        ]),
      ),
    );
    assert.deepEqual(absent(s), ['nodes', 'serviceaccounts']);
  });

  test('secrets are not called absent when the scan was told not to read them', async () => {
    const s = await load(await file(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: pods() })), {
      namespace: null,
      secrets: false,
    });
    assert.ok(!absent(s).includes('secrets'));
  });
});

describe('snapshot: bad input is a clear error, never a stack trace', () => {
  test('not JSON', async () => {
    const p = await file('{"kind": "List", "items": [');
    await rejectsWith(load(p), 'input', /snapshot .* is not valid JSON: /);
  });

  test('not YAML, with the document and line', async () => {
    const p = await file('kind: Pod\nmetadata: {name: a}\n---\nkind: [\n', 'bad.yaml');
    await rejectsWith(load(p), 'input', /bad\.yaml \(document 2\) is not valid YAML: .*line \d+/);
  });

  test('kubectl table output instead of -o json', async () => {
    const p = await file(
      'NAME                    READY   STATUS             RESTARTS   AGE\nweb-7c9f8d6b5d-x2k4p   0/1     ImagePullBackOff   0          40m\n',
      'table.txt',
    );
    await rejectsWith(
      load(p),
      'input',
      /is text "NAME .*", not a Kubernetes object; expected the output of `kubectl get … -o json`/,
    );
  });

  test('a scalar, an object without kind, a List without items, nested arrays', async () => {
    await rejectsWith(load(await file('42')), 'input', /is a number, not a Kubernetes object/);
    await rejectsWith(
      load(await file('{"image": "nginx"}')),
      'input',
      /is not a Kubernetes object \(it has no "kind"\)/,
    );
    await rejectsWith(
      load(await file('{"kind": "List", "apiVersion": "v1"}')),
      'input',
      /List has no "items" array/,
    );
    await rejectsWith(load(await file('[[{"kind": "Pod"}]]')), 'input', /nested arrays/);
    await rejectsWith(
      load(await file('kind: Pod\nmetadata: {name: a}\n---\njust text\n', 'docs.yaml')),
      'input',
      /docs\.yaml document 2 is text "just text", not a Kubernetes object/,
    );
  });

  test('a YAML alias bomb is refused', async () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'kind: Pod',
    ].join('\n');
    await rejectsWith(load(await file(bomb, 'bomb.yaml')), 'input', /not usable YAML/);
  });

  test('empty input, an empty directory, a missing path', async () => {
    await rejectsWith(load(await file('  \n')), 'input', /is empty/);
    const empty = join(tmp.path, 'empty-dir');
    await mkdir(join(empty, 'sub'), { recursive: true });
    await writeFile(join(empty, 'notes.txt'), 'x');
    await rejectsWith(load(empty), 'input', /holds no \.json, \.yaml or \.yml files/);
    await rejectsWith(
      load(join(tmp.path, 'nope.json')),
      'config',
      /cannot read snapshot .*nope\.json: no such file or directory/,
    );
  });

  test('compressed or binary files', async () => {
    const gz = await file(gzipSync(await readFile(SNAPSHOT_JSON)), 'bundle.json.gz');
    await rejectsWith(load(gz), 'input', /is gzip-compressed; decompress it first/);
    await rejectsWith(load(await file(Buffer.from([0x7b, 0, 1, 2, 3]))), 'input', /is binary data/);
  });

  test('an unreadable file', async () => {
    const p = await file('{}', 'locked.json');
    await chmod(p, 0);
    if (process.getuid?.() !== 0) {
      await rejectsWith(load(p), 'config', /cannot read snapshot .*locked\.json: permission denied/);
      return;
    }
    // Root reads everything (and CI runs as root): read it as nobody instead.
    await chmod(tmp.path, 0o755);
    const src = new URL('../../src/cluster/index.ts', import.meta.url).href;
    const script = `const { snapshotSource } = await import(${JSON.stringify(src)});
      await snapshotSource(${JSON.stringify(p)}).load({ namespace: null, secrets: true })
        .then(() => console.log('loaded'), (e) => console.log(e.kind + ': ' + e.message));`;
    const r = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx'],
      { input: script, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^config: cannot read snapshot .*locked\.json: permission denied$/m);
  });

  test('the size budget: a big file, a big stdin, a directory that adds up', async () => {
    const text = await readFile(SNAPSHOT_JSON);
    const limit = Math.floor(text.length / 2);
    await rejectsWith(
      snapshotSource(SNAPSHOT_JSON, { maxBytes: limit }).load(ALL),
      'input',
      /snapshot .*snapshot\.json is larger than 0\.\d+ MiB/,
    );
    const endless = Readable.from(
      (function* () {
        for (;;) yield Buffer.alloc(64 * 1024, 0x20);
      })(),
    );
    await rejectsWith(
      snapshotSource('-', { maxBytes: 1024 * 1024, stdin: endless }).load(ALL),
      'input',
      /snapshot on stdin is larger than 1 MiB/,
    );
    const dir = join(tmp.path, 'adds-up');
    await mkdir(dir);
    await writeFile(join(dir, 'a.json'), text);
    await writeFile(join(dir, 'b.json'), text);
    await rejectsWith(
      snapshotSource(dir, { maxBytes: Math.floor(text.length * 1.5) }).load(ALL),
      'input',
      /snapshot directory .*adds-up is larger than/,
    );
  });
});
