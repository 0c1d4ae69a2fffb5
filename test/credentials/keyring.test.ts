import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDefaultRegistryMatch, lookup, normalizeKey, urlsMatch } from '../../src/credentials/index.ts';
import { entriesFor, usernames } from './helpers.ts';

// kubernetes/kubernetes pkg/credentialprovider/keyring_test.go, TestURLsMatch: [key, image, matches].
const kubeletUrlsMatch: [string, string, boolean][] = [
  ['*.kubernetes.io', 'prefix.kubernetes.io', true],
  ['prefix.*.io', 'prefix.kubernetes.io', true],
  ['prefix.kubernetes.*', 'prefix.kubernetes.io', true],
  ['*-good.kubernetes.io', 'prefix-good.kubernetes.io', true],
  ['*.kubernetes.io/blah', 'prefix.kubernetes.io/blah', true],
  ['prefix.*.io/foo', 'prefix.kubernetes.io/foo/bar', true],
  ['*.kubernetes.io:1111/blah', 'prefix.kubernetes.io:1111/blah', true],
  ['prefix.*.io:1111/foo', 'prefix.kubernetes.io:1111/foo/bar', true],
  ['*.kubernetes.io', 'kubernetes.io', false],
  ['*.*.kubernetes.io', 'prefix.kubernetes.io', false],
  ['*.*.kubernetes.io', 'kubernetes.io', false],
  ['kubernetes.io', 'kubernetes.com', false],
  ['k*.io', 'quay.io', false],
  ['*.kubernetes.io:1234/blah', 'prefix.kubernetes.io:1111/blah', false],
  ['prefix.*.io/foo', 'prefix.kubernetes.io:1111/foo/bar', false],
];

// TestDockerKeyringForGlob: a config key and a host the lookup of `${host}/foo/bar` must find.
const kubeletGlobHits: [string, string][] = [
  ['https://hello.kubernetes.io', 'hello.kubernetes.io'],
  ['https://*.docker.io', 'prefix.docker.io'],
  ['https://prefix.*.io', 'prefix.docker.io'],
  ['https://prefix.docker.*', 'prefix.docker.io'],
  ['https://*.docker.io/path', 'prefix.docker.io/path'],
  ['https://prefix.*.io/path', 'prefix.docker.io/path/subpath'],
  ['https://prefix.docker.*/path', 'prefix.docker.io/path'],
  ['https://*.docker.io:8888', 'prefix.docker.io:8888'],
  ['https://prefix.*.io:8888', 'prefix.docker.io:8888'],
  ['https://prefix.docker.*:8888', 'prefix.docker.io:8888'],
  ['https://*.docker.io/path:1111', 'prefix.docker.io/path:1111'],
  ['https://*.docker.io/v1/', 'prefix.docker.io/path:1111'],
  ['https://*.docker.io/v2/', 'prefix.docker.io/path:1111'],
  ['https://prefix.docker.*/path:1111', 'prefix.docker.io/path:1111'],
  ['prefix.docker.io:1111', 'prefix.docker.io:1111/path'],
  ['*.docker.io:1111', 'prefix.docker.io:1111/path'],
];

// TestKeyringMiss: a config key and an image prefix whose `${prefix}/foo/bar` lookup must find nothing.
const kubeletMisses: [string, string][] = [
  ['https://hello.kubernetes.io', 'world.mesos.org/foo/bar'],
  ['https://*.docker.com', 'prefix.docker.io'],
  ['https://suffix.*.io', 'prefix.docker.io'],
  ['https://prefix.docker.c*', 'prefix.docker.io'],
  ['https://prefix.*.io/path:1111', 'prefix.docker.io/path/subpath:1111'],
  ['suffix.*.io', 'prefix.docker.io'],
];

describe("urlsMatch: the kubelet's own cases", () => {
  for (const [key, image, want] of kubeletUrlsMatch) {
    test(`${key} ${want ? 'matches' : 'does not match'} ${image}`, () => {
      assert.equal(urlsMatch(key, image).matched, want);
    });
  }
});

describe("lookup: the kubelet's own keyring cases", () => {
  for (const [key, host] of kubeletGlobHits) {
    test(`key ${key} is found for ${host}/foo/bar`, () => {
      const r = lookup(entriesFor({ [key]: 'foo:bar' }), `${host}/foo/bar`);
      assert.equal(r.matches.length, 1);
      assert.equal(r.matches[0]?.auth.username, 'foo');
      assert.equal(r.matches[0]?.auth.password, 'bar');
      assert.equal(r.fallback, false);
    });
  }
  for (const [key, prefix] of kubeletMisses) {
    test(`key ${key} is not found for ${prefix}/foo/bar`, () => {
      assert.deepEqual(lookup(entriesFor({ [key]: 'foo:bar' }), `${prefix}/foo/bar`).matches, []);
    });
  }

  test('Docker Hub credentials do not leak to other registries', () => {
    const hub = entriesFor({ 'https://index.docker.io/v1/': 'foo:bar' });
    assert.deepEqual(lookup(hub, 'world.mesos.org/foo/bar').matches, []);
  });

  for (const image of ['google/docker-registry', 'jenkins', 'docker.io/library/nginx']) {
    test(`Docker Hub credentials reach ${image} through the fallback`, () => {
      const r = lookup(entriesFor({ 'https://index.docker.io/v1/': 'foo:bar' }), image);
      assert.deepEqual(usernames(r.matches), ['foo']);
      assert.equal(r.fallback, true);
      assert.equal(r.verdicts[0]?.reason, 'matched via the index.docker.io fallback for Docker Hub');
    });
  }

  test('an image named with index.docker.io matches the key directly', () => {
    const r = lookup(
      entriesFor({ 'https://index.docker.io/v1/': 'foo:bar' }),
      'index.docker.io/v1//google/x',
    );
    assert.deepEqual(usernames(r.matches), ['foo']);
    assert.equal(r.fallback, false);
  });

  test('more specific keys come first, every match is returned, path prefixes are plain string prefixes', () => {
    const entries = entriesFor({ 'bar.example.com/pong': 'grace:squash', 'bar.example.com': 'ada:smash' });
    const cases: [string, string[]][] = [
      ['bar.example.com', ['ada']],
      ['bar.example.com/pong', ['grace', 'ada']],
      ['bar.example.com/ping', ['ada']],
      ['bar.example.com/pongz', ['grace', 'ada']],
      ['bar.example.com/pong/pang', ['grace', 'ada']],
      ['example.com', []],
      ['foo.example.com', []],
    ];
    for (const [image, want] of cases)
      assert.deepEqual(usernames(lookup(entries, image).matches), want, image);
  });

  test('a key with a scheme and /v1/ path matches by host (kubernetes issue 3797)', () => {
    const entries = entriesFor({ 'https://quay.io/v1/': 'rex:tiny arms' });
    for (const image of ['quay.io', 'quay.io/foo', 'quay.io/foo/bar']) {
      assert.deepEqual(usernames(lookup(entries, image).matches), ['rex'], image);
    }
  });

  const defaultRegistry: [string, boolean][] = [
    ['foo/bar', true],
    ['docker.io/foo/bar', true],
    ['index.docker.io/foo/bar', true],
    ['foo', true],
    ['', false],
    ['registry.tld/foo/bar', false],
    ['registry:5000/foo/bar', false],
    ['myhostdocker.io/foo/bar', false],
  ];
  for (const [image, want] of defaultRegistry) {
    test(`isDefaultRegistryMatch(${JSON.stringify(image)}) = ${want}`, () => {
      assert.equal(isDefaultRegistryMatch(image), want);
    });
  }
});

describe('the documented contract (kubernetes.io "Interpretation of config.json")', () => {
  const cases: [string, string, boolean][] = [
    ['*.kubernetes.io', 'kubernetes.io', false],
    ['*.*.kubernetes.io', 'abc.kubernetes.io', false],
    ['prefix.*.io', 'prefix.kubernetes.io', true],
    ['*-good.kubernetes.io', 'prefix-good.kubernetes.io', true],
  ];
  for (const [key, host, want] of cases) {
    test(`${key} ${want ? 'matches' : 'does not match'} ${host}/app`, () => {
      assert.equal(lookup(entriesFor({ [key]: 'u:p' }), `${host}/app`).matches.length, want ? 1 : 0);
    });
  }
});

describe('verdict reasons', () => {
  const reasonFor = (key: string, image: string): string | undefined =>
    lookup(entriesFor({ [key]: 'u:p' }), image).verdicts[0]?.reason;

  test('ports must be equal; a missing port is not 5000', () => {
    assert.equal(reasonFor('myreg:5000', 'myreg/app'), 'port differs (5000 vs none)');
    assert.equal(reasonFor('myreg', 'myreg:5000/app'), 'port differs (none vs 5000)');
    assert.equal(reasonFor('localhost:5000', 'localhost:5000/a/b'), 'matched');
  });
  test('label count', () => {
    assert.equal(reasonFor('*.kubernetes.io', 'kubernetes.io/app'), 'host has 3 labels, image has 2');
  });
  test('label glob', () => {
    assert.equal(reasonFor('foo.*.io', 'bar.example.io/app'), "label 1 'bar' does not match 'foo'");
    assert.equal(
      reasonFor('a.b[.io', 'a.b.io/app'),
      'the kubelet ignores this key: not a valid URL (invalid IP-literal)',
    );
  });
  test('path prefix', () => {
    assert.equal(
      reasonFor('myreg:5000/team', 'myreg:5000/other/app'),
      'path /team is not a prefix of /other/app',
    );
    assert.equal(reasonFor('myreg/team', 'myreg/teamster/app'), 'matched');
  });
});

describe('Docker Hub keys', () => {
  test('registry-1.docker.io never matches Docker Hub images, and says so', () => {
    const entries = entriesFor({ 'https://registry-1.docker.io': 'u:p' });
    const r = lookup(entries, 'docker.io/library/nginx');
    assert.deepEqual(r.matches, []);
    assert.equal(r.fallback, false);
    assert.equal(r.verdicts[0]?.reason, 'host has 3 labels, image has 2');
    assert.ok(
      entries[0]?.problems.some((p) => p.startsWith('key registry-1.docker.io never matches Docker Hub')),
    );
  });

  test('docker.io matches directly; the fallback is not used when anything matched', () => {
    const entries = entriesFor({ 'docker.io': 'direct:p1', 'https://index.docker.io/v1/': 'hub:p2' });
    const r = lookup(entries, 'docker.io/library/nginx');
    assert.deepEqual(usernames(r.matches), ['direct']);
    assert.equal(r.fallback, false);
    const hub = r.verdicts.find((v) => v.key === 'https://index.docker.io/v1/');
    assert.equal(hub?.matched, false);
  });

  test('keys that normalize alike are all tried, in file order, and flagged', () => {
    const entries = entriesFor({ 'https://index.docker.io/v1/': 'one:p1', 'index.docker.io': 'two:p2' });
    assert.deepEqual(usernames(lookup(entries, 'library/busybox').matches), ['one', 'two']);
    assert.match(entries[1]?.problems.join('\n') ?? '', /normalizes to 'index\.docker\.io'/);
  });
});

describe('ordering and odd keys', () => {
  test('reverse byte order puts literal labels before globs and longer paths first', () => {
    const entries = entriesFor({
      '*.example.com': 'glob:p',
      'a.example.com': 'exact:p',
      'a.example.com/x': 'deep:p',
    });
    assert.deepEqual(usernames(lookup(entries, 'a.example.com/x/y').matches), ['deep', 'exact', 'glob']);
  });

  test('normalization follows Add(): scheme optional, /v1/ and /v2/ cut, a lone / dropped', () => {
    assert.deepEqual(normalizeKey('https://index.docker.io/v1/'), { key: 'index.docker.io' });
    assert.deepEqual(normalizeKey('http://myreg:5000/v2/team'), { key: 'myreg:5000/team' });
    assert.deepEqual(normalizeKey('myreg.io/'), { key: 'myreg.io' });
    assert.deepEqual(normalizeKey('myreg.io/v1'), { key: 'myreg.io/v1' });
    assert.deepEqual(normalizeKey('user@myreg.io'), { key: 'myreg.io' });
  });

  test("'?' in a key starts a query, so the kubelet reads only what comes before it", () => {
    const entries = entriesFor({ 'registry?.example.com': 'u:p' });
    assert.equal(entries[0]?.normalized, 'registry');
    assert.equal(lookup(entries, 'registry1.example.com/app').matches.length, 0);
    assert.ok(entries[0]?.problems.some((p) => p.includes('starts a URL query')));
  });

  test('character classes: rejected by current Go url.Parse, honoured by older kubelets', () => {
    const entries = entriesFor({ 'reg[0-9].example.com': 'u:p' });
    assert.equal(lookup(entries, 'reg1.example.com/app').matches.length, 0);
    assert.ok(entries[0]?.problems.some((p) => p.startsWith('the kubelet ignores this key')));
    const legacy = { urlRules: 'legacy' as const };
    assert.equal(lookup(entries, 'reg1.example.com/app', legacy).matches.length, 1);
    assert.equal(lookup(entries, 'regx.example.com/app', legacy).matches.length, 0);
    // net.SplitHostPort refuses '[' so the whole "host:port" becomes the host and the port is lost.
    const withPort = entriesFor({ 'reg[0-9].example.com:5000': 'u:p' });
    assert.equal(
      lookup(withPort, 'reg1.example.com:5000/app', legacy).verdicts[0]?.reason,
      'port differs (none vs 5000)',
    );
  });

  test('a host with two colons is invalid for current kubelets', () => {
    assert.ok('error' in normalizeKey('a:1:2'));
    assert.deepEqual(normalizeKey('a:1:2', { urlRules: 'legacy' }), { key: 'a:1:2' });
  });

  test('IPv6 registries', () => {
    assert.equal(urlsMatch('[::1]:5000', '[::1]:5000/app').matched, true);
    assert.equal(urlsMatch('[::1]:5000', '[::2]:5000/app').matched, false);
    assert.ok('error' in normalizeKey('[1.2.3.4]:5000'));
  });
});
