// `regdoctor policy check` with registry and vulnerability data, through the bundled CLI (lazy imports included)
// against a real docker-registry, a snapshot and the kube-api test server serving VulnerabilityReports.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { closedPort } from '../helpers/ports.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { startKubeApi, writeKubeconfig } from '../helpers/kube-api.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { ecKey, opensslSign, payload, pushSignature, type KeyPair } from '../verify/support.ts';

interface Out {
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
    cause?: string;
  }[];
  notes: { policy: string; rule: string; message: string }[];
  summary: Record<string, unknown>;
}

const D2 = `sha256:${'2'.repeat(64)}`;
const VR = {
  group: 'aquasecurity.github.io',
  version: 'v1alpha1',
  resource: 'vulnerabilityreports',
  kind: 'VulnerabilityReport',
  namespaced: true,
};

describe('regdoctor policy check with registry and vulnerability data', () => {
  const fx = useFixture();
  let cli: Cli;
  let reg: RunningRegistry;
  let dir: string;
  let key: KeyPair;
  const digests: Record<string, string> = {};
  const f = (name: string) => join(dir, name);
  const image = (tag: string) => `${reg.host}/team/app:${tag}`;
  const deployment = (name: string, img: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: { template: { spec: { containers: [{ name: 'app', image: img }] } } },
  });
  const policyDoc = (name: string, spec: Record<string, unknown>) =>
    stringify({ apiVersion: 'regdoctor.dev/v1alpha1', kind: 'ImagePolicy', metadata: { name }, spec });
  const check = (...args: string[]) => cli.run(['policy', 'check', ...args]);
  const json = (stdout: string) => JSON.parse(stdout) as Out;

  before(async () => {
    [cli, reg] = await Promise.all([buildCli(fx), fx.registry()]);
    dir = await fx.subdir('files');
    key = await ecKey(dir, 'release');
    for (const tag of ['signed', 'unsigned']) {
      const layout = await buildImageLayout(await fx.subdir(tag), {
        tag,
        layers: [{ files: [{ path: 'etc/case', content: `${tag}\n` }] }],
      });
      digests[tag] = (await pushImage(layout, `docker://${image(tag)}`, { tlsVerify: false })).digest;
    }
    const body = payload(`${reg.host}/team/app`, digests.signed!);
    await pushSignature(await fx.subdir('sig'), reg.host, 'team/app', digests.signed!, [
      { body, signature: await opensslSign(dir, key.priv, body) },
    ]);
    const pub = await readFile(key.pub, 'utf8');
    await writeFile(
      f('signed.yaml'),
      policyDoc('signed', { requiredSignatures: [{ keys: [{ name: 'release', publicKey: pub }] }] }),
    );
    await writeFile(f('vulns.yaml'), policyDoc('vulns', { minimumSeverity: 'HIGH' }));
    await writeFile(
      f('both.yaml'),
      `${stringify(deployment('good', image('signed')))}---\n${stringify(deployment('bad', image('unsigned')))}`,
    );
    const report = (
      await readFile(new URL('../vuln/fixtures/vulnerabilityreport.yaml', import.meta.url), 'utf8')
    ).replace(D2, digests.unsigned!);
    await writeFile(f('report.yaml'), report);
  });

  test('signatures: the unsigned deployment is denied, the signed one passes; exit 1', async () => {
    const r = await check('--policy', f('signed.yaml'), '-f', f('both.yaml'), '--plain-http', '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const out = json(r.stdout);
    assert.deepEqual(
      out.violations.map((v) => [
        v.policy,
        v.rule,
        v.mode,
        v.kind,
        v.namespace,
        v.name,
        v.container,
        v.image,
      ]),
      [['signed', 'requiredSignatures', 'enforce', 'Deployment', 'shop', 'bad', 'app', image('unsigned')]],
    );
    assert.match(out.violations[0]!.message, /is not signed by the trusted key: no signature: /);
    assert.deepEqual(out.notes, []);
  });

  test('--vulns with a VulnerabilityReport file: matched by digest, listed in text output', async () => {
    const r = await check(
      '--policy',
      f('vulns.yaml'),
      '-f',
      f('both.yaml'),
      '--plain-http',
      '--vulns',
      f('report.yaml'),
    );
    // `good` has no report: the default noVulnerabilityData is a warning, which does not fail the check alone.
    assert.equal(r.code, 1, show(r));
    assert.match(
      r.stdout,
      /DENY {2}Deployment shop\/bad {2}app {2}\[vulns\/minimumSeverity\]\n {6}.*has 1 vulnerability at or above HIGH: CVE-2024-37371 \(HIGH, libgssapi-krb5-2/,
    );
    assert.match(r.stdout, /WARN {2}Deployment shop\/good {2}app {2}\[vulns\/noVulnerabilityData\]/);
  });

  test('--offline: no lookups, the registry rules are notes, exit 0; registry flags are refused', async () => {
    const r = await check('--policy', f('signed.yaml'), '-f', f('both.yaml'), '--offline', '-o', 'json');
    assert.equal(r.code, 0, show(r));
    assert.deepEqual(
      json(r.stdout).notes.map((n) => [n.rule, n.message]),
      [['requiredSignatures', 'not evaluated: needs registry data']],
    );
    const bad = await check('--policy', f('signed.yaml'), '-f', f('both.yaml'), '--offline', '--plain-http');
    assert.equal(bad.code, 2, show(bad));
    assert.match(bad.stderr, /--offline makes no registry requests: --plain-http would have no effect/);
  });

  test('registry down: an explicit violation naming the cause, exit 1', async () => {
    const port = await closedPort();
    await writeFile(f('down.yaml'), stringify(deployment('web', `127.0.0.1:${port}/team/app:1`)));
    const r = await check('--policy', f('signed.yaml'), '-f', f('down.yaml'), '--plain-http', '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const v = json(r.stdout).violations;
    assert.deepEqual(
      v.map((x) => [x.rule, x.cause]),
      [['requiredSignatures', 'CONNECTION_REFUSED']],
    );
  });

  test('a malformed report is exit 2 naming the file and the field', async () => {
    await writeFile(
      f('broken.json'),
      JSON.stringify({
        SchemaVersion: 2,
        ArtifactName: 'x',
        Results: [{ Vulnerabilities: [{ VulnerabilityID: 'CVE-1', PkgName: 'p', Severity: 'BAD' }] }],
      }),
    );
    const r = await check('--policy', f('vulns.yaml'), '-f', f('both.yaml'), '--vulns', f('broken.json'));
    assert.equal(r.code, 2, show(r));
    assert.match(
      r.stderr,
      /broken\.json: not a valid Trivy JSON report: Results\[0\]\.Vulnerabilities\[0\]\.Severity: must be one of/,
    );
  });

  test('a snapshot carries its VulnerabilityReports', async () => {
    const vr = (await import('yaml')).parse(await readFile(f('report.yaml'), 'utf8')) as object;
    await writeFile(
      f('snap.json'),
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [deployment('bad', image('unsigned')), vr] }),
    );
    const r = await check(
      '--policy',
      f('vulns.yaml'),
      '--snapshot',
      f('snap.json'),
      '--plain-http',
      '-o',
      'json',
    );
    assert.equal(r.code, 1, show(r));
    const out = json(r.stdout);
    assert.deepEqual(
      out.violations.map((v) => [v.name, v.rule]),
      [['bad', 'minimumSeverity']],
    );
    assert.equal(out.summary.vulnerabilityReports, 1);
  });

  test('a live cluster: VulnerabilityReports listed from trivy-operator; without the CRD, a warning', async () => {
    const vr = (await import('yaml')).parse(await readFile(f('report.yaml'), 'utf8')) as object;
    const api = await fx.start(
      startKubeApi({ objects: [deployment('bad', image('unsigned')), vr], resources: [VR] }),
    );
    const kc = await writeKubeconfig(await fx.subdir('kc'), { server: api.url, token: api.token });
    const r = await check('--policy', f('vulns.yaml'), '--kubeconfig', kc, '--plain-http', '-o', 'json');
    assert.equal(r.code, 1, show(r));
    assert.deepEqual(
      json(r.stdout).violations.map((v) => [v.name, v.rule]),
      [['bad', 'minimumSeverity']],
    );
    assert.ok(api.log.some((l) => l.resource === 'vulnerabilityreports.aquasecurity.github.io'));

    const bare = await fx.start(startKubeApi({ objects: [deployment('bad', image('unsigned'))] }));
    const kc2 = await writeKubeconfig(await fx.subdir('kc2'), { server: bare.url, token: bare.token });
    const r2 = await check('--policy', f('vulns.yaml'), '--kubeconfig', kc2, '--plain-http', '-o', 'json');
    assert.equal(r2.code, 0, show(r2));
    assert.match(r2.stderr, /warning: cluster: vulnerabilityreports\.aquasecurity\.github\.io is not served/);
    assert.deepEqual(
      json(r2.stdout).notes.map((n) => n.rule),
      ['minimumSeverity'],
    );
  });
});
