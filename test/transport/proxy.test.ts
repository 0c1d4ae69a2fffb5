import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeProxy, proxyEnvFrom, proxyFor, type ProxyEnv } from '../../src/transport/proxy.ts';

const via = (url: string, env: ProxyEnv): string | null => proxyFor(new URL(url), env)?.href ?? null;

describe('proxyEnvFrom', () => {
  test('upper case wins, lower case is the fallback, empty means unset', () => {
    assert.deepEqual(
      proxyEnvFrom({ HTTP_PROXY: 'a', http_proxy: 'b', https_proxy: 'c', NO_PROXY: '', no_proxy: 'd' }),
      { httpProxy: 'a', httpsProxy: 'c', noProxy: 'd' },
    );
    assert.deepEqual(proxyEnvFrom({ http_proxy: 'x', HTTPS_PROXY: 'y', NO_PROXY: 'z' }), {
      httpProxy: 'x',
      httpsProxy: 'y',
      noProxy: 'z',
    });
    assert.deepEqual(proxyEnvFrom({}), {});
  });

  test('under CGI (REQUEST_METHOD set) HTTP_PROXY is ignored, HTTPS_PROXY is kept', () => {
    const env = proxyEnvFrom({
      HTTP_PROXY: 'http://10.1.2.3:8080',
      HTTPS_PROXY: 'https://secure',
      REQUEST_METHOD: 'GET',
    });
    assert.deepEqual(env, { httpsProxy: 'https://secure' });
    assert.equal(via('http://example.com/', env), null);
    assert.equal(via('https://secure.tld/', env), 'https://secure/');
    assert.deepEqual(proxyEnvFrom({ HTTP_PROXY: 'p', REQUEST_METHOD: '' }), { httpProxy: 'p' });
  });
});

// Re-expressed from Go's httpproxy proxyForURLTests (JS URLs print a "/" path where Go prints none).
const FOR_URL: [env: ProxyEnv, request: string, want: string | null][] = [
  [{ httpProxy: '127.0.0.1:8080' }, 'http://example.com', 'http://127.0.0.1:8080/'],
  [{ httpProxy: 'cache.corp.example.com:1234' }, 'http://example.com', 'http://cache.corp.example.com:1234/'],
  [{ httpProxy: 'cache.corp.example.com' }, 'http://example.com', 'http://cache.corp.example.com/'],
  [{ httpProxy: 'localhost' }, 'http://example.com', 'http://localhost/'],
  [{ httpProxy: 'https://cache.corp.example.com' }, 'http://example.com', 'https://cache.corp.example.com/'],
  [{ httpProxy: 'http://127.0.0.1:8080' }, 'http://example.com', 'http://127.0.0.1:8080/'],
  [{ httpProxy: 'https://127.0.0.1:8080' }, 'http://example.com', 'https://127.0.0.1:8080/'],
  [{ httpProxy: 'socks5://127.0.0.1' }, 'http://example.com', 'socks5://127.0.0.1'],
  [{ httpProxy: 'foo://host' }, 'http://example.com', 'foo://host'],
  [
    { httpProxy: 'http.proxy.tld', httpsProxy: 'secure.proxy.tld' },
    'http://insecure.tld/',
    'http://http.proxy.tld/',
  ],
  [
    { httpProxy: 'http.proxy.tld', httpsProxy: 'secure.proxy.tld' },
    'https://secure.tld/',
    'http://secure.proxy.tld/',
  ],
  [
    { httpProxy: 'http.proxy.tld', httpsProxy: 'https://secure.proxy.tld' },
    'https://secure.tld/',
    'https://secure.proxy.tld/',
  ],
  [{ httpProxy: 'http.proxy.tld' }, 'https://secure.tld/', null],
  [{ httpProxy: 'http.proxy.tld' }, 'ftp://insecure.tld/', null],
  [{}, 'http://example.com', null],
  [{ noProxy: 'example.com', httpProxy: 'proxy' }, 'http://example.com/', null],
  [{ noProxy: '.example.com', httpProxy: 'proxy' }, 'http://example.com/', 'http://proxy/'],
  [{ noProxy: 'ample.com', httpProxy: 'proxy' }, 'http://example.com/', 'http://proxy/'],
  [{ noProxy: 'example.com', httpProxy: 'proxy' }, 'http://foo.example.com/', null],
  [{ noProxy: '.foo.com', httpProxy: 'proxy' }, 'http://example.com/', 'http://proxy/'],
  [{ noProxy: '.示例.com', httpProxy: 'proxy' }, 'http://www.示例.com', null],
  [{ noProxy: 'xn--fsq092h.com', httpProxy: 'proxy' }, 'http://www.示例.com', null],
  [{ noProxy: '示例.com', httpProxy: 'proxy' }, 'http://www.xn--fsq092h.com', null],
];

describe('proxyFor', () => {
  for (const [env, request, want] of FOR_URL) {
    test(`${JSON.stringify(env)} ${request} → ${want ?? 'direct'}`, () =>
      assert.equal(via(request, env), want));
  }
});

// Re-expressed from Go's httpproxy UseProxyTests: true = goes through the proxy.
const NO_PROXY =
  'foobar.com, .barbaz.net, *.wildcard.io, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, ' +
  '2001:db8::52:0:1, [2001:db8::52:0:2]:443, [2001:db8::52:0:3]:80, 2002:db8:a::45/64';
const USE_PROXY: [host: string, proxied: boolean][] = [
  ['localhost', false],
  ['127.0.0.1', false],
  ['127.0.0.2', false],
  ['[::1]', false],
  ['[::2]', true],
  ['192.168.1.1', false],
  ['192.168.1.2', true],
  ['192.168.1.3', false],
  ['192.168.1.4', true],
  ['10.0.0.2', false],
  ['10.0.0.4', true],
  ['[2001:db8::52:0:1]', false],
  ['[2001:db8::52:0:2]', true],
  ['[2001:db8::52:0:3]', false],
  ['[2002:db8:a::123]', false],
  ['[fe80::424b:c8be:1643:a1b6]', true],
  ['barbaz.net', true],
  ['www.barbaz.net', false],
  ['foobar.com', false],
  ['www.foobar.com', false],
  ['foofoobar.com', true],
  ['baz.com', true],
  ['localhost.net', true],
  ['local.localhost', true],
  ['barbarbaz.net', true],
  ['wildcard.io', true],
  ['nested.wildcard.io', false],
  ['awildcard.io', true],
];

describe('NO_PROXY matching', () => {
  for (const [host, proxied] of USE_PROXY) {
    test(`${host}:80 ${proxied ? 'proxied' : 'direct'}`, () => {
      const env = { httpProxy: 'http://proxy.example.org', noProxy: NO_PROXY };
      assert.equal(via(`http://${host}:80/`, env) !== null, proxied);
    });
  }

  test("'*' sends everything direct", () => {
    for (const [host] of USE_PROXY)
      assert.equal(via(`http://${host}/`, { httpProxy: 'p', noProxy: ' * ' }), null);
  });

  test('a malformed entry is ignored, not fatal', () => {
    assert.equal(via('http://example.com/', { httpProxy: 'p', noProxy: ':1' }), 'http://p/');
    assert.equal(via('http://example.com/', { httpProxy: 'p', noProxy: ',, ,[,]' }), 'http://p/');
  });

  test('an entry with a port matches only that port, counting the scheme default', () => {
    const env = { httpsProxy: 'p', noProxy: 'registry.local:5000, foo.com:443' };
    assert.equal(via('https://registry.local:5000/v2/', env), null);
    assert.equal(via('https://registry.local/v2/', env), 'http://p/');
    assert.equal(via('https://foo.com/v2/', env), null);
    assert.equal(via('https://foo.com:8443/v2/', env), 'http://p/');
  });

  test('IPv4-mapped addresses count as IPv4', () => {
    const env = { httpProxy: 'p', noProxy: '10.0.0.0/8' };
    assert.equal(via('http://[::ffff:10.1.2.3]/', env), null);
    assert.equal(via('http://[::ffff:127.0.0.1]/', { httpProxy: 'p' }), null);
    assert.equal(via('http://[::a01:203]/', env), 'http://p/', 'IPv4-compatible is not IPv4-mapped');
  });

  test('entries and hosts compare case-insensitively', () => {
    assert.equal(via('http://Registry.Example.COM/', { httpProxy: 'p', noProxy: 'EXAMPLE.com' }), null);
  });

  test('property: with a proxy set, the answer is that proxy or direct', () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const host = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.'));
    fc.assert(
      fc.property(host, fc.array(host, { maxLength: 4 }), (h, entries) => {
        const env = { httpsProxy: 'http://proxy:3128', noProxy: entries.join(',') };
        const got = via(`https://${h}/`, env);
        assert.ok(got === null || got === 'http://proxy:3128/');
        const listed = entries.some((e) => h === e || h.endsWith(`.${e}`));
        assert.equal(got === null, listed || h === 'localhost');
      }),
    );
  });
});

describe('describeProxy', () => {
  test('masks the password and keeps the rest', () => {
    assert.equal(describeProxy(new URL('http://user:s3cret@proxy:3128')), 'http://user:***@proxy:3128');
    assert.equal(describeProxy(new URL('http://user@proxy:3128/')), 'http://user@proxy:3128');
    assert.equal(describeProxy(new URL('http://proxy:3128')), 'http://proxy:3128');
    assert.equal(describeProxy(new URL('socks5://u:p@127.0.0.1:1080')), 'socks5://u:***@127.0.0.1:1080');
  });

  test('property: the password never survives', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 20 }), (password) => {
        const u = new URL('http://user@proxy.example:3128/');
        u.password = password;
        const shown = describeProxy(u);
        assert.equal(
          shown,
          u.password ? 'http://user:***@proxy.example:3128' : 'http://user@proxy.example:3128',
        );
      }),
    );
  });
});
