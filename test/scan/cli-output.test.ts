// What `regdoctor scan` prints and how it exits, from a snapshot of a broken cluster whose images live on real
// registries: the JSON contract (exact keys), YAML, the wide table, text grouped by cause → workload → pods, and
// exit 0 / 1 / 2.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CAUSES } from '../../src/cause/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { needs, SCRIPT } from '../helpers/tools.ts';
import { buildCli, show, type Cli, type CliResult } from '../cli/cli.ts';
import { assertNoAnsi, assertUsageError, ProbeJson } from '../cli/contract.ts';
import { kubelet } from './kubelet.ts';
import { regdoctorRequests, settled, startLab, type Lab } from './lab.ts';
import { healthyWorld, shopWorld, WEB_PODS, type Expected } from './scenario.ts';
import { MIN, NOW, pullFailure, world } from './world.ts';

/** Runs the CLI with a pseudo-terminal (util-linux `script`) as stdout and stderr; returns what it showed. */
function onTty(cli: Cli, args: string[]): Promise<{ code: number | null; out: string }> {
  // Arguments here are paths, flags and host:port words: no shell quoting needed.
  const command = [process.execPath, cli.bin, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT.path, ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: cli.home, TERM: 'xterm-256color' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

const Cause = z.enum(CAUSES);
const Finding = z.strictObject({
  namespace: z.string().min(1),
  pod: z.string().min(1),
  container: z.string().min(1),
  containerType: z.enum(['init', 'regular', 'ephemeral']),
  owner: z.strictObject({ kind: z.string(), name: z.string() }).nullable(),
  node: z.string().nullable(),
  image: z.string().min(1),
  reason: z.string().min(1),
  message: z.string(),
  cause: Cause,
  confidence: z.enum(['certain', 'likely']),
  alternatives: z.array(Cause),
  evidence: z.array(z.string().min(1)).min(1),
  remediation: z.array(z.string().min(1)).min(1),
  probe: ProbeJson.nullable(),
});
const Summary = z.strictObject({
  source: z.string().min(1),
  findings: z.number().int().nonnegative(),
  pods: z.number().int().nonnegative(),
  podsScanned: z.number().int().nonnegative(),
  byCause: z.partialRecord(Cause, z.number().int().positive()),
  uniqueImages: z.number().int().nonnegative(),
  probes: z.number().int().nonnegative(),
  registryRequests: z.number().int().nonnegative(),
  skipped: z.array(
    z.strictObject({ resource: z.string(), namespace: z.string().optional(), reason: z.string() }),
  ),
  asOf: z.iso.datetime(),
});
const Scan = z.strictObject({ findings: z.array(Finding), summary: Summary });
type Scan = z.infer<typeof Scan>;

function scanJson(r: CliResult): Scan {
  assertNoAnsi(r.stdout, 'JSON stdout');
  let value: unknown;
  try {
    value = JSON.parse(r.stdout);
  } catch {
    assert.fail(`stdout is not JSON\n${show(r)}`);
  }
  const parsed = Scan.safeParse(value);
  assert.ok(
    parsed.success,
    `the JSON breaks the contract: ${parsed.error?.message}\n${r.stdout.slice(0, 2000)}`,
  );
  return parsed.data;
}

const key = (f: Pick<Expected, 'namespace' | 'pod' | 'container' | 'cause'>) =>
  `${f.namespace}/${f.pod}/${f.container}: ${f.cause}`;

describe('regdoctor scan: output formats and exit codes', () => {
  const fx = useFixture();
  let cli: Cli;
  let lab: Lab;
  let snapshot: string;
  let healthy: string;
  let expected: Expected[];
  let flags: string[];

  before(async () => {
    [cli, lab] = await Promise.all([buildCli(fx), startLab(fx)]);
    const shop = shopWorld(lab);
    expected = shop.expected;
    const dir = await fx.subdir('snap');
    snapshot = await shop.world.writeSnapshot(dir);
    healthy = await healthyWorld(lab).writeSnapshot(dir, 'healthy.json');
    flags = [
      '--snapshot',
      snapshot,
      ...[lab.auth.host, lab.open.host].flatMap((h) => ['--plain-http-registry', h]),
    ];
  });

  test('-o json: findings with exactly the contract keys, plus a summary; exit 1', async () => {
    const r = await cli.run(['scan', ...flags, '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stderr, '', show(r));
    const out = scanJson(r);
    assert.deepEqual(out.findings.map(key).sort(), expected.map(key).sort());
    for (const e of expected) {
      const f = out.findings.find((x) => x.pod === e.pod && x.container === e.container)!;
      assert.deepEqual(f.owner, e.owner, e.pod);
    }
    const web = out.findings.find((f) => f.pod === WEB_PODS[0])!;
    assert.equal(web.confidence, 'certain');
    assert.equal(web.probe?.cause, 'MANIFEST_NOT_FOUND');
    assert.equal(web.node, 'node-amd64');
    assert.equal(web.reason, 'Failed', 'the detailed Failed event beats the back-off waiting message');
    const checkout = out.findings.find((f) => f.pod === 'checkout')!;
    assert.equal(checkout.containerType, 'init');
    assert.equal(checkout.probe?.platform, 'linux/arm64');
    assert.deepEqual(out.summary, {
      source: `snapshot ${snapshot}`,
      findings: 7,
      pods: 7,
      byCause: {
        MANIFEST_NOT_FOUND: 3,
        UNAUTHORIZED: 1,
        PLATFORM_MISMATCH: 1,
        PULL_SECRET_MISSING: 1,
        PULL_SECRET_INVALID: 1,
      },
      uniqueImages: 3,
      probes: out.summary.probes,
      registryRequests: out.summary.registryRequests,
      podsScanned: 8,
      skipped: [],
      // Ages are measured from the snapshot's newest timestamp (its last event, a minute before it was written).
      asOf: new Date(Math.floor((NOW - MIN) / 1000) * 1000).toISOString(),
    });
    assert.ok(out.summary.probes >= 3 && out.summary.registryRequests > 0);
  });

  test('--no-probe: the same findings from messages alone, YAML equal to JSON, and no request to any registry', async () => {
    await settled(lab.auth);
    const before = regdoctorRequests(lab.auth).length;
    assert.ok(before > 0, 'the probing scan before did reach the registry');
    const json = await cli.run(['scan', ...flags, '--no-probe', '-o', 'json']);
    const yaml = await cli.run(['scan', ...flags, '--no-probe', '-o', 'yaml']);
    assert.equal(json.code, 1, show(json));
    assert.equal(yaml.code, 1, show(yaml));
    await settled(lab.auth);
    assert.equal(regdoctorRequests(lab.auth).length, before, 'a --no-probe scan sent registry requests');
    const out = scanJson(json);
    assert.deepEqual(Scan.parse(parseYaml(yaml.stdout)), out);
    assert.equal(out.summary.probes, 0);
    assert.equal(out.summary.registryRequests, 0);
    for (const f of out.findings) {
      assert.equal(f.probe, null);
      assert.equal(f.confidence, 'likely', key(f));
    }
    // Without the probe, the arm64 pod has only its back-off message.
    assert.equal(out.findings.find((f) => f.pod === 'checkout')?.cause, 'BACKOFF_NO_DETAIL');
  });

  test('--no-secrets: secrets that were not read are not called missing, and probes go anonymously', async () => {
    const r = await cli.run(['scan', ...flags, '--no-secrets', '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    const out = scanJson(r);
    const of = (pod: string) => out.findings.find((f) => f.pod === pod)!;
    // Only the secret the kubelet itself reported (FailedToRetrieveImagePullSecret) is missing.
    assert.deepEqual(out.findings.filter((f) => f.cause.startsWith('PULL_SECRET')).map(key), [
      'tools/toolbox/app: PULL_SECRET_MISSING',
    ]);
    assert.equal(of('legacy-app').cause, 'UNAUTHORIZED');
    assert.ok(
      of(WEB_PODS[0]!).evidence.includes('secret shop/regcred was not audited (--no-secrets): it may exist'),
      of(WEB_PODS[0]!).evidence.join('\n'),
    );
    for (const f of out.findings)
      assert.equal(f.probe?.credential ?? null, null, `${f.pod} probed anonymously`);
  });

  test('-o wide: a table, one aligned row per failing container', async () => {
    const r = await cli.run(['scan', ...flags, '-o', 'wide']);
    assert.equal(r.code, 1, show(r));
    assertNoAnsi(r.stdout, 'wide');
    const lines = r.stdout.trimEnd().split('\n');
    const header = lines[0]!.split(/\s+/);
    assert.deepEqual(header, [
      'NAMESPACE',
      'POD',
      'CONTAINER',
      'TYPE',
      'IMAGE',
      'REASON',
      'CAUSE',
      'CONFIDENCE',
      'NODE',
      'OWNER',
    ]);
    const starts = header.map((h) => lines[0]!.indexOf(h));
    const rows = lines.slice(1);
    assert.equal(rows.length, expected.length);
    for (const row of rows) {
      const cells = row.split(/\s+/);
      assert.equal(cells.length, header.length, row);
      cells.forEach((c, i) =>
        assert.equal(row.indexOf(c, i ? starts[i]! - 1 : 0), starts[i], `column ${header[i]} of ${row}`),
      );
    }
    const byPod = new Map(rows.map((row) => [row.split(/\s+/)[1], row.split(/\s+/)]));
    assert.deepEqual(byPod.get('checkout'), [
      'shop',
      'checkout',
      'migrate',
      'init',
      lab.img.amd64only,
      'ImagePullBackOff',
      'PLATFORM_MISMATCH',
      'certain',
      'node-arm64',
      '<none>',
    ]);
    assert.deepEqual(byPod.get(WEB_PODS[1])?.slice(6), [
      'MANIFEST_NOT_FOUND',
      'certain',
      'node-amd64',
      'Deployment/web',
    ]);
  });

  test('--no-headers drops only the header line of -o wide; -o name lists namespace/pod once per pod', async () => {
    const [wide, bare, names, json] = await Promise.all([
      cli.run(['scan', ...flags, '-o', 'wide']),
      cli.run(['scan', ...flags, '-o', 'wide', '--no-headers']),
      cli.run(['scan', ...flags, '-o', 'name']),
      cli.run(['scan', ...flags, '-o', 'json']),
    ]);
    for (const r of [wide, bare, names]) assert.equal(r.code, 1, show(r));
    const wideRows = wide.stdout.trimEnd().split('\n');
    assert.match(wideRows[0]!, /^NAMESPACE\s+POD\s/);
    assert.deepEqual(
      bare.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(/\s+/)),
      wideRows.slice(1).map((l) => l.split(/\s+/)),
    );
    const pods = [...new Set(scanJson(json).findings.map((f) => `${f.namespace}/${f.pod}`))];
    assert.ok(pods.length > 1);
    assert.equal(names.stdout, pods.map((p) => `${p}\n`).join(''));
  });

  test('text: grouped by cause (most pods first) → workload → pods, with evidence and a fix', async () => {
    const r = await cli.run(['scan', ...flags]);
    assert.equal(r.code, 1, show(r));
    assertNoAnsi(r.stdout, 'text (not a TTY)');
    const lines = r.stdout.split('\n');
    assert.match(
      lines[0]!,
      new RegExp(
        `^Scanned snapshot ${snapshot.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: 7 container\\(s\\) cannot pull in 7 of 8 pod\\(s\\); 3 image\\(s\\), \\d+ probe\\(s\\), \\d+ registry request\\(s\\)$`,
      ),
    );
    // cause → [workload lines]
    const sections: { cause: string; count: number; groups: string[]; body: string[] }[] = [];
    for (const line of lines.slice(1)) {
      const head = /^([A-Z_]+) — .* \((\d+)\)$/.exec(line);
      if (head) sections.push({ cause: head[1]!, count: Number(head[2]), groups: [], body: [] });
      else if (sections.length) {
        const s = sections.at(-1)!;
        if (/^ {2}\S/.test(line)) s.groups.push(line.trim());
        s.body.push(line);
      }
    }
    assert.deepEqual(sections.map((s) => s.cause).sort(), [
      'MANIFEST_NOT_FOUND',
      'PLATFORM_MISMATCH',
      'PULL_SECRET_INVALID',
      'PULL_SECRET_MISSING',
      'UNAUTHORIZED',
    ]);
    assert.equal(sections[0]!.cause, 'MANIFEST_NOT_FOUND', 'the cause with most containers comes first');
    const manifest = sections[0]!;
    assert.equal(manifest.count, 3);
    assert.deepEqual(
      manifest.groups,
      ['Deployment shop/web  container app  [certain]'],
      'three pods, one workload group',
    );
    const pods = manifest.body.find((l) => l.startsWith('    pods  '));
    assert.equal(pods, `    pods  ${WEB_PODS.join(', ')}`);
    const platform = sections.find((s) => s.cause === 'PLATFORM_MISMATCH')!;
    assert.deepEqual(platform.groups, ['Pod shop/checkout  container migrate (init)  [certain]']);
    assert.deepEqual(sections.find((s) => s.cause === 'UNAUTHORIZED')!.groups, [
      'Deployment shop/api  container app  [certain]',
    ]);
    for (const s of sections) {
      assert.ok(s.body.includes('    evidence:'), `${s.cause} has evidence`);
      assert.ok(s.body.includes('    fix:'), `${s.cause} has a fix`);
    }
    assert.ok(
      manifest.body.some((l) => /^ {6}- nearest existing tags: 1\.0\.1, 1\.0\.0/.test(l)),
      manifest.body.join('\n'),
    );
  });

  test('pod -o yaml parses and holds the pod, its events and its finding', async () => {
    const r = await cli.run(['pod', 'checkout', '-n', 'shop', ...flags, '-o', 'yaml']);
    assert.equal(r.code, 1, show(r));
    const out = parseYaml(r.stdout) as { pod: string; events: unknown[]; findings: unknown[] };
    assert.equal(out.pod, 'checkout');
    assert.equal(out.events.length, 1);
    assert.equal(Finding.parse(out.findings[0]).cause, 'PLATFORM_MISMATCH');
  });

  test('TLS flags reach the probe: --ca-file and --insecure-skip-tls-verify-registry', async () => {
    const pki = await fx.pki();
    const tls = await fx.start(faults.status(200, { tls: pki.valid, on: [] }));
    const image = `${tls.host}/team/app:1`;
    const w = world();
    w.pod({ namespace: 'shop', name: 'tls', image, events: pullFailure(image, kubelet.tlsUntrusted(image)) });
    const snap = await w.writeSnapshot(await fx.subdir('tls'));
    const run = async (...args: string[]) => {
      const r = await cli.run(['scan', '--snapshot', snap, '-o', 'json', ...args]);
      assert.equal(r.code, 1, show(r));
      return scanJson(r).findings[0]!;
    };
    const untrusted = await run();
    assert.equal(untrusted.cause, 'TLS_UNTRUSTED');
    assert.equal(untrusted.confidence, 'certain', 'this machine does not trust the test CA either');
    for (const args of [
      ['--ca-file', pki.ca.certPath],
      ['--insecure-skip-tls-verify-registry', tls.host],
    ]) {
      const f = await run(...args);
      assert.equal(f.probe?.cause, null, `${args[0]}: ${f.probe?.summary}`);
      assert.equal(f.cause, 'TLS_UNTRUSTED', 'the node still lacks the CA: the message’s cause stays');
      assert.equal(f.confidence, 'likely');
    }
  });

  test('on a terminal, progress goes to stderr and is cleared; JSON gets none', needs(SCRIPT), async () => {
    const text = await onTty(cli, ['scan', ...flags]);
    assert.equal(text.code, 1, text.out);
    assert.match(text.out, /reading snapshot /);
    assert.match(text.out, /probing \d+\/\d+ unique images…/);
    const before = text.out.slice(0, text.out.indexOf('Scanned snapshot')).replace('\x1b[1m', '');
    assert.ok(
      before.endsWith('…\r\x1b[2K'),
      `the progress line is cleared before the report: ${JSON.stringify(before)}`,
    );
    const json = await onTty(cli, ['scan', ...flags, '-o', 'json']);
    assert.equal(json.code, 1, json.out);
    assert.doesNotMatch(json.out, /probing|reading snapshot/);
    assert.ok(json.out.trimStart().startsWith('{'), json.out.slice(0, 200));
  });

  test('exit 0 with no findings, in text and JSON', async () => {
    const text = await cli.run(['scan', '--snapshot', healthy, '--plain-http-registry', lab.auth.host]);
    assert.equal(text.code, 0, show(text));
    assert.equal(text.stdout, `Scanned snapshot ${healthy}: 1 pod(s), no image-pull problems found\n`);
    assert.equal(text.stderr, 'warning: skipped serviceaccounts: not in the snapshot\n', show(text));
    const json = await cli.run(['scan', '--snapshot', healthy, '-o', 'json']);
    assert.equal(json.code, 0, show(json));
    const out = scanJson(json);
    assert.deepEqual(out.findings, []);
    assert.equal(out.summary.probes, 0, 'nothing failing, nothing probed');
  });

  describe('exit 2 on errors: one line on stderr, nothing on stdout', () => {
    test('a snapshot that is not JSON or YAML', async () => {
      const bad = join(fx.dir, 'broken.json');
      await writeFile(bad, '{"apiVersion": "v1", "kind": "List", "items": [ {"kind": "Pod",');
      assertUsageError(await cli.run(['scan', '--snapshot', bad]), /snapshot .*broken\.json is not valid/);
    });

    test('a snapshot file that does not exist', async () => {
      assertUsageError(await cli.run(['scan', '--snapshot', join(fx.dir, 'nope.json')]), /nope\.json/);
    });

    test('a snapshot of things that are not Kubernetes objects', async () => {
      const odd = join(fx.dir, 'odd.json');
      await writeFile(odd, '[1, 2, 3]\n');
      assertUsageError(await cli.run(['scan', '--snapshot', odd]));
    });

    for (const [args, message] of [
      [['--bogus'], /--bogus/],
      [['-o', 'xml'], /^regdoctor: --output must be text, json, yaml, wide, name or html, not "xml"\n$/],
      [['-o', 'json', '--no-headers'], /^regdoctor: --no-headers goes with -o wide/],
      [['--timeout', '0'], /--timeout must be positive/],
      [['--timeout', '25h'], /--timeout must be at most 24h/],
      [['--concurrency', '0'], /--concurrency must be an integer from 1 to 256/],
      [['-n', 'shop', '-A'], /-n and -A cannot be combined/],
      [['extra'], /scan takes no arguments/],
      [['--timeout', 'soon'], /timeout|duration/i],
      [['--platform', 'linux/'], /platform/i],
    ] as [string[], RegExp][]) {
      test(`bad flags: ${args.join(' ')}`, async () => {
        assertUsageError(await cli.run(['scan', '--snapshot', snapshot, ...args]), message);
      });
    }

    test('--snapshot with --kubeconfig', async () => {
      assertUsageError(
        await cli.run(['scan', ...flags, '--kubeconfig', join(fx.dir, 'kc')]),
        /cannot be combined with --kubeconfig/,
      );
    });
  });
});
