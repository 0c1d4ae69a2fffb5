// Several images in one `regdoctor probe` run: --file with comments, `-f -` from stdin, and that the images are
// really probed at the same time (a server that holds manifest requests until enough are waiting proves it).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { serve } from '../helpers/server.ts';
import { fakeRegistry } from '../helpers/fake-registry.ts';
import { matchManifest } from '../helpers/fake-image.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { buildCli, show, type Cli } from './cli.ts';
import { assertFailureJson, assertPullableJson, probeLines } from './contract.ts';

/**
 * A registry that parks GETs of manifests by tag and lets them go in groups of `groupSize`, or after `waitMs`
 * when fewer arrive. The largest group released says how many probes were in flight together.
 */
async function gatheringRegistry(groupSize: number, waitMs: number) {
  const normal = fakeRegistry();
  const groups: number[] = [];
  let parked: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const releaseAll = () => {
    clearTimeout(timer);
    timer = undefined;
    groups.push(parked.length);
    const go = parked;
    parked = [];
    go.forEach((f) => f());
  };
  const server = await serve((req: IncomingMessage, res: ServerResponse) => {
    const m = matchManifest(new URL(req.url ?? '/', 'http://x').pathname);
    // The request that resolves the tag (a HEAD, as containerd resolves) is the one each probe waits on.
    if (req.method !== 'HEAD' || !m || m.reference.startsWith('sha256:')) return normal(req, res);
    parked.push(() => normal(req, res));
    if (parked.length >= groupSize) releaseAll();
    else timer ??= setTimeout(releaseAll, waitMs);
  });
  return { ...server, groups };
}

describe('regdoctor probe with several images', () => {
  const fx = useFixture();
  let cli: Cli;
  let reg: RunningRegistry;
  let list: string;
  let images: string[];
  const AMD = ['--platform', 'linux/amd64'];

  before(async () => {
    const [built, registry] = await Promise.all([buildCli(fx), fx.registry()]);
    cli = built;
    reg = registry;
    const img = await buildImageLayout(await fx.subdir('img'));
    await pushImage(img, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    await pushImage(img, `docker://${reg.host}/team/web:2`, { tlsVerify: false });
    images = [`${reg.host}/team/app:1`, `${reg.host}/team/web:2`, `${reg.host}/team/app:9`];
    // Comments, blank and indented lines, and CRLF line ends, as a hand-edited list has them.
    list = [
      '# images the cluster runs',
      '',
      `  ${images[0]}   # the api`,
      '   ',
      `${images[1]}\r`,
      '# retired:',
      `# ${reg.host}/team/old:1`,
      `${images[2]}`,
      '',
    ].join('\n');
  });

  test('--file: comments and blank lines skipped, one JSON line per image in file order', async () => {
    const file = join(fx.dir, 'images.txt');
    await writeFile(file, list);
    const r = await cli.run(['probe', '--file', file, '--plain-http', ...AMD, '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    const lines = probeLines(r);
    assert.deepEqual(
      lines.map((o) => o.image),
      images,
    );
    assertPullableJson(lines[0]!);
    assertPullableJson(lines[1]!);
    assertFailureJson(lines[2]!, 'MANIFEST_NOT_FOUND');
  });

  test('-f - reads the list from stdin; images named as arguments come first', async () => {
    const extra = `${reg.host}/team/web:2`;
    const r = await cli.run(['probe', extra, '-f', '-', '--plain-http', ...AMD, '-o', 'json'], {
      input: list,
    });
    assert.equal(r.code, 1, show(r));
    assert.deepEqual(
      probeLines(r).map((o) => o.image),
      [extra, ...images],
    );
  });

  test('-f - with only comments is a usage error', async () => {
    const r = await cli.run(['probe', '-f', '-', '--plain-http'], { input: '# nothing yet\n\n' });
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /^regdoctor: .*IMAGE/);
  });

  test('images are probed concurrently in one process', async () => {
    const server = await fx.start(gatheringRegistry(4, 5000));
    const { groups } = server;
    const many = [1, 2, 3, 4].map((i) => `${server.host}/team/svc-${i}:1`);
    const r = await cli.run(['probe', ...many, '--plain-http', ...AMD, '-o', 'json']);
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(groups, [4], 'all four manifest requests were waiting at the same time');
    assert.deepEqual(
      probeLines(r).map((o) => o.image),
      many,
    );
  });

  test('--concurrency 2 keeps at most two probes in flight', async () => {
    const server = await fx.start(gatheringRegistry(3, 300));
    const { groups } = server;
    const many = [1, 2, 3, 4].map((i) => `${server.host}/team/svc-${i}:1`);
    const r = await cli.run(['probe', ...many, '--concurrency', '2', '--plain-http', ...AMD, '-o', 'json']);
    assert.equal(r.code, 0, show(r));
    assert.ok(groups.length >= 2, `groups ${JSON.stringify(groups)}`);
    assert.ok(
      groups.every((g) => g <= 2),
      `never more than two at once; groups ${JSON.stringify(groups)}`,
    );
    assert.equal(
      groups.reduce((a, b) => a + b, 0),
      4,
    );
  });
});
