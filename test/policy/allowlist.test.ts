// allowedRegistries is the network boundary of registry rules: an image that an applying policy's allow-list
// refuses is never looked up, by that policy or any other, so a pod creator cannot make `policy check` or the
// webhook connect to a host:port of their choosing. Each case counts TCP connections at a listener the image
// names; a control case shows the counter does see a lookup when the allow-list lets the image through.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useFixture } from '../helpers/fixture.ts';
import type { TestPki } from '../helpers/pki.ts';
import { ecKey, type KeyPair } from '../verify/support.ts';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { createPolicyEngine } from '../../src/policy/engine.ts';
import type { PolicyObject, Violation } from '../../src/policy/evaluate.ts';
import { parseImagePolicy, type ImagePolicy } from '../../src/policy/model.ts';
import { createVulnerabilityIndex } from '../../src/vuln/index.ts';
import { startWebhook } from '../../src/webhook/index.ts';
import { admit, workload } from '../webhook/reviews.ts';

/** A listener that only counts the connections made to it (and drops them). */
async function connectionCounter(): Promise<{
  host: string;
  connections: () => number;
  stop(): Promise<void>;
}> {
  let n = 0;
  const server: Server = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    connections: () => n,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const spec = (name: string, s: Record<string, unknown>) => ({
  apiVersion: 'regdoctor.dev/v1alpha1',
  kind: 'ImagePolicy',
  metadata: { name },
  spec: s,
});
const policy = (name: string, s: Record<string, unknown>): ImagePolicy =>
  parseImagePolicy(spec(name, s), 't');
const pod = (image: string): PolicyObject => ({
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { containers: [{ name: 'c', image }] },
});
const rules = (vs: Violation[]) => vs.map((v) => `${v.policy}/${v.rule}`).sort();

describe('allowedRegistries bounds which registries are contacted', () => {
  const fx = useFixture();
  let target: Awaited<ReturnType<typeof connectionCounter>>;
  let key: KeyPair;
  let registryRules: Record<string, unknown>;
  const image = () => `${target.host}/scan/me:22`;
  const vulns = createVulnerabilityIndex([]);
  const evaluate = async (policies: ImagePolicy[], img = image()) => {
    const engine = createPolicyEngine({
      policies,
      vulnerabilities: vulns,
      registry: { plainHttp: true, timeoutMs: 2_000 },
    });
    try {
      return await engine.evaluate(pod(img));
    } finally {
      engine.close();
    }
  };

  before(async () => {
    target = await connectionCounter();
    fx.onCleanup(() => target.stop());
    key = await ecKey(await fx.subdir('keys'), 'ci');
    registryRules = {
      requiredSignatures: [{ keys: [{ name: 'ci', publicKey: readFileSync(key.pub, 'utf8') }] }],
      maxImageSize: '1Gi',
      allowedPlatforms: ['linux/amd64'],
      minimumSeverity: 'HIGH',
    };
  });

  test('control: an allowed registry is looked up (the counter sees it)', async () => {
    const before = target.connections();
    const e = await evaluate([policy('p', { allowedRegistries: [target.host], ...registryRules })]);
    assert.ok(target.connections() > before, 'the lookup reached the listener');
    assert.ok(e.violations.some((v) => v.cause !== undefined && v.cause !== 'POLICY_REJECTED'));
  });

  test("the policy's own allow-list: only allowedRegistries is reported, nothing is contacted", async () => {
    const before = target.connections();
    const e = await evaluate([policy('p', { allowedRegistries: ['ghcr.io/acme'], ...registryRules })]);
    assert.deepEqual(rules(e.violations), ['p/allowedRegistries']);
    assert.equal(target.connections(), before);
  });

  for (const mode of ['enforce', 'warn'] as const) {
    test(`another policy's allow-list (${mode}): its registry rules are unmet, not looked up`, async () => {
      const before = target.connections();
      const e = await evaluate([
        policy('registries', { mode, allowedRegistries: ['ghcr.io/acme'] }),
        policy('supply-chain', registryRules),
      ]);
      assert.deepEqual(rules(e.violations), [
        'registries/allowedRegistries',
        'supply-chain/allowedPlatforms',
        'supply-chain/maxImageSize',
        'supply-chain/minimumSeverity',
        'supply-chain/requiredSignatures',
      ]);
      for (const v of e.violations.filter((x) => x.policy === 'supply-chain')) {
        assert.equal(v.mode, 'enforce');
        assert.equal(v.cause, 'POLICY_REJECTED');
        assert.match(v.message, /outside the allowedRegistries of policy "registries"; it is not contacted/);
      }
      assert.equal(target.connections(), before);
    });
  }

  test('an image the allow-list policy exempts is not refused by it, so it is looked up', async () => {
    const before = target.connections();
    await evaluate([
      policy('registries', { allowedRegistries: ['ghcr.io/acme'], exemptImages: [`${target.host}/**`] }),
      policy('supply-chain', { maxImageSize: '1Gi' }),
    ]);
    assert.ok(target.connections() > before);
  });

  test('`policy check` and the webhook contact nothing outside the allow-list', async () => {
    const cli: Cli = await buildCli(fx);
    const dir = await fx.subdir('files');
    const docs = [
      spec('registries', { allowedRegistries: ['ghcr.io/acme'] }),
      spec('supply-chain', registryRules),
    ];
    await writeFile(join(dir, 'policy.yaml'), docs.map((d) => stringify(d)).join('---\n'));
    await writeFile(
      join(dir, 'pod.yaml'),
      stringify({ apiVersion: 'v1', ...pod(image()), spec: { containers: [{ name: 'c', image: image() }] } }),
    );
    const before = target.connections();
    const r = await cli.run([
      'policy',
      'check',
      '--policy',
      join(dir, 'policy.yaml'),
      '-f',
      join(dir, 'pod.yaml'),
      '--plain-http',
      '-o',
      'json',
    ]);
    assert.equal(r.code, 1, show(r));
    const out = JSON.parse(r.stdout) as { violations: Violation[] };
    assert.ok(out.violations.some((v) => v.rule === 'requiredSignatures' && v.cause === 'POLICY_REJECTED'));
    assert.equal(target.connections(), before, 'policy check');

    const pki: TestPki = await fx.pki();
    const hook = await startWebhook({
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: pki.valid.certPath, keyFile: pki.valid.keyPath },
      policyFiles: [join(dir, 'policy.yaml')],
      engine: { registry: { plainHttp: true, timeoutMs: 2_000 } },
    });
    fx.onCleanup(() => hook.close(0));
    const answer = await admit(hook.url, pki.ca.certPem, {
      object: workload('Pod', 'p', [{ name: 'c', image: image() }]),
    });
    assert.equal(answer.answer.json.response.allowed, false);
    assert.equal(target.connections(), before, 'webhook');
  });
});
