// The image filesystem against the image: judgeDisk's thresholds, and the agent turning a pullable image into
// NODE_DISK_FULL on a node whose image filesystem (a real, small tmpfs mounted where containerd keeps images)
// cannot hold it — before any pull fails.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckRun } from '../../src/agent/client.ts';
import { imageFsStats, judgeDisk, UNPACK_FACTOR } from '../../src/agent/disk.ts';
import type { ProbeResult } from '../../src/result/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { run } from '../helpers/proc.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { needs, TMPFS } from '../helpers/tools.ts';
import { agentFor, checkApi, cluster, node } from './support.ts';

const pullable = (): ProbeResult => ({
  image: 'r.test/app:1',
  reference: { registry: 'r.test', repository: 'app', tag: '1', digest: null },
  platform: 'linux/amd64',
  cause: null,
  confidence: 'certain',
  summary: 'pullable',
  remediation: [],
  steps: [],
});
const fs = (availableBytes: number) => ({
  path: '/var/lib/containerd',
  availableBytes,
  totalBytes: 10 * availableBytes,
});
const MiB = 1024 * 1024;

describe('judgeDisk', () => {
  test('fits: unchanged', () => {
    const r = pullable();
    assert.equal(judgeDisk(r, fs(100 * MiB), 10 * MiB), r);
  });
  test('the compressed layers alone do not fit: NODE_DISK_FULL, certain', () => {
    const r = judgeDisk(pullable(), fs(5 * MiB), 10 * MiB);
    assert.equal(r.cause, 'NODE_DISK_FULL');
    assert.equal(r.confidence, 'certain');
    assert.match(
      r.summary,
      /10\.0 MiB compressed .* \/var\/lib\/containerd has 5\.0 MiB free: the pull cannot finish/,
    );
    assert.ok(r.remediation.length > 0);
  });
  test('the layers fit, unpacking them may not: likely', () => {
    const r = judgeDisk(pullable(), fs(10 * MiB * (1 + UNPACK_FACTOR) - 1), 10 * MiB);
    assert.equal(r.cause, 'NODE_DISK_FULL');
    assert.equal(r.confidence, 'likely');
    assert.equal(judgeDisk(pullable(), fs(10 * MiB * (1 + UNPACK_FACTOR)), 10 * MiB).cause, null);
  });
  test('a failed probe keeps its own cause', () => {
    const failed = { ...pullable(), cause: 'MANIFEST_NOT_FOUND' as const };
    assert.equal(judgeDisk(failed, fs(1), 10 * MiB).cause, 'MANIFEST_NOT_FOUND');
  });
});

describe('the agent on a nearly full node', needs(TMPFS), () => {
  const fx = useFixture();
  test('a 1 MiB image on a 512 KiB image filesystem: NODE_DISK_FULL before the pull', async () => {
    const reg = await fx.registry();
    // Random bytes do not compress: the layer is as large compressed as unpacked.
    const layout = await buildImageLayout(await fx.subdir('img'), {
      tag: 'big',
      layers: [{ randomBytes: 1024 * 1024 }],
    });
    await pushImage(layout, `docker://${reg.host}/team/big:1`, { tlsVerify: false });
    const root = await fx.subdir('host');
    const imageFs = join(root, 'var/lib/containerd');
    await mkdir(imageFs, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', imageFs]);
    fx.onCleanup(() => run('umount', [imageFs]).then(() => undefined));
    const stats = await imageFsStats(root);
    assert.equal(stats?.path, '/var/lib/containerd');
    assert.ok(stats!.totalBytes <= 512 * 1024, `a 512k tmpfs, got ${stats!.totalBytes}`);

    const c = await cluster(fx, { objects: [node('node-a')] });
    const { agent } = await agentFor(fx, c, 'node-a', { nodeRoot: root });
    await agent.synced;
    const checks = new CheckRun(await checkApi(c), { answerMs: 2000, waitMs: 20_000 });
    try {
      const a = await checks.probe({ image: `${reg.host}/team/big:1`, nodeName: 'node-a' });
      assert.equal(a.kind, 'result', JSON.stringify(a));
      if (a.kind !== 'result') return;
      assert.equal(a.probe.cause, 'NODE_DISK_FULL', a.probe.summary);
      assert.equal(a.probe.confidence, 'certain');
      assert.ok(
        a.probe.steps.every((s) => s.ok),
        'the registry serves it: only the node cannot hold it',
      );
      assert.ok((a.node?.imageBytes ?? 0) >= 1024 * 1024);
      assert.equal(a.node?.imageFs?.path, '/var/lib/containerd');
    } finally {
      await checks.close();
    }
  });
});
