// `regdoctor verify` through the built CLI against a real docker-registry, with signatures produced by openssl
// (test/verify/support.ts), never by the verifier under test.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout, buildIndexLayout } from '../helpers/oci.ts';
import { closedPort } from '../helpers/ports.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { buildCli, show, type Cli, type CliResult } from '../cli/cli.ts';
import {
  ecKey,
  ed25519Key,
  oneJson,
  opensslSign,
  payload,
  pushSignature,
  rsaKey,
  type KeyPair,
} from './support.ts';

const Verdict = z.object({
  layerDigest: z.string(),
  ok: z.boolean(),
  reason: z.nullable(z.string()),
  message: z.string(),
});
const VerifyJson = z.object({
  image: z.string(),
  digest: z.string(),
  verified: z.boolean(),
  reason: z.nullable(z.string()),
  message: z.string(),
  key: z.object({ type: z.string(), description: z.string() }),
  signatureTag: z.string(),
  signatures: z.array(Verdict),
  transparencyLog: z.literal('not checked'),
});
type VerifyJson = z.infer<typeof VerifyJson>;

const json = (r: CliResult): VerifyJson => oneJson(r, VerifyJson);

describe('regdoctor verify (cosign .sig, key-based)', () => {
  const fx = useFixture();
  let cli: Cli;
  let reg: RunningRegistry;
  let keysDir: string;
  let ec: KeyPair;
  let ec2: KeyPair;
  let rsa: KeyPair;
  let rsa2: KeyPair;
  const repo = 'team/app';
  const images: Record<string, { ref: string; digest: string }> = {};

  /** A distinct single-platform image pushed at `host/team/app:<name>`. */
  async function pushNamed(name: string): Promise<{ ref: string; digest: string }> {
    const layout = await buildImageLayout(await fx.subdir(`img-${name}`), {
      tag: name,
      layers: [{ files: [{ path: 'etc/case', content: `${name}\n` }] }],
    });
    const ref = `${reg.host}/${repo}:${name}`;
    const { digest } = await pushImage(layout, `docker://${ref}`, { tlsVerify: false });
    assert.equal(digest, layout.top.digest);
    return (images[name] = { ref, digest });
  }

  const sign = (key: KeyPair, body: string, pss = false) => opensslSign(keysDir, key.priv, body, { pss });
  const signFor = async (name: string, layers: { body: string; signature?: string }[]) =>
    pushSignature(await fx.subdir(`sig-${name}`), reg.host, repo, images[name]!.digest, layers);
  const verify = (image: string, key: string, ...extra: string[]) =>
    cli.run(['verify', image, '--key', key, '--plain-http', '--platform', 'linux/amd64', ...extra]);

  before(async () => {
    const [built, registry] = await Promise.all([buildCli(fx), fx.registry()]);
    cli = built;
    reg = registry;
    keysDir = await fx.subdir('keys');
    [ec, ec2, rsa, rsa2] = await Promise.all([
      ecKey(keysDir, 'ec'),
      ecKey(keysDir, 'ec2'),
      rsaKey(keysDir, 'rsa'),
      rsaKey(keysDir, 'rsa2', 3072),
    ]);
    for (const n of [
      'ecdsa',
      'rsa',
      'pss',
      'tamper-ec',
      'tamper-rsa',
      'other',
      'unsigned',
      'multi',
      'spelling',
    ])
      await pushNamed(n);
    const ref = `${reg.host}/${repo}`;
    const p = (n: string, digestKey?: string) => payload(ref, images[n]!.digest, digestKey);

    await signFor('ecdsa', [{ body: p('ecdsa'), signature: await sign(ec, p('ecdsa')) }]);
    await signFor('rsa', [{ body: p('rsa'), signature: await sign(rsa, p('rsa')) }]);
    await signFor('pss', [{ body: p('pss'), signature: await sign(rsa, p('pss'), true) }]);
    // The spec's own example capitalises the key; cosign (Go JSON) accepts it.
    const spelled = p('spelling', 'Docker-manifest-digest');
    await signFor('spelling', [{ body: spelled, signature: await sign(ec, spelled) }]);
    // Signed, then changed: the stored payload is not what the key signed (its layer digest is consistent, as
    // an attacker re-pushing the manifest would make it).
    for (const [name, key] of [
      ['tamper-ec', ec],
      ['tamper-rsa', rsa],
    ] as const) {
      const original = p(name);
      const sig = await sign(key, original);
      await signFor(name, [{ body: original.replace(ref, `${ref}-evil`), signature: sig }]);
    }
    // A genuine signature of the `ecdsa` image copied under another image's .sig tag.
    await signFor('other', [{ body: p('ecdsa'), signature: await sign(ec, p('ecdsa')) }]);
    // Two signatures: one by a key we do not trust, one by ours; one valid signature is enough, as in cosign.
    await signFor('multi', [
      { body: p('multi'), signature: await sign(ec2, p('multi')) },
      { body: `${p('multi')}\n`, signature: await sign(ec, `${p('multi')}\n`) },
    ]);
  });

  test('a valid ECDSA P-256 signature verifies (exit 0)', async () => {
    const r = await verify(images.ecdsa!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const o = json(r);
    assert.equal(o.verified, true);
    assert.equal(o.reason, null);
    assert.equal(o.digest, images.ecdsa!.digest);
    assert.equal(o.signatureTag, `${images.ecdsa!.digest.replace(':', '-')}.sig`);
    assert.equal(o.key.type, 'ecdsa-p256');
    assert.equal(o.signatures.length, 1);
    assert.equal(o.signatures[0]!.ok, true);
  });

  test('text output says verified and that Rekor was not checked', async () => {
    const r = await verify(images.ecdsa!.ref, ec.pub);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /VERIFIED/);
    assert.doesNotMatch(r.stdout, /NOT VERIFIED/);
    assert.match(r.stdout, /transparency log was not checked/);
  });

  test('verifying by digest works the same', async () => {
    const r = await verify(`${reg.host}/${repo}@${images.ecdsa!.digest}`, ec.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    assert.equal(json(r).verified, true);
  });

  test('a valid RSA (PKCS#1 v1.5) signature verifies (exit 0)', async () => {
    const r = await verify(images.rsa!.ref, rsa.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const o = json(r);
    assert.equal(o.key.type, 'rsa');
    assert.match(o.signatures[0]!.message, /PKCS#1 v1\.5/);
  });

  test('an RSA-PSS signature verifies too', async () => {
    const r = await verify(images.pss!.ref, rsa.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    assert.match(json(r).signatures[0]!.message, /PSS/);
  });

  test('the digest key is matched case-insensitively, as cosign does', async () => {
    const r = await verify(images.spelling!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
  });

  test('wrong key: another ECDSA key, an RSA key for an ECDSA signature, another RSA key (exit 1)', async () => {
    for (const [image, key] of [
      [images.ecdsa!, ec2.pub],
      [images.ecdsa!, rsa.pub],
      [images.rsa!, ec.pub],
      [images.rsa!, rsa2.pub],
    ] as const) {
      const r = await verify(image.ref, key, '-o', 'json');
      assert.equal(r.code, 1, show(r));
      const o = json(r);
      assert.equal(o.verified, false);
      assert.equal(o.reason, 'wrong key', show(r));
    }
    const text = await verify(images.ecdsa!.ref, ec2.pub);
    assert.equal(text.code, 1, show(text));
    assert.match(text.stdout, /NOT VERIFIED \(wrong key\)/);
  });

  test('tampered payload, RSA: proved to be a different payload signed by this key (exit 1)', async () => {
    const r = await verify(images['tamper-rsa']!.ref, rsa.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    assert.equal(json(r).reason, 'tampered payload', show(r));
  });

  test('tampered payload, ECDSA: not verified; the message names both possibilities (exit 1)', async () => {
    const r = await verify(images['tamper-ec']!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const o = json(r);
    assert.equal(o.verified, false);
    // ECDSA cannot distinguish a changed payload from another signer; the verdict says so.
    assert.equal(o.reason, 'wrong key');
    assert.match(o.message, /changed after signing/);
  });

  test("a genuine signature of another image's digest does not verify this one (exit 1)", async () => {
    const r = await verify(images.other!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const o = json(r);
    assert.equal(o.reason, 'payload digest mismatch', show(r));
    assert.ok(o.message.includes(images.ecdsa!.digest), o.message);
    assert.equal(o.digest, images.other!.digest);
  });

  test('missing signature (exit 1)', async () => {
    const r = await verify(images.unsigned!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const o = json(r);
    assert.equal(o.reason, 'no signature');
    assert.deepEqual(o.signatures, []);
  });

  test('one trusted signature among several is enough; each is reported', async () => {
    const r = await verify(images.multi!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const o = json(r);
    assert.deepEqual(
      o.signatures.map((s) => [s.ok, s.reason]),
      [
        [false, 'wrong key'],
        [true, null],
      ],
    );
  });

  test('a multi-platform image is verified against its index digest', async () => {
    const layout = await buildIndexLayout(await fx.subdir('img-index'), {
      images: ['linux/amd64', 'linux/arm64/v8'],
      tag: 'multi-arch',
    });
    const ref = `${reg.host}/${repo}:multi-arch`;
    const { digest } = await pushImage(layout, `docker://${ref}`, { tlsVerify: false });
    const unsignedYet = await verify(ref, ec.pub, '-o', 'json');
    assert.equal(unsignedYet.code, 1, show(unsignedYet));
    const body = payload(`${reg.host}/${repo}`, digest);
    await pushSignature(await fx.subdir('sig-index'), reg.host, repo, digest, [
      { body, signature: await sign(ec, body) },
    ]);
    const r = await verify(ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    assert.equal(json(r).digest, digest);
  });

  test('an image with no build for the platform asked for is still verified: the signature is over its digest', async () => {
    const layout = await buildIndexLayout(await fx.subdir('img-s390x'), {
      images: ['linux/s390x'],
      tag: 's390x-only',
    });
    const ref = `${reg.host}/${repo}:s390x-only`;
    const { digest } = await pushImage(layout, `docker://${ref}`, { tlsVerify: false });
    const body = payload(`${reg.host}/${repo}`, digest);
    await pushSignature(await fx.subdir('sig-s390x'), reg.host, repo, digest, [
      { body, signature: await sign(ec, body) },
    ]);
    const r = await verify(ref, ec.pub, '--platform', 'linux/amd64', '-o', 'json');
    assert.equal(r.code, 0, show(r));
    assert.equal(json(r).digest, digest);
  });

  test('bad key files are errors (exit 2), before any registry request', async () => {
    const garbage = join(keysDir, 'garbage.pub');
    await writeFile(garbage, 'not a key\n');
    const broken = join(keysDir, 'broken.pub');
    await writeFile(broken, '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n');
    for (const [key, msg] of [
      [garbage, /no PEM public key/],
      [broken, /not a valid public key/],
      [ec.priv, /private key/],
      [join(keysDir, 'missing.pub'), /no such file/],
    ] as const) {
      const r = await verify(images.ecdsa!.ref, key);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, msg, show(r));
      assert.equal(r.stdout, '');
    }
  });

  test('an unsupported key type is an error (exit 2), reported as such', async () => {
    const ed = await ed25519Key(keysDir, 'ed');
    const r = await verify(images.ecdsa!.ref, ed.pub, '-o', 'json');
    assert.equal(r.code, 2, show(r));
    // Refused before any registry request: one line, no JSON verdict.
    assert.match(
      r.stderr,
      /^regdoctor: --key \S+: ed25519 \(unsupported\); supported are ECDSA P-256 and RSA/,
    );
    assert.equal(r.stdout, '');
  });

  test('an unreachable registry prints the probe verdict and exits 2', async () => {
    const port = await closedPort();
    const r = await verify(`127.0.0.1:${port}/${repo}:x`, ec.pub);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stdout, /CONNECTION_REFUSED/, show(r));
  });

  test('--key is required; --help states what is not supported', async () => {
    const r = await cli.run(['verify', images.ecdsa!.ref]);
    assert.equal(r.code, 2, show(r));
    assert.match(r.stderr, /--key/);
    const h = await cli.run(['verify', '--help']);
    assert.equal(h.code, 0, show(h));
    assert.match(h.stdout, /referrers/);
    assert.match(h.stdout, /Rekor/);
  });
});
