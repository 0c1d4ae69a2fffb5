// src/runtime on node roots the oracle cannot run: the CRI plugin's own tables, CRI-O short names and
// crio.conf, dockerd, systemd environments, proxies, and hostile files.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { detectRuntime, memoryFs, planPull, proxyFor, rootedFs } from '../../src/runtime/index.ts';
import { MAX_FILE_BYTES } from '../../src/runtime/fs.ts';

const codes = (p: { findings: { code: string }[] }) => p.findings.map((f) => f.code);
const urls = (p: { endpoints: { url: string }[] }) => p.endpoints.map((e) => e.url);
const V2 = (registry: string) => `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n${registry}`;

describe('containerd', () => {
  test('deprecated mirrors: endpoints in order, the default host appended, reported as deprecated', async () => {
    const fs = memoryFs({
      '/etc/containerd/config.toml': V2(
        '[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["mirror.example:5000", "https://m2.example"]\n',
      ),
    });
    const p = await planPull(fs, 'nginx', { runtime: 'containerd' });
    assert.deepEqual(urls(p), [
      'https://mirror.example:5000/v2',
      'https://m2.example/v2',
      'https://registry-1.docker.io/v2',
    ]);
    assert.ok(codes(p).includes('DEPRECATED_REGISTRY_MIRRORS'));
    assert.equal(p.endpoints[2]?.role, 'upstream');
  });

  test('mirrors next to config_path: the CRI plugin does not load', async () => {
    const fs = memoryFs({
      '/etc/containerd/config.toml': V2(
        '  config_path = "/etc/containerd/certs.d"\n[plugins."io.containerd.grpc.v1.cri".registry.mirrors."docker.io"]\n  endpoint = ["https://m"]\n',
      ),
    });
    assert.ok(
      codes(await planPull(fs, 'nginx', { runtime: 'containerd' })).includes('CRI_REGISTRY_CONFLICT'),
    );
  });

  test('version 3 reads the cri.v1.images table; a hosts.toml without [host] is fine on 2.x', async () => {
    const fs = memoryFs({
      '/etc/containerd/config.toml':
        'version = 3\n[plugins."io.containerd.cri.v1.images".registry]\n  config_path = "/etc/containerd/certs.d"\n',
      '/etc/containerd/certs.d/ghcr.io/hosts.toml': 'server = "https://ghcr-mirror.example"\n',
    });
    const p = await planPull(fs, 'ghcr.io/a/b:1', { runtime: 'containerd' });
    assert.deepEqual(urls(p), ['https://ghcr-mirror.example/v2']);
    assert.equal(p.endpoints[0]?.namespaceQuery, 'ghcr.io');
  });

  test('server with a path, missing CA, bad TOML, header, override_path', async () => {
    const fs = memoryFs({
      '/etc/containerd/config.toml': V2('  config_path = "/etc/containerd/certs.d"\n'),
      '/etc/containerd/certs.d/r.example/hosts.toml':
        'server = "https://r.example/prefix"\n[host."https://m.example/api"]\n  override_path = true\n  ca = "m.crt"\n  [host."https://m.example/api".header]\n    x-team = "a"\n',
      '/etc/containerd/certs.d/bad.example/hosts.toml': 'server = "https://x\n',
    });
    const p = await planPull(fs, 'r.example/a:1', { runtime: 'containerd', version: '1.7.20' });
    assert.deepEqual(urls(p), ['https://m.example/api', 'https://r.example/prefix/v2']);
    assert.deepEqual(p.endpoints[0]?.headers, { 'x-team': ['a'] });
    assert.deepEqual(p.endpoints[0]?.tls.caFiles, ['/etc/containerd/certs.d/r.example/m.crt']);
    assert.ok(codes(p).includes('SERVER_HAS_PATH'));
    assert.ok(codes(p).includes('CA_FILE_MISSING'));
    const bad = await planPull(fs, 'bad.example/a:1', { runtime: 'containerd' });
    assert.deepEqual(urls(bad), ['https://bad.example/v2'], 'an unparsable hosts.toml is ignored');
    assert.ok(codes(bad).includes('HOSTS_TOML_INVALID'));
  });

  test('client: a path, a list, [cert, key] pairs; relative to the host directory; a missing one named', async () => {
    const dir = '/etc/containerd/certs.d/r.example';
    const fs = memoryFs({
      '/etc/containerd/config.toml': V2('  config_path = "/etc/containerd/certs.d"\n'),
      [`${dir}/hosts.toml`]:
        'server = "https://r.example"\nclient = "/pki/node.pem"\n[host."https://a.example"]\n  client = [["a.cert", "a.key"]]\n[host."https://b.example"]\n  client = ["b.pem", "/pki/extra.pem"]\n',
      [`${dir}/a.cert`]: 'c',
      [`${dir}/a.key`]: 'k',
      [`${dir}/b.pem`]: 'c',
      '/pki/node.pem': 'c',
    });
    const p = await planPull(fs, 'r.example/a:1', { runtime: 'containerd', version: '1.7.20' });
    assert.deepEqual(
      p.endpoints.map((e) => [e.url, e.tls.clientCert, e.tls.clientKey]),
      [
        ['https://a.example/v2', `${dir}/a.cert`, `${dir}/a.key`],
        ['https://b.example/v2', `${dir}/b.pem`, `${dir}/b.pem`],
        ['https://r.example/v2', '/pki/node.pem', '/pki/node.pem'],
      ],
    );
    const missing = p.findings.filter((f) => f.code === 'CLIENT_CERT_MISSING');
    assert.deepEqual(
      missing.map((f) => [f.from, f.stops, f.cause]),
      [[`etc/containerd/certs.d/r.example/hosts.toml:5`, 'before-request', 'TLS_UNTRUSTED']],
    );
    assert.match(missing[0]?.message ?? '', /client file \/pki\/extra.pem/);
  });

  test('a host with a path, a mirror without pull, no host that can resolve', async () => {
    const fs = memoryFs({
      '/etc/containerd/config.toml': V2('  config_path = "/etc/containerd/certs.d"\n'),
      '/etc/containerd/certs.d/r.example/hosts.toml':
        'server = "https://r.example"\n[host."https://m.example/cache"]\n[host."https://push.example"]\n  capabilities = ["push"]\n',
      '/etc/containerd/certs.d/s.example/hosts.toml':
        'server = "https://s.example"\ncapabilities = ["pull"]\n[host."https://m.example"]\n  capabilities = ["resolve"]\n',
    });
    const p = await planPull(fs, 'r.example/a:1', { runtime: 'containerd', version: '1.7.20' });
    assert.deepEqual(
      p.findings.map((f) => [f.code, f.from]),
      [
        ['HOST_HAS_PATH', 'etc/containerd/certs.d/r.example/hosts.toml:2'],
        ['MIRROR_WITHOUT_PULL', 'etc/containerd/certs.d/r.example/hosts.toml:3'],
      ],
    );
    assert.equal(p.endpoints[0]?.url, 'https://m.example/cache/v2');
    assert.deepEqual(p.endpoints[1]?.steps, ['fetch'], 'a push-only host is still asked for content');
    const none = await planPull(fs, 's.example/a:1', { runtime: 'containerd', version: '1.7.20' });
    const f = none.findings.find((x) => x.code === 'NO_RESOLVE_HOSTS');
    assert.deepEqual([f?.stops, f?.cause], ['before-request', 'MANIFEST_NOT_FOUND']);
    const byDigest = await planPull(fs, `s.example/a@sha256:${'a'.repeat(64)}`, { runtime: 'containerd' });
    assert.ok(!codes(byDigest).includes('NO_RESOLVE_HOSTS'), 'a digest needs pull only');
  });

  test('the deprecated configs table: TLS for the legacy mirrors, deprecated; next to config_path, a conflict', async () => {
    const reg = '[plugins."io.containerd.grpc.v1.cri".registry';
    const fs = memoryFs({
      '/etc/containerd/config.toml': V2(
        `${reg}.mirrors."r.example"]\n  endpoint = ["https://m.example:5000"]\n${reg}.configs."m.example:5000".tls]\n  ca_file = "/etc/ca.pem"\n  cert_file = "/etc/c.pem"\n  key_file = "/etc/k.pem"\n  insecure_skip_verify = true\n`,
      ),
      '/etc/ca.pem': 'x',
      '/etc/c.pem': 'x',
      '/etc/k.pem': 'x',
    });
    const p = await planPull(fs, 'r.example/a:1', { runtime: 'containerd' });
    assert.deepEqual(
      p.endpoints.map((e) => [e.url, e.tls]),
      [
        [
          'https://m.example:5000/v2',
          { caFiles: ['/etc/ca.pem'], clientCert: '/etc/c.pem', clientKey: '/etc/k.pem', skipVerify: true },
        ],
        ['https://r.example/v2', { caFiles: [], skipVerify: false }],
      ],
    );
    assert.deepEqual(codes(p), ['DEPRECATED_REGISTRY_MIRRORS', 'DEPRECATED_REGISTRY_CONFIGS', 'SKIP_VERIFY']);
    const both = memoryFs({
      '/etc/containerd/config.toml': V2(
        `  config_path = "/etc/containerd/certs.d"\n${reg}.configs."m.example".tls]\n  ca_file = "/etc/ca.pem"\n`,
      ),
    });
    const c = await planPull(both, 'r.example/a:1', { runtime: 'containerd' });
    assert.equal(c.findings.find((f) => f.code === 'CRI_REGISTRY_CONFLICT')?.stops, 'before-request');
  });

  test('host_port_ directory first; a config.toml that does not parse stops everything', async () => {
    const fs = memoryFs({
      '/etc/containerd/config.toml': V2('  config_path = "/etc/containerd/certs.d"\n'),
      '/etc/containerd/certs.d/r.example_5000_/hosts.toml': '[host."http://first"]\n',
      '/etc/containerd/certs.d/r.example:5000/hosts.toml': '[host."http://second"]\n',
    });
    assert.equal(
      (await planPull(fs, 'r.example:5000/a', { runtime: 'containerd' })).endpoints[0]?.url,
      'http://first/v2',
    );
    const broken = memoryFs({ '/etc/containerd/config.toml': 'version = \n' });
    const p = await planPull(broken, 'r.example/a', { runtime: 'containerd' });
    assert.deepEqual([urls(p), codes(p)], [[], ['CONFIG_TOML_INVALID']]);
  });
});

describe('CRI-O', () => {
  const conf = (extra: string) => ({
    '/etc/containers/policy.json': '{"default":[{"type":"insecureAcceptAnything"}]}',
    '/etc/containers/registries.conf': extra,
  });

  test('short name: enforcing (CRI-O ≥ 1.34) and two search registries is ambiguous; an alias resolves it', async () => {
    const fs = memoryFs(conf('unqualified-search-registries = ["quay.io", "docker.io"]\n'));
    const p = await planPull(fs, 'team/app:1', { runtime: 'crio', version: '1.34.1' });
    assert.deepEqual(urls(p), []);
    assert.equal(p.findings.find((f) => f.code === 'SHORT_NAME_AMBIGUOUS')?.cause, 'SHORT_NAME_UNRESOLVED');
    const older = await planPull(fs, 'team/app:1', { runtime: 'crio', version: '1.30.0' });
    assert.deepEqual(urls(older), ['https://quay.io/v2', 'https://registry-1.docker.io/v2']);
    assert.deepEqual(
      older.endpoints.map((e) => e.repository),
      ['team/app', 'team/app'],
    );
    const aliased = memoryFs({
      ...conf('unqualified-search-registries = ["quay.io", "docker.io"]\n'),
      '/etc/containers/registries.conf.d/shortnames.conf': '[aliases]\n"team/app" = "ghcr.io/team/app"\n',
    });
    assert.deepEqual(urls(await planPull(aliased, 'team/app:1', { runtime: 'crio', version: '1.34.1' })), [
      'https://ghcr.io/v2',
    ]);
  });

  test('short-name mode: CRI-O ≥ 1.34 enforces unless crio.conf says disabled; registries.conf’s mode is not used', async () => {
    const files = conf(
      'unqualified-search-registries = ["quay.io", "docker.io"]\nshort-name-mode = "disabled"\n',
    );
    const plan = (extra: Record<string, string>, version: string | null) =>
      planPull(memoryFs({ ...files, ...extra }), 'team/app:1', { runtime: 'crio', version });
    const permissive = {
      '/etc/crio/crio.conf.d/10-names.conf': '[crio.image]\nshort_name_mode = "permissive"\n',
    };
    const enforced = await plan(permissive, '1.34.1');
    assert.deepEqual(urls(enforced), []);
    assert.equal(
      enforced.findings.find((f) => f.code === 'SHORT_NAME_AMBIGUOUS')?.from,
      'etc/crio/crio.conf.d/10-names.conf:2',
    );
    assert.equal(
      enforced.findings.find((f) => f.code === 'SHORT_NAME_MODE_IGNORED')?.from,
      'etc/containers/registries.conf:2',
    );
    const unknown = await plan({}, null);
    assert.ok(codes(unknown).includes('SHORT_NAME_AMBIGUOUS'), 'an unknown version gets the newest rules');
    const disabled = await plan(
      { '/etc/crio/crio.conf.d/10-names.conf': '[crio.image]\nshort_name_mode = "disabled"\n' },
      '1.34.1',
    );
    assert.deepEqual(urls(disabled), ['https://quay.io/v2', 'https://registry-1.docker.io/v2']);
    assert.deepEqual(urls(await plan(permissive, '1.33.0')), urls(disabled), 'before 1.34: every candidate');
  });

  test('pull-from-mirror = "tag-only": the mirror for a tag, skipped for a digest', async () => {
    const fs = memoryFs(
      conf(
        '[[registry]]\nprefix = "r.example"\nlocation = "r.example"\n[[registry.mirror]]\nlocation = "m.example"\npull-from-mirror = "tag-only"\n',
      ),
    );
    assert.deepEqual(urls(await planPull(fs, 'r.example/a:1', { runtime: 'crio' })), [
      'https://m.example/v2',
      'https://r.example/v2',
    ]);
    const d = await planPull(fs, `r.example/a@sha256:${'a'.repeat(64)}`, { runtime: 'crio' });
    assert.deepEqual(urls(d), ['https://r.example/v2']);
    assert.match(d.findings.find((f) => f.code === 'MIRROR_SKIPPED_FOR_TAG')?.message ?? '', /for a digest/);
  });

  test('certs.d: containers/certs.d before docker/certs.d; crio.conf signature_policy names the policy', async () => {
    const fs = memoryFs({
      '/etc/containers/registries.conf': '',
      '/etc/crio/crio.conf': '[crio.image]\nsignature_policy = "/etc/crio/policy.json"\n',
      '/etc/crio/policy.json': '{"default":[{"type":"reject"}]}',
      '/etc/containers/certs.d/r.example:5000/ca.crt': 'x',
      '/etc/containers/certs.d/r.example:5000/node.cert': 'x',
      '/etc/containers/certs.d/r.example:5000/node.key': 'x',
      '/etc/docker/certs.d/r.example:5000/other.crt': 'x',
      '/etc/docker/certs.d/d.example/ca.crt': 'x',
    });
    const p = await planPull(fs, 'r.example:5000/a:1', { runtime: 'crio' });
    assert.deepEqual(p.endpoints[0]?.tls, {
      caFiles: ['/etc/containers/certs.d/r.example:5000/ca.crt'],
      clientCert: '/etc/containers/certs.d/r.example:5000/node.cert',
      clientKey: '/etc/containers/certs.d/r.example:5000/node.key',
      skipVerify: false,
    });
    assert.equal(p.findings.find((f) => f.code === 'POLICY_REJECTS')?.from, 'etc/crio/policy.json default');
    const d = await planPull(fs, 'd.example/a:1', { runtime: 'crio' });
    assert.deepEqual(d.endpoints[0]?.tls.caFiles, ['/etc/docker/certs.d/d.example/ca.crt']);
  });

  test('an invalid registries.conf refuses every pull; policy requiring signatures is named', async () => {
    const bad = await planPull(memoryFs(conf('[[registry]]\nlocation = "https://x"\n')), 'ghcr.io/a:1', {
      runtime: 'crio',
    });
    assert.deepEqual([urls(bad), codes(bad)], [[], ['REGISTRIES_CONF_INVALID']]);
    const signed = memoryFs({
      '/etc/containers/registries.conf': '',
      '/etc/containers/policy.json':
        '{"default":[{"type":"reject"}],"transports":{"docker":{"ghcr.io/team":[{"type":"sigstoreSigned","keyPath":"/k.pub"}]}}}',
    });
    const p = await planPull(signed, 'ghcr.io/team/app:1', { runtime: 'crio' });
    assert.equal(p.findings.find((f) => f.code === 'POLICY_REQUIRES_SIGNATURE')?.cause, 'SIGNATURE_INVALID');
    const other = await planPull(signed, 'ghcr.io/other/app:1', { runtime: 'crio' });
    assert.equal(other.findings.find((f) => f.code === 'POLICY_REJECTS')?.cause, 'POLICY_REJECTED');
  });
});

describe('docker', () => {
  test('registry-mirrors for Docker Hub only; insecure registries get an http fallback', async () => {
    const fs = memoryFs({
      '/etc/docker/daemon.json':
        '{"registry-mirrors":["mirror.example"],"insecure-registries":["10.0.0.0/8"]}',
    });
    assert.deepEqual(urls(await planPull(fs, 'nginx', { runtime: 'docker' })), [
      'https://mirror.example/v2',
      'https://registry-1.docker.io/v2',
    ]);
    const p = await planPull(fs, '10.1.2.3:5000/a', { runtime: 'docker' });
    assert.deepEqual(urls(p), ['https://10.1.2.3:5000/v2', 'http://10.1.2.3:5000/v2']);
    assert.ok(codes(p).includes('MIRRORS_DOCKER_HUB_ONLY'));
    const certs = memoryFs({
      '/etc/docker/daemon.json': '{}',
      '/etc/docker/certs.d/r.example:5000/ca.crt': 'x',
      '/etc/docker/certs.d/r.example:5000/client.cert': 'x',
      '/etc/docker/certs.d/r.example:5000/client.key': 'x',
    });
    assert.deepEqual((await planPull(certs, 'r.example:5000/a:1', { runtime: 'docker' })).endpoints[0]?.tls, {
      caFiles: ['/etc/docker/certs.d/r.example:5000/ca.crt'],
      clientCert: '/etc/docker/certs.d/r.example:5000/client.cert',
      clientKey: '/etc/docker/certs.d/r.example:5000/client.key',
      skipVerify: false,
    });
    const bad = await planPull(
      memoryFs({ '/etc/docker/daemon.json': '{"registry-mirrors": "x"}' }),
      'nginx',
      { runtime: 'docker' },
    );
    assert.ok(codes(bad).includes('DAEMON_JSON_INVALID'));
  });
});

describe('service environment and proxies', () => {
  test('drop-ins in name order, a higher directory masks the same name, EnvironmentFile wins', async () => {
    const fs = memoryFs({
      '/lib/systemd/system/containerd.service': '[Service]\nEnvironment=HTTPS_PROXY=http://unit:1\n',
      '/lib/systemd/system/containerd.service.d/10-proxy.conf':
        '[Service]\nEnvironment=HTTPS_PROXY=http://masked:1\n',
      '/etc/systemd/system/containerd.service.d/10-proxy.conf':
        '[Service]\nEnvironment="HTTPS_PROXY=http://proxy.corp:3128" "NO_PROXY=.corp,10.0.0.0/8"\n',
      '/etc/systemd/system/containerd.service.d/20-file.conf':
        '[Service]\nEnvironmentFile=-/etc/default/containerd-proxy\n',
      '/etc/default/containerd-proxy': '# comment\nHTTP_PROXY="http://file:8080"\n',
    });
    const p = await planPull(fs, 'ghcr.io/a:1', { runtime: 'containerd' });
    assert.equal(p.environment.vars.HTTPS_PROXY?.value, 'http://proxy.corp:3128');
    assert.equal(
      p.environment.vars.HTTPS_PROXY?.from,
      'etc/systemd/system/containerd.service.d/10-proxy.conf:2',
    );
    assert.equal(p.environment.vars.HTTP_PROXY?.value, 'http://file:8080');
    assert.equal(p.endpoints[0]?.proxy, 'http://proxy.corp:3128');
    const internal = await planPull(fs, 'reg.corp/a:1', { runtime: 'containerd' });
    assert.equal(internal.endpoints[0]?.proxy, null);
  });

  test("Go's NO_PROXY rules", () => {
    const env = { HTTPS_PROXY: 'proxy:3128', NO_PROXY: 'example.com,.corp,*.int,10.0.0.0/8,host:5000,[::2]' };
    assert.equal(proxyFor('https://example.com/v2', env), null);
    assert.equal(proxyFor('https://a.example.com/v2', env), null);
    assert.equal(proxyFor('https://corp/v2', env), 'http://proxy:3128', '.corp does not match corp itself');
    assert.equal(proxyFor('https://x.int/v2', env), null);
    assert.equal(proxyFor('https://10.9.9.9/v2', env), null);
    assert.equal(proxyFor('https://host:5000/v2', env), null);
    assert.equal(proxyFor('https://host:5001/v2', env), 'http://proxy:3128');
    assert.equal(proxyFor('https://127.0.0.5/v2', env), null, 'loopback is never proxied');
    assert.equal(proxyFor('http://ghcr.io/v2', env), null, 'no HTTP_PROXY for http');
  });
});

describe('hostile node roots', () => {
  const fx = useFixture();

  test('a symlink out of the root is not followed; an oversized file is refused, not read', async () => {
    const root = await fx.subdir('node');
    const outside = await fx.subdir('outside');
    await writeFile(join(outside, 'config.toml'), 'version = 2\n');
    await mkdir(join(root, 'etc'), { recursive: true });
    await symlink(outside, join(root, 'etc/containerd'));
    const fs = rootedFs(root);
    assert.deepEqual(await fs.read('/etc/containerd/config.toml'), {
      ok: false,
      reason: 'missing',
      detail: 'no such file',
    });
    assert.equal((await fs.read('/../../etc/passwd')).ok, false);
    await mkdir(join(root, 'etc/containers'), { recursive: true });
    await writeFile(join(root, 'etc/containers/registries.conf'), 'x'.repeat(MAX_FILE_BYTES + 1));
    const p = await planPull(fs, 'ghcr.io/a:1', { runtime: 'crio' });
    assert.ok(codes(p).includes('CONFIG_NOT_READ'));
  });

  test('detection: the kubelet endpoint decides over files present', async () => {
    const fs = memoryFs({
      '/etc/containerd/config.toml': '',
      '/etc/crio/crio.conf': '',
      '/var/lib/kubelet/config.yaml': 'containerRuntimeEndpoint: unix:///run/containerd/containerd.sock\n',
    });
    assert.equal((await detectRuntime(fs)).runtime, 'containerd');
    assert.equal((await detectRuntime(memoryFs({ '/etc/crio/crio.conf': '' }))).runtime, 'crio');
    await assert.rejects(planPull(memoryFs({}), 'nginx'), /no container runtime found/);
  });
});
