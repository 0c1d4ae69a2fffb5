// What a snapshot does not say: a kind it does not hold is unknown (not empty), and its ages are measured from
// the moment it was taken, not from the wall clock. Support bundles are often old and often leave Secrets out.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { buildCli, show, type Cli, type CliResult } from '../cli/cli.ts';
import { kubelet } from './kubelet.ts';
import { MIN, msg, world, type Obj } from './world.ts';

const IMG = 'registry.example.com/team/app:1.0';
const DAY = 24 * 60 * MIN;
const AGE = 338 * DAY;

interface Out {
  findings: {
    pod: string;
    cause: string;
    confidence: string;
    alternatives: string[];
    evidence: string[];
  }[];
  summary: { skipped: { resource: string; reason: string }[]; asOf: string; podsScanned: number };
}
const parse = (r: CliResult) => JSON.parse(r.stdout) as Out;

/** Every RFC 3339 time in the objects moved `ms` into the past: the same cluster, snapshotted long ago. */
function aged<T>(v: T, ms: number): T {
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(v))
    return new Date(Date.parse(v) - ms).toISOString().replace(/\.\d{3}Z$/, 'Z') as T;
  if (Array.isArray(v)) return v.map((x) => aged(x, ms)) as T;
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, aged(x, ms)])) as T;
  return v;
}

describe('snapshot semantics: absent kinds and the snapshot’s own time', () => {
  const fx = useFixture();
  let cli: Cli;
  let dir: string;
  const write = async (name: string, objects: Obj[]) => {
    const path = join(dir, name);
    await writeFile(path, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    return path;
  };

  before(async () => {
    cli = await buildCli(fx);
    dir = await fx.subdir('snapshots');
  });

  test('a bundle without Secrets: a referenced secret is unknown, not missing; the refusal is only likely', async () => {
    const w = world()
      .dockerSecret('shop', 'regcred', { 'registry.example.com': { username: 'u', password: 'wrong' } })
      .serviceAccount('shop', 'default');
    w.pod({ namespace: 'shop', name: 'api', image: IMG, secrets: ['regcred'], events: [] });
    w.event(w.objects.at(-1)!, { reason: 'Failed', message: kubelet.unauthorized(IMG), minutesAgo: 2 });
    // The bundle was made without `secrets` in the kubectl get list.
    const path = await write(
      'no-secrets.json',
      w.objects.filter((o) => o.kind !== 'Secret'),
    );
    const r = await cli.run(['scan', '--snapshot', path, '--no-probe', '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    const out = parse(r);
    const [f] = out.findings;
    assert.equal(f?.cause, 'UNAUTHORIZED', show(r));
    assert.equal(f.confidence, 'likely');
    assert.ok(
      f.alternatives.includes('PULL_SECRET_INVALID') && f.alternatives.includes('PULL_SECRET_MISSING'),
    );
    assert.ok(
      f.evidence.includes('secret shop/regcred was not audited (secrets not in the snapshot): it may exist'),
      f.evidence.join('\n'),
    );
    assert.ok(!f.evidence.some((e) => /does not exist/.test(e)), f.evidence.join('\n'));
    assert.deepEqual(out.summary.skipped, [{ resource: 'secrets', reason: 'not in the snapshot' }]);
    assert.equal(r.stderr, 'warning: skipped secrets: not in the snapshot\n');
  });

  test('an old bundle: a pull in progress when it was taken is not a PULL_TIMEOUT of 338 days', async () => {
    const w = world().serviceAccount('shop', 'default');
    const pod = w.pod({
      namespace: 'shop',
      name: 'slow',
      image: IMG,
      waiting: { reason: 'ContainerCreating' },
    });
    w.event(pod, {
      reason: 'Pulling',
      message: msg.pulling(IMG),
      minutesAgo: 3,
      fieldPath: 'spec.containers{app}',
    });
    w.event(pod, {
      reason: 'Scheduled',
      message: 'Successfully assigned shop/slow to node-amd64',
      minutesAgo: 1,
    });
    const path = await write('old.json', aged(w.objects, AGE));

    const asTaken = await cli.run(['scan', '--snapshot', path, '--no-probe', '-o', 'json']);
    assert.equal(asTaken.code, 0, show(asTaken));
    const out = parse(asTaken);
    assert.deepEqual(out.findings, []);
    // The newest timestamp in it, a minute after the pull started... 338 days ago.
    const asOf = Date.parse(out.summary.asOf);
    assert.ok(Math.abs(asOf - (Date.now() - AGE - MIN)) < 5 * MIN, out.summary.asOf);

    // Measured from today (--now), the same pull has been running for 338 days: said in days, not minutes.
    const now = new Date().toISOString();
    const today = await cli.run(['scan', '--snapshot', path, '--no-probe', '--now', now, '-o', 'json']);
    assert.equal(today.code, 1, show(today));
    const [f] = parse(today).findings;
    assert.equal(f?.cause, 'PULL_TIMEOUT');
    assert.ok(
      f.evidence.some((e) => / \(338 days\) with no Pulled or Failed event$/.test(e)),
      f.evidence.join('\n'),
    );
    assert.ok(!f.evidence.some((e) => /\d{4,} min/.test(e)), f.evidence.join('\n'));
    // The Pulling message does not say PULL_TIMEOUT; the evidence must not claim it does.
    assert.ok(!f.evidence.some((e) => e.startsWith('the message says')), f.evidence.join('\n'));
    assert.ok(f.evidence.includes('a pull running this long with no outcome points to PULL_TIMEOUT'));
  });

  test('--now must be an RFC 3339 time', async () => {
    const path = await write('empty-ish.json', world().objects);
    const r = await cli.run(['scan', '--snapshot', path, '--now', 'yesterday']);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /^regdoctor: --now must be an RFC 3339 time/);
  });

  test('a waiting reason with no message: the evidence says there is none', async () => {
    const w = world().serviceAccount('shop', 'default');
    w.pod({ namespace: 'shop', name: 'quiet', image: IMG, waiting: { reason: 'ImagePullBackOff' } });
    const r = await cli.run([
      'scan',
      '--snapshot',
      await write('quiet.json', w.objects),
      '--no-probe',
      '-o',
      'json',
    ]);
    const [f] = parse(r).findings;
    assert.equal(f?.cause, 'BACKOFF_NO_DETAIL', show(r));
    assert.ok(
      f.evidence.includes(
        'there is no message; the waiting reason ImagePullBackOff alone says BACKOFF_NO_DETAIL',
      ),
      f.evidence.join('\n'),
    );
    assert.ok(!f.evidence.some((e) => e.startsWith('the message says')));
  });

  test('a snapshot with no pods says 0 pods found, not "no problems"', async () => {
    const r = await cli.run(['scan', '--snapshot', await write('nodes-only.json', world().objects)]);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /: 0 pods found, so nothing was diagnosed\n$/);
    assert.doesNotMatch(r.stdout, /no image-pull problems/);
  });
});
