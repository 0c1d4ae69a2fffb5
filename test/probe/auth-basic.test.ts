// Basic auth against a real htpasswd docker-registry: missing and wrong credentials, the right ones, several tried
// in order (also through a real Docker config file), and no secret in any result or log line.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { dockerConfigSource } from '../../src/registry/credsource.ts';
import { probeImage } from '../../src/probe/probe.ts';
import { Session } from '../../src/registry/session.ts';
import {
  ACCESS_LOG,
  AMD64,
  accessLogCount,
  assertFailure,
  assertNoSecrets,
  assertPullable,
  basicOf,
  fixedCredentials,
  plainHttp,
  probeOnce,
  step,
  type Probed,
} from './support.ts';

const ALICE = { username: 'alice', password: 'alice-Pa55-basic' };
const WRONG = 'not-alices-password';
const IMAGES = ['team/app:1', 'team/app:2', 'team/app:3', 'team/other:1', 'team/other:2'];

describe('probe: htpasswd (Basic) registry', () => {
  const fx = useFixture();
  let reg: RunningRegistry;
  let image: string;
  // Every probe here is checked for secrets in its whole result and every verbose log line.
  const run = async (...args: Parameters<typeof probeOnce>): Promise<Probed> => {
    const p = await probeOnce(...args);
    assert.ok(p.log.length > 0, 'the verbose log was collected');
    assertNoSecrets(p, {
      passwords: [ALICE.password, WRONG],
      userPasswords: [
        [ALICE.username, ALICE.password],
        ['alice', WRONG],
      ],
    });
    return p;
  };

  before(async () => {
    reg = await fx.registry({ htpasswd: { [ALICE.username]: ALICE.password }, extraConfig: ACCESS_LOG });
    const layout = await buildImageLayout(await fx.subdir('img'));
    for (const ref of IMAGES)
      await pushImage(layout, `docker://${reg.host}/${ref}`, { tlsVerify: false, creds: ALICE });
    image = `${reg.host}/team/app:1`;
  });

  test('UNAUTHORIZED: no credentials for a registry that wants Basic auth', async () => {
    const { result } = await run(image, { plainHttp, credentials: fixedCredentials() });
    const s = assertFailure(result, 'UNAUTHORIZED', 'auth');
    assert.match(s.summary, /Basic authentication.*no credential/);
    assert.deepEqual(step(result, 'ping').detail.challenges, [
      { scheme: 'basic', realm: 'regdoctor-test', service: undefined },
    ]);
  });

  test('UNAUTHORIZED: the wrong password', async () => {
    const { result } = await run(image, {
      plainHttp,
      credentials: fixedCredentials({ label: 'alice (wrong)', username: 'alice', password: WRONG }),
    });
    const s = assertFailure(result, 'UNAUTHORIZED', 'auth');
    assert.deepEqual(
      (s.detail.attempts as { credential: string; ok: boolean; status: number }[]).map((a) => [
        a.credential,
        a.ok,
        a.status,
      ]),
      [['alice (wrong)', false, 401]],
    );
  });

  test('pullable with the right credentials; the result names the credential, not the secret', async () => {
    const { result, log } = await run(image, {
      plainHttp,
      credentials: fixedCredentials({ label: 'alice', ...ALICE }),
    });
    assertPullable(result);
    assert.ok(
      log.some((l) => /authorization: Basic \*\*\*$/.test(l)),
      'the log shows an Authorization was sent, masked',
    );
    assert.equal(step(result, 'auth').detail.scheme, 'basic');
    assert.deepEqual(result.credential, { source: 'alice', key: 'alice', username: 'alice' });
  });

  test('credentials tried in order: the first is rejected, the second pulls', async () => {
    const { result } = await run(image, {
      plainHttp,
      credentials: fixedCredentials(
        { label: 'first (stale)', username: 'alice', password: WRONG },
        { label: 'second', ...ALICE },
      ),
    });
    assertPullable(result);
    const attempts = step(result, 'auth').detail.attempts as { credential: string; ok: boolean }[];
    assert.deepEqual(
      attempts.map((a) => [a.credential, a.ok]),
      [
        ['first (stale)', false],
        ['second', true],
      ],
    );
    assert.equal(result.credential?.source, 'second');
  });

  test('the same through a Docker config: the repository-specific entry first, then the registry-wide one', async () => {
    const dir = await fx.subdir('docker-config');
    const config = join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({
        auths: {
          [reg.host]: { auth: basicOf(ALICE.username, ALICE.password) },
          [`${reg.host}/team/app`]: { auth: basicOf('alice', WRONG) },
        },
      }),
    );
    const { result } = await run(image, {
      plainHttp,
      credentials: dockerConfigSource({ dockerConfig: config }),
    });
    assertPullable(result);
    const matched = step(result, 'credentials').detail.matched as string[];
    assert.equal(matched.length, 2);
    assert.match(matched[0]!, /team\/app/, 'the more specific key comes first');
    const attempts = step(result, 'auth').detail.attempts as { credential: string; ok: boolean }[];
    assert.deepEqual(
      attempts.map((a) => a.ok),
      [false, true],
    );
    assert.equal(result.credential?.source, matched[1]);
  });

  test('PULL_SECRET_INVALID: a Docker config that is not valid JSON fails the credentials step', async () => {
    const dir = await fx.subdir('bad-config');
    const config = join(dir, 'config.json');
    await writeFile(config, `{"auths": {"${reg.host}": {"auth": "${basicOf('alice', WRONG)}"`);
    const probed = await probeOnce(image, {
      plainHttp,
      credentials: dockerConfigSource({ dockerConfig: config }),
    });
    const s = assertFailure(probed.result, 'PULL_SECRET_INVALID', 'credentials');
    assert.match(s.summary, /JSON/i);
    assert.equal(probed.result.steps.length, 2, 'the registry is not contacted');
    assert.deepEqual(probed.log, []);
    // The unparseable file held a secret; the error must not quote it.
    assertNoSecrets(probed, { passwords: [WRONG], userPasswords: [['alice', WRONG]] });
  });

  test('dedup: five images at once in one session → one anonymous ping and one credential check', async () => {
    const before = accessLogCount(reg.output(), 'GET', '/v2/');
    const log: string[] = [];
    const session = new Session({ timeoutMs: 5000, log: (l) => log.push(l) });
    try {
      const results = await Promise.all(
        IMAGES.map((i) =>
          probeImage(`${reg.host}/${i}`, session, {
            platform: AMD64,
            plainHttp,
            credentials: fixedCredentials({ label: 'alice', ...ALICE }),
          }),
        ),
      );
      for (const r of results) {
        assertPullable(r);
        assertNoSecrets(
          { result: r, log },
          { passwords: [ALICE.password], userPasswords: [[ALICE.username, ALICE.password]] },
        );
      }
      // ping + one credential check + (HEAD and GET of the manifest, config, layer) per image.
      assert.equal(session.requestCount, 1 + 1 + IMAGES.length * 4);
      const v2 = log.flatMap((l, i) => (l.startsWith('> GET') && l.endsWith('/v2/') ? [i] : []));
      assert.equal(v2.length, 2);
      assert.equal(
        v2.filter((i) => log[i + 1]?.startsWith('>   authorization: Basic')).length,
        1,
        'one of them carries the credential',
      );
    } finally {
      await session.close();
    }
    let seen = 0;
    for (let i = 0; i < 20 && seen < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = accessLogCount(reg.output(), 'GET', '/v2/') - before;
    }
    assert.equal(seen, 2, 'the registry saw the ping and one credential check, not one per image');
  });
});
