// Credentials given to the CLI never come back out of it: not the password, not the `auth` value of a Docker
// config, not base64(user:password), not a bearer token the token server issued — in text or JSON, with or
// without --verbose. The tokens are captured where they are made (the token server signs them here).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { makeClaims } from '../helpers/jwt.ts';
import { grantedAccess } from '../helpers/scope.ts';
import type { TokenAcl, TokenServer } from '../helpers/token-server.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { buildCli, show, type Cli, type CliResult } from './cli.ts';
import { assertFailureJson, assertNoAnsi, assertPullableJson, probeLines } from './contract.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secret = (label: string) => `${label}-${randomBytes(12).toString('base64url')}`;
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./;

const USER = 'ci';
const GOOD = secret('good');
const WRONG = secret('wrong');
const OTHER = secret('other');
const IDENTITY = secret('identity');
const REGISTRY_TOKEN = secret('registry-token');

describe('regdoctor keeps secrets', () => {
  const fx = useFixture();
  let cli: Cli;
  let basicReg: RunningRegistry;
  let tokenReg: RunningRegistry;
  let tokens: TokenServer;
  const issued: string[] = [];
  const configs: Record<'good' | 'wrong', string> = { good: '', wrong: '' };

  /** Every form of every secret this file uses; none may appear in anything the CLI prints. */
  const needles = (): string[] => [
    GOOD,
    WRONG,
    OTHER,
    b64(`${USER}:${GOOD}`),
    b64(`${USER}:${WRONG}`),
    b64(`bob:${OTHER}`),
    IDENTITY,
    REGISTRY_TOKEN,
    ...issued,
  ];

  function assertNoLeak(r: CliResult): void {
    const all = `${r.stdout}\n${r.stderr}`;
    for (const n of needles()) assert.ok(!all.includes(n), `a secret leaked:\n${show(r)}`);
    assert.doesNotMatch(all, JWT, `something shaped like a bearer token leaked:\n${show(r)}`);
    assertNoAnsi(all, 'output');
  }

  before(async () => {
    const acl: TokenAcl = {
      users: { [USER]: GOOD },
      grants: [{ user: USER, repository: '**', actions: ['pull', 'push'] }],
    };
    const [built, basic, ts] = await Promise.all([
      buildCli(fx),
      fx.registry({ htpasswd: { [USER]: GOOD } }),
      fx.tokenServer({
        acl,
        // Issue the same tokens the server would, but keep each one so the tests can look for it.
        override: (req) => {
          if (req.badCredentials) return undefined;
          const token = tokens.sign(
            makeClaims({
              issuer: tokens.issuer,
              subject: req.user ?? '',
              audience: req.service ?? tokens.service,
              access: grantedAccess(acl, req.user, req.scopes),
              lifetimeSeconds: 300,
            }),
          );
          issued.push(token);
          return { status: 200, body: { token, access_token: token, expires_in: 300 } };
        },
      }),
    ]);
    cli = built;
    basicReg = basic;
    tokens = ts;
    tokenReg = await fx.registry({ token: tokens.registryAuth() });
    const img = await buildImageLayout(await fx.subdir('img'));
    const creds = { username: USER, password: GOOD };
    await Promise.all([
      pushImage(img, `docker://${basicReg.host}/team/app:1`, { tlsVerify: false, creds }),
      pushImage(img, `docker://${tokenReg.host}/team/app:1`, { tlsVerify: false, creds }),
    ]);
    issued.length = 0;
    for (const [name, pw] of [
      ['good', GOOD],
      ['wrong', WRONG],
    ] as const) {
      configs[name] = join(fx.dir, `${name}.json`);
      const auths = {
        // An entry for another registry: its secret must stay unseen too, even though it is only "not matched".
        'other.example.test:5000': { auth: b64(`bob:${OTHER}`) },
        [basicReg.host]: { auth: b64(`${USER}:${pw}`) },
        [tokenReg.host]: { auth: b64(`${USER}:${pw}`) },
      };
      await writeFile(configs[name], JSON.stringify({ auths }));
    }
  });

  type Creds = 'stdin-good' | 'stdin-wrong' | 'config-good' | 'config-wrong';
  const credFlags = (c: Creds): { args: string[]; input?: string } => {
    if (c === 'stdin-good') return { args: ['-u', USER, '--password-stdin'], input: `${GOOD}\n` };
    if (c === 'stdin-wrong') return { args: ['-u', USER, '--password-stdin'], input: WRONG };
    return { args: ['--docker-config', configs[c === 'config-good' ? 'good' : 'wrong']] };
  };
  // Verbose output is the plain output plus the request log, so every credential form runs verbose in both
  // formats; the plain runs check that nothing differs without the log.
  const runs: [Creds, 'text' | 'json', boolean][] = [
    ['stdin-good', 'text', true],
    ['stdin-good', 'json', true],
    ['stdin-good', 'text', false],
    ['stdin-good', 'json', false],
    ['stdin-wrong', 'text', true],
    ['stdin-wrong', 'json', true],
    ['config-good', 'text', true],
    ['config-good', 'json', true],
    ['config-wrong', 'text', true],
    ['config-wrong', 'json', true],
    ['config-wrong', 'text', false],
    ['config-wrong', 'json', false],
  ];

  describe('an htpasswd registry and a token-auth registry in one run', { concurrency: 3 }, () => {
    for (const [creds, output, verbose] of runs) {
      const good = creds.endsWith('good');
      test(`${creds} -o ${output}${verbose ? ' --verbose' : ''}`, async () => {
        const before = issued.length;
        const images = [`${basicReg.host}/team/app:1`, `${tokenReg.host}/team/app:1`];
        const { args, input } = credFlags(creds);
        const r = await cli.run(
          [
            'probe',
            ...images,
            ...args,
            '--plain-http',
            '--platform',
            'linux/amd64',
            '-o',
            output,
            ...(verbose ? ['--verbose'] : []),
          ],
          { input },
        );
        assert.equal(r.code, good ? 0 : 1, show(r));
        if (output === 'json') {
          for (const o of probeLines(r)) {
            if (!good) {
              assertFailureJson(o, 'UNAUTHORIZED');
              continue;
            }
            assertPullableJson(o);
            assert.equal(o.credential?.username, USER, 'says which credential it used, by name');
          }
        } else {
          assert.match(r.stdout, good ? /^2 of 2 images pullable$/m : /^0 of 2 images pullable$/m, show(r));
        }
        if (good) assert.ok(issued.length > before, 'the token server issued a token');
        if (verbose) {
          // Basic to the htpasswd registry and to the token realm, Bearer to the token registry.
          assert.match(r.stderr, /authorization: Basic \*\*\*/i, show(r));
          if (good) assert.match(r.stderr, /authorization: Bearer \*\*\*/i, show(r));
        } else {
          assert.equal(r.stderr, '', show(r));
        }
        assertNoLeak(r);
      });
    }
  });

  test('identitytoken and registrytoken entries stay unseen too (verbose, both formats)', async () => {
    const file = join(fx.dir, 'tokens.json');
    await writeFile(
      file,
      JSON.stringify({
        auths: {
          [basicReg.host]: { username: USER, identitytoken: IDENTITY },
          [tokenReg.host]: { registrytoken: REGISTRY_TOKEN },
        },
      }),
    );
    const images = [`${basicReg.host}/team/app:1`, `${tokenReg.host}/team/app:1`];
    const common = ['probe', ...images, '--docker-config', file, '--plain-http', '--verbose'];
    const runs = await Promise.all([cli.run(common), cli.run([...common, '-o', 'json'])]);
    for (const r of runs) {
      // Neither is a working credential here; what matters is that a failure does not print them.
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /authorization: Bearer \*\*\*/i, 'the registry token was sent, masked');
      assertNoLeak(r);
    }
  });

  test('the checks above can see a leak: a token the server issued is JWT-shaped', () => {
    assert.ok(issued.length > 0);
    assert.match(issued[0]!, JWT);
  });
});
