// One output boundary: nothing in src/ writes to stdout or stderr but src/output, so every sink is redacted and
// escaped there. A new direct write would bypass both. Read with the TypeScript parser, not a line grep, so an alias
// (`const out = process.stdout`), a destructured `{ stdout }`, `writeSync(1, …)`, `console.table` or a child process
// given the terminal (`stdio: 'inherit'`) is seen as well.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const STREAMS = new Set(['stdout', 'stderr']);
/** Reading a stream's properties is not writing to it. */
const READS = new Set(['isTTY', 'columns', 'rows', 'hasColors', 'getColorDepth']);

const nameOf = (n: ts.Node): string | null =>
  ts.isIdentifier(n) || ts.isStringLiteralLike(n) || ts.isPrivateIdentifier(n) ? n.text : null;

/** `process.stdout` / `process['stderr']`: the stream's name, else null. */
function streamAccess(n: ts.Node): string | null {
  if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'process') {
    return STREAMS.has(n.name.text) ? n.name.text : null;
  }
  if (ts.isElementAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'process') {
    const key = nameOf(n.argumentExpression);
    return key && STREAMS.has(key) ? key : null;
  }
  return null;
}

/** Direct writes to the terminal in `text`, as `line: code`. */
export function directWrites(text: string): string[] {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const report = (n: ts.Node) => {
    const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    found.push(`${line}: ${n.getText(sf).split('\n')[0]}`);
  };
  const visit = (n: ts.Node) => {
    const stream = streamAccess(n);
    if (stream) {
      const p = n.parent;
      const read = ts.isPropertyAccessExpression(p) && p.expression === n && READS.has(p.name.text);
      if (!read) report(n);
    } else if (ts.isIdentifier(n) && n.text === 'console' && !ts.isPropertyAccessExpression(n.parent)) {
      report(n);
    } else if (ts.isIdentifier(n) && n.text === 'console') {
      report(n.parent);
    } else if (
      ts.isVariableDeclaration(n) &&
      ts.isObjectBindingPattern(n.name) &&
      n.initializer &&
      ts.isIdentifier(n.initializer) &&
      n.initializer.text === 'process' &&
      n.name.elements.some((e) => STREAMS.has(nameOf(e.propertyName ?? e.name) ?? ''))
    ) {
      report(n);
    } else if (ts.isIdentifier(n) && n.text === 'writeSync') {
      report(n);
    } else if (
      ts.isStringLiteralLike(n) &&
      /^\/dev\/(stdout|stderr|tty)$|^\/proc\/self\/fd\/[12]$/.test(n.text)
    ) {
      report(n);
    } else if (
      ts.isPropertyAssignment(n) &&
      nameOf(n.name) === 'stdio' &&
      /['"]inherit['"]|\b[12]\b|process\.std(out|err)/.test(n.initializer.getText(sf))
    ) {
      report(n);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

/**
 * Where src/ outside src/output touches the streams on purpose, each occurrence once: a new write in one of these
 * files is one occurrence too many, and an exception no longer needed fails until it is taken out.
 */
const KNOWN = [
  // The EPIPE handler: attaches to both streams, writes nothing.
  'cli/main.ts: process.stdout',
  'cli/main.ts: process.stderr',
  // The default stream whose isTTY decides colour.
  'cli/command.ts: process.stdout',
];

test('only src/output writes to stdout or stderr', () => {
  const found: string[] = [];
  for (const f of files(SRC)) {
    const rel = relative(SRC, f);
    if (rel.startsWith('output/')) continue;
    for (const hit of directWrites(readFileSync(f, 'utf8'))) {
      found.push(`${rel}: ${hit.slice(hit.indexOf(': ') + 2)}`);
    }
  }
  assert.deepEqual(found.sort(), [...KNOWN].sort());
});

test('the check sees each way around the boundary', () => {
  const evasions = [
    'process.stdout.write("x")',
    'process.stderr.write("x")',
    'const out = process.stdout; out.write("x")',
    'const { stderr } = process; stderr.write("x")',
    'const { stdout: o } = process',
    'process["stdout"].write("x")',
    'console.log("x")',
    'console.table([1])',
    'console.dir({})',
    'console.trace()',
    'const c = console; c.log("x")',
    'import { writeSync } from "node:fs"; writeSync(1, "x")',
    'fs.writeSync(2, "x")',
    'createWriteStream("/dev/stderr")',
    'spawn("ls", [], { stdio: "inherit" })',
    'spawn("ls", [], { stdio: ["ignore", "inherit", "pipe"] })',
    'spawn("ls", [], { stdio: ["ignore", 1, 2] })',
  ];
  for (const e of evasions) assert.notDeepEqual(directWrites(e), [], e);
  const fine = [
    'if (process.stdout.isTTY) colour = true',
    'const w = process.stderr.columns ?? 80',
    'writeStdout("x")',
    'spawn("ls", [], { stdio: ["ignore", "pipe", "pipe"] })',
    'const consoleLike = 1',
  ];
  for (const f of fine) assert.deepEqual(directWrites(f), [], f);
});
