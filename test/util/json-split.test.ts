import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonSplitError, JsonSplitter, type JsonPart } from '../../src/util/json-split.ts';

/**
 * Splits `text` fed in the given chunk sizes (cycled), and rebuilds each top-level value from the parts. Each
 * chunk starts `shifts[k]` bytes (cycled) into its ArrayBuffer: the splitter reads spaces as aligned words.
 */
function split(
  text: string,
  sizes: number[] = [1 << 20],
  maxDepth = 1000,
  shifts: number[] = [0],
): unknown[] {
  const bytes = Buffer.from(text);
  const s = new JsonSplitter(maxDepth);
  const parts: JsonPart[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = Math.max(1, sizes[k % sizes.length]!);
    const shift = shifts[k % shifts.length]!;
    const chunk = bytes.subarray(at, at + n);
    const placed = new Uint8Array(new ArrayBuffer(shift + chunk.length), shift);
    placed.set(chunk);
    parts.push(...s.push(Buffer.from(placed.buffer, shift, chunk.length)));
    at += n;
  }
  parts.push(...s.end());
  const docs: unknown[] = [];
  let elements: unknown[] = [];
  for (const p of parts) {
    if (p.type === 'element') {
      assert.equal(p.index, elements.length);
      elements.push(p.value);
      continue;
    }
    if (p.value === undefined) docs.push(elements);
    else if (p.elements !== null) docs.push({ ...(p.value as object), items: elements });
    else docs.push(p.value);
    elements = [];
  }
  return docs;
}

/** JSON.parse, with an object's keys in the order the splitter rebuilds them ("items" last). */
function reference(text: string): unknown {
  const v = JSON.parse(text) as unknown;
  if (v && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as { items?: unknown }).items)) {
    const { items, ...rest } = v as { items: unknown[] };
    return { ...rest, items };
  }
  return v;
}

describe('JsonSplitter', () => {
  test('gives what JSON.parse gives, for any JSON value and any chunking', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ kind: fc.string(), items: fc.array(fc.jsonValue()), metadata: fc.jsonValue() }),
          fc.array(fc.dictionary(fc.string(), fc.jsonValue())),
        ),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (value, sizes, pretty) => {
          const text = JSON.stringify(value, null, pretty ? 2 : undefined);
          assert.deepEqual(split(text, sizes), [reference(text)]);
        },
      ),
    );
  });

  // Runs of indentation are skipped four aligned bytes at a time: any indentation width, chunk size and chunk
  // alignment must give the same values, and a line and column after the indentation must stay exact.
  test('indented text of any width, in chunks at any alignment, gives what JSON.parse gives', () => {
    fc.assert(
      fc.property(
        fc.record({ kind: fc.string(), items: fc.array(fc.jsonValue()), metadata: fc.jsonValue() }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 5 }),
        (value, indent, sizes, shifts) => {
          const text = JSON.stringify(value, null, ' '.repeat(indent * 3));
          assert.deepEqual(split(text, sizes, 1000, shifts), [reference(text)]);
        },
      ),
    );
    // Nested one level too deep after long indentation: found by the scan inside the element, which counts lines.
    const text = `{"items": [\n  {"a":\n${' '.repeat(37)}[1,\n${' '.repeat(41)}[2]]}]}`;
    for (const shifts of [[0], [1], [2], [3], [1, 2, 3]])
      assert.throws(
        () => split(text, [5, 7, 64], 4, shifts),
        (e: unknown) => e instanceof JsonSplitError && e.line === 4 && e.column === 42,
      );
  });

  test('refuses what JSON.parse refuses, for any mangled JSON text', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.nat(),
        fc.constantFrom('', ',', ']', '}', '[', '{', '"', ':', 'x', '\\'),
        fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 3 }),
        (value, at, insert, sizes) => {
          const json = JSON.stringify({ kind: 'List', items: [value, value] });
          const k = at % (json.length + 1);
          const text = json.slice(0, k) + insert + json.slice(k + (insert === '' ? 1 : 0));
          let parsed = true;
          try {
            JSON.parse(text);
          } catch {
            parsed = false;
          }
          let splitOk = true;
          try {
            split(text, sizes);
          } catch (err) {
            assert.ok(err instanceof JsonSplitError, String(err));
            splitOk = false;
          }
          // Two values in a row are JSON lines to the splitter, an error to JSON.parse.
          if (splitOk && !parsed) {
            const docs = split(text, sizes);
            assert.ok(docs.length > 1, `accepted ${JSON.stringify(text)}`);
          } else assert.equal(splitOk, parsed, JSON.stringify(text));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('JSON lines are documents; elements of a List stream out before the List ends', () => {
    assert.deepEqual(split('{"a":1}\n{"b":[2]}\n"x" 4'), [{ a: 1 }, { b: [2] }, 'x', 4]);
    const s = new JsonSplitter(100);
    const first = s.push(Buffer.from('{"apiVersion":"v1","items":[{"kind":"Pod"},{"kind":'));
    assert.deepEqual(first, [{ type: 'element', doc: 0, index: 0, list: true, value: { kind: 'Pod' } }]);
  });

  test('nesting past the limit is refused where it happens, before anything is built', () => {
    assert.throws(
      () => split(`{"items":[${'['.repeat(50)}${']'.repeat(50)}]}`, [7], 20),
      (e: unknown) =>
        e instanceof JsonSplitError &&
        e.kind === 'depth' &&
        /deeper than 20 levels at line 1, column 29/.test(e.message),
    );
    assert.deepEqual(split(`${'['.repeat(20)}${']'.repeat(20)}`, [3], 20).length, 1);
  });

  test('errors name the line and column, never the text', () => {
    const text = '{\n  "kind": "List",\n  "items": [\n    {"password": "hunter2" "x": 1}\n  ]\n}';
    assert.throws(
      () => split(text),
      (e: unknown) =>
        e instanceof JsonSplitError &&
        /at line 4, column \d+$/.test(e.message) &&
        !e.message.includes('hunter2'),
    );
    assert.throws(() => split('{"kind": "List", "items": ['), /ends early/);
  });
});
