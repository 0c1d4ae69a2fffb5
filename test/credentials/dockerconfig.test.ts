import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RegdoctorError } from '../../src/cause/index.ts';
import { parseDockerConfigJson, parseDockercfg, redact } from '../../src/credentials/index.ts';
import { b64 } from './helpers.ts';

const SECRET = 'Sup3r-s3cret-pa55';

function parseError(f: () => unknown): RegdoctorError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof RegdoctorError, `expected RegdoctorError, got ${String(e)}`);
    assert.equal(e.cause, 'PULL_SECRET_INVALID');
    return e;
  }
  assert.fail('expected a PULL_SECRET_INVALID error');
}

const json = (v: unknown): string => JSON.stringify(v);
const one = (entry: unknown, key = 'myreg.io') => {
  const [e] = parseDockerConfigJson(json({ auths: { [key]: entry } }), 'secret ns/pull').entries;
  assert.ok(e);
  return e;
};

describe('parseDockerConfigJson', () => {
  test('auth gives username and password; source and normalized key are kept', () => {
    const e = one({ auth: b64(`alice:${SECRET}`) }, 'https://index.docker.io/v1/');
    assert.deepEqual(e.auth, { username: 'alice', password: SECRET });
    assert.equal(e.key, 'https://index.docker.io/v1/');
    assert.equal(e.normalized, 'index.docker.io');
    assert.equal(e.source, 'secret ns/pull');
    assert.deepEqual(e.problems, []);
  });

  test('unpadded base64 is accepted, as newer kubelets do', () => {
    const padded = b64('bob:abcd');
    assert.ok(padded.endsWith('='));
    assert.equal(one({ auth: padded.replace(/=+$/, '') }).auth.password, 'abcd');
  });

  test('the password may contain colons; only the first separates the username', () => {
    assert.deepEqual(one({ auth: b64('u:a:b:c') }).auth, { username: 'u', password: 'a:b:c' });
  });

  test('auth overrides username/password, and a mismatch is reported', () => {
    const e = one({ username: 'alice', password: 'old-password', auth: b64('alice:new-password') });
    assert.equal(e.auth.password, 'new-password');
    assert.ok(e.problems.includes('auth does not match username/password (the kubelet uses auth)'));
    const same = one({ username: 'alice', password: 'pw12', auth: b64('alice:pw12') });
    assert.deepEqual(same.problems, []);
  });

  test('username/password are used when auth is empty', () => {
    assert.deepEqual(one({ username: 'carol', password: 'pw-9876', auth: '' }).auth, {
      username: 'carol',
      password: 'pw-9876',
    });
  });

  test('field names match case-insensitively, the last duplicate winning, as in Go', () => {
    const text = '{"AUTHS": {"r.io": {"Username": "x", "PASSWORD": "first", "password": "second"}}}';
    const [e] = parseDockerConfigJson(text, 'f').entries;
    assert.deepEqual(e?.auth, { username: 'x', password: 'second' });
  });

  test('a trailing newline in the encoded password is reported', () => {
    const e = one({ auth: b64('dave:hunter22\n') });
    assert.ok(e.problems.some((p) => p.startsWith('password ends with a newline')));
    assert.ok(one({ username: 'u', password: 'pw1234 ' }).problems.includes('password ends with whitespace'));
  });

  test('identity tokens are read but noted as ignored by the kubelet', () => {
    const only = one({ identitytoken: 'tok-abcdef' });
    assert.equal(only.auth.identityToken, 'tok-abcdef');
    assert.ok(only.problems.some((p) => p.startsWith('only identitytoken/registrytoken is set')));
    const both = one({ auth: b64('u:pw1234'), identitytoken: 'tok-abcdef' });
    assert.ok(
      both.problems.some((p) => p.startsWith('identitytoken/registrytoken is set; the kubelet ignores')),
    );
  });

  test('empty and null entries hold no credentials', () => {
    assert.ok(one({}).problems.includes('entry has no username or password'));
    assert.deepEqual(one({}).auth, {});
    assert.ok(one(null).problems.includes('entry is null, so it holds no credentials'));
  });

  test('credHelpers and credsStore are returned; no auths at all is fine for a local config', () => {
    const r = parseDockerConfigJson(
      json({ credsStore: 'desktop', credHelpers: { 'gcr.io': 'gcloud' } }),
      'f',
    );
    assert.deepEqual(r, { entries: [], credHelpers: { 'gcr.io': 'gcloud' }, credsStore: 'desktop' });
  });

  test('broken JSON is PULL_SECRET_INVALID with a position and without the text', () => {
    const text = `{\n  "auths": {\n    "r.io": {"auth": "${b64(`u:${SECRET}`)}" \n  }`;
    const e = parseError(() => parseDockerConfigJson(text, 'secret ns/pull'));
    assert.match(e.message, /^secret ns\/pull: is not valid JSON/);
    assert.ok(!e.message.includes(SECRET) && !e.message.includes(b64(`u:${SECRET}`)));
  });

  test('a JSON error message from V8 that quotes the input is never passed on', () => {
    // V8 says: Unexpected token 'h', "{"a": hunter2x}" is not valid JSON
    const e = parseError(() => parseDockerConfigJson('{"a": hunter2x}', 'f'));
    assert.ok(!e.message.includes('hunter2x'), e.message);
  });

  test('bad base64 is PULL_SECRET_INVALID naming the key, not the value', () => {
    const bad = `${b64(`u:${SECRET}`).slice(0, -2)}!!`;
    const e = parseError(() => one({ auth: bad }));
    assert.match(e.message, /"auth" of the entry for 'myreg\.io' is not valid base64/);
    assert.ok(!e.message.includes(bad) && !e.message.includes(SECRET));
    const urlSafe = parseError(() => one({ auth: 'a-b_' }));
    assert.match(urlSafe.message, /URL-safe alphabet/);
    // A '-' in something that is not base64 at all is not a hint about the alphabet.
    const junk = parseError(() => one({ auth: '%%%notbase64-x%%%' }));
    assert.doesNotMatch(junk.message, /URL-safe/);
  });

  test('auth without a colon is PULL_SECRET_INVALID', () => {
    assert.match(parseError(() => one({ auth: b64(SECRET) })).message, /no colon/);
  });

  test('wrong shapes are PULL_SECRET_INVALID with clear messages', () => {
    const cases: [string, RegExp][] = [
      ['[]', /must be a JSON object/],
      ['null', /is JSON null/],
      ['', /is empty/],
      [json({ auths: [] }), /"auths" must be an object/],
      [json({ auths: { 'r.io': 'x' } }), /entry for 'r\.io' must be an object, not a string/],
      [
        json({ auths: { 'r.io': { password: 42 } } }),
        /"password" of the entry for 'r\.io' must be a string, not a number/,
      ],
      [json({ 'r.io': { auth: b64('u:p') } }), /no "auths" object; .*legacy \.dockercfg format/],
      [json({ auths: {}, credHelpers: { 'gcr.io': 1 } }), /"credHelpers" must map/],
    ];
    for (const [text, want] of cases)
      assert.match(parseError(() => parseDockerConfigJson(text, 'f')).message, want);
  });

  test('every credential is registered for redaction as soon as it is parsed', () => {
    const password = 'registered-on-parse-77';
    one({ auth: b64(`erin:${password}`) });
    const text = `pw=${password} basic=${b64(`erin:${password}`)}`;
    assert.equal(redact(text), 'pw=*** basic=***');
  });
});

describe('parseDockercfg', () => {
  test('reads the bare legacy map', () => {
    const entries = parseDockercfg(
      json({ 'https://quay.io/v1/': { auth: b64('rex:tiny arms'), email: 'r@x' } }),
      'f',
    );
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.normalized, 'quay.io');
    assert.deepEqual(entries[0]?.auth, { username: 'rex', password: 'tiny arms' });
  });

  test('a .dockerconfigjson document in a .dockercfg secret is PULL_SECRET_INVALID', () => {
    const text = json({ auths: { 'r.io': { auth: b64('u:p') } } });
    assert.match(
      parseError(() => parseDockercfg(text, 'secret ns/old')).message,
      /the \.dockerconfigjson format/,
    );
  });
});
