import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegdoctorError, UsageError } from '../../src/cause/index.ts';
import {
  defaultDockerConfigPaths,
  loadDockerConfig,
  resolveCredentials,
} from '../../src/credentials/index.ts';
import { b64 } from './helpers.ts';

let dir = '';
const saved: Record<string, string | undefined> = {};
const ENV_KEYS = [
  'PATH',
  'HOME',
  'DOCKER_CONFIG',
  'REGISTRY_AUTH_FILE',
  'XDG_RUNTIME_DIR',
  'XDG_CONFIG_HOME',
];

async function write(name: string, content: unknown): Promise<string> {
  const file = join(dir, name);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regdoctor-resolve-'));
  for (const k of ENV_KEYS) saved[k] = process.env[k];
  // resolveCredentials runs helpers from PATH, like the Docker CLI: put ours first.
  const bin = join(dir, 'bin');
  await mkdir(bin);
  const script = join(bin, 'docker-credential-store');
  await writeFile(
    script,
    `#!/bin/sh\nread server\nprintf '%s' "$server" >> "${dir}/asked"\n` +
      `printf '{"ServerURL":"%s","Username":"from-store","Secret":"store-secret-1"}' "$server"\n`,
  );
  await chmod(script, 0o755);
  process.env.PATH = `${bin}:${saved.PATH ?? ''}`;
});

after(async () => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await rm(dir, { recursive: true, force: true });
});

describe('defaultDockerConfigPaths', () => {
  test('Docker files first, then containers-auth.json files', () => {
    const env = {
      HOME: '/h',
      DOCKER_CONFIG: '/dc',
      REGISTRY_AUTH_FILE: '/ra/auth.json',
      XDG_RUNTIME_DIR: '/run/user/1',
    };
    assert.deepEqual(defaultDockerConfigPaths(env), [
      '/dc/config.json',
      '/h/.docker/config.json',
      '/h/.dockercfg',
      '/ra/auth.json',
      '/run/user/1/containers/auth.json',
      '/h/.config/containers/auth.json',
    ]);
    assert.deepEqual(defaultDockerConfigPaths({ HOME: '/h', XDG_CONFIG_HOME: '/xc' }), [
      '/h/.docker/config.json',
      '/h/.dockercfg',
      '/xc/containers/auth.json',
    ]);
  });
});

describe('loadDockerConfig', () => {
  test('detects config.json and .dockercfg formats', async () => {
    const cfg = await loadDockerConfig(
      await write('a/config.json', { auths: { 'r.io': { auth: b64('u:pw12') } } }),
    );
    assert.equal(cfg.entries[0]?.auth.username, 'u');
    const legacy = await loadDockerConfig(
      await write('b/.dockercfg', { 'https://r.io': { auth: b64('v:pw34') } }),
    );
    assert.equal(legacy.entries[0]?.normalized, 'r.io');
    assert.deepEqual(legacy.credHelpers, {});
    const empty = await loadDockerConfig(await write('c/config.json', {}));
    assert.deepEqual(empty, { entries: [], credHelpers: {} });
  });

  test('a missing file is a usage error; bad content is PULL_SECRET_INVALID', async () => {
    await assert.rejects(loadDockerConfig(join(dir, 'nope.json')), UsageError);
    await assert.rejects(
      loadDockerConfig(await write('d/config.json', '{"auths": ')),
      (e) => e instanceof RegdoctorError && e.cause === 'PULL_SECRET_INVALID',
    );
  });
});

describe('resolveCredentials', () => {
  test('command-line credentials come first, then the config matches by kubelet rules', async () => {
    const config = await write('e/config.json', {
      auths: { 'ghcr.io/acme': { auth: b64('team:pw-team') }, 'ghcr.io': { auth: b64('org:pw-org') } },
    });
    const r = await resolveCredentials({
      registry: 'ghcr.io',
      repositoryName: 'ghcr.io/acme/app',
      dockerConfig: config,
      username: 'cli-user',
      password: 'cli-password',
    });
    assert.deepEqual(
      r.candidates.map((c) => [c.source, c.auth.username]),
      [
        ['command line', 'cli-user'],
        [config, 'team'],
        [config, 'org'],
      ],
    );
    assert.equal(r.lookup?.matches.length, 2);
  });

  test('credHelpers[server] beats credsStore; Docker Hub asks for https://index.docker.io/v1/', async () => {
    const config = await write('f/config.json', {
      auths: { 'https://index.docker.io/v1/': {} },
      credsStore: 'missing-store',
      credHelpers: { 'https://index.docker.io/v1/': 'store' },
    });
    await rm(join(dir, 'asked'), { force: true });
    const r = await resolveCredentials({
      registry: 'docker.io',
      repositoryName: 'docker.io/library/nginx',
      dockerConfig: config,
    });
    assert.equal(await readFile(join(dir, 'asked'), 'utf8'), 'https://index.docker.io/v1/');
    assert.deepEqual(
      r.candidates.map((c) => [c.source, c.key, c.auth.username]),
      [['credential helper docker-credential-store', 'https://index.docker.io/v1/', 'from-store']],
    );
    assert.equal(r.lookup?.fallback, true);
  });

  test('credsStore is used for other registries, asked with the bare host', async () => {
    const config = await write('g/config.json', { credsStore: 'store' });
    await rm(join(dir, 'asked'), { force: true });
    const r = await resolveCredentials({
      registry: 'localhost:5000',
      repositoryName: 'localhost:5000/a/b',
      dockerConfig: config,
    });
    assert.equal(await readFile(join(dir, 'asked'), 'utf8'), 'localhost:5000');
    assert.equal(r.candidates[0]?.auth.password, 'store-secret-1');
  });

  test('credHelpers keyed docker.io is not what the Docker CLI looks up for Docker Hub', async () => {
    const config = await write('i/config.json', { credHelpers: { 'docker.io': 'store' } });
    const r = await resolveCredentials({
      registry: 'docker.io',
      repositoryName: 'docker.io/a/b',
      dockerConfig: config,
    });
    assert.deepEqual(r.candidates, []);
    assert.ok(
      r.notes.some((n) =>
        n.startsWith("credHelpers has 'docker.io', but the Docker CLI looks Docker Hub up"),
      ),
    );
  });

  test('a helper that is not installed becomes a note, not a failure', async () => {
    const config = await write('h/config.json', { credsStore: 'not-installed-anywhere' });
    const r = await resolveCredentials({
      registry: 'quay.io',
      repositoryName: 'quay.io/a/b',
      dockerConfig: config,
    });
    assert.deepEqual(r.candidates, []);
    assert.ok(r.notes.some((n) => n.includes('docker-credential-not-installed-anywhere is not installed')));
  });

  test('default files are searched in order until one has credentials for the image', async () => {
    const home = join(dir, 'home');
    // Docker's file has a store for everything, but it is not installed: the search goes on.
    await write('home/.docker/config.json', {
      auths: { 'other.io': { auth: b64('x:pw-other') } },
      credsStore: 'not-installed-either',
    });
    const podman = await write('run/containers/auth.json', {
      auths: { 'quay.io': { auth: b64('pod:pw-pod') } },
    });
    await write('home/.dockercfg', 'this is not JSON');
    process.env.HOME = home;
    process.env.XDG_RUNTIME_DIR = join(dir, 'run');
    process.env.XDG_CONFIG_HOME = join(dir, 'xdg-config');
    delete process.env.DOCKER_CONFIG;
    delete process.env.REGISTRY_AUTH_FILE;
    const r = await resolveCredentials({ registry: 'quay.io', repositoryName: 'quay.io/a/b' });
    assert.deepEqual(
      r.candidates.map((c) => [c.source, c.auth.username]),
      [[podman, 'pod']],
    );
    assert.ok(r.notes.some((n) => n.startsWith(`skipped ${join(home, '.dockercfg')}: `)));
    assert.ok(r.notes.includes(`using ${podman}`));
  });
});
