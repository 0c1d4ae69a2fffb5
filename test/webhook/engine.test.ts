// The webhook on the policy engine, over real HTTPS end to end: AdmissionReviews to the webhook, registry lookups to
// a docker-registry with TLS (images pushed by skopeo, cosign signatures made with openssl) through a proxy that
// counts requests and can stage an outage or a stall. Decisions, warn mode, the cache across reviews and policy
// changes, fail-closed outcomes, the decision timeout, and --offline.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import type { TestPki } from '../helpers/pki.ts';
import { closedPort } from '../helpers/ports.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { ecKey, opensslSign, payload, pushSignature, type KeyPair } from '../verify/support.ts';
import { loadPolicies } from '../../src/policy/load.ts';
import { startWebhook, type EngineEvaluatorOptions, type Webhook } from '../../src/webhook/index.ts';
import { admit, workload } from './reviews.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';

const REPO = 'team/app';

describe('webhook with the policy engine (registry rules over HTTPS)', () => {
  const fx = useFixture();
  let pki: TestPki;
  let reg: RunningRegistry;
  let proxy: CountingProxy;
  let trusted: KeyPair;
  let other: KeyPair;
  const digests: Record<string, string> = {};
  const image = (tag: string, host = proxy.host) => `${host}/${REPO}:${tag}`;
  const pod = (...images: string[]) =>
    workload(
      'Pod',
      'web',
      images.map((img, i) => ({ name: `c${i}`, image: img })),
    );

  /** An ImagePolicy file (JSON, which is YAML) holding these specs. */
  async function policyFile(specs: Record<string, Record<string, unknown>>): Promise<string> {
    const docs = Object.entries(specs).map(([name, spec]) =>
      JSON.stringify({ apiVersion: 'regdoctor.dev/v1alpha1', kind: 'ImagePolicy', metadata: { name }, spec }),
    );
    const file = join(await fx.subdir('policy'), 'p.yaml');
    await writeFile(file, docs.join('\n---\n'));
    return file;
  }
  const signedBy = (k: KeyPair, extra: Record<string, unknown> = {}) => ({
    requiredSignatures: [{ keys: [{ name: 'ci', publicKey: readFileSync(k.pub, 'utf8') }] }],
    ...extra,
  });

  async function start(
    file: string,
    engine: EngineEvaluatorOptions = {},
    over: Partial<Parameters<typeof startWebhook>[0]> = {},
  ): Promise<{ hook: Webhook; logs: string[] }> {
    const logs: string[] = [];
    const hook = await startWebhook({
      host: '127.0.0.1',
      port: 0,
      tls: { certFile: pki.valid.certPath, keyFile: pki.valid.keyPath },
      policyFiles: [file],
      engine: { registry: { ca: [pki.ca.certPem] }, ...engine },
      log: (l) => logs.push(l),
      ...over,
    });
    fx.onCleanup(() => hook.close(0));
    return { hook, logs };
  }
  const review = (hook: Webhook, ...images: string[]) =>
    admit(hook.url, pki.ca.certPem, { object: pod(...images) }).then((r) => r.answer);

  before(async () => {
    pki = await fx.pki();
    reg = await fx.registry({ tls: pki.valid });
    proxy = await fx.start(countingProxy(reg.url, { tls: pki.valid, ca: pki.ca.certPem }));
    const keys = await fx.subdir('keys');
    [trusted, other] = await Promise.all([ecKey(keys, 'trusted'), ecKey(keys, 'other')]);
    for (const tag of ['signed', 'unsigned', 'other-key', 'warm', 'cold-1', 'cold-2', 'stall', 'down']) {
      const layout = await buildImageLayout(await fx.subdir(`img-${tag}`), {
        tag,
        layers: [{ files: [{ path: 'etc/case', content: `${tag}\n` }] }],
      });
      const { digest } = await pushImage(layout, `docker://${reg.host}/${REPO}:${tag}`, {
        certDir: pki.ca.certDir,
      });
      digests[tag] = digest;
    }
    const ref = `${reg.host}/${REPO}`;
    for (const [tag, key] of [
      ['signed', trusted],
      ['other-key', other],
      ['warm', trusted],
    ] as const) {
      const body = payload(ref, digests[tag]!);
      await pushSignature(await fx.subdir(`sig-${tag}`), reg.host, REPO, digests[tag]!, [
        { body, signature: await opensslSign(keys, key.priv, body) },
      ]);
    }
  });

  test('requiredSignatures through an AdmissionReview: signed allowed, unsigned and wrong key denied', async () => {
    const { hook } = await start(await policyFile({ signed: signedBy(trusted) }));
    const ok = await review(hook, image('signed'));
    assert.equal(ok.status, 200);
    assert.equal(ok.json.response.allowed, true, JSON.stringify(ok.json));
    assert.equal(ok.json.response.warnings, undefined);

    for (const [tag, reason] of [
      ['unsigned', 'no signature'],
      ['other-key', 'wrong key'],
    ]) {
      const no = await review(hook, image('signed'), image(tag!));
      assert.equal(no.status, 200);
      assert.equal(no.json.response.allowed, false, tag);
      assert.equal(no.json.response.status.code, 403);
      const msg: string = no.json.response.status.message;
      assert.match(
        msg,
        /^Pod shop\/web violates ImagePolicy: \[signed\/requiredSignatures\] container "c1": /,
      );
      assert.ok(msg.includes(`(${digests[tag!]}) is not signed by the trusted key: ${reason}`), msg);
      // Only the offending container is named.
      assert.ok(!msg.includes('container "c0"'), msg);
    }
  });

  test('warn mode: the unsigned image is allowed with a warning', async () => {
    const { hook, logs } = await start(await policyFile({ soft: signedBy(trusted, { mode: 'warn' }) }));
    const r = await review(hook, image('unsigned'));
    assert.equal(r.json.response.allowed, true);
    assert.equal(r.json.response.status, undefined);
    const warnings: string[] = r.json.response.warnings;
    assert.equal(warnings.length, 1);
    // Warnings are cut at 120 characters (the API server's advice); the image and its digest come first.
    const head = `soft/requiredSignatures: container "c0": image ${JSON.stringify(image('unsigned'))} (sha256:`;
    assert.ok(warnings[0]!.startsWith(head), warnings[0]);
    // The log line carries the whole message.
    assert.ok(
      logs.some((l) => l.includes(`(${digests.unsigned}) is not signed by the trusted key: no signature`)),
      logs.join('\n'),
    );
    assert.ok(logs.some((l) => l.startsWith('warned Pod shop/web')));
  });

  test('warm cache: an identical review makes no registry requests, also after a policy change', async () => {
    const policy = signedBy(trusted, { maxImageSize: '1Mi' });
    const { hook } = await start(await policyFile({ strict: policy }));
    const before = proxy.requests.length;
    const first = await review(hook, image('warm'));
    assert.equal(first.json.response.allowed, true, JSON.stringify(first.json));
    const cold = proxy.lines().slice(before);
    assert.ok(
      cold.some((l) => l.includes('/manifests/warm')),
      cold.join('\n'),
    );
    assert.ok(
      cold.some((l) => l.includes('.sig')),
      cold.join('\n'),
    );

    const afterFirst = proxy.requests.length;
    const second = await review(hook, image('warm'));
    assert.equal(second.json.response.allowed, true);
    assert.deepEqual(proxy.lines().slice(afterFirst), []);

    // What the watch does on every ImagePolicy event: a new set, a new engine, the same cache.
    const changed = await loadPolicies([
      await policyFile({ renamed: policy, extra: { disallowLatestTag: true } }),
    ]);
    hook.policies.set(changed);
    const third = await review(hook, image('warm'));
    assert.equal(third.json.response.allowed, true);
    assert.deepEqual(proxy.lines().slice(afterFirst), []);
    // The new policy is the one in force: an unsigned image is now denied under its name.
    const denied = await review(hook, image('unsigned'));
    assert.match(denied.json.response.status.message, /\[renamed\/requiredSignatures\]/);
  });

  test('registry outage: fail-closed violation naming the cause', async () => {
    const { hook, logs } = await start(await policyFile({ strict: signedBy(trusted) }));
    proxy.mode = 'fail';
    let r;
    try {
      r = await review(hook, image('down'));
    } finally {
      proxy.mode = 'pass';
    }
    assert.equal(r.status, 200);
    assert.equal(r.json.response.allowed, false);
    const msg: string = r.json.response.status.message;
    assert.match(
      msg,
      /\[strict\/requiredSignatures\] container "c0": requiredSignatures could not be checked/,
    );
    assert.match(msg, /registry lookup failed \(REGISTRY_ERROR\)/);
    assert.ok(logs.some((l) => l.startsWith('denied Pod shop/web')));

    // Nothing listening at all: the cause says so.
    const gone = `${await closedPort()}`;
    const r2 = await review(hook, `127.0.0.1:${gone}/${REPO}:x`);
    assert.equal(r2.json.response.allowed, false);
    assert.match(r2.json.response.status.message, /registry lookup failed \(CONNECTION_REFUSED\)/);
  });

  test('a stalled registry: 503 at the decision timeout; the lookup ends at its own deadline, and the next review of the image is decided', async () => {
    // Registry requests would wait 60 s: only the decision timeout can end this review, and only the lookup's
    // deadline (twice the decision timeout) the lookup. 1.5 s, not less: on a loaded machine the lookup's TLS
    // connection alone can take half a second, and it must reach the registry before the webhook answers.
    const { hook, logs } = await start(
      await policyFile({ strict: signedBy(trusted) }),
      { registry: { ca: [pki.ca.certPem], timeoutMs: 60_000 } },
      { decisionTimeoutMs: 1500 },
    );
    proxy.mode = 'stall';
    const before = proxy.requests.length;
    try {
      const r = await review(hook, image('stall'));
      assert.equal(r.status, 503);
      assert.equal(r.json.kind, 'Status');
      assert.equal(r.json.reason, 'ServiceUnavailable');
      assert.match(r.json.message, /^no decision within 1500 ms/);
      assert.ok(logs.some((l) => l.startsWith('503: no decision within 1500 ms')));
      // The lookup did reach the registry and was still waiting there when the webhook answered…
      assert.ok(proxy.requests.length > before);
      assert.ok(proxy.held() > 0);
      // …and gives up by itself, closing what it held, long before a request's own 60 s.
      const end = Date.now() + 10_000;
      while (proxy.held() > 0 && Date.now() < end) await new Promise((res) => setTimeout(res, 50));
      assert.equal(proxy.held(), 0, 'the stalled lookup still holds its registry connection');
    } finally {
      proxy.mode = 'pass';
    }
    // Its failure is remembered for a while: the same image is now decided at once, fail-closed, naming why.
    const again = await review(hook, image('stall'));
    assert.equal(again.status, 200);
    assert.equal(again.json.response.allowed, false);
    assert.match(
      again.json.response.status.message,
      /registry lookup failed \(NETWORK_TIMEOUT\): .*the deadline of 3 s for the whole operation ran out/,
    );
  });

  test('--offline: registry rules stay notes, no registry request', async () => {
    const { hook, logs } = await start(
      await policyFile({ strict: signedBy(trusted, { maxImageSize: '1' }) }),
      {
        offline: true,
      },
    );
    const before = proxy.requests.length;
    const r = await review(hook, image('unsigned'), image('cold-1'));
    assert.equal(r.json.response.allowed, true);
    assert.equal(r.json.response.warnings, undefined);
    assert.equal(proxy.requests.length, before);
    const notes = logs.filter((l) => l.startsWith('note: policy strict: '));
    assert.ok(
      notes.some((l) => l.includes('requiredSignatures')),
      logs.join('\n'),
    );
    assert.ok(
      notes.some((l) => l.includes('maxImageSize')),
      logs.join('\n'),
    );
  });

  test('maxImageSize is enforced from the registry', async () => {
    const { hook } = await start(await policyFile({ tiny: { maxImageSize: '10' } }));
    const r = await review(hook, image('cold-2'));
    assert.equal(r.json.response.allowed, false);
    assert.match(r.json.response.status.message, /\[tiny\/maxImageSize\] .* is over the size limit of/);
  });
});
