// `regdoctor verify` with Sigstore bundles attached as OCI 1.1 referrers, against a real docker-registry (2.8: no
// referrers API, so the referrers tag schema is used). Bundles come from test/verify/bundle-support.ts: statements,
// DSSE envelopes and bundle JSON written by hand, signed with openssl, never by the verifier under test.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout, buildIndexLayout, type Descriptor, type Layout } from '../helpers/oci.ts';
import { blobPath } from '../helpers/oci-blobs.ts';
import { run } from '../helpers/proc.ts';
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
import { dsseBundle, messageBundle, pushReferrers, referrersTag, statement } from './bundle-support.ts';

const Verdict = z.object({
  format: z.enum(['classic', 'bundle']),
  layerDigest: z.string(),
  ok: z.boolean(),
  reason: z.nullable(z.string()),
  message: z.string(),
  referrer: z.optional(z.string()),
  content: z.optional(z.nullable(z.string())),
  predicateType: z.optional(z.nullable(z.string())),
  notChecked: z.optional(z.array(z.string())),
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
  signatureFormat: z.enum(['classic', 'bundle', 'any']),
  verifiedBy: z.array(z.enum(['classic', 'bundle'])),
  referrers: z.nullable(
    z.object({
      source: z.enum(['api', 'tag']),
      tag: z.nullable(z.string()),
      count: z.number(),
      complete: z.boolean(),
    }),
  ),
  notChecked: z.array(z.string()),
  errors: z.array(z.object({ format: z.string(), cause: z.string(), message: z.string() })),
});
type VerifyJson = z.infer<typeof VerifyJson>;

const json = (r: CliResult): VerifyJson => oneJson(r, VerifyJson);

describe('regdoctor verify (Sigstore bundles as OCI referrers, key-based)', () => {
  const fx = useFixture();
  let cli: Cli;
  let reg: RunningRegistry;
  let keysDir: string;
  let ec: KeyPair;
  let ec2: KeyPair;
  let rsa: KeyPair;
  const repo = 'team/bundled';
  const images: Record<string, { ref: string; digest: string; top: Descriptor; layout: Layout }> = {};

  async function pushNamed(name: string) {
    const layout = await buildImageLayout(await fx.subdir(`img-${name}`), {
      tag: name,
      layers: [{ files: [{ path: 'etc/case', content: `${name}\n` }] }],
    });
    const ref = `${reg.host}/${repo}:${name}`;
    const { digest } = await pushImage(layout, `docker://${ref}`, { tlsVerify: false });
    assert.equal(digest, layout.top.digest);
    return (images[name] = { ref, digest, top: layout.top, layout });
  }

  const stmt = (name: string, about = name, predicateType?: string) =>
    JSON.stringify(statement(`${reg.host}/${repo}`, images[about]!.digest, predicateType));
  const attach = async (name: string, bundles: string[]) =>
    pushReferrers(await fx.subdir(`ref-${name}`), reg.host, repo, images[name]!.top, bundles);
  const verify = (image: string, key: string, ...extra: string[]) =>
    cli.run(['verify', image, '--key', key, '--plain-http', '--platform', 'linux/amd64', ...extra]);

  before(async () => {
    const [built, registry] = await Promise.all([buildCli(fx), fx.registry()]);
    cli = built;
    reg = registry;
    keysDir = await fx.subdir('keys');
    [ec, ec2, rsa] = await Promise.all([ecKey(keysDir, 'ec'), ecKey(keysDir, 'ec2'), rsaKey(keysDir, 'rsa')]);
    for (const n of [
      'ok',
      'rsa',
      'tampered',
      'other',
      'unsigned',
      'malformed',
      'both',
      'classic-only',
      'rekor',
      'keyless',
      'attestation',
      'message',
    ])
      await pushNamed(n);

    await attach('ok', [await dsseBundle(keysDir, ec.priv, stmt('ok'))]);
    await attach('rsa', [await dsseBundle(keysDir, rsa.priv, stmt('rsa'))]);
    // Signed, then the statement swapped for another one naming the same image: the envelope no longer matches.
    const signed = stmt('tampered');
    const changed = JSON.stringify({ ...JSON.parse(signed), predicate: { note: 'added after signing' } });
    await attach('tampered', [await dsseBundle(keysDir, ec.priv, changed, { signedPayload: signed })]);
    // A genuine bundle of the `ok` image attached to another image.
    await attach('other', [await dsseBundle(keysDir, ec.priv, stmt('other', 'ok'))]);
    await attach('malformed', [
      '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "dsseEnvelope": ',
      JSON.stringify({ mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json', dsseEnvelope: {} }),
    ]);
    const p = payload(`${reg.host}/${repo}`, images.both!.digest);
    await pushSignature(await fx.subdir('sig-both'), reg.host, repo, images.both!.digest, [
      { body: p, signature: await opensslSign(keysDir, ec.priv, p) },
    ]);
    await attach('both', [await dsseBundle(keysDir, ec.priv, stmt('both'))]);
    const c = payload(`${reg.host}/${repo}`, images['classic-only']!.digest);
    await pushSignature(await fx.subdir('sig-classic'), reg.host, repo, images['classic-only']!.digest, [
      { body: c, signature: await opensslSign(keysDir, ec.priv, c) },
    ]);
    // Rekor material we cannot check (no trusted root): well-formed for the bundle schema, never verified.
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const tlogEntry = {
      logIndex: '7',
      logId: { keyId: b64('not-a-real-log-id') },
      kindVersion: { kind: 'dsse', version: '0.0.1' },
      integratedTime: '1700000000',
      inclusionProof: {
        logIndex: '7',
        rootHash: b64('root'),
        treeSize: '8',
        hashes: [],
        checkpoint: { envelope: 'rekor.example - 1\n8\nroot\n' },
      },
      canonicalizedBody: b64('{}'),
    };
    await attach('rekor', [
      await dsseBundle(keysDir, ec.priv, stmt('rekor'), { material: { tlogEntries: [tlogEntry] } }),
    ]);
    // A keyless-style bundle: a certificate instead of a key hint (self-signed; regdoctor must not trust it).
    const certPem = join(keysDir, 'leaf.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      ec.priv,
      '-subj',
      '/CN=keyless',
      '-days',
      '1',
      '-outform',
      'DER',
      '-out',
      certPem,
    ]);
    const certificate = { rawBytes: (await readFile(certPem)).toString('base64') };
    await attach('keyless', [
      await dsseBundle(keysDir, ec.priv, stmt('keyless'), {
        material: { publicKey: undefined, certificate },
      }),
    ]);
    await attach('attestation', [
      await dsseBundle(
        keysDir,
        ec.priv,
        stmt('attestation', 'attestation', 'https://slsa.dev/provenance/v1'),
      ),
    ]);
    const m = images.message!;
    const manifestBytes = await readFile(blobPath(m.layout.dir, m.digest));
    await attach('message', [await messageBundle(keysDir, ec.priv, manifestBytes, m.digest.split(':')[1]!)]);
  });

  test('a valid DSSE bundle found through the referrers tag verifies (exit 0)', async () => {
    const r = await verify(images.ok!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const o = json(r);
    assert.equal(o.verified, true);
    assert.deepEqual(o.verifiedBy, ['bundle']);
    assert.equal(o.signatureFormat, 'any');
    assert.equal(o.digest, images.ok!.digest);
    assert.deepEqual(o.referrers, {
      source: 'tag',
      tag: referrersTag(images.ok!.digest),
      count: 1,
      complete: true,
    });
    assert.equal(o.signatures.length, 1);
    const v = o.signatures[0]!;
    assert.equal(v.format, 'bundle');
    assert.equal(v.ok, true);
    assert.equal(v.content, 'dsse-envelope');
    assert.equal(v.predicateType, 'https://sigstore.dev/cosign/sign/v1');
    assert.ok(
      o.notChecked.some((n) => /Rekor/.test(n)),
      'says Rekor was not checked',
    );
    assert.ok(
      o.notChecked.some((n) => /Fulcio/.test(n)),
      'says certificates were not checked',
    );
  });

  test('text output names the format and what was not checked', async () => {
    const r = await verify(images.ok!.ref, ec.pub);
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /✔ bundle sha256:/);
    assert.match(r.stdout, /VERIFIED .*\(bundle\)/);
    assert.match(r.stdout, /Rekor entries, RFC 3161 timestamps and Fulcio certificates are not verified/);
  });

  test('an RSA key signs bundles too', async () => {
    const r = await verify(images.rsa!.ref, rsa.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    assert.equal(json(r).key.type, 'rsa');
  });

  test('wrong key: another ECDSA key, an RSA key (exit 1)', async () => {
    for (const key of [ec2.pub, rsa.pub]) {
      const r = await verify(images.ok!.ref, key, '-o', 'json');
      assert.equal(r.code, 1, show(r));
      const o = json(r);
      assert.equal(o.verified, false);
      assert.equal(o.reason, 'wrong key', show(r));
      assert.equal(o.signatures[0]!.format, 'bundle');
    }
  });

  test('a statement changed after signing does not verify (exit 1)', async () => {
    const r = await verify(images.tampered!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const o = json(r);
    assert.equal(o.verified, false);
    // As with ECDSA classic signatures, another signer and changed content cannot be told apart; both are named.
    assert.equal(o.reason, 'wrong key');
    assert.match(o.message, /changed after signing/);
  });

  test("a genuine bundle whose statement names another image's digest does not verify this one (exit 1)", async () => {
    const r = await verify(images.other!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const o = json(r);
    assert.equal(o.reason, 'payload digest mismatch', show(r));
    assert.ok(o.message.includes(images.ok!.digest), o.message);
    // The same bundle does verify the image it names.
    assert.equal((await verify(images.ok!.ref, ec.pub)).code, 0);
  });

  test('no signature in either format (exit 1)', async () => {
    const r = await verify(images.unsigned!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const o = json(r);
    assert.equal(o.reason, 'no signature');
    assert.deepEqual(o.signatures, []);
    assert.match(o.message, /\.sig/);
    assert.match(o.message, new RegExp(referrersTag(images.unsigned!.digest)));
  });

  test('malformed bundles are reported per bundle, not a crash (exit 1)', async () => {
    const r = await verify(images.malformed!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    assert.equal(r.stderr, '', show(r));
    const o = json(r);
    assert.equal(o.reason, 'invalid payload');
    const messages = o.signatures.map((s) => s.message);
    assert.equal(messages.length, 2);
    assert.ok(messages.includes('the bundle is not JSON'), messages.join('\n'));
    assert.ok(
      messages.some((m) => /not a valid Sigstore bundle/.test(m)),
      messages.join('\n'),
    );
  });

  test('classic and bundle both present: each is reported, either is enough', async () => {
    const r = await verify(images.both!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const o = json(r);
    assert.deepEqual(o.verifiedBy, ['classic', 'bundle']);
    assert.deepEqual(
      o.signatures.map((s) => [s.format, s.ok]),
      [
        ['classic', true],
        ['bundle', true],
      ],
    );
    const classic = json(
      await verify(images.both!.ref, ec.pub, '-o', 'json', '--signature-format', 'classic'),
    );
    assert.deepEqual(classic.verifiedBy, ['classic']);
    assert.equal(classic.referrers, null);
    assert.deepEqual(
      classic.signatures.map((s) => s.format),
      ['classic'],
    );
    const bundle = json(await verify(images.both!.ref, ec.pub, '-o', 'json', '--signature-format', 'bundle'));
    assert.deepEqual(bundle.verifiedBy, ['bundle']);
    assert.deepEqual(
      bundle.signatures.map((s) => s.format),
      ['bundle'],
    );
  });

  test('--signature-format restricts the search: a bundle-only image is unsigned for classic, and vice versa', async () => {
    const a = await verify(images.ok!.ref, ec.pub, '-o', 'json', '--signature-format', 'classic');
    assert.equal(a.code, 1, show(a));
    assert.equal(json(a).reason, 'no signature');
    const b = await verify(images['classic-only']!.ref, ec.pub, '-o', 'json', '--signature-format', 'bundle');
    assert.equal(b.code, 1, show(b));
    assert.equal(json(b).reason, 'no signature');
    const any = await verify(images['classic-only']!.ref, ec.pub, '-o', 'json');
    assert.equal(any.code, 0, show(any));
    assert.deepEqual(json(any).verifiedBy, ['classic']);
    const bad = await verify(images.ok!.ref, ec.pub, '--signature-format', 'notation');
    assert.equal(bad.code, 2, show(bad));
    assert.match(bad.stderr, /--signature-format notation: use classic, bundle, any/);
  });

  test('Rekor entries in a bundle are reported as not checked, and do not stand in the way of the key', async () => {
    const r = await verify(images.rekor!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    const v = json(r).signatures[0]!;
    assert.deepEqual(v.notChecked, ['1 Rekor transparency-log entry (not verified)']);
  });

  test('a keyless (certificate) bundle is not verified: unsupported, not trusted (exit 1)', async () => {
    const r = await verify(images.keyless!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const o = json(r);
    assert.equal(o.reason, 'unsupported bundle');
    assert.match(o.message, /keyless/);
  });

  test('an attestation signed with the key is listed but is not a signature (exit 1)', async () => {
    const r = await verify(images.attestation!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 1, show(r));
    const o = json(r);
    assert.equal(o.reason, 'not a signature');
    assert.equal(o.signatures[0]!.predicateType, 'https://slsa.dev/provenance/v1');
  });

  test('a message-signature bundle over the image manifest verifies', async () => {
    const r = await verify(images.message!.ref, ec.pub, '-o', 'json');
    assert.equal(r.code, 0, show(r));
    assert.equal(json(r).signatures[0]!.content, 'message-signature');
    const wrong = await verify(images.message!.ref, ec2.pub, '-o', 'json');
    assert.equal(wrong.code, 1, show(wrong));
    assert.equal(json(wrong).reason, 'wrong key');
  });

  test('a multi-platform image: the bundle names the index digest', async () => {
    const layout = await buildIndexLayout(await fx.subdir('img-index'), {
      images: ['linux/amd64', 'linux/arm64/v8'],
      tag: 'multi-arch',
    });
    const ref = `${reg.host}/${repo}:multi-arch`;
    const { digest } = await pushImage(layout, `docker://${ref}`, { tlsVerify: false });
    const body = JSON.stringify(statement(`${reg.host}/${repo}`, digest));
    await pushReferrers(await fx.subdir('ref-index'), reg.host, repo, layout.top, [
      await dsseBundle(keysDir, ec.priv, body),
    ]);
    const r = await verify(ref, ec.pub, '-o', 'json', '--signature-format', 'bundle');
    assert.equal(r.code, 0, show(r));
    assert.equal(json(r).digest, digest);
  });

  test('an unsupported key type is an error (exit 2) for bundles too', async () => {
    const ed = await ed25519Key(keysDir, 'ed');
    const r = await verify(images.ok!.ref, ed.pub, '-o', 'json', '--signature-format', 'bundle');
    assert.equal(r.code, 2, show(r));
    // Refused before any registry request: one line, no JSON verdict.
    assert.match(
      r.stderr,
      /^regdoctor: --key \S+: ed25519 \(unsupported\); supported are ECDSA P-256 and RSA/,
    );
    assert.equal(r.stdout, '');
  });

  test('--help names both formats and what is not checked', async () => {
    const h = await cli.run(['verify', '--help']);
    assert.equal(h.code, 0, show(h));
    assert.match(h.stdout, /--signature-format/);
    assert.match(h.stdout, /referrers/);
    assert.match(h.stdout, /keyless/);
    assert.match(h.stdout, /Rekor/);
  });
});
