// What the probe says about a failure on a real registry: a missing tag's fix names tags the repository has (it
// listed them), a digest reference is never told to check a tag or to pin by digest, and a verdict with another
// possible reading is never `certain` (the README's definition).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as faults from '../helpers/faults.ts';
import { assertFailure, plainHttp, probeOnce } from './support.ts';

describe('probe: MANIFEST_NOT_FOUND remediation from the tag list', () => {
  const fx = useFixture();
  let reg: RunningRegistry;

  before(async () => {
    reg = await fx.registry();
    const layout = await buildImageLayout(await fx.subdir('img'));
    for (const tag of ['2024.01.15', '2024.02.03', 'stable'])
      await pushImage(layout, `docker://${reg.host}/team/api:${tag}`, { tlsVerify: false });
  });

  test('no tag is close to the one asked for: the fix lists some that exist, not "probe again"', async () => {
    const { result } = await probeOnce(`${reg.host}/team/api:v9-nightly`, { plainHttp });
    assertFailure(result, 'MANIFEST_NOT_FOUND', 'manifest');
    assert.deepEqual(result.suggestions ?? [], []);
    assert.deepEqual(result.tags, ['2024.01.15', '2024.02.03', 'stable']);
    const fix = result.remediation.join('\n');
    assert.match(
      fix,
      /No existing tag looks close to v9-nightly; some that exist: 2024\.01\.15, 2024\.02\.03, stable/,
    );
    assert.doesNotMatch(fix, /regdoctor probe/);
  });

  test('a digest that is not there: no "Check tag", no "pin by digest"', async () => {
    const digest = `sha256:${'e'.repeat(64)}`;
    const { result } = await probeOnce(`${reg.host}/team/api@${digest}`, { plainHttp });
    assertFailure(result, 'MANIFEST_NOT_FOUND', 'manifest');
    const fix = result.remediation.join('\n');
    assert.match(fix, new RegExp(`Digest ${digest} is not in`));
    assert.doesNotMatch(fix, /Check tag|pin the image by digest|<tag> for a typo/);
  });
});

describe('probe: confidence as the README defines it', () => {
  const fx = useFixture();

  test('an anonymous refusal (private, or not there at all) is likely, with the other reading named', async () => {
    // Token auth that grants anonymous users nothing: the registry answers 401 at the manifest, as it does for a
    // private repository and for one that does not exist.
    const ts = await fx.tokenServer({
      acl: { users: { ci: 'pw-ci-1' }, grants: [{ user: 'ci', repository: '**', actions: ['pull'] }] },
    });
    const reg = await fx.registry({ token: ts.registryAuth() });
    const { result } = await probeOnce(`${reg.host}/team/api:1`, { plainHttp });
    assert.equal(result.cause, 'UNAUTHORIZED', result.summary);
    assert.deepEqual(result.alternatives, ['REPOSITORY_NOT_FOUND']);
    assert.equal(result.confidence, 'likely');
  });
});

describe('probe: odd answers get the cause of what actually failed', () => {
  const fx = useFixture();

  test('a response header larger than any client reads is the registry failing: REGISTRY_ERROR', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('x-padding', 'x'.repeat(200_000));
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    fx.onCleanup(() => new Promise<void>((r) => server.close(() => r())));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { result } = await probeOnce(`${host}/team/api:1`, { plainHttp });
    assert.equal(result.cause, 'REGISTRY_ERROR', `${result.summary} ${JSON.stringify(result.steps.at(-1))}`);
  });

  test('a redirect loop on a blob is the registry (or its storage) misrouting, not a broken download', async () => {
    const loop = await fx.start(faults.redirectLoop({ on: ['blob'] }));
    const { result } = await probeOnce(`${loop.host}/team/api:1`, { plainHttp });
    assert.equal(result.cause, 'REGISTRY_ERROR', result.summary);
    assert.match(result.summary, /redirect loop/);
  });

  test('a ping that times out records the time it took', async () => {
    const slow = await fx.start(faults.stall({ phase: 'headers' }));
    const { result } = await probeOnce(`${slow.host}/team/api:1`, { plainHttp }, { timeoutMs: 400 });
    assert.equal(result.cause, 'NETWORK_TIMEOUT', result.summary);
    const ping = result.steps.find((s) => s.name === 'ping');
    assert.ok(ping && !ping.ok, JSON.stringify(result.steps));
    assert.ok(ping.ms >= 350, `ping took ${ping.ms} ms`);
  });
});
