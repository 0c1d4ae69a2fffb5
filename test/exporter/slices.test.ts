// The exporter scans a cluster in slices so that a scrape never waits for a whole large cluster; the slices'
// findings and workload images must be exactly the whole state's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotSource } from '../../src/cluster/index.ts';
import { podSlices, workloadSlices } from '../../src/exporter/slices.ts';
import { workloadImages } from '../../src/exporter/workloads.ts';
import { scanCluster } from '../../src/scan/index.ts';
import { ALL, SNAPSHOT_JSON } from '../cluster/helpers.ts';

const AMD64 = { os: 'linux', architecture: 'amd64' };

test('slices of one pod give the findings and workload images of the whole state', async () => {
  const state = await snapshotSource(SNAPSHOT_JSON).load(ALL);
  assert.ok(state.pods.length > 3 && state.workloads.size > 1, 'the fixture has enough to slice');
  const opts = { session: null, defaultPlatform: AMD64, secretsRead: true, now: 1_900_000_000_000 };
  const whole = (await scanCluster(state, opts)).findings;
  const sliced = [];
  const slices = [...podSlices(state, 1)];
  assert.equal(slices.length, state.pods.length);
  for (const slice of slices) {
    for (const e of slice.events) {
      if (e.involved.kind === 'Pod')
        assert.ok(
          slice.pods.some((p) => p.metadata.name === e.involved.name),
          'only its own pods’ events',
        );
    }
    sliced.push(...(await scanCluster(slice, opts)).findings);
  }
  assert.ok(whole.length > 0);
  assert.deepEqual(sliced, whole);

  const images = [...workloadSlices(state, 1)].flatMap((workloads) =>
    workloadImages(state, { secretsRead: true, workloads }),
  );
  const strip = (l: ReturnType<typeof workloadImages>) => l.map(({ credentials: _c, ...rest }) => rest);
  assert.deepEqual(strip(images), strip(workloadImages(state, { secretsRead: true })));
});
