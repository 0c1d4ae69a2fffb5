// Pull secrets read from the cluster never come back out of `scan` or `pod`: not a password, not an `auth` value,
// not the secret's base64 `data`, not base64(user:password), not an identity or registry token, not a bearer
// token the token server issued for the pod's credentials — in text, JSON, YAML, the wide table, `pod`, the
// verbose request log on stderr, the live path, or an error.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { makeClaims } from '../helpers/jwt.ts';
import { startKubeApi, writeKubeconfig } from '../helpers/kube-api.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { grantedAccess } from '../helpers/scope.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { TokenAcl, TokenServer } from '../helpers/token-server.ts';
import { buildCli, show, type Cli, type CliResult } from '../cli/cli.ts';
import { kubelet } from './kubelet.ts';
import { startLab, USER, type Lab } from './lab.ts';
import { b64, pullFailure, world, type World } from './world.ts';

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./;
const secret = (label: string) => `${label}-${randomBytes(12).toString('base64url')}`;

describe('scan and pod keep pull secrets secret', () => {
  const fx = useFixture();
  let cli: Cli;
  let lab: Lab;
  let tokens: TokenServer;
  let tokenReg: RunningRegistry;
  let w: World;
  let snapshot: string;
  let flags: string[];
  const issued: string[] = [];
  const IDENTITY = secret('identity');
  const REGISTRY_TOKEN = secret('registry-token');
  const DAMAGED = secret('damaged');

  /** Every form of every secret value in the cluster. */
  let needles: string[] = [];

  function assertNoLeak(r: CliResult): void {
    const all = `${r.stdout}\n${r.stderr}`;
    for (const n of [...needles, ...issued]) {
      assert.ok(!all.includes(n), `a secret leaked (${n.slice(0, 6)}…):\n${show(r)}`);
    }
    assert.doesNotMatch(all, JWT, `something shaped like a bearer token leaked:\n${show(r)}`);
  }

  before(async () => {
    [cli, lab] = await Promise.all([buildCli(fx), startLab(fx)]);
    const acl: TokenAcl = {
      users: { [USER]: lab.password },
      grants: [{ user: USER, repository: '**', actions: ['pull', 'push'] }],
    };
    tokens = await fx.tokenServer({
      acl,
      // The server's own tokens, kept so the tests can look for every one of them in the output.
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
    });
    tokenReg = await fx.registry({ token: tokens.registryAuth() });
    await pushImage(await buildImageLayout(await fx.subdir('img')), `docker://${tokenReg.host}/team/api:1`, {
      tlsVerify: false,
      creds: { username: USER, password: lab.password },
    });
    issued.length = 0;

    const host = lab.auth.host;
    const right = { username: USER, password: lab.password };
    w = world()
      .dockerSecret('shop', 'regcred', { [host]: right, [tokenReg.host]: right })
      .dockerSecret('shop', 'stale', { [host]: { username: USER, password: lab.wrongPassword } })
      // `echo $PASSWORD | kubectl create secret …` style: the newline is part of the password.
      .dockerSecret('shop', 'newline', { [host]: { username: USER, password: `${lab.password}\n` } })
      .secret('shop', 'opaque-creds', 'Opaque', {
        '.dockerconfigjson': b64(JSON.stringify({ auths: { [host]: right } })),
      })
      .secret('shop', 'legacy', 'kubernetes.io/dockercfg', {
        '.dockercfg': b64(
          JSON.stringify({ [`http://${host}`]: { ...right, auth: b64(`${USER}:${lab.password}`) } }),
        ),
      })
      .secret('shop', 'tokens', 'kubernetes.io/dockerconfigjson', {
        '.dockerconfigjson': b64(
          JSON.stringify({
            auths: { [tokenReg.host]: { identitytoken: IDENTITY, registrytoken: REGISTRY_TOKEN } },
          }),
        ),
      })
      .secret('shop', 'damaged', 'kubernetes.io/dockerconfigjson', {
        '.dockerconfigjson': b64(`{"auths": {"${host}": {"username": "${USER}", "password": "${DAMAGED}"`),
      });
    const missing = lab.img.app('1.0.2');
    const present = lab.img.app('1.0.0');
    const tokenImage = `${tokenReg.host}/team/api:2`;
    const pods: [string, string, string[], string?][] = [
      ['web', missing, ['regcred']],
      ['api', present, ['stale']],
      ['nl', present, ['newline']],
      ['opaque', present, ['opaque-creds']],
      ['legacy', present, ['legacy']],
      ['tok', tokenImage, ['tokens']],
      ['tok-good', tokenImage, ['regcred']],
      ['broken', present, ['damaged']],
      // A runtime error that echoes a URL with the credentials in it.
      ['echo', present, ['regcred'], `https://${USER}:${lab.password}@${host}/v2/team/app/manifests/1.0.0`],
    ];
    for (const [name, image, secrets, url] of pods) {
      const message = url
        ? kubelet.unauthorized(image).replace(/https:\/\/[^:]+:\d+\/v2\/[^:]+manifests\/[^:]+/, url)
        : kubelet.unauthorized(image);
      w.pod({ namespace: 'shop', name, image, secrets, events: pullFailure(image, message) });
    }

    const dataValues = w.objects
      .filter((o) => o.kind === 'Secret')
      .flatMap((o) => Object.values(o.data as Record<string, string>));
    needles = [
      lab.password,
      lab.wrongPassword,
      DAMAGED,
      IDENTITY,
      REGISTRY_TOKEN,
      b64(lab.password),
      b64(lab.wrongPassword),
      b64(`${USER}:${lab.password}`),
      b64(`${USER}:${lab.wrongPassword}`),
      b64(`${USER}:${lab.password}\n`),
      ...dataValues,
      ...dataValues.map((d) => Buffer.from(d, 'base64').toString('utf8')),
    ];
    assert.ok(JSON.stringify(w.objects).includes(lab.password), 'the cluster does hold the password');
    snapshot = await w.writeSnapshot(await fx.subdir('snap'));
    flags = [
      '--snapshot',
      snapshot,
      ...[lab.auth.host, tokenReg.host].flatMap((h) => ['--plain-http-registry', h]),
    ];
  });

  const formats: [string, string[]][] = [
    ['text', []],
    ['json', ['-o', 'json']],
    ['yaml', ['-o', 'yaml']],
    ['wide', ['-o', 'wide']],
    ['text, verbose', ['-v']],
    ['json, verbose', ['-o', 'json', '-v']],
  ];
  for (const [name, args] of formats) {
    test(`scan ${name}`, async () => {
      const r = await cli.run(['scan', ...flags, ...args]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stdout, /broken/, 'every pod is reported');
      if (args.includes('-v')) {
        assert.match(r.stderr, /authorization: Basic \*\*\*/, 'the request log ran');
        assert.match(r.stderr, /authorization: Bearer \*\*\*/, 'and used the issued tokens');
      }
      assertNoLeak(r);
    });
  }

  test('the probes really used the secrets (so there was something to leak)', async () => {
    const r = await cli.run(['scan', ...flags, '-o', 'json']);
    const out = JSON.parse(r.stdout) as { findings: { pod: string; cause: string; evidence: string[] }[] };
    const cause = (pod: string) => out.findings.find((f) => f.pod === pod)?.cause;
    assert.equal(cause('web'), 'MANIFEST_NOT_FOUND');
    assert.equal(cause('tok-good'), 'MANIFEST_NOT_FOUND');
    assert.equal(cause('api'), 'UNAUTHORIZED');
    assert.equal(cause('nl'), 'PULL_SECRET_INVALID');
    assert.equal(cause('broken'), 'PULL_SECRET_INVALID');
    assert.ok(issued.length > 0, 'the token server issued tokens for the pod’s credentials');
    const nl = out.findings.find((f) => f.pod === 'nl')!;
    assert.ok(
      nl.evidence.some((e) => e.includes('password ends with a newline')),
      nl.evidence.join('\n'),
    );
    const echo = out.findings.find((f) => f.pod === 'echo')!;
    assert.ok(
      echo.evidence.some((e) => e.includes(`https://${USER}:***@`) || e.includes('***')),
      echo.evidence.join('\n'),
    );
    assertNoLeak(r);
  });

  for (const [pod, name, args] of [
    ['echo', 'text, verbose', ['-v']],
    ['tok-good', 'text, verbose', ['-v']],
    ['tok', 'json', ['-o', 'json']],
    ['broken', 'yaml', ['-o', 'yaml']],
    ['nl', 'text', []],
  ] as [string, string, string[]][]) {
    test(`pod ${pod} ${name}`, async () => {
      const r = await cli.run(['pod', pod, '-n', 'shop', ...flags, ...args]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stdout, new RegExp(`\\b${pod}\\b`));
      assertNoLeak(r);
    });
  }

  test('the live path, verbose', async () => {
    const pki = await fx.pki();
    const api = fx.track(await startKubeApi({ objects: w.objects, tls: pki.valid }));
    const kubeconfig = await writeKubeconfig(await fx.subdir('kube'), {
      server: api.url,
      token: api.token,
      caPem: pki.ca.certPem,
    });
    const r = await cli.run(['scan', '--kubeconfig', kubeconfig, ...flags.slice(2), '-v']);
    assert.equal(r.code, 1, show(r));
    assertNoLeak(r);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(api.token), 'the API server token stays secret too');
  });

  test('error paths: a missing pod, a flag error after the secrets were read', async () => {
    assertNoLeak(await cli.run(['pod', 'nope', '-n', 'shop', ...flags]));
    assertNoLeak(await cli.run(['scan', ...flags, '--ca-file', join(fx.dir, 'missing.pem')]));
  });

  test('error path: a damaged snapshot whose syntax error sits inside a secret value', async () => {
    const bad = join(fx.dir, 'damaged-snapshot.json');
    await writeFile(
      bad,
      `{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x", "namespace": "shop"}, "type": "Opaque", "stringData": {"password": ${lab.wrongPassword.slice(0, 10)}}}}\n`,
    );
    const r = await cli.run(['scan', '--snapshot', bad]);
    assert.equal(r.code, 2, show(r));
    assert.ok(!r.stderr.includes(lab.wrongPassword.slice(0, 10)), show(r));
  });
});
