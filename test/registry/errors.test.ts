import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStatus, parseErrorBody, statusCause } from '../../src/registry/errors.ts';

test('distribution error bodies yield their codes', () => {
  const info = parseErrorBody(
    Buffer.from('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"x"}}]}'),
    'application/json',
  );
  assert.deepEqual(info.codes, ['MANIFEST_UNKNOWN']);
  assert.equal(info.message, 'manifest unknown');
  assert.equal(describeStatus(404, info), 'HTTP 404 MANIFEST_UNKNOWN "manifest unknown"');
});

test('an HTML error page is recognised and named by its title', () => {
  const info = parseErrorBody(
    Buffer.from('<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>'),
    'text/html',
  );
  assert.equal(info.html, true);
  assert.equal(describeStatus(502, info), 'HTTP 502 HTML page "502 Bad Gateway"');
});

test('status and codes map to causes', () => {
  const cases: [number, string[], string][] = [
    [429, [], 'RATE_LIMITED'],
    [503, ['TOOMANYREQUESTS'], 'RATE_LIMITED'],
    [401, ['UNAUTHORIZED'], 'UNAUTHORIZED'],
    [403, ['DENIED'], 'FORBIDDEN'],
    [404, ['NAME_UNKNOWN'], 'REPOSITORY_NOT_FOUND'],
    [404, ['MANIFEST_UNKNOWN'], 'MANIFEST_NOT_FOUND'],
    [404, [], 'MANIFEST_NOT_FOUND'],
    [407, [], 'PROXY_ERROR'],
    [500, [], 'REGISTRY_ERROR'],
    [418, [], 'REGISTRY_ERROR'],
  ];
  for (const [status, codes, cause] of cases)
    assert.equal(statusCause(status, codes), cause, `${status} ${codes}`);
});
