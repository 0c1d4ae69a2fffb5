// The command as users run it: a child process, so exit codes and stdout/stderr are what a CI job sees.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function cli(
  args: string[],
  input?: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: dir, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

const policy = (name: string, spec: string) =>
  `apiVersion: regdoctor.dev/v1alpha1\nkind: ImagePolicy\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const deployment = (name: string, image: string, ns = 'shop') =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {template: {spec: {containers: [{name: app, image: "${image}"}]}}}\n`;

let dir: string;
const f = (name: string) => join(dir, name);
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regdoctor-policy-cli-'));
  await writeFile(f('enforce.yaml'), policy('registries', '{allowedRegistries: [ghcr.io/acme]}'));
  await writeFile(
    f('warn.yaml'),
    policy('latest', '{mode: warn, disallowLatestTag: true, minimumSeverity: HIGH}'),
  );
  await writeFile(f('clean.yaml'), deployment('web', 'ghcr.io/acme/web:1.2'));
  await writeFile(f('latest.yaml'), deployment('web', 'ghcr.io/acme/web'));
  await writeFile(
    f('hub.yaml'),
    `${deployment('web', 'ghcr.io/acme/web:1')}---\n${deployment('db', 'postgres:16')}`,
  );
  await writeFile(f('bad-policy.yaml'), policy('p', '{allowedRegistry: [ghcr.io]}'));
  await writeFile(f('broken.yaml'), 'kind: [\n');
  const owned = (kind: string, name: string, ownerKind: string, owner: string) => ({
    kind,
    metadata: {
      name,
      namespace: 'shop',
      ownerReferences: [{ kind: ownerKind, name: owner, controller: true }],
    },
  });
  const tmpl = { template: { spec: { containers: [{ name: 'app', image: 'docker.io/nginx:1' }] } } };
  await writeFile(
    f('snap.json'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: 'shop' },
          spec: tmpl,
        },
        { apiVersion: 'apps/v1', ...owned('ReplicaSet', 'web-1', 'Deployment', 'web'), spec: tmpl },
        {
          apiVersion: 'v1',
          ...owned('Pod', 'web-1-a', 'ReplicaSet', 'web-1'),
          spec: tmpl.template.spec,
          status: {},
        },
        {
          apiVersion: 'v1',
          ...owned('Pod', 'orphan', 'ReplicaSet', 'gone'),
          spec: tmpl.template.spec,
          status: {},
        },
      ],
    }),
  );
});
after(() => rm(dir, { recursive: true, force: true }));

describe('regdoctor policy check', () => {
  test('clean manifests exit 0', async () => {
    const r = await cli(['policy', 'check', '--policy', f('enforce.yaml'), '-f', f('clean.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no violations \(1 object, 1 policy\)/);
  });
  test('enforce-mode violations exit 1 and name policy, rule, object, container and reason', async () => {
    const r = await cli(['policy', 'check', '--policy', f('enforce.yaml'), '-f', f('hub.yaml')]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /DENY {2}Deployment shop\/db {2}app {2}\[registries\/allowedRegistries\]/);
    assert.match(
      r.stdout,
      /"postgres:16" \(docker\.io\/library\/postgres:16\) is not from an allowed registry/,
    );
    assert.doesNotMatch(r.stdout, /shop\/web/);
  });
  test('warn-mode violations alone exit 0 but are printed, with the not-evaluated notes', async () => {
    const r = await cli(['policy', 'check', '--policy', f('warn.yaml'), '-f', f('latest.yaml')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /WARN {2}Deployment shop\/web {2}app {2}\[latest\/disallowLatestTag\]/);
    assert.match(r.stdout, /note: policy latest: minimumSeverity not evaluated/);
  });
  test('enforce and warn together exit 1; json output', async () => {
    const r = await cli(
      ['policy', 'check', '--policy', f('enforce.yaml'), '--policy', f('warn.yaml'), '-f', '-', '-o', 'json'],
      deployment('x', 'nginx'),
    );
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as {
      violations: {
        policy: string;
        rule: string;
        mode: string;
        kind: string;
        namespace: string;
        name: string;
        container: string;
        containerType: string;
        image: string;
        message: string;
      }[];
      notes: { policy: string; rule: string }[];
      summary: Record<string, unknown>;
    };
    assert.deepEqual(
      out.violations.map((v) => [
        v.policy,
        v.rule,
        v.mode,
        v.kind,
        v.namespace,
        v.name,
        v.container,
        v.containerType,
        v.image,
      ]),
      [
        [
          'registries',
          'allowedRegistries',
          'enforce',
          'Deployment',
          'shop',
          'x',
          'app',
          'container',
          'nginx',
        ],
        ['latest', 'disallowLatestTag', 'warn', 'Deployment', 'shop', 'x', 'app', 'container', 'nginx'],
      ],
    );
    assert.deepEqual(
      out.notes.map((n) => `${n.policy}/${n.rule}`),
      ['latest/minimumSeverity'],
    );
    assert.deepEqual(out.summary, {
      source: '(stdin)',
      policies: 2,
      objects: 1,
      ignored: 0,
      violations: 2,
      enforce: 1,
      warn: 1,
    });
  });
  test('a snapshot: each violation once, on the top-level owner that was loaded', async () => {
    const r = await cli([
      'policy',
      'check',
      '--policy',
      f('enforce.yaml'),
      '--snapshot',
      f('snap.json'),
      '-o',
      'json',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { violations: { kind: string; name: string }[] };
    assert.deepEqual(out.violations.map((v) => `${v.kind}/${v.name}`).sort(), [
      'Deployment/web',
      'Pod/orphan',
    ]);
  });
  test('--help', async () => {
    const r = await cli(['policy', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Usage: regdoctor policy check --policy FILE/);
    assert.match(r.stdout, /Examples:/);
  });

  const errors: [string, () => string[], RegExp][] = [
    [
      'an unknown policy field',
      () => ['--policy', f('bad-policy.yaml'), '-f', f('clean.yaml')],
      /bad-policy\.yaml: ImagePolicy "p": unknown field spec\.allowedRegistry/,
    ],
    [
      'a policy file that is not YAML',
      () => ['--policy', f('broken.yaml'), '-f', f('clean.yaml')],
      /broken\.yaml: not valid YAML or JSON/,
    ],
    [
      'a manifest passed as a policy',
      () => ['--policy', f('clean.yaml'), '-f', f('clean.yaml')],
      /clean\.yaml: expected apiVersion regdoctor\.dev\/v1alpha1, kind ImagePolicy/,
    ],
    [
      'a missing policy file',
      () => ['--policy', f('nope.yaml'), '-f', f('clean.yaml')],
      /cannot read .*nope\.yaml: no such file/,
    ],
    ['no --policy', () => ['-f', f('clean.yaml')], /needs at least one --policy/],
    [
      '-f with --snapshot',
      () => ['--policy', f('enforce.yaml'), '-f', f('clean.yaml'), '--snapshot', f('snap.json')],
      /cannot be combined with --snapshot/,
    ],
    [
      'a bad manifest',
      () => ['--policy', f('enforce.yaml'), '-f', f('broken.yaml')],
      /broken\.yaml: not valid YAML/,
    ],
    [
      'a bad output format',
      () => ['--policy', f('enforce.yaml'), '-f', f('clean.yaml'), '-o', 'xml'],
      /--output must be/,
    ],
  ];
  for (const [what, args, want] of errors) {
    test(`exit 2 with one line: ${what}`, async () => {
      const r = await cli(['policy', 'check', ...args()]);
      assert.equal(r.code, 2, r.stdout);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^regdoctor: [^\n]+\n$/);
      assert.match(r.stderr, want);
    });
  }
  test('exit 2: no subcommand', async () => {
    const r = await cli(['policy']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs a subcommand: check/);
  });
});
