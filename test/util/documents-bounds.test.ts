// Policies, manifests and vulnerability reports are read within the same limits as snapshots: a one-line usage
// error naming the file and the limit, before the input is built into memory.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../src/cause/index.ts';
import { MAX_NESTING, MAX_YAML_DOCUMENTS, YAML_MAX_BYTES } from '../../src/util/bounded-text.ts';
import { decodeDocuments } from '../../src/util/documents.ts';

function refused(text: string, name: string, pattern: RegExp): void {
  assert.throws(
    () => decodeDocuments({ name, text }),
    (e: unknown) => e instanceof UsageError && pattern.test(e.message) && !e.message.includes('\n'),
  );
}

describe('decodeDocuments: limits', () => {
  test('more YAML documents than the limit', () => {
    refused(
      '---\n'.repeat(MAX_YAML_DOCUMENTS + 10),
      'p.yaml',
      /^p\.yaml: holds more than 50,000 YAML documents$/,
    );
  });

  test('nesting past the limit, in JSON and in YAML flow style', () => {
    refused(
      `{"kind":"Pod","spec":${'['.repeat(MAX_NESTING)}`,
      'm.json',
      /^m\.json: nests deeper than 1000 levels at line 1, column \d+$/,
    );
    refused(
      `kind: Pod\nspec: ${'{a: '.repeat(MAX_NESTING + 1)}`,
      'm.yaml',
      /^m\.yaml: nests deeper than 1000 levels \(line 2, column \d+\)$/,
    );
  });

  test('YAML over its size limit', () => {
    refused(`# ${'x'.repeat(YAML_MAX_BYTES)}\n`, 'big.yaml', /^big\.yaml: is YAML larger than 4 MiB/);
  });

  test('JSON documents are read by the JSON reader, YAML flow style still as YAML', () => {
    const json = decodeDocuments({
      name: 'l.json',
      text: '{"kind":"List","items":[{"kind":"Pod","metadata":{"name":"a"}}]}',
    });
    assert.deepEqual(json, [{ where: 'l.json items[0]', value: { kind: 'Pod', metadata: { name: 'a' } } }]);
    const flow = decodeDocuments({ name: 'f.yaml', text: '{kind: Pod, metadata: {name: b}}' });
    assert.deepEqual(flow, [{ where: 'f.yaml', value: { kind: 'Pod', metadata: { name: 'b' } } }]);
  });
});
