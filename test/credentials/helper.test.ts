import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegdoctorError } from '../../src/cause/index.ts';
import { registerSecret, runCredentialHelper } from '../../src/credentials/index.ts';

let dir = '';
let env: NodeJS.ProcessEnv = {};

/** Writes an executable docker-credential-<name> shell script into the temp dir that leads PATH. */
async function helper(name: string, body: string): Promise<void> {
  const file = join(dir, `docker-credential-${name}`);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
}

async function providerError(p: Promise<unknown>): Promise<RegdoctorError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RegdoctorError, String(e));
    assert.equal(e.cause, 'CREDENTIAL_PROVIDER_ERROR');
    return e;
  }
  assert.fail('expected CREDENTIAL_PROVIDER_ERROR');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regdoctor-helpers-'));
  env = { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` };
  await helper(
    'found',
    `read server\nprintf '%s' "$server" > "${dir}/found.stdin"\n` +
      `printf '{"ServerURL":"%s","Username":"alice","Secret":"s3cret-from-helper"}' "$server"`,
  );
  await helper(
    'token',
    `cat >/dev/null\necho '{"ServerURL":"x","Username":"<token>","Secret":"refresh-tok-1"}'`,
  );
  await helper('notfound', 'cat >/dev/null\necho "credentials not found in native keychain"\nexit 1');
  await helper('slow', 'exec sleep 30');
  await helper('slowchild', 'sleep 31\necho late');
  await helper('garbage', 'cat >/dev/null\necho "hello, I am not JSON"');
  await helper('wrongjson', `cat >/dev/null\necho '{"Username": 7}'`);
  await helper('broken', 'cat >/dev/null\necho "login failed for leaky-password-123"\nexit 3');
  await writeFile(join(dir, 'docker-credential-noexec'), '#!/bin/sh\necho {}\n');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runCredentialHelper', () => {
  test('found: sends the server URL on stdin and returns username/password', async () => {
    const auth = await runCredentialHelper('found', 'https://index.docker.io/v1/', { env });
    assert.deepEqual(auth, { username: 'alice', password: 's3cret-from-helper' });
    assert.equal(await readFile(join(dir, 'found.stdin'), 'utf8'), 'https://index.docker.io/v1/');
  });

  test("Username '<token>' means the secret is an identity token", async () => {
    assert.deepEqual(await runCredentialHelper('token', 'ghcr.io', { env }), {
      identityToken: 'refresh-tok-1',
    });
  });

  test('"credentials not found" gives null', async () => {
    assert.equal(await runCredentialHelper('notfound', 'ghcr.io', { env }), null);
  });

  test('a helper that is not installed, or not executable, gives null', async () => {
    assert.equal(await runCredentialHelper('does-not-exist-anywhere', 'ghcr.io', { env }), null);
    assert.equal(await runCredentialHelper('noexec', 'ghcr.io', { env }), null);
  });

  test('a helper that hangs is stopped at the timeout', async () => {
    const e = await providerError(runCredentialHelper('slow', 'ghcr.io', { env, timeoutMs: 200 }));
    assert.match(e.message, /docker-credential-slow: did not answer within 200 ms/);
    // A shell that started a child of its own: the whole process group goes, or the pipe would stay open.
    await providerError(runCredentialHelper('slowchild', 'ghcr.io', { env, timeoutMs: 200 }));
  });

  test('garbage output is CREDENTIAL_PROVIDER_ERROR without echoing it', async () => {
    const e = await providerError(runCredentialHelper('garbage', 'ghcr.io', { env }));
    assert.match(e.message, /not JSON credentials/);
    assert.ok(!e.message.includes('hello'));
    await providerError(runCredentialHelper('wrongjson', 'ghcr.io', { env }));
  });

  test('a failing helper is reported with its message, registered secrets scrubbed', async () => {
    registerSecret('leaky-password-123');
    const e = await providerError(runCredentialHelper('broken', 'ghcr.io', { env }));
    assert.match(e.message, /exited with 3: login failed for \*\*\*/);
  });

  test('helper names that are not plain names are refused', async () => {
    await providerError(runCredentialHelper('../../bin/sh', 'ghcr.io', { env }));
  });
});
