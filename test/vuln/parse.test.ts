import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  createVulnerabilityIndex,
  loadReportFiles,
  parseOperatorReport,
  parseTrivy,
  reportsFromObjects,
} from '../../src/vuln/index.ts';
import { UsageError } from '../../src/cause/index.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const TRIVY = JSON.parse(fixture('trivy-app.json')) as Record<string, unknown>;
const OPERATOR = parse(fixture('vulnerabilityreport.yaml')) as Record<string, unknown>;
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const clone = <T>(v: T): T => structuredClone(v);

describe('Trivy JSON', () => {
  test('every finding of every result, keyed by the repo digest', () => {
    const r = parseTrivy(TRIVY, 'trivy-app.json');
    assert.deepEqual(r.digests, [D1]);
    assert.equal(r.artifact, 'ghcr.io/acme/app:1.4.2');
    assert.equal(r.configDigest?.startsWith('sha256:3d4a3f'), true);
    assert.deepEqual(
      r.vulnerabilities.map((v) => [v.id, v.pkg, v.severity, v.fixed]),
      [
        ['CVE-2024-2511', 'libssl3', 'MEDIUM', '3.1.4-r6'],
        ['CVE-2024-5535', 'libssl3', 'CRITICAL', '3.1.6-r0'],
        ['CVE-2023-42363', 'busybox', 'MEDIUM', '1.36.1-r16'],
        ['CVE-2023-45288', 'golang.org/x/net', 'HIGH', '0.23.0'],
        ['GHSA-xxxx-yyyy-zzzz', 'github.com/acme/lib', 'LOW', null],
      ],
    );
  });
  test('a digest in ArtifactName counts too', () => {
    const t = clone(TRIVY);
    t.ArtifactName = `ghcr.io/acme/app@${D2}`;
    assert.deepEqual(parseTrivy(t, 'x').digests.sort(), [D1, D2]);
  });
  test('a clean image (no Vulnerabilities keys, null Results) is a report with no findings', () => {
    const t = clone(TRIVY);
    t.Results = null;
    assert.deepEqual(parseTrivy(t, 'x').vulnerabilities, []);
  });
  const bad: [string, (t: Record<string, unknown>) => void, RegExp][] = [
    ['schema 1', (t) => (t.SchemaVersion = 1), /x: Trivy report SchemaVersion 1 is not supported/],
    [
      'no ArtifactName',
      (t) => delete t.ArtifactName,
      /x: not a valid Trivy JSON report: ArtifactName: required/,
    ],
    [
      'a severity Trivy never writes',
      (t) => (((t.Results as Obj[])[0]!.Vulnerabilities as Obj[])[1]!.Severity = 'SEVERE'),
      /Results\[0\]\.Vulnerabilities\[1\]\.Severity: must be one of UNKNOWN, LOW/,
    ],
    [
      'a finding without an ID',
      (t) => delete ((t.Results as Obj[])[1]!.Vulnerabilities as Obj[])[0]!.VulnerabilityID,
      /Results\[1\]\.Vulnerabilities\[0\]\.VulnerabilityID: required field is missing/,
    ],
    [
      'no digest at all',
      (t) => {
        (t.Metadata as Obj).RepoDigests = [];
        delete (t.Metadata as Obj).ImageID;
      },
      /names no image digest/,
    ],
    ['a filesystem scan', (t) => (t.ArtifactType = 'filesystem'), /a filesystem, not a container image/],
    [
      'a broken repo digest',
      (t) => ((t.Metadata as Obj).RepoDigests = ['ghcr.io/acme/app@sha256:abc']),
      /RepoDigests: bad entry/,
    ],
  ];
  for (const [name, change, re] of bad)
    test(`malformed: ${name}`, () => {
      const t = clone(TRIVY);
      change(t);
      assert.throws(
        () => parseTrivy(t, 'x'),
        (e: Error) => e instanceof UsageError && re.test(e.message),
      );
    });
});
type Obj = Record<string, unknown>;

describe('trivy-operator VulnerabilityReport', () => {
  test('artifact digest, resource as package, empty fixedVersion as none', () => {
    const r = parseOperatorReport(OPERATOR, 'vr.yaml');
    assert.deepEqual(r.digests, [D2]);
    assert.equal(r.artifact, `registry.example.com:5000/shop/web:2.1@${D2}`);
    assert.deepEqual(
      r.vulnerabilities.map((v) => [v.id, v.pkg, v.installed, v.fixed, v.severity]),
      [
        ['CVE-2024-37371', 'libgssapi-krb5-2', '1.20.1-2+deb12u1', '1.20.1-2+deb12u2', 'HIGH'],
        ['CVE-2024-2961', 'libc6', '2.36-9+deb12u4', '2.36-9+deb12u7', 'MEDIUM'],
        ['CVE-2011-3374', 'apt', '2.6.1', null, 'LOW'],
      ],
    );
  });
  test('malformed: a digest that is not one; a missing report; a finding without severity', () => {
    const a = clone(OPERATOR);
    ((a.report as Obj).artifact as Obj).digest = 'latest';
    assert.throws(
      () => parseOperatorReport(a, 'x'),
      /report\.artifact\.digest "latest" is not a sha256 digest/,
    );
    const b = clone(OPERATOR);
    delete b.report;
    assert.throws(
      () => parseOperatorReport(b, 'x'),
      /not a valid trivy-operator VulnerabilityReport: report: required/,
    );
    const c = clone(OPERATOR);
    delete ((c.report as Obj).vulnerabilities as Obj[])[2]!.severity;
    assert.throws(() => parseOperatorReport(c, 'x'), /report\.vulnerabilities\[2\]\.severity: required/);
  });
});

describe('loading and matching', () => {
  test('files and directories, Lists flattened; a report without digest is skipped with a warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regdoctor-vuln-'));
    try {
      await mkdir(join(dir, 'reports'));
      await writeFile(join(dir, 'reports', 'trivy.json'), fixture('trivy-app.json'));
      const undigested = clone(OPERATOR);
      ((undigested.report as Obj).artifact as Obj).digest = '';
      (undigested.metadata as Obj).name = 'no-digest';
      await writeFile(
        join(dir, 'reports', 'list.json'),
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [OPERATOR, undigested] }),
      );
      await writeFile(join(dir, 'one.yaml'), fixture('vulnerabilityreport.yaml'));
      const loaded = await loadReportFiles([join(dir, 'reports'), join(dir, 'one.yaml')]);
      assert.equal(loaded.reports.length, 3);
      assert.equal(loaded.warnings.length, 1);
      assert.match(loaded.warnings[0]!, /shop\/no-digest.*no report\.artifact\.digest/);
      const index = createVulnerabilityIndex(loaded.reports);
      assert.equal(index.byDigest([D2]).length, 2);
      assert.equal(index.byDigest([D1, D2]).length, 3);
      assert.equal(index.byDigest([`sha256:${'3'.repeat(64)}`]).length, 0);
      assert.equal(index.hasConfigOnly, false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  test('a --vulns file that holds something else is an error naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regdoctor-vuln-'));
    try {
      await writeFile(join(dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n');
      await assert.rejects(
        loadReportFiles([join(dir, 'pod.yaml')]),
        /pod\.yaml: neither a Trivy JSON report/,
      );
      await writeFile(join(dir, 'bad.json'), '{"SchemaVersion": 2, "ArtifactName": ');
      await assert.rejects(loadReportFiles([join(dir, 'bad.json')]), /bad\.json: not valid YAML or JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  test('a snapshot: only VulnerabilityReports are taken', () => {
    const docs = [
      { where: 's#1', value: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } } },
      { where: 's#2', value: OPERATOR },
    ];
    const r = reportsFromObjects(docs);
    assert.deepEqual(
      r.reports.map((x) => x.digests),
      [[D2]],
    );
  });
  test('a Trivy report of a local image is matched by its config digest only', () => {
    const t = clone(TRIVY);
    (t.Metadata as Obj).RepoDigests = null;
    const r = parseTrivy(t, 'x');
    const index = createVulnerabilityIndex([r]);
    assert.equal(index.hasConfigOnly, true);
    assert.equal(index.byDigest([r.configDigest!]).length, 0);
    assert.equal(index.byConfigDigest([r.configDigest!]).length, 1);
  });
});
