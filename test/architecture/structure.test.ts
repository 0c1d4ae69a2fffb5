// The structure issue 9 asks for, checked on the sources: the shared result types live in a leaf that transport and
// registry import (never probe); sessions are built in one place; one status→cause mapping; the probe is a list of
// small steps. Each check names the file and line that breaks it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { CAUSES } from '../../src/cause/index.ts';
import { fileGraph, moduleGraph, moduleOf } from './imports.ts';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));
const FILES = [...fileGraph(SRC).keys()].sort();

/** `file:line: text` for every line of src/ (outside `except`) that matches `re`. */
function linesMatching(re: RegExp, except: (file: string) => boolean = () => false): string[] {
  const hits: string[] = [];
  for (const file of FILES) {
    if (except(file)) continue;
    readFileSync(join(SRC, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (re.test(line)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

test('transport and registry import the shared result types, and nothing of probe', () => {
  const modules = moduleGraph(fileGraph(SRC));
  for (const m of ['transport', 'registry']) {
    const deps = modules.get(m) ?? new Set();
    assert.ok(!deps.has('probe'), `${m} imports probe: ${[...deps].sort().join(', ')}`);
  }
  assert.ok(modules.get('transport')?.has('result'), 'transport speaks the result types');
  assert.ok(modules.get('registry')?.has('result'), 'registry speaks the result types');
});

test('Cause is declared in cause/, and Step, StepName, ProbeResult, Finding, RateLimit only in result/', () => {
  // An alias of the leaf's type (`export type Finding = RuntimeFinding;`) is a re-export, not a second declaration.
  const declared = (names: string) =>
    new RegExp(
      `\\bexport\\s+(?:interface|class|enum)\\s+(?:${names})\\b|\\bexport\\s+type\\s+(?:${names})\\b(?:<[^>]*>)?\\s*=(?!\\s*[A-Za-z_$][\\w$.]*\\s*;)`,
    );
  const results = 'Step|StepName|ProbeResult|Finding|RateLimit';
  assert.deepEqual(
    linesMatching(declared(results), (f) => moduleOf(f) === 'result'),
    [],
  );
  assert.deepEqual(
    linesMatching(declared('Cause'), (f) => moduleOf(f) === 'cause'),
    [],
  );
});

test('registry sessions (transport, authenticator, caches) are built in registry/session.ts only', () => {
  const built = linesMatching(
    /\bnew\s+(?:Session|Transport|Authenticator)\s*\(/,
    (f) => f === 'registry/session.ts',
  );
  assert.deepEqual(built, [], 'build a session with createSession() from registry/session.ts');
});

test('HTTP status → cause is mapped in registry/errors.ts only (statusCause)', () => {
  const cause = `['"](?:${CAUSES.join('|')})['"]`;
  const status = String.raw`\b(?:status|statusCode|code)\s*[!=]==?\s*(?:401|403|404|429)\b`;
  const mapping = new RegExp(
    `${status}.*${cause}|${cause}.*${status}|\\b(?:401|403|404|429)\\s*:\\s*${cause}`,
  );
  assert.deepEqual(
    linesMatching(mapping, (f) => f === 'registry/errors.ts'),
    [],
  );
  assert.deepEqual(
    linesMatching(/\bfunction\s+statusCause\b/, (f) => f === 'registry/errors.ts'),
    [],
  );
});

test('the probe is an ordered list of small step functions: none in probe/ longer than 80 lines', () => {
  const long: string[] = [];
  for (const file of FILES.filter((f) => f.startsWith('probe/'))) {
    const sf = ts.createSourceFile(file, readFileSync(join(SRC, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const from = sf.getLineAndCharacterOfPosition(n.getStart()).line;
        const lines = sf.getLineAndCharacterOfPosition(n.end).line - from + 1;
        if (lines > 80) long.push(`${file}:${from + 1}: ${lines} lines`);
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  assert.deepEqual(long, [], 'split the function into steps (src/probe/steps)');
});
