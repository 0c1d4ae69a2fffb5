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
