// `regdoctor alerts` end to end through the real entry point (src/cli/main.ts under tsx).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { dashboard } from '../../src/monitor/dashboard.ts';
import { serviceMonitor } from '../../src/monitor/servicemonitor.ts';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';
import { promtool } from './promtool.ts';
import { needs, PROMTOOL } from '../helpers/tools.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function regdoctor(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('regdoctor alerts', () => {
  let dir: TempDir;
  before(async () => {
    dir = await makeTempDir('regdoctor-alerts-');
  });
  after(() => dir?.remove());

  test('default: a PrometheusRule with the name and namespace asked for', async () => {
    const r = await regdoctor(['alerts', '-n', 'monitoring', '--name', 'regdoctor-alerts']);
    assert.equal(r.code, 0, r.stderr);
    const pr = parse(r.stdout);
    assert.equal(pr.kind, 'PrometheusRule');
    assert.deepEqual([pr.metadata.name, pr.metadata.namespace], ['regdoctor-alerts', 'monitoring']);
    assert.ok(pr.spec.groups.length > 0);
  });

  test('--format rules: a plain rules file that promtool accepts', needs(PROMTOOL), async () => {
    const r = await regdoctor(['alerts', '--format', 'rules']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(parse(r.stdout).kind, undefined);
    const file = join(dir.path, 'rules.yml');
    await writeFile(file, r.stdout);
    const check = await promtool(['check', 'rules', file]);
    assert.equal(check.code, 0, check.output);
  });

  test('--format servicemonitor: a ServiceMonitor for the exporter, with the name and namespace asked for', async () => {
    const r = await regdoctor(['alerts', '--format', 'servicemonitor', '-n', 'monitoring', '--name', 'rd']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(parse(r.stdout), serviceMonitor({ name: 'rd', namespace: 'monitoring' }));
  });

  test('--format dashboard: the Grafana dashboard as JSON', async () => {
    const r = await regdoctor(['alerts', '--format', 'dashboard']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), dashboard());
  });

  test('usage errors exit 2 with one line', async () => {
    for (const args of [
      ['alerts', '--format', 'json'],
      ['alerts', '-n', 'Not_A_Namespace'],
      ['alerts', '--format', 'rules', '-n', 'monitoring'],
      ['alerts', '--format', 'dashboard', '--name', 'x'],
      ['alerts', '--format', 'servicemonitor', '--name', 'Bad_Name'],
      ['alerts', 'extra'],
    ]) {
      const r = await regdoctor(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^regdoctor: [^\n]+\n$/, args.join(' '));
    }
  });

  test('--help documents the formats and is listed by regdoctor --help', async () => {
    const help = await regdoctor(['alerts', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--format F/);
    for (const f of ['prometheusrule', 'rules', 'servicemonitor', 'dashboard'])
      assert.match(help.stdout, new RegExp(f));
    const top = await regdoctor(['--help']);
    assert.match(top.stdout, /^\s+alerts\s/m);
  });
});
