// The exporter as Prometheus sees it: `promtool check metrics` on a real scrape holding every metric family, and a
// real prometheus process (Debian package) scraping the exporter and answering a query through its HTTP API.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { snapshotSource } from '../../src/cluster/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { freePort } from '../helpers/ports.ts';
import { startDaemon } from '../helpers/proc.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { promtool } from '../monitor/promtool.ts';
import { needs, PROMETHEUS, PROMTOOL } from '../helpers/tools.ts';
import { event, exporterFrom, failingPod, get, list, scrape, waitFor } from './support.ts';

const SNAPSHOT = list([
  failingPod('web-1', 'shop', 'registry.invalid/team/web:1', {
    reason: 'ErrImagePull',
    message:
      'failed to pull and unpack image "registry.invalid/team/web:1": failed to resolve reference "registry.invalid/team/web:1": failed to do request: Head "https://registry.invalid/v2/team/web/manifests/1": dial tcp: lookup registry.invalid: no such host',
  }),
  event(
    'e1',
    'shop',
    'web-0',
    'Pulled',
    'Successfully pulled image "nginx:1" in 2.1s (2.4s including waiting). Image size: 73400320 bytes.',
  ),
]);

describe('exporter: Prometheus tooling on a real scrape', () => {
  const fx = useFixture();
  let reg: RunningRegistry;
  let snapshot: string;

  before(async () => {
    reg = await fx.registry();
    await pushImage(await buildImageLayout(await fx.subdir('img')), `docker://${reg.host}/team/app:1`, {
      tlsVerify: false,
    });
    snapshot = join(await fx.subdir('snap'), 'snapshot.json');
    await writeFile(snapshot, JSON.stringify(SNAPSHOT));
  });

  /** Every family has samples: registry (with a checkImage), images, the snapshot cluster's failures and pulls. */
  async function fullExporter(interval: string) {
    const ex = await exporterFrom(
      fx,
      `
interval: ${interval}
registries:
  - host: ${reg.host}
    plainHttp: true
    checkImage: ${reg.host}/team/app:1
images:
  - ${reg.host}/team/app:1
  - ${reg.host}/team/app:2
`,
      { cluster: snapshotSource(snapshot), random: () => 0 },
    );
    await ex.ready;
    return ex;
  }

  test('promtool check metrics accepts the exposition', needs(PROMTOOL), async () => {
    const ex = await fullExporter('1m');
    const text = await scrape(ex);
    // promtool accepts empty input, so first make sure every family is really in there with samples.
    for (const family of [
      'regdoctor_registry_up{',
      'regdoctor_registry_probe_duration_seconds_bucket{',
      'regdoctor_registry_check_failures_total{',
      'regdoctor_image_available{',
      'regdoctor_image_pull_failures{namespace="shop",cause="DNS_FAILURE"} 1',
      'regdoctor_image_pull_duration_seconds_bucket{',
      'regdoctor_check_duration_seconds_bucket{',
      'regdoctor_last_successful_check_timestamp_seconds{check="cluster"}',
      'regdoctor_image_series_dropped_total 0',
    ]) {
      assert.ok(text.includes(family), `${family} in the scrape`);
    }
    const r = await promtool(['check', 'metrics'], { input: text });
    assert.equal(r.code, 0, r.output);
    assert.equal(r.output.trim(), '', 'no lint findings');
  });

  test(
    'a real prometheus scrapes the exporter and answers regdoctor_registry_up through its API',
    { ...needs(PROMETHEUS), timeout: 90_000 },
    async () => {
      const ex = await fullExporter('2s');
      const dir = await fx.subdir('prometheus');
      const port = await freePort();
      const config = join(dir, 'prometheus.yml');
      await writeFile(
        config,
        stringify({
          global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
          scrape_configs: [{ job_name: 'regdoctor', static_configs: [{ targets: [new URL(ex.url).host] }] }],
        }),
      );
      const prom = startDaemon(
        PROMETHEUS.path,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${join(dir, 'tsdb')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { cwd: dir },
      );
      fx.onCleanup(() => prom.stop());
      const query = `http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent('regdoctor_registry_up')}`;
      const answer = await waitFor(
        'prometheus to have scraped regdoctor_registry_up',
        async () => {
          if (prom.child.exitCode !== null) throw new Error(`prometheus exited: ${prom.output()}`);
          const r = await get(query);
          if (r.status !== 200) return undefined;
          const body = JSON.parse(r.body) as {
            status: string;
            data: {
              resultType: string;
              result: { metric: Record<string, string>; value: [number, string] }[];
            };
          };
          return body.data.result.length > 0 ? body : undefined;
        },
        60_000,
      );
      assert.equal(answer.status, 'success');
      assert.equal(answer.data.resultType, 'vector');
      assert.equal(answer.data.result.length, 1);
      const [series] = answer.data.result;
      assert.deepEqual(series!.metric, {
        __name__: 'regdoctor_registry_up',
        instance: new URL(ex.url).host,
        job: 'regdoctor',
        registry: reg.host,
      });
      assert.equal(series!.value[1], '1');

      // The scrape itself went well by Prometheus' own account.
      const up = JSON.parse((await get(`http://127.0.0.1:${port}/api/v1/query?query=up`)).body) as {
        data: { result: { value: [number, string] }[] };
      };
      assert.equal(up.data.result[0]?.value[1], '1');
    },
  );
});
