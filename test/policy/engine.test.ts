// The registry-aware engine against a real docker-registry (images pushed by skopeo, signatures made by openssl as
// test/verify/support.ts does, sizes computed from the layouts the tests built), behind a proxy that counts
// requests: one lookup per unique image, a TTL driven by a hand-moved clock, and an outage as its own outcome.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout, buildIndexLayout, type Layout } from '../helpers/oci.ts';
import { closedPort } from '../helpers/ports.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { ecKey, opensslSign, payload, pushSignature, rsaKey, type KeyPair } from '../verify/support.ts';
import { createPolicyEngine, type PolicyEngineOptions } from '../../src/policy/engine.ts';
import type { PolicyObject, Violation } from '../../src/policy/evaluate.ts';
import { parseImagePolicy, type ImagePolicy } from '../../src/policy/model.ts';
import { createVulnerabilityIndex, parseOperatorReport, parseTrivy } from '../../src/vuln/index.ts';
import { imageKey } from '../../src/policy/facts.ts';
import { parseReference } from '../../src/reference/index.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { MT } from '../helpers/oci.ts';
import { serve } from '../helpers/server.ts';
import { createHash } from 'node:crypto';
import { manualClock } from './support.ts';

function policy(spec: Record<string, unknown>, name = 'p'): ImagePolicy {
  return parseImagePolicy(
    { apiVersion: 'regdoctor.dev/v1alpha1', kind: 'ImagePolicy', metadata: { name }, spec },
    't',
  );
}
const pod = (...images: string[]): PolicyObject => ({
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop' },
  spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) },
});
const D = `sha256:${'d'.repeat(64)}`;
const rules = (vs: Violation[]) => vs.map((v) => v.rule);
/** Compressed size a node pulls for one image of a layout: config + layers, from the test's own descriptors. */
const bytesOf = (l: Layout, i: number) =>
  l.images[i]!.config.size + l.images[i]!.layers.reduce((a, d) => a + d.size, 0);

describe('policy engine with registry facts', () => {
  const fx = useFixture();
  let reg: RunningRegistry;
  let proxy: CountingProxy;
  let trusted: KeyPair;
  let other: KeyPair;
  let rsa: KeyPair;
  let multi: Layout;
  let single: Layout;
  const digests: Record<string, string> = {};
  const repo = 'team/app';
  let host: string;
  const image = (tag: string) => `${host}/${repo}:${tag}`;
  const pem = (k: KeyPair) => readFileSync(k.pub, 'utf8');
  const engine = (policies: ImagePolicy[], extra: Partial<PolicyEngineOptions> = {}) => {
    const e = createPolicyEngine({ policies, registry: { plainHttp: true }, ...extra });
    fx.onCleanup(() => e.close());
    return e;
  };

  async function push(layout: Layout, tag: string): Promise<string> {
    const { digest } = await pushImage(layout, `docker://${reg.host}/${repo}:${tag}`, { tlsVerify: false });
    return (digests[tag] = digest);
  }
  const named = async (tag: string) =>
    push(
      await buildImageLayout(await fx.subdir(`img-${tag}`), {
        tag,
        layers: [{ files: [{ path: 'etc/case', content: `${tag}\n` }] }],
      }),
      tag,
    );

  before(async () => {
    reg = await fx.registry();
    proxy = await fx.start(countingProxy(reg.url));
    host = proxy.host;
    const keys = await fx.subdir('keys');
    [trusted, other, rsa] = await Promise.all([
      ecKey(keys, 'trusted'),
      ecKey(keys, 'other'),
      rsaKey(keys, 'rsa'),
    ]);
    // amd64 small, arm64 with 200 kB of incompressible data.
    multi = await buildIndexLayout(await fx.subdir('multi'), {
      images: [
        { platform: { os: 'linux', architecture: 'amd64' } },
        { platform: { os: 'linux', architecture: 'arm64' }, layers: [{ randomBytes: 200_000, seed: 7 }] },
      ],
      attestation: true,
      tag: 'multi',
    });
    await push(multi, 'multi');
    single = await buildImageLayout(await fx.subdir('single'), {
      tag: 'single',
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    });
    await push(single, 'single');
    for (const t of ['signed', 'wrong-key', 'tampered', 'other-digest', 'unsigned']) await named(t);
    const ref = `${reg.host}/${repo}`;
    const sig = async (tag: string, body: string, key: KeyPair) =>
      pushSignature(await fx.subdir(`sig-${tag}`), reg.host, repo, digests[tag]!, [
        { body, signature: await opensslSign(keys, key.priv, body) },
      ]);
    await sig('signed', payload(ref, digests.signed!), trusted);
    await sig('wrong-key', payload(ref, digests['wrong-key']!), other);
    // RSA tells a changed payload from another signer: the key's public operation recovers another hash.
    const original = payload(ref, digests.tampered!);
    const rsaSig = await opensslSign(keys, rsa.priv, original);
    await pushSignature(await fx.subdir('sig-tampered'), reg.host, repo, digests.tampered!, [
      { body: original.replace(ref, `${ref}-evil`), signature: rsaSig },
    ]);
    // A genuine signature of `signed`, copied under another image's .sig tag.
    await sig('other-digest', payload(ref, digests.signed!), trusted);
  });

  describe('requiredSignatures', () => {
    const cases: [string, string | null][] = [
      ['signed', null],
      ['wrong-key', 'wrong key'],
      ['tampered', 'tampered payload'],
      ['other-digest', 'payload digest mismatch'],
      ['unsigned', 'no signature'],
    ];
    for (const [tag, reason] of cases)
      test(`${tag}: ${reason ?? 'passes'}`, async () => {
        const keys = [{ name: 'ci', publicKey: pem(trusted) }, { publicKey: pem(rsa) }];
        const e = engine([policy({ requiredSignatures: [{ keys }] })]);
        const r = await e.evaluate(pod(image(tag)));
        assert.deepEqual(r.notes, []);
        if (reason === null) return assert.deepEqual(r.violations, []);
        assert.deepEqual(rules(r.violations), ['requiredSignatures']);
        const v = r.violations[0]!;
        assert.equal(v.mode, 'enforce');
        assert.equal(v.cause, undefined);
        assert.ok(v.message.includes(`(${digests[tag]})`), v.message);
        assert.ok(v.message.includes(`any of 2 trusted keys: ${reason}: `), v.message);
      });
    test('a requirement applies only to the images it names', async () => {
      const e = engine([
        policy({
          requiredSignatures: [{ images: [`${host}/${repo}:signed`], keys: [{ publicKey: pem(trusted) }] }],
        }),
      ]);
      assert.deepEqual((await e.evaluate(pod(image('unsigned')))).violations, []);
      assert.deepEqual((await e.evaluate(pod(image('signed')))).violations, []);
    });
    test('the signature is checked for the digest a tag resolves to, also when pinned by digest', async () => {
      const e = engine([policy({ requiredSignatures: [{ keys: [{ publicKey: pem(trusted) }] }] })]);
      const pinned = `${host}/${repo}@${digests.signed}`;
      assert.deepEqual((await e.evaluate(pod(pinned))).violations, []);
    });
  });

  describe('maxImageSize and allowedPlatforms', () => {
    const amd64 = () => bytesOf(multi, 0);
    const arm64 = () => bytesOf(multi, 1);
    test('the layouts differ enough to tell the platforms apart', () => {
      assert.ok(arm64() > amd64() + 100_000, `${arm64()} vs ${amd64()}`);
    });
    test('every platform of the image when no allowedPlatforms: the big one is over', async () => {
      const limit = amd64() + 1000;
      const r = await engine([policy({ maxImageSize: limit })]).evaluate(pod(image('multi')));
      assert.deepEqual(rules(r.violations), ['maxImageSize']);
      assert.match(
        r.violations[0]!.message,
        new RegExp(`: linux/arm64 is [0-9.]+ KiB \\(${arm64()} bytes\\) compressed$`),
      );
      assert.doesNotMatch(r.violations[0]!.message, /linux\/amd64/);
    });
    test('only the node platforms of allowedPlatforms', async () => {
      const under = policy({ maxImageSize: amd64(), allowedPlatforms: ['linux/amd64'] });
      assert.deepEqual((await engine([under]).evaluate(pod(image('multi')))).violations, []);
      const over = policy({ maxImageSize: amd64() - 1, allowedPlatforms: ['linux/amd64'] });
      const r = await engine([over]).evaluate(pod(image('multi')));
      assert.deepEqual(rules(r.violations), ['maxImageSize']);
      assert.match(
        r.violations[0]!.message,
        new RegExp(
          `limit of .* \\(${amd64() - 1} bytes\\): linux/amd64 is .* \\(${amd64()} bytes\\) compressed$`,
        ),
      );
      const arm = policy({ maxImageSize: arm64(), allowedPlatforms: ['linux/arm64/v8'] });
      assert.deepEqual((await engine([arm]).evaluate(pod(image('multi')))).violations, []);
    });
    test('a single-platform image: its config names the platform, its manifest the size', async () => {
      const e = engine([policy({ maxImageSize: bytesOf(single, 0) - 1, allowedPlatforms: ['linux/amd64'] })]);
      const r = await e.evaluate(pod(image('single')));
      assert.deepEqual(rules(r.violations), ['allowedPlatforms']);
      assert.match(
        r.violations[0]!.message,
        /offers linux\/arm\/v7; none of the allowed platforms linux\/amd64/,
      );
      const fits = engine([
        policy({ maxImageSize: bytesOf(single, 0) - 1, allowedPlatforms: ['linux/arm/v7'] }),
      ]);
      assert.deepEqual(rules((await fits.evaluate(pod(image('single')))).violations), ['maxImageSize']);
    });
    test('allowedPlatforms: an index offering one of them passes; attestations are not platforms', async () => {
      const ok = engine([policy({ allowedPlatforms: ['linux/s390x', 'linux/arm64'] })]);
      assert.deepEqual((await ok.evaluate(pod(image('multi')))).violations, []);
      const no = engine([policy({ allowedPlatforms: ['linux/s390x', 'windows/amd64'] })]);
      const r = await no.evaluate(pod(image('multi')));
      assert.deepEqual(rules(r.violations), ['allowedPlatforms']);
      assert.match(r.violations[0]!.message, /offers linux\/amd64, linux\/arm64; none of/);
    });
  });

  describe('minimumSeverity', () => {
    const fixture = (name: string) => readFile(new URL(`../vuln/fixtures/${name}`, import.meta.url), 'utf8');
    const D1 = `sha256:${'1'.repeat(64)}`;
    const D2 = `sha256:${'2'.repeat(64)}`;
    async function index() {
      // The fixtures as a scanner wrote them, pointed at the images pushed here: Trivy at the index digest of
      // `multi` (a repo digest), the operator report at the arm64 platform manifest of `multi`... for `single`.
      const trivy = parseTrivy(
        JSON.parse((await fixture('trivy-app.json')).replace(D1, digests.multi!)),
        'trivy',
      );
      const vr = parseOperatorReport(
        parse((await fixture('vulnerabilityreport.yaml')).replace(D2, digests.single!)),
        'vr',
      );
      return createVulnerabilityIndex([trivy, vr]);
    }
    test('Trivy JSON matched by the index digest: the findings at or above the level, most severe first', async () => {
      const e = engine([policy({ minimumSeverity: 'HIGH' })], { vulnerabilities: await index() });
      const r = await e.evaluate(pod(image('multi')));
      assert.deepEqual(rules(r.violations), ['minimumSeverity']);
      assert.match(
        r.violations[0]!.message,
        /has 2 vulnerabilities at or above HIGH: CVE-2024-5535 \(CRITICAL, libssl3 3\.1\.4-r5 → 3\.1\.6-r0\), CVE-2023-45288 \(HIGH, golang\.org\/x\/net v0\.17\.0 → 0\.23\.0\) \(from trivy\)/,
      );
      const lenient = engine([policy({ minimumSeverity: 'CRITICAL' })], { vulnerabilities: await index() });
      assert.match(
        (await lenient.evaluate(pod(image('multi')))).violations[0]!.message,
        /has 1 vulnerability/,
      );
    });
    test('a VulnerabilityReport matched by digest; below the level passes', async () => {
      const e = engine([policy({ minimumSeverity: 'MEDIUM' })], { vulnerabilities: await index() });
      const r = await e.evaluate(pod(image('single')));
      assert.match(
        r.violations[0]!.message,
        /has 2 vulnerabilities at or above MEDIUM: CVE-2024-37371 \(HIGH/,
      );
      const strict = engine([policy({ minimumSeverity: 'CRITICAL' })], { vulnerabilities: await index() });
      assert.deepEqual((await strict.evaluate(pod(image('single')))).violations, []);
    });
    test('a report of one platform manifest matches the index that lists it', async () => {
      const platformDigest = multi.images[1]!.manifest.digest;
      const vr = parseOperatorReport(
        parse((await fixture('vulnerabilityreport.yaml')).replace(D2, platformDigest)),
        'arm64-report',
      );
      const e = engine([policy({ minimumSeverity: 'HIGH' })], {
        vulnerabilities: createVulnerabilityIndex([vr]),
      });
      const r = await e.evaluate(pod(image('multi')));
      assert.match(r.violations[0]!.message, /CVE-2024-37371.*\(from arm64-report\)/);
    });
    test('a Trivy scan of a local image (no repo digest) matches through its config digest', async () => {
      const t = JSON.parse(await fixture('trivy-app.json')) as { Metadata: Record<string, unknown> };
      t.Metadata.RepoDigests = null;
      t.Metadata.ImageID = multi.images[0]!.config.digest;
      const e = engine([policy({ minimumSeverity: 'CRITICAL' })], {
        vulnerabilities: createVulnerabilityIndex([parseTrivy(t, 'local-scan')]),
      });
      const r = await e.evaluate(pod(image('multi')));
      assert.match(r.violations[0]!.message, /CVE-2024-5535 .*\(from local-scan\)/);
      assert.deepEqual(rules((await e.evaluate(pod(image('single')))).violations), ['noVulnerabilityData']);
    });
    for (const [setting, expected] of [
      ['allow', []],
      ['warn', [['noVulnerabilityData', 'warn']]],
      ['deny', [['noVulnerabilityData', 'enforce']]],
    ] as const)
      test(`noVulnerabilityData: ${setting}`, async () => {
        const e = engine([policy({ minimumSeverity: 'LOW', noVulnerabilityData: setting })], {
          vulnerabilities: await index(),
        });
        const r = await e.evaluate(pod(image('unsigned')));
        assert.deepEqual(
          r.violations.map((v) => [v.rule, v.mode]),
          expected,
        );
        if (expected.length)
          assert.match(
            r.violations[0]!.message,
            new RegExp(`no vulnerability report for image .*${digests.unsigned}`),
          );
      });
    test('without vulnerability data given, minimumSeverity stays a note and no registry is asked', async () => {
      const before = proxy.requests.length;
      const r = await engine([policy({ minimumSeverity: 'LOW' })]).evaluate(pod(image('never-pushed')));
      assert.deepEqual(r.violations, []);
      assert.deepEqual(
        r.notes.map((n) => n.rule),
        ['minimumSeverity'],
      );
      assert.equal(proxy.requests.length, before);
    });
    test('offline: a digest-pinned image is matched without a registry; a tag is a note', async () => {
      const e = engine([policy({ minimumSeverity: 'HIGH', maxImageSize: 1 })], {
        offline: true,
        vulnerabilities: await index(),
        registry: { plainHttp: true },
      });
      const before = proxy.requests.length;
      const pinned = await e.evaluate(pod(`${host}/${repo}@${digests.multi}`));
      assert.deepEqual(rules(pinned.violations), ['minimumSeverity']);
      assert.deepEqual(
        pinned.notes.map((n) => n.rule),
        ['maxImageSize'],
      );
      const tagged = await e.evaluate(pod(image('multi')));
      assert.deepEqual(tagged.violations, []);
      assert.deepEqual(tagged.notes.map((n) => n.rule).sort(), ['maxImageSize', 'minimumSeverity']);
      assert.equal(proxy.requests.length, before);
    });
  });

  describe('lookups: shared, cached, expired, failed', () => {
    const all = () =>
      policy({
        requiredSignatures: [{ keys: [{ publicKey: pem(trusted) }] }],
        maxImageSize: '10Mi',
        allowedPlatforms: ['linux/amd64'],
      });
    /** Requests the proxy saw while `fn` ran. */
    async function counted(fn: () => Promise<unknown>): Promise<string[]> {
      const start = proxy.requests.length;
      await fn();
      return proxy.lines().slice(start);
    }
    test('fifty containers of one image, and ten concurrent reviews, cost what one container costs', async () => {
      const one = await counted(() => engine([all()]).evaluate(pod(image('signed'))));
      // The tag is resolved with a HEAD (free against Docker Hub's pull limit), never a GET of the tag.
      assert.ok(one.includes(`HEAD /v2/${repo}/manifests/signed`), one.join('\n'));
      assert.ok(!one.includes(`GET /v2/${repo}/manifests/signed`), one.join('\n'));
      const fifty = await counted(() =>
        engine([all()]).evaluate(pod(...Array.from({ length: 50 }, () => image('signed')))),
      );
      assert.deepEqual(fifty.sort(), [...one].sort());
      const e = engine([all(), policy({ allowedPlatforms: ['linux/amd64'] }, 'second')]);
      const ten = await counted(() =>
        Promise.all(Array.from({ length: 10 }, () => e.evaluate(pod(image('signed'), image('signed'))))),
      );
      assert.deepEqual(ten.sort(), [...one].sort());
    });
    test('spellings of one image are one cache key', () => {
      const key = (s: string) => imageKey(parseReference(s));
      assert.equal(key('nginx'), 'docker.io/library/nginx:latest');
      for (const s of ['docker.io/nginx', 'index.docker.io/library/nginx:latest', 'library/nginx'])
        assert.equal(key(s), key('nginx'), s);
      assert.equal(key(`nginx:1@${D}`), `docker.io/library/nginx@${D}`);
      assert.equal(key('LOCALHOST:5000/app'), key('localhost:5000/app'));
      assert.notEqual(key('localhost:5000/app'), key('localhost:5001/app'));
      assert.notEqual(key('nginx:1'), key('nginx'));
    });
    test('facts are reused until the TTL passes, then looked up again (a moved tag is seen)', async () => {
      const clock = manualClock();
      await named('moving');
      const first = digests.moving!;
      const e = engine([policy({ requiredSignatures: [{ keys: [{ publicKey: pem(trusted) }] }] })], {
        cacheTtlMs: 60_000,
        now: clock.now,
      });
      const r1 = await e.evaluate(pod(image('moving')));
      assert.match(r1.violations[0]!.message, new RegExp(first));
      await push(
        await buildImageLayout(await fx.subdir('moved'), {
          tag: 'moving',
          layers: [{ files: [{ path: 'etc/case', content: 'moved\n' }] }],
        }),
        'moving',
      );
      clock.advance(59_000);
      const cached = await counted(() => e.evaluate(pod(image('moving'))));
      assert.deepEqual(cached, []);
      clock.advance(2_000);
      let r3: Awaited<ReturnType<typeof e.evaluate>> | undefined;
      const again = await counted(async () => (r3 = await e.evaluate(pod(image('moving')))));
      assert.ok(again.includes(`HEAD /v2/${repo}/manifests/moving`), again.join('\n'));
      assert.ok(again.includes(`GET /v2/${repo}/manifests/${digests.moving!}`), again.join('\n'));
      assert.match(r3!.violations[0]!.message, new RegExp(digests.moving!));
      assert.notEqual(digests.moving, first);
    });
    test('past the TTL an unchanged tag costs a HEAD: the manifests are held by digest, no manifest GET', async () => {
      const clock = manualClock();
      const e = engine([policy({ allowedPlatforms: ['linux/amd64'] })], {
        cacheTtlMs: 60_000,
        now: clock.now,
      });
      const first = await counted(() => e.evaluate(pod(image('signed'))));
      assert.ok(
        first.some((l) => l.startsWith(`GET /v2/${repo}/manifests/sha256:`)),
        first.join('\n'),
      );
      clock.advance(61_000);
      const again = await counted(() => e.evaluate(pod(image('signed'))));
      const manifests = again.filter((l) => l.includes('/manifests/'));
      assert.deepEqual(manifests, [`HEAD /v2/${repo}/manifests/signed`], again.join('\n'));
    });
    test('registry refusing connections: each registry rule is a violation naming CONNECTION_REFUSED', async () => {
      const port = await closedPort();
      const e = engine([all()]);
      const r = await e.evaluate(pod(`127.0.0.1:${port}/${repo}:1`));
      assert.deepEqual(rules(r.violations), ['requiredSignatures', 'maxImageSize', 'allowedPlatforms']);
      for (const v of r.violations) {
        assert.equal(v.cause, 'CONNECTION_REFUSED');
        assert.equal(v.mode, 'enforce');
        assert.match(v.message, /could not be checked .* registry lookup failed \(CONNECTION_REFUSED\)/);
      }
      const warn = engine([policy({ mode: 'warn', allowedPlatforms: ['linux/amd64'] })]);
      const w = await warn.evaluate(pod(`127.0.0.1:${port}/${repo}:1`));
      assert.deepEqual(
        w.violations.map((v) => [v.rule, v.mode, v.cause]),
        [['allowedPlatforms', 'warn', 'CONNECTION_REFUSED']],
      );
    });
    test('a missing tag is MANIFEST_NOT_FOUND, not a pass', async () => {
      const r = await engine([all()]).evaluate(pod(image('never-pushed')));
      assert.deepEqual([...new Set(r.violations.map((v) => v.cause))], ['MANIFEST_NOT_FOUND']);
    });
    test('an outage: the failure is shared briefly, then the recovered registry is asked again', async () => {
      const clock = manualClock();
      const e = engine([policy({ allowedPlatforms: ['linux/amd64'] })], { now: clock.now });
      proxy.mode = 'fail';
      let r;
      try {
        r = await e.evaluate(pod(image('signed')));
        assert.deepEqual(
          r.violations.map((v) => v.cause),
          ['REGISTRY_ERROR'],
        );
        assert.match(r.violations[0]!.message, /\(REGISTRY_ERROR\).*503/);
        const during = await counted(() => e.evaluate(pod(image('signed'))));
        assert.deepEqual(during, []);
      } finally {
        proxy.mode = 'pass';
      }
      clock.advance(10_000);
      const after = await counted(async () => (r = await e.evaluate(pod(image('signed')))));
      assert.ok(after.length > 0);
      assert.deepEqual(r.violations, []);
    });
    test('offline: no request at all, the registry rules are notes', async () => {
      const e = engine([all()], { offline: true });
      let r: Awaited<ReturnType<typeof e.evaluate>> | undefined;
      const reqs = await counted(async () => (r = await e.evaluate(pod(image('signed')))));
      assert.deepEqual(reqs, []);
      assert.deepEqual(r!.violations, []);
      assert.deepEqual(
        r!.notes.map((n) => n.rule),
        ['requiredSignatures', 'maxImageSize', 'allowedPlatforms'],
      );
    });
  });

  describe('a hostile registry', () => {
    test('an index of 100 platforms, or of 320 KiB, is refused: no platform manifest is fetched, the rules are unmet', async () => {
      const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
      const indexOf = (n: number, note = '') =>
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MT.ociIndex,
          manifests: Array.from({ length: n }, (_, i) => ({
            mediaType: MT.ociManifest,
            digest: sha(String(i)),
            size: 500,
            platform: { os: 'linux', architecture: `arch${i}` },
            ...(note ? { annotations: { note } } : {}),
          })),
        });
      const served = new Map<string, string>();
      for (const [tag, body] of [
        ['many', indexOf(100)],
        ['fat', indexOf(20, 'x'.repeat(16 * 1024))],
      ] as const) {
        served.set(tag, body);
        served.set(sha(body), body);
      }
      const hostile = await fx.start(
        serve((req, res) => {
          const path = new URL(req.url ?? '/', 'http://x').pathname;
          if (path === '/v2/') return void res.writeHead(200).end('{}');
          const body = served.get(path.split('/manifests/')[1] ?? '');
          if (!body)
            return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[]}');
          res.writeHead(200, { 'content-type': MT.ociIndex, 'docker-content-digest': sha(body) });
          res.end(req.method === 'HEAD' ? undefined : body);
        }),
      );
      for (const [tag, why] of [
        ['many', /the index lists 100 platforms; at most 64 are looked at/],
        ['fat', /response body exceeds 262144 bytes/],
      ] as const)
        for (const spec of [{ maxImageSize: '1Gi' }, { allowedPlatforms: ['linux/amd64'] }]) {
          const rule = Object.keys(spec)[0]!;
          const r = await engine([policy(spec)]).evaluate(pod(`${hostile.host}/${repo}:${tag}`));
          assert.deepEqual(
            r.violations.map((v) => [v.rule, v.cause]),
            [[rule, 'REGISTRY_ERROR']],
          );
          assert.match(r.violations[0]!.message, why);
        }
      const asked = hostile.requests
        .map((q) => `${q.method} ${q.url}`)
        .filter((l) => l.includes('/manifests/'));
      assert.ok(
        asked.every((l) => served.has(l.split('/manifests/')[1]!)),
        `platform manifests fetched: ${asked.join(', ')}`,
      );
    });
  });
});
