// Hostile API servers: an answer without end, one nested past the limit, error bodies without end, and pages
// that add up. Each ends the load with one clear error (or a skipped resource), at the limit, not at the timeout
// and not after reading gigabytes (before: an endless answer filled 4.9 GB).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { liveSource } from '../../src/cluster/index.ts';
import { RESPONSE_MAX_BYTES } from '../../src/cluster/live-call.ts';
import { serve, type TestServer } from '../helpers/server.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';
import { writeKubeconfig } from '../helpers/kube-api.ts';
import { ALL, rejectsWith } from './helpers.ts';

const TOKEN = 'hostile-test-token';

let tmp: TempDir;
const servers: TestServer[] = [];
before(async () => {
  tmp = await makeTempDir('regdoctor-kube-hostile-');
});
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await tmp.remove();
});

let n = 0;
async function hostile(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  maxBytes?: number,
  timeoutMs = 20_000,
) {
  const server = await serve(handler);
  servers.push(server);
  const kubeconfig = await writeKubeconfig(`${tmp.path}/kc-${++n}`, {
    server: server.url,
    token: TOKEN,
  });
  return { server, source: liveSource({ kubeconfig, timeoutMs, retryDelayMs: 10, maxBytes }) };
}

/** Writes `chunk` until the client goes away. */
function endless(res: ServerResponse, chunk: Buffer): void {
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  res.on('close', () => res.removeAllListeners('drain'));
  pump();
}

const PAGE = (items: unknown[]) => JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items });

describe('live source: hostile answers', () => {
  test('a 200 that never ends stops at the per-answer limit, long before the timeout', async () => {
    const { source } = await hostile(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"kind":"PodList","items":[');
        endless(res, Buffer.from(`{"kind":"Pod","metadata":{"name":"${'x'.repeat(60_000)}"}},`));
      },
      1024 * 1024 * 1024,
      // The error names the byte limit, which proves what ended the read; a long timeout keeps a loaded machine
      // (64 MiB through loopback took 19 s at a load of 20 on 2 cores) from ending it first.
      300_000,
    );
    const before = process.memoryUsage().rss;
    await rejectsWith(source.load(ALL), 'protocol', /the answer is larger than 64 MiB; list one namespace/);
    assert.ok(process.memoryUsage().rss - before < 8 * RESPONSE_MAX_BYTES, 'memory stayed bounded');
  });

  test('a body that declares more than the limit is refused before it is read', async () => {
    const { source } = await hostile((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(RESPONSE_MAX_BYTES + 1),
      });
      res.write('{');
    });
    await rejectsWith(source.load(ALL), 'protocol', /larger than 64 MiB/);
  });

  test('pages that add up past the load budget end the load', async () => {
    const item = { kind: 'Pod', metadata: { name: 'p', namespace: 'x' }, pad: 'y'.repeat(100_000) };
    const { source } = await hostile(
      (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        // Every page says there is another: the byte budget, not the server, decides when to stop.
        res.end(JSON.stringify({ kind: 'List', metadata: { continue: `c${Math.random()}` }, items: [item] }));
      },
      2 * 1024 * 1024,
    );
    await rejectsWith(
      source.load(ALL),
      'protocol',
      /the answers add up to more than 2 MiB; list one namespace/,
    );
  });

  test('an answer nested past the limit', async () => {
    const { source } = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"kind":"PodList","items":[${'['.repeat(5000)}${']'.repeat(5000)}]}`);
    });
    await rejectsWith(source.load(ALL), 'protocol', /the answer nests deeper than 1000 levels/);
  });

  test('an error answer that never ends is judged by its start: the resource is skipped, the load goes on', async () => {
    const { source } = await hostile((req, res) => {
      if ((req.url ?? '').startsWith('/api/v1/secrets')) {
        res.writeHead(403, { 'content-type': 'application/json' });
        res.write('{"kind":"Status","status":"Failure","message":"secrets is forbidden","code":403}');
        return endless(res, Buffer.alloc(64 * 1024, 0x20));
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(PAGE([]));
    });
    const state = await source.load(ALL);
    assert.deepEqual(
      state.skipped.filter((s) => s.resource === 'secrets').map((s) => s.reason),
      ['forbidden: secrets is forbidden'],
    );
  });
});
