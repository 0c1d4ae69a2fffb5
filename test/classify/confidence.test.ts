// Confidence as the README defines it, for the classifier's own verdicts too: `certain` never comes with
// alternatives, and UNKNOWN is never certain (the probe and the scan already settle theirs the same way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classify } from '../../src/classify/index.ts';
import { CORPUS } from './corpus.ts';

function assertSettled(message: string, reason?: string): void {
  const c = classify(message, { reason });
  if (c.alternatives.length > 0 || c.cause === 'UNKNOWN')
    assert.equal(
      c.confidence,
      'likely',
      `${c.cause} [${c.alternatives.join(', ')}] for ${message.slice(0, 200)}`,
    );
}

test('no corpus message is classified certain with alternatives, or UNKNOWN certain', () => {
  let withAlternatives = 0;
  for (const e of CORPUS) {
    assertSettled(e.message, e.reason);
    if (classify(e.message, { reason: e.reason }).alternatives.length > 0) withAlternatives++;
  }
  // The corpus has ambiguous messages (Docker Hub's private-or-missing answer): the check above is not vacuous.
  assert.ok(withAlternatives > 0);
});

test('an authoritative reason with an ambiguous message is likely, not certain', () => {
  const c = classify(
    "pull access denied for team/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    { reason: 'ErrImagePull' },
  );
  assert.ok(c.alternatives.length > 0);
  assert.equal(c.confidence, 'likely');
});

test('any message, with any kubelet reason: the confidence is settled', () => {
  const reasons = [
    undefined,
    'ErrImagePull',
    'ImagePullBackOff',
    'InvalidImageName',
    'ErrImageNeverPull',
    'Failed',
  ];
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.constantFrom(...reasons), (m, r) => assertSettled(m, r)),
    { numRuns: 500 },
  );
});
