// Bearer token auth against a real docker-registry and the test token server: refusals at the token endpoint and
// at the registry, token reuse and dedup within a session, credentials in order, a pull-through cache, and no
// password or token anywhere in what the probe reports or logs.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import type { TokenServer } from '../helpers/token-server.ts';
import { probeImage, type ProbeOptions } from '../../src/probe/probe.ts';
import { Session } from '../../src/registry/session.ts';
import type { Credential } from '../../src/registry/auth.ts';
import {
  ACCESS_LOG,
  AMD64,
  accessLogCount,
  assertFailure,
  assertNoSecrets,
  assertPullable,
  fixedCredentials,
  plainHttp,
  step,
  type Probed,
} from './support.ts';

const USERS = {
  ci: 'ci-Pa55-token',
  reader: 'reader-Pa55-token',
  pusher: 'pusher-Pa55-token',
  mirror: 'mirror-Pa55-token',
};
const WRONG = 'definitely-wrong-pw';
const cred = (user: keyof typeof USERS, password: string = USERS[user]): Credential => ({
  label: `${user}${password === USERS[user] ? '' : ' (wrong password)'}`,
  username: user,
  password,
});

describe('probe: token auth registry', () => {
  const fx = useFixture();
  let ts: TokenServer;
  let reg: RunningRegistry;
  const img = (repo: string) => `${reg.host}/${repo}`;
  /** Every token the token server issued, to look for in the output. */
  const tokens = new Set<string>();

  const SECRETS = {
    passwords: [...Object.values(USERS), WRONG],
    userPasswords: [
      ...Object.entries(USERS),
      ...Object.keys(USERS).map((u) => [u, WRONG] as [string, string]),
    ] as [string, string][],
  };

  /** Runs probes on one session with a verbose log, then checks every log line for secrets (tests check results). */
  async function withSession<T>(
    fn: (
      probe: (image: string, opts?: Partial<ProbeOptions>) => Promise<Probed>,
      session: Session,
    ) => Promise<T>,
  ): Promise<T> {
    const log: string[] = [];
    const session = new Session({ timeoutMs: 5000, log: (l) => log.push(l) });
    const probe = async (image: string, opts: Partial<ProbeOptions> = {}): Promise<Probed> => {
      const result = await probeImage(image, session, {
        platform: AMD64,
        plainHttp,
        ...opts,
      });
      for (const r of ts.tokenRequests) if (r.token) tokens.add(r.token);
      return { result, log, session };
    };
    let out: T;
    try {
      out = await fn(probe, session);
    } finally {
      await session.close();
    }
    // Results are checked by the tests; here every log line of the session.
    assert.ok(log.length > 0);
    assertNoSecrets({ log }, { ...SECRETS, tokens: [...tokens] });
    return out;
  }
  const check = (p: Probed) => assertNoSecrets(p, { ...SECRETS, tokens: [...tokens] });

  before(async () => {
    ts = await fx.tokenServer({
      acl: {
        users: USERS,
        grants: [
          { user: 'ci', repository: 'team/**', actions: ['pull'] },
          { user: 'reader', repository: 'team/public', actions: ['pull'] },
          { user: 'pusher', repository: '**', actions: ['pull', 'push'] },
          { user: 'mirror', repository: 'library/**', actions: ['pull'] },
        ],
      },
    });
    reg = await fx.registry({ token: ts.registryAuth(), extraConfig: ACCESS_LOG });
    const layout = await buildImageLayout(await fx.subdir('img'));
    const creds = { username: 'pusher', password: USERS.pusher };
    for (const ref of [
      'team/app:1',
      'team/app:2',
      'team/app:3',
      'team/other:1',
      'team/other:2',
      'library/base:3',
    ])
      await pushImage(layout, `docker://${reg.host}/${ref}`, { tlsVerify: false, creds });
  });

  describe('UNAUTHORIZED', () => {
    test('a wrong password at the token endpoint', async () => {
      await withSession(async (probe) => {
        const p = await probe(img('team/app:1'), { credentials: fixedCredentials(cred('ci', WRONG)) });
        const s = assertFailure(p.result, 'UNAUTHORIZED', 'auth');
        const attempts = s.detail.attempts as { credential: string; status: number; message: string }[];
        assert.equal(attempts.length, 1);
        assert.equal(attempts[0]!.status, 401);
        assert.match(attempts[0]!.message, /incorrect username or password/);
        assert.match(s.summary, /token endpoint rejected every credential/);
        assert.equal(ts.tokenRequests.at(-1)?.badCredentials, true);
        check(p);
      });
    });

    test('a token endpoint that refuses anonymous clients', async () => {
      const strict = await fx.tokenServer({
        acl: { users: USERS, grants: [{ user: 'ci', repository: '**', actions: ['pull'] }] },
        override: (r) =>
          r.user === null && !r.badCredentials
            ? {
                status: 401,
                body: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
              }
            : undefined,
      });
      const strictReg = await fx.registry({ token: strict.registryAuth() });
      await withSession(async (probe) => {
        const p = await probe(`${strictReg.host}/team/app:1`);
        const s = assertFailure(p.result, 'UNAUTHORIZED', 'auth');
        assert.match(s.summary, /refused anonymous access/);
        assert.equal(step(p.result, 'ping').detail.status, 401);
        assert.equal(strict.tokenRequests.length, 1);
        check(p);
      });
    });

    test('an anonymous token without pull: the registry answers insufficient_scope', async () => {
      await withSession(async (probe) => {
        const p = await probe(img('team/app:1'));
        const s = assertFailure(p.result, 'UNAUTHORIZED', 'manifest');
        assert.equal(s.detail.status, 401);
        assert.equal(s.detail.error, 'insufficient_scope');
        assert.deepEqual(p.result.alternatives, ['REPOSITORY_NOT_FOUND']);
        assert.match(s.summary, /anonymous pull refused/);
        check(p);
      });
    });
  });

  test('FORBIDDEN: the token endpoint accepts the user but grants no pull on this repository', async () => {
    await withSession(async (probe) => {
      const p = await probe(img('team/app:1'), { credentials: fixedCredentials(cred('reader')) });
      const s = assertFailure(p.result, 'FORBIDDEN', 'manifest');
      assert.equal(s.detail.status, 401, 'distribution says 401 insufficient_scope, not 403');
      assert.equal(s.detail.error, 'insufficient_scope');
      assert.match(s.summary, /reader is accepted by the token endpoint but not granted pull on team\/app/);
      assert.deepEqual(step(p.result, 'auth').detail.grantedActions, []);
      const last = ts.tokenRequests.at(-1);
      assert.equal(last?.user, 'reader');
      assert.deepEqual(last?.granted, []);
      check(p);
    });
  });

  test('pullable with the right credentials, and a second probe of the repository reuses the token', async () => {
    await withSession(async (probe, session) => {
      const before = ts.tokenRequests.length;
      const first = await probe(img('team/app:1'), { credentials: fixedCredentials(cred('ci')) });
      assertPullable(first.result);
      const auth = step(first.result, 'auth');
      assert.equal(auth.detail.scheme, 'bearer');
      assert.deepEqual(auth.detail.grantedActions, ['pull']);
      assert.equal(auth.detail.expiresIn, 300);
      assert.equal(session.auth.tokenRequests, 1);
      assert.equal(ts.tokenRequests.length, before + 1);
      assert.deepEqual(ts.tokenRequests.at(-1)?.scopes, [
        { type: 'repository', name: 'team/app', actions: ['pull'] },
      ]);

      const second = await probe(img('team/app:2'), { credentials: fixedCredentials(cred('ci')) });
      assertPullable(second.result);
      assert.equal(session.auth.tokenRequests, 1, 'no new token for the same scope');
      assert.equal(ts.tokenRequests.length, before + 1, 'the token server saw no second request');
      assert.equal(tokens.size > 0, true, 'the token was captured to look for it in the output');
      check(first);
      check(second);
    });
  });

  describe('credentials tried in order', () => {
    test('the first is rejected by the token endpoint, the second pulls', async () => {
      await withSession(async (probe) => {
        const p = await probe(img('team/app:1'), {
          credentials: fixedCredentials(cred('ci', WRONG), cred('ci')),
        });
        assertPullable(p.result);
        const attempts = step(p.result, 'auth').detail.attempts as { credential: string; ok: boolean }[];
        assert.deepEqual(
          attempts.map((a) => [a.credential, a.ok]),
          [
            ['ci (wrong password)', false],
            ['ci', true],
          ],
        );
        assert.equal(p.result.credential?.source, 'ci');
        check(p);
      });
    });

    test('the first gets a token without pull, the second pulls (as the kubelet moves on after a 401)', async () => {
      await withSession(async (probe) => {
        const p = await probe(img('team/app:1'), {
          credentials: fixedCredentials(cred('reader'), cred('ci')),
        });
        // The refused attempt stays in the steps as evidence; the probe as a whole succeeds.
        assert.equal(p.result.cause, null, p.result.summary);
        assert.equal(step(p.result, 'blob').ok, true);
        const manifests = p.result.steps.filter((s) => s.name === 'manifest');
        assert.equal(manifests.length, 2);
        assert.equal(manifests[0]!.ok, false);
        assert.match(manifests[0]!.summary, /with reader; trying the next credential/);
        assert.equal(p.result.credential?.source, 'ci');
        check(p);
      });
    });
  });

  test('dedup: five images in two repositories at once → one /v2/ ping and one token per repository', async () => {
    const images = ['team/app:1', 'team/app:2', 'team/app:3', 'team/other:1', 'team/other:2'].map(img);
    const pingsBefore = accessLogCount(reg.output(), 'GET', '/v2/');
    const tokensBefore = ts.tokenRequests.length;
    await withSession(async (probe, session) => {
      const results = await Promise.all(
        images.map((i) => probe(i, { credentials: fixedCredentials(cred('ci')) })),
      );
      for (const r of results) {
        assertPullable(r.result);
        check(r);
      }
      assert.equal(session.auth.tokenRequests, 2);
      const scopes = ts.tokenRequests.slice(tokensBefore).map((r) => r.scopes.map((s) => s.name).join());
      assert.deepEqual(scopes.sort(), ['team/app', 'team/other']);
      // ping + per image (HEAD and GET of the manifest, config, layer) + one token request per repository.
      assert.equal(session.requestCount, 1 + 5 * 4 + 2);
    });
    let pings = 0;
    for (let i = 0; i < 20 && pings < 1; i++) {
      await new Promise((r) => setTimeout(r, 50));
      pings = accessLogCount(reg.output(), 'GET', '/v2/') - pingsBefore;
    }
    assert.equal(pings, 1, 'the registry saw exactly one /v2/ from the session');
  });

  test('a pull-through cache in front of the token registry pulls with its own upstream credentials', async () => {
    const cache = await fx.registry({
      proxy: { remoteUrl: reg.url, username: 'mirror', password: USERS.mirror },
    });
    const before = ts.tokenRequests.length;
    await withSession(async (probe) => {
      const p = await probe(`${cache.host}/library/base:3`);
      assertPullable(p.result);
      assert.equal(step(p.result, 'auth').detail.scheme, 'anonymous', 'the cache itself is open');
      assert.ok(
        ts.tokenRequests.slice(before).some((r) => r.user === 'mirror' && r.granted.length === 1),
        'the cache fetched from the upstream with its credentials',
      );
      const missing = await probe(`${cache.host}/library/base:4`);
      assertFailure(missing.result, 'MANIFEST_NOT_FOUND', 'manifest');
      check(p);
      check(missing);
    });
  });
});
