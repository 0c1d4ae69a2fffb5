import assert from 'node:assert/strict';
import { RegdoctorError } from '../../src/cause/index.ts';
import { parseReference, type Reference } from '../../src/reference/index.ts';

/** Parses `input`, asserting it fails with INVALID_REFERENCE, and returns the error for closer checks. */
export function invalid(input: string): RegdoctorError {
  let caught: unknown;
  try {
    parseReference(input);
  } catch (e) {
    caught = e;
  }
  assert.ok(
    caught instanceof RegdoctorError,
    `expected ${JSON.stringify(input)} to be rejected with a RegdoctorError`,
  );
  assert.equal(caught.cause, 'INVALID_REFERENCE');
  assert.equal(caught.detail['input'], input);
  return caught;
}

/** The parsed fields without `original`, for comparing references reached from different strings. */
export function fields(r: Reference): Omit<Reference, 'original'> {
  return { registry: r.registry, repository: r.repository, tag: r.tag, digest: r.digest };
}
