// The probe's steps one at a time, on a context built by hand: each is a small function that can be run and
// judged alone, without the steps before it reaching a registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Stop, type ProbeContext } from '../../src/probe/context.ts';
import { STEPS } from '../../src/probe/probe.ts';
import { platform } from '../../src/probe/steps/platform.ts';
import { credentials, reference } from '../../src/probe/steps/reference.ts';
import { MEDIA, type Manifest } from '../../src/registry/manifest.ts';
import { Session } from '../../src/registry/session.ts';
import { startResult } from '../../src/result/index.ts';
import { Budget } from '../../src/transport/budget.ts';

function context(image: string, want = { os: 'linux', architecture: 'arm64' }): ProbeContext {
  const { result, record } = startResult(image, `${want.os}/${want.architecture}`);
  return {
    image,
    want,
    opts: { platform: want },
    session: new Session({ timeoutMs: 1000 }),
    budget: new Budget({ deadlineMs: 1000 }),
    result,
    record,
    candidates: [],
  };
}

test('the steps run in the order a runtime pulls', () => {
  assert.deepEqual(
    STEPS.map((s) => s.name),
    ['reference', 'credentials', 'connect', 'auth', 'manifest', 'platform', 'config', 'blob'],
  );
});

test('reference alone: a bad name stops with INVALID_REFERENCE and its step recorded', async () => {
  const ctx = context('Team/App:1');
  await assert.rejects(reference(ctx), (e: unknown) => e instanceof Stop && e.code === 'INVALID_REFERENCE');
  assert.deepEqual(
    ctx.result.steps.map((s) => [s.name, s.ok]),
    [['reference', false]],
  );
});

test('credentials alone: a source that fails stops with its cause; none configured is no step', async () => {
  const ctx = context('registry.local/team/app:1');
  await reference(ctx);
  await credentials(ctx);
  assert.equal(ctx.result.steps.length, 1);
  const failing = context('registry.local/team/app:1');
  Object.assign(failing.opts, {
    credentials: () => Promise.reject(Object.assign(new Error('bad config'), {})),
  });
  await reference(failing);
  await assert.rejects(credentials(failing), (e: unknown) => e instanceof Stop && e.code === 'UNKNOWN');
  assert.equal(failing.result.steps.at(-1)!.name, 'credentials');
});

test('platform alone: an index without the node’s platform is PLATFORM_MISMATCH, no request made', async () => {
  const ctx = context('registry.local/team/app:1');
  await reference(ctx);
  const index: Manifest = {
    schemaVersion: 2,
    mediaType: MEDIA.ociIndex,
    manifests: [
      {
        mediaType: MEDIA.ociManifest,
        digest: `sha256:${'a'.repeat(64)}`,
        size: 1,
        platform: { os: 'linux', architecture: 'amd64' },
      },
      {
        mediaType: MEDIA.ociManifest,
        digest: `sha256:${'b'.repeat(64)}`,
        size: 1,
        platform: { os: 'linux', architecture: 's390x' },
      },
    ],
  };
  ctx.top = { manifest: index, digest: `sha256:${'c'.repeat(64)}`, size: 100 };
  ctx.result.manifest = { mediaType: index.mediaType, digest: ctx.top.digest, size: 100, platforms: [] };
  await assert.rejects(platform(ctx), (e: unknown) => e instanceof Stop && e.code === 'PLATFORM_MISMATCH');
  const st = ctx.result.steps.at(-1)!;
  assert.equal(st.name, 'platform');
  assert.deepEqual(st.detail.available, ['linux/amd64', 'linux/s390x']);
  assert.equal(ctx.session.requestCount, 0);
  await ctx.session.close();
});
