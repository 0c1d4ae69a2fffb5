// A test that needs a missing tool fails (the default and CI), and skips only on a developer's explicit opt-out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir, type TempDir } from '../helpers/tmp.ts';

const TOOLS = new URL('../helpers/tools.ts', import.meta.url).href;
const TEST_ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('needs(tool)', () => {
  let dir: TempDir;
  let file: string;
  before(async () => {
    dir = await makeTempDir('regdoctor-tools-');
    file = join(dir.path, 'uses-tool.test.ts');
    await writeFile(
      file,
      `import { describe, test } from 'node:test';
import { binary, needs } from ${JSON.stringify(TOOLS)};
const ABSENT = binary('absent-tool', '/nonexistent/absent-tool', ['--version'], 'install it');
describe('a suite that runs the tool', needs(ABSENT), () => {
  test('uses it', () => {});
});
`,
    );
  });
  after(() => dir.remove());

  const run = (env: Record<string, string>) => {
    const clean = { ...process.env };
    delete clean.REGDOCTOR_SKIP_MISSING_TOOLS;
    delete clean.REGDOCTOR_REQUIRE_TOOLS;
    delete clean.NODE_TEST_CONTEXT; // else the child reports to this runner instead of printing TAP
    return spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', file], {
      env: { ...clean, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  };

  test('a missing tool fails the run and names the tool', () => {
    const r = run({});
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /not ok \d+ - needs absent-tool/);
    assert.match(r.stdout, /absent-tool not found or not working \(\/nonexistent\/absent-tool\); install it/);
  });

  test('REGDOCTOR_SKIP_MISSING_TOOLS=1 skips instead, saying why', () => {
    const r = run({ REGDOCTOR_SKIP_MISSING_TOOLS: '1' });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /# SKIP absent-tool not found/);
    assert.doesNotMatch(r.stdout, /not ok/);
  });

  test('REGDOCTOR_REQUIRE_TOOLS=1 (CI) wins over the opt-out', () => {
    const r = run({ REGDOCTOR_SKIP_MISSING_TOOLS: '1', REGDOCTOR_REQUIRE_TOOLS: '1' });
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stdout, /not ok \d+ - needs absent-tool/);
  });

  test('.ci/run requires tools', () => {
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    assert.match(ci, /^export REGDOCTOR_REQUIRE_TOOLS=1$/m);
  });
});

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : testFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

test('no test skips on its own: tools go through needs(), and the few other skips are known', () => {
  // Each entry is a skip that does not hide a missing tool, with why it is right.
  const allowed = new Map([
    ['helpers/tools.ts', 3], // needs() itself
    ['cause.test.ts', 1], // the shared contract copy exists only on the team's machines; docs/causes.md is tested always
    ['scan/causes.test.ts', 1], // coverage without NETWORK_UNREACHABLE, only under REGDOCTOR_SKIP_MISSING_TOOLS
  ]);
  const found = new Map<string, number>();
  for (const f of testFiles(TEST_ROOT)) {
    const n = (readFileSync(f, 'utf8').match(/\bskip\s*:|\.skip\(|\btodo\s*:|\.todo\(/g) ?? []).length;
    if (n > 0) found.set(relative(TEST_ROOT, f), n);
  }
  assert.deepEqual(found, allowed);
});
