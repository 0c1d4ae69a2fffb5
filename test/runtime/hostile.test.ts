// src/runtime against hostile node roots, on real files: configurations far larger or deeper than any node's, drop-in
// directories with thousands of files, symlink loops, FIFOs and devices where a config file should be. Every read is
// bounded in bytes and count, and each case ends in a finding that names the limit or the problem — never a hang,
// never an exception. (The per-test timeout only turns a hang into a failure; timings belong in `npm run bench`.)
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { planPull, rootedFs, type PullPlan } from '../../src/runtime/index.ts';
import { MAX_DIR_ENTRIES, MAX_FILE_BYTES, MAX_SYMLINKS, MAX_TOTAL_BYTES } from '../../src/runtime/fs.ts';
import { MAX_DROPINS, MAX_ENDPOINTS, MAX_FINDINGS, MAX_TLS_FILES } from '../../src/runtime/limits.ts';
import { CONFIG_TOML, nodeRoot } from './node-root.ts';

const GUARD = { timeout: 120_000 };
const codes = (p: PullPlan) => p.findings.map((f) => f.code);
const finding = (p: PullPlan, code: string) => {
  const f = p.findings.find((x) => x.code === code);
  assert.ok(f, `expected ${code} among ${codes(p).join(', ')}`);
  return f;
};
const POLICY = { 'etc/containers/policy.json': '{"default":[{"type":"insecureAcceptAnything"}]}' };
const HOSTS = 'etc/containerd/certs.d/r.example/hosts.toml';

/** `count` files in `dir` under `root`, named 00000.conf… with text from `text(i)`. */
async function manyFiles(
  root: string,
  dir: string,
  count: number,
  text: (i: number) => string,
  ext = 'conf',
) {
  await mkdir(join(root, dir), { recursive: true });
  for (let i = 0; i < count; i += 500)
    await Promise.all(
      Array.from({ length: Math.min(500, count - i) }, (_, k) =>
        writeFile(join(root, dir, `${String(i + k).padStart(5, '0')}.${ext}`), text(i + k)),
      ),
    );
}

/** Makes `path` under `root` a FIFO or /dev/zero's character device (tests run as root). */
function special(root: string, path: string, what: 'fifo' | 'zero') {
  execFileSync('mkdir', ['-p', dirname(join(root, path))]);
  if (what === 'fifo') execFileSync('mkfifo', [join(root, path)]);
  else execFileSync('mknod', [join(root, path), 'c', '1', '5']);
}

describe('hostile runtime configuration', () => {
  const fx = useFixture();

  test(
    'a hosts.toml with 15 000 [host] tables: the first 64 in file order, the cut named',
    GUARD,
    async () => {
      let text = 'server = "https://r.example"\n';
      for (let i = 0; i < 15_000; i++)
        text += `[host."https://m${i}.example"]\n  capabilities = ["pull", "resolve"]\n`;
      assert.ok(text.length < MAX_FILE_BYTES && text.length > 900_000);
      const root = await nodeRoot(fx, { 'etc/containerd/config.toml': CONFIG_TOML, [HOSTS]: text });
      const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'containerd' });
      assert.equal(p.endpoints.length, MAX_ENDPOINTS);
      assert.deepEqual(
        [p.endpoints[0]?.url, p.endpoints[63]?.url],
        ['https://m0.example/v2', 'https://m63.example/v2'],
      );
      const cut = finding(p, 'TOO_MANY_ENDPOINTS');
      assert.match(cut.message, /More than 64 endpoints for r\.example\/a:1: regdoctor follows the first 64/);
      assert.equal(cut.from, `${HOSTS}:${2 + 2 * 64}`, 'the 65th [host] table, found through the line index');
      assert.equal(p.endpoints[10]?.from, `${HOSTS}:${2 + 2 * 10}`);
    },
  );

  test(
    'a [host] table past the cut that containerd rejects still makes the whole file ignored',
    GUARD,
    async () => {
      let text = '';
      for (let i = 0; i < 200; i++) text += `[host."https://m${i}.example"]\n`;
      text += '[host."https://bad.example"]\n  capabilities = ["fly"]\n';
      const root = await nodeRoot(fx, { 'etc/containerd/config.toml': CONFIG_TOML, [HOSTS]: text });
      const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'containerd' });
      assert.deepEqual(
        p.endpoints.map((e) => e.url),
        ['https://r.example/v2'],
      );
      assert.match(finding(p, 'HOSTS_TOML_INVALID').message, /unknown capability fly/);
    },
  );

  test('a 1 MiB registries.conf of 9 000 registries: the longest prefix, its own line', GUARD, async () => {
    let text = '';
    for (let i = 0; i < 9000; i++)
      text += `[[registry]]\nprefix = "r${i}.example"\nlocation = "l${i}.example"\n[[registry.mirror]]\nlocation = "m${i}.example"\n`;
    assert.ok(text.length < MAX_FILE_BYTES);
    const root = await nodeRoot(fx, { ...POLICY, 'etc/containers/registries.conf': text });
    const p = await planPull(rootedFs(root), 'r8000.example/a:1', { runtime: 'crio' });
    assert.deepEqual(
      p.endpoints.map((e) => [e.url, e.from]),
      [
        ['https://m8000.example/v2', `etc/containers/registries.conf:${8000 * 5 + 5}`],
        ['https://l8000.example/v2', `etc/containers/registries.conf:${8000 * 5 + 1}`],
      ],
    );
  });

  test(
    'a registries.conf, hosts.toml or daemon.json over 1 MiB is not read, and the plan says so',
    GUARD,
    async () => {
      const big = `# ${'x'.repeat(MAX_FILE_BYTES)}\n`;
      const root = await nodeRoot(fx, {
        ...POLICY,
        'etc/containers/registries.conf': big,
        'etc/containerd/config.toml': CONFIG_TOML,
        [HOSTS]: big,
        'etc/docker/daemon.json': big,
      });
      for (const runtime of ['crio', 'containerd', 'docker'] as const) {
        const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime });
        const f = finding(p, 'CONFIG_NOT_READ');
        assert.equal(f.stops, 'before-request', runtime);
        assert.match(
          f.message,
          /bytes \(limit 1048576\)\): .* reads it, but regdoctor reads at most 1 MiB a file/,
        );
        assert.deepEqual(p.endpoints, [], runtime);
      }
    },
  );

  test('deeply nested TOML and JSON: a finding, not a stack overflow', GUARD, async () => {
    const deepArray = `a = ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`;
    const deepInline = `a = ${'{b='.repeat(100_000)}1${'}'.repeat(100_000)}\n`;
    const deepHeader = `[${Array.from({ length: 100_000 }, () => 'a').join('.')}]\nx = 1\n`;
    const deepJson = `${'['.repeat(500_000)}${']'.repeat(500_000)}`;
    const root = await nodeRoot(fx, {
      'etc/containerd/config.toml': deepArray,
      'etc/containers/registries.conf': deepInline,
      'etc/containers/policy.json': deepJson,
      'etc/docker/daemon.json': `{"registry-mirrors":${deepJson}}`,
    });
    const ctd = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'containerd' });
    assert.match(finding(ctd, 'CONFIG_TOML_INVALID').message, /excessively nested/);
    const crio = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'crio' });
    assert.match(finding(crio, 'REGISTRIES_CONF_INVALID').message, /excessively nested/);
    const policy = await nodeRoot(fx, {
      'etc/containers/registries.conf': '',
      'etc/containers/policy.json': deepJson,
    });
    const pp = await planPull(rootedFs(policy), 'r.example/a:1', { runtime: 'crio' });
    assert.match(finding(pp, 'POLICY_FILE_INVALID').message, /not a valid policy/);
    const docker = await planPull(rootedFs(root), 'nginx', { runtime: 'docker' });
    assert.ok(codes(docker).includes('DAEMON_JSON_INVALID'));
    // A header 100 000 keys deep is valid TOML; it parses and is ignored.
    const header = await nodeRoot(fx, { 'etc/containerd/config.toml': deepHeader, [HOSTS]: deepArray });
    const h = await planPull(rootedFs(header), 'r.example/a:1', { runtime: 'containerd' });
    assert.deepEqual(codes(h), []);
    const hosts = await nodeRoot(fx, { 'etc/containerd/config.toml': CONFIG_TOML, [HOSTS]: deepInline });
    const hp = await planPull(rootedFs(hosts), 'r.example/a:1', { runtime: 'containerd' });
    assert.match(finding(hp, 'HOSTS_TOML_INVALID').message, /excessively nested/);
  });

  test(
    'registries.conf.d with 3 000 files: the first 100 by name, the rest named as not read',
    GUARD,
    async () => {
      const root = await nodeRoot(fx, { ...POLICY, 'etc/containers/registries.conf': '' });
      await manyFiles(root, 'etc/containers/registries.conf.d', 3000, (i) =>
        i === 50 || i === 2000 ? `[[registry]]\nprefix = "r.example"\nlocation = "from-${i}.example"\n` : '',
      );
      const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'crio' });
      assert.deepEqual(
        p.endpoints.map((e) => e.url),
        ['https://from-50.example/v2'],
      );
      const f = finding(p, 'TOO_MANY_DROPINS');
      assert.match(
        f.message,
        /^3000 drop-in files in etc\/containers\/registries.conf.d: regdoctor follows the first 100/,
      );
      assert.equal(p.configFiles.filter((c) => c.includes('registries.conf.d/')).length, MAX_DROPINS);
    },
  );

  test('a drop-in directory with more entries than are listed says the order is unknown', GUARD, async () => {
    const root = await nodeRoot(fx, { ...POLICY, 'etc/containers/registries.conf': '' });
    await manyFiles(root, 'etc/containers/registries.conf.d', MAX_DIR_ENTRIES + 1, () => '');
    const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'crio' });
    assert.match(finding(p, 'TOO_MANY_DROPINS').message, /which come first by name is not known/);
  });

  test('a certs.d directory of 2 000 CA files: the first 16 kept and the rest named', GUARD, async () => {
    const root = await nodeRoot(fx, { ...POLICY, 'etc/containers/registries.conf': '' });
    await manyFiles(root, 'etc/containers/certs.d/r.example', 2000, () => 'pem', 'crt');
    const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'crio' });
    assert.equal(p.endpoints[0]?.tls.caFiles.length, MAX_TLS_FILES);
    assert.match(finding(p, 'TOO_MANY_CA_FILES').message, /^2000 CA files for r\.example/);
  });

  test('a symlink loop, and links that leave the root, read as what they are', GUARD, async () => {
    const root = await nodeRoot(fx, {
      ...POLICY,
      'opt/conf/registries.conf': 'unqualified-search-registries = ["a.example"]\n',
    });
    const fs = rootedFs(root);
    await mkdir(join(root, 'etc/containers/registries.conf.d'), { recursive: true });
    await symlink('b', join(root, 'etc/containers/registries.conf.d/a.conf'));
    await symlink('a.conf', join(root, 'etc/containers/registries.conf.d/b'));
    const loop = await fs.read('/etc/containers/registries.conf.d/a.conf');
    assert.deepEqual(loop, {
      ok: false,
      reason: 'unreadable',
      detail: `more than ${MAX_SYMLINKS} symbolic links (a loop)`,
    });
    // An absolute link names the node's own path: it resolves inside the root, as on the node.
    await symlink('/opt/conf/registries.conf', join(root, 'etc/containers/registries.conf'));
    const p = await planPull(fs, 'app:1', { runtime: 'crio', version: '1.30.0' });
    assert.match(finding(p, 'REGISTRIES_CONF_INVALID').message, /a\.conf: more than 40 symbolic links/);
    await rm(join(root, 'etc/containers/registries.conf.d/b'));
    await writeFile(join(root, 'etc/containers/registries.conf.d/b'), '');
    const fixed = await planPull(rootedFs(root), 'app:1', { runtime: 'crio', version: '1.30.0' });
    assert.deepEqual(
      fixed.endpoints.map((e) => e.url),
      ['https://a.example/v2'],
    );
    // `..` stops at the root, as it does at `/`.
    await symlink('../../../../../../../../etc/hostname', join(root, 'opt/up'));
    assert.equal((await fs.read('/opt/up')).ok, false);
    await writeFile(join(root, 'etc/hostname'), 'node-1\n');
    assert.deepEqual(await fs.read('/opt/up'), { ok: true, text: 'node-1\n' });
  });

  test(
    'a FIFO or /dev/zero where a config file should be: refused at once, never waited on',
    GUARD,
    async () => {
      const root = await nodeRoot(fx, { ...POLICY, 'etc/containerd/config.toml': CONFIG_TOML });
      special(root, 'etc/containers/registries.conf', 'fifo');
      special(root, HOSTS, 'zero');
      special(root, 'dev/zero', 'zero');
      await symlink('/dev/zero', join(root, 'etc/containers/policy-zero.json'));
      const fs = rootedFs(root);
      const crio = await planPull(fs, 'r.example/a:1', { runtime: 'crio' });
      assert.match(finding(crio, 'REGISTRIES_CONF_INVALID').message, /registries\.conf: a FIFO/);
      const ctd = await planPull(fs, 'r.example/a:1', { runtime: 'containerd' });
      assert.match(finding(ctd, 'HOSTS_TOML_UNREADABLE').message, /cannot be read \(a character device\)/);
      assert.deepEqual(await fs.read('/etc/containers/policy-zero.json'), {
        ok: false,
        reason: 'unreadable',
        detail: 'a character device',
      });
      assert.equal(await fs.kind('/etc/containers/registries.conf'), null);
    },
  );

  test(
    'EnvironmentFile= that is huge, a directory, a FIFO, missing, or repeated thousands of times',
    GUARD,
    async () => {
      const unit = 'etc/systemd/system/containerd.service.d';
      const root = await nodeRoot(fx, {
        'etc/containerd/config.toml': CONFIG_TOML,
        [`${unit}/10-big.conf`]: '[Service]\nEnvironmentFile=/etc/big.env\n',
        [`${unit}/20-dir.conf`]: '[Service]\nEnvironmentFile=/etc/envdir\nEnvironmentFile=-/etc/envdir\n',
        [`${unit}/30-missing.conf`]:
          '[Service]\nEnvironmentFile=/etc/gone.env\nEnvironmentFile=-/etc/gone2.env\n',
        [`${unit}/40-proxy.conf`]:
          '[Service]\nEnvironmentFile=/etc/proxy.env\nEnvironmentFile=/etc/fifo.env\n',
        'etc/big.env': `HTTPS_PROXY=http://big:1\n${'#'.repeat(MAX_FILE_BYTES)}\n`,
        'etc/envdir/x': '',
        'etc/proxy.env': 'HTTPS_PROXY=http://proxy.corp:3128\n',
      });
      special(root, 'etc/fifo.env', 'fifo');
      const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'containerd' });
      const found = p.findings.map((f) => [f.code, f.severity, f.message.split(':')[0]]);
      assert.deepEqual(found, [
        [
          'ENVIRONMENT_FILE_UNREADABLE',
          'warning',
          'EnvironmentFile /etc/big.env of containerd.service cannot be read (1048602 bytes (limit 1048576))',
        ],
        [
          'ENVIRONMENT_FILE_UNREADABLE',
          'error',
          'EnvironmentFile /etc/envdir of containerd.service cannot be read (a directory)',
        ],
        [
          'ENVIRONMENT_FILE_MISSING',
          'error',
          'EnvironmentFile /etc/gone.env of containerd.service does not exist',
        ],
        [
          'ENVIRONMENT_FILE_UNREADABLE',
          'error',
          'EnvironmentFile /etc/fifo.env of containerd.service cannot be read (a FIFO)',
        ],
      ]);
      assert.equal(p.environment.vars.HTTPS_PROXY?.value, 'http://proxy.corp:3128');
      // Thousands of EnvironmentFile= lines, and one Environment= continued over 150 000 lines.
      await writeFile(
        join(root, unit, '50-many.conf'),
        `[Service]\n${'EnvironmentFile=/etc/proxy.env\n'.repeat(20_000)}`,
      );
      await writeFile(
        join(root, unit, '60-long.conf'),
        `[Service]\nEnvironment="NO_PROXY=a \\\n${',c \\\n'.repeat(150_000)}"\n`,
      );
      const many = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'containerd' });
      assert.match(finding(many, 'TOO_MANY_ENVIRONMENT_FILES').message, /^20007 EnvironmentFile= files/);
      assert.equal(many.environment.vars.NO_PROXY?.value.split(',c').length, 150_001);
    },
  );

  test('a unit drop-in over the limit and drop-in directories of thousands of files', GUARD, async () => {
    const root = await nodeRoot(fx, { 'etc/containerd/config.toml': CONFIG_TOML });
    await manyFiles(root, 'etc/systemd/system/containerd.service.d', 500, (i) =>
      i === 499 ? `[Service]\n${'#'.repeat(MAX_FILE_BYTES)}\n` : '[Service]\n',
    );
    const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'containerd' });
    assert.match(finding(p, 'TOO_MANY_DROPINS').message, /^500 drop-in files in containerd.service.d/);
    assert.ok(!codes(p).includes('UNIT_FILE_UNREADABLE'), 'the big one is past the first 100');
    await writeFile(
      join(root, 'etc/systemd/system/containerd.service.d/00000.conf'),
      '#'.repeat(MAX_FILE_BYTES + 1),
    );
    const big = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'containerd' });
    assert.match(finding(big, 'UNIT_FILE_UNREADABLE').message, /00000\.conf cannot be read \(1048577 bytes/);
  });

  test('one node root reads at most 16 MiB in all', GUARD, async () => {
    const root = await nodeRoot(fx, { ...POLICY, 'etc/containers/registries.conf': '' });
    await manyFiles(
      root,
      'etc/containers/registries.conf.d',
      20,
      () => `# ${'x'.repeat(MAX_FILE_BYTES - 10)}\n`,
    );
    const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'crio' });
    const f = finding(p, 'CONFIG_NOT_READ');
    assert.match(f.message, /the 16 MiB regdoctor reads from one node root are spent/);
    assert.equal(
      f.from,
      `etc/containers/registries.conf.d/${String(Math.floor(MAX_TOTAL_BYTES / MAX_FILE_BYTES)).padStart(5, '0')}.conf`,
    );
  });

  test('findings are capped, and those that stop the pull are kept first', GUARD, async () => {
    let text = '';
    for (let i = 0; i < 60; i++)
      text += `[host."https://m${i}.example/p"]\n  skip_verify = true\n  ca = ["a${i}.crt", "b${i}.crt"]\n`;
    const root = await nodeRoot(fx, { 'etc/containerd/config.toml': CONFIG_TOML, [HOSTS]: text });
    const p = await planPull(rootedFs(root), 'r.example/a:1', { runtime: 'containerd' });
    assert.equal(p.findings.length, MAX_FINDINGS);
    assert.ok(p.findings.slice(0, MAX_FINDINGS - 1).every((f) => f.code === 'CA_FILE_MISSING'));
    assert.match(
      p.findings.at(-1)?.message ?? '',
      /^240 configuration findings: regdoctor follows the first 99/,
    );
  });
});
