// No secret value — password, auth, token, the whole .dockerconfigjson, or any base64 of them — may appear in what
// the diagnosis produces: findings before and after a probe, audits, and the probe's credential step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findCandidates, initialFinding, mergeProbe, podCredentialSource } from '../../src/diagnose/index.ts';
import { parseReference } from '../../src/reference/index.ts';
import { MSG, NOW, b64, dockerSecret, login, secret, waitingState } from './objects.ts';
import { probeResult, scenario } from './scenario.ts';

const IMG = 'registry.example.com/team/app:1.0';
const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

const PASSWORDS = {
  plain: 'Tr0ub4dor-plain-77',
  newline: 'Tr0ub4dor-newline-77\n',
  mismatchAuth: 'Tr0ub4dor-in-auth-77',
  mismatchField: 'Tr0ub4dor-in-field-77',
  ecr: b64(
    JSON.stringify({
      payload: 'c2VjcmV0LXBheWxvYWQ=',
      datakey: 'ZGF0YWtleS03Nw==',
      version: '2',
      type: 'DATA_KEY',
      expiration: NOW / 1000 - 10,
    }),
  ),
  jwt: `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ sub: 'robot-77', exp: NOW / 1000 - 10 })}.c2lnbmF0dXJlLTc3`,
  opaque: 'Tr0ub4dor-opaque-77',
  broken: 'Tr0ub4dor-broken-json-77',
};

function formsOf(value: string): string[] {
  const b = b64(value);
  return [
    value,
    value.trim(),
    b,
    b.replace(/=+$/, ''),
    Buffer.from(value).toString('base64url'),
    JSON.stringify(value).slice(1, -1),
  ];
}

test('no form of any secret value appears in findings, audits or the probe credential step', async () => {
  const brokenJson = `{"auths": {"registry.example.com": {"username": "u", "password": "${PASSWORDS.broken}", }}}`;
  const secrets = [
    dockerSecret('plain', { 'registry.example.com': login('u-plain', PASSWORDS.plain) }),
    dockerSecret('newline', { 'registry.example.com/team': login('u-nl', PASSWORDS.newline) }),
    dockerSecret('mismatch', {
      '*.example.com': {
        username: 'u-mm',
        password: PASSWORDS.mismatchField,
        auth: b64(`u-mm:${PASSWORDS.mismatchAuth}`),
      },
    }),
    dockerSecret('ecr', { 'registry.example.com/team/app': login('AWS', PASSWORDS.ecr) }),
    dockerSecret('jwt', {
      'registry.example.com/team/app': login('00000000-0000-0000-0000-000000000000', PASSWORDS.jwt),
    }),
    secret('opaque', 'Opaque', {
      '.dockerconfigjson': b64(
        JSON.stringify({ auths: { 'registry.example.com': login('u-op', PASSWORDS.opaque) } }),
      ),
    }),
    secret('broken', 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64(brokenJson) }),
  ];
  const forbidden = new Set<string>();
  for (const p of Object.values(PASSWORDS)) for (const f of formsOf(p)) forbidden.add(f);
  for (const s of secrets) for (const v of Object.values(s.data ?? {})) forbidden.add(v);
  for (const [u, p] of [
    ['u-plain', PASSWORDS.plain],
    ['u-nl', PASSWORDS.newline],
    ['u-mm', PASSWORDS.mismatchAuth],
    ['u-mm', PASSWORDS.mismatchField],
    ['AWS', PASSWORDS.ecr],
  ] as const) {
    for (const f of formsOf(`${u}:${p}`)) forbidden.add(f);
  }

  // A registry or proxy that echoes a credential into the kubelet's message must not leak it either.
  const leaky = `Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to do request: Head "https://u-plain:${PASSWORDS.plain}@registry.example.com/v2/team/app/manifests/1.0": 401 Unauthorized`;
  const outputs: unknown[] = [];
  for (const names of [
    ['plain', 'newline', 'mismatch', 'ecr', 'jwt', 'opaque'],
    ['broken', 'plain'],
    ['opaque'],
  ]) {
    const { finding, audit, candidate } = scenario({
      imagePullSecrets: names,
      secrets,
      states: { app: waitingState('ErrImagePull', leaky) },
    });
    outputs.push(finding, audit);
    for (const cause of ['UNAUTHORIZED', 'FORBIDDEN', null, 'MANIFEST_NOT_FOUND'] as const) {
      outputs.push(mergeProbe(finding, probeResult({ image: IMG, cause, summary: 'probe said so' }), audit));
    }
    try {
      const r = await podCredentialSource(audit)(parseReference(candidate.image));
      outputs.push(
        r.summary,
        r.detail,
        r.candidates.map((c) => c.label),
      );
    } catch (e) {
      outputs.push((e as Error).message);
    }
  }
  const backoffOnly = scenario({
    imagePullSecrets: ['plain', 'ecr'],
    secrets,
    states: { app: waitingState('ImagePullBackOff', MSG.backoff(IMG)) },
  });
  outputs.push(backoffOnly.finding, backoffOnly.audit);

  const text = JSON.stringify(outputs);
  // The outputs do describe these secrets: the test is only meaningful if they were audited.
  assert.match(text, /password ends with a newline/);
  assert.match(text, /ECR authorization token that expired/);
  assert.match(text, /JWT that expired/);
  assert.match(text, /auth does not match username\/password/);
  assert.match(text, /type Opaque/);
  assert.match(text, /secret shop\/broken/);
  assert.match(text, /https:\/\/\*\*\*@registry/);
  for (const f of forbidden) {
    if (f.length < 6) continue;
    assert.ok(!text.includes(f), `output contains a secret form: ${JSON.stringify(f.slice(0, 12))}…`);
  }
});

test('candidates from findCandidates are redacted in one pass; a hand-built candidate is redacted by initialFinding', () => {
  const pw = 'Sw0rdfish-batch-88';
  const leaky = `Failed to pull image "${IMG}": Head "https://bob:${pw}@registry.example.com/v2/": 401 Unauthorized`;
  const s = scenario({
    imagePullSecrets: ['bob'],
    secrets: [dockerSecret('bob', { 'registry.example.com': login('bob', pw) })],
    states: { app: waitingState('ErrImagePull', leaky) },
  });
  const found = findCandidates(s.state, { now: NOW });
  assert.equal(found.length, 1);
  assert.equal(found[0]!.scrubbed, true);
  assert.ok(!JSON.stringify([found[0]!.best, found[0]!.waiting, found[0]!.events]).includes(pw));

  const raw = {
    ...s.candidate,
    scrubbed: false,
    waiting: { reason: 'ErrImagePull', message: leaky },
    best: { source: 'waiting' as const, reason: 'ErrImagePull', message: leaky },
  };
  const f = initialFinding(raw, s.audit);
  assert.match(f.message, /https:\/\/\*\*\*@registry/);
  assert.ok(!JSON.stringify(f).includes(pw));
});
