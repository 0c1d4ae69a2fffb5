// Runs every test/**/*.test.ts with node's built-in runner (Node 20's --test takes no globs, so list them here).
// Usage: node scripts/run-tests.mjs [substring-filter ...]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'fixtures' ? [] : walk(p);
    return p.endsWith('.test.ts') ? [p] : [];
  });
}
const filters = process.argv.slice(2);
const files = walk('test')
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// Test files mostly wait on I/O (registries, processes, sockets): run several at once even on 2 cores.
// Node's default is one less than the core count, i.e. one file at a time here.
const concurrency = Number(process.env.REGDOCTOR_TEST_CONCURRENCY) || 4;
// A test (and a test file: node applies it to each file's process too) that waits forever fails after 10 min,
// naming itself, instead of stalling the whole run; the longest file takes about 1.5 min on a loaded machine.
const timeout = Number(process.env.REGDOCTOR_TEST_TIMEOUT_MS) || 600_000;
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    `--test-timeout=${timeout}`,
    '--test-reporter=spec',
    ...files,
  ],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
