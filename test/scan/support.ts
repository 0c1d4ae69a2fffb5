// Small shared assertions for the scan tests.
import assert from 'node:assert/strict';
import type { Finding } from '../../src/result/index.ts';
import type { ScanResult } from '../../src/scan/index.ts';

const brief = (f: Finding) =>
  `${f.namespace}/${f.pod} ${f.container}: ${f.cause} [${f.confidence}] alt ${f.alternatives.join(',')}\n  ${f.evidence.join('\n  ')}`;

export function describeResult(r: ScanResult): string {
  return r.findings.map(brief).join('\n');
}

/** The one finding of pod `namespace/pod`. */
export function findingOf(r: ScanResult, namespace: string, pod: string): Finding {
  const found = r.findings.filter((f) => f.namespace === namespace && f.pod === pod);
  assert.equal(found.length, 1, `expected one finding for ${namespace}/${pod}\n${describeResult(r)}`);
  return found[0]!;
}

/** Asserts cause and confidence, with the whole finding in the failure message. */
export function assertVerdict(f: Finding, cause: Finding['cause'], confidence: Finding['confidence']): void {
  assert.equal(f.cause, cause, brief(f));
  assert.equal(f.confidence, confidence, brief(f));
}

export function evidenceMatches(f: Finding, re: RegExp): void {
  assert.ok(
    f.evidence.some((e) => re.test(e)),
    `no evidence line matches ${re}\n${brief(f)}`,
  );
}
