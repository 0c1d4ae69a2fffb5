// The exporter serves /metrics from the thread that runs its checks (issue 9, item 9: "checks that parse huge
// answers must not stall /metrics"; a scrape once waited 2.6 s behind a 10,000-pod scan). How long a scrape waits is
// a benchmark's business; what a test can show without a clock is that the cluster check lets scrapes in WHILE it
// scans: scrapes sent after the cluster was loaded are answered before the check is done. A check that scanned the
// whole state in one go would answer none of them until it finished.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { snapshotSource } from '../../src/cluster/index.ts';
import type { ClusterSource } from '../../src/cluster/types.ts';
import { useFixture } from '../helpers/fixture.ts';
import { exporterFrom, failingPod, get } from './support.ts';

const fx = useFixture();
const PODS = 2000;

test(`scrapes are answered while the cluster check scans ${PODS} pods`, async (t) => {
  const items = Array.from({ length: PODS }, (_, i) =>
    failingPod(`p${i}`, `ns${i % 7}`, `registry.test/team/app-${i % 50}:1`, {
      reason: 'ErrImagePull',
      message: `failed to pull and unpack image "registry.test/team/app-${i % 50}:1": not found`,
    }),
  );
  const file = join(await fx.subdir('snap'), 'snapshot.json');
  await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const inner = snapshotSource(file);
  let loaded = false;
  const source: ClusterSource = {
    describe: () => inner.describe(),
    defaultNamespace: () => inner.defaultNamespace(),
    load: async (scope) => {
      const state = await inner.load(scope);
      loaded = true;
      return state;
    },
  };
  const ex = await exporterFrom(fx, 'interval: 1h\ncluster:\n  enabled: true\n', {
    cluster: source,
    random: () => 0,
  });
  const done = (body: string) =>
    /regdoctor_last_successful_check_timestamp_seconds\{check="cluster"\}/.test(body);
  let midScan = 0;
  let after = 0;
  for (;;) {
    const sentAfterLoad = loaded;
    const r = await get(`${ex.url}/metrics`, { timeoutMs: 30_000 });
    assert.equal(r.status, 200);
    if (done(r.body)) {
      after++;
      break;
    }
    if (sentAfterLoad) midScan++;
  }
  assert.equal(after, 1);
  assert.ok(loaded);
  t.diagnostic(`${midScan} scrapes answered mid-scan`);
  assert.ok(midScan >= 1, `${midScan} scrapes answered between the load and the end of the scan`);
  // The check did finish, with every pod counted.
  const text = (await get(`${ex.url}/metrics`)).body;
  const total = text
    .split('\n')
    .filter((l) => l.startsWith('regdoctor_image_pull_failures{'))
    .reduce((a, l) => a + Number(l.split(' ').at(-1)), 0);
  assert.equal(total, PODS);
});
