// Cosign-style signatures made without regdoctor: keys from openssl, the payload JSON written by hand, the
// signature from `openssl dgst -sha256 -sign` (cosign's documented interop path), and the `.sig` manifest built as
// an OCI layout that skopeo pushes. Nothing here shares code with src/verify.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { show, type CliResult } from '../cli/cli.ts';
import { run } from '../helpers/proc.ts';
import { MT } from '../helpers/oci.ts';
import { writeBlob, writeJsonBlob } from '../helpers/oci-blobs.ts';
import { pushImage, type Creds } from '../helpers/skopeo.ts';

export const SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIG_ANNOTATION = 'dev.cosignproject.cosign/signature';

export interface KeyPair {
  priv: string;
  pub: string;
}

export async function ecKey(dir: string, name: string): Promise<KeyPair> {
  const priv = join(dir, `${name}.pem`);
  const pub = join(dir, `${name}.pub`);
  await run('openssl', ['ecparam', '-genkey', '-name', 'prime256v1', '-noout', '-out', priv]);
  await run('openssl', ['ec', '-in', priv, '-pubout', '-out', pub]);
  return { priv, pub };
}

export async function rsaKey(dir: string, name: string, bits = 2048): Promise<KeyPair> {
  const priv = join(dir, `${name}.pem`);
  const pub = join(dir, `${name}.pub`);
  await run('openssl', ['genrsa', '-out', priv, String(bits)]);
  await run('openssl', ['rsa', '-in', priv, '-pubout', '-out', pub]);
  return { priv, pub };
}

export async function ed25519Key(dir: string, name: string): Promise<KeyPair> {
  const priv = join(dir, `${name}.pem`);
  const pub = join(dir, `${name}.pub`);
  await run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', priv]);
  await run('openssl', ['pkey', '-in', priv, '-pubout', '-out', pub]);
  return { priv, pub };
}

/** The simple-signing payload as cosign writes it; `digestKey` lets a test use the spec example's spelling. */
export function payload(reference: string, digest: string, digestKey = 'docker-manifest-digest'): string {
  return JSON.stringify({
    critical: {
      identity: { 'docker-reference': reference },
      image: { [digestKey]: digest },
      type: 'cosign container image signature',
    },
    optional: null,
  });
}

/** `openssl dgst -sha256 -sign` over the payload bytes; returns the signature in base64. */
export async function opensslSign(
  dir: string,
  key: string,
  body: string,
  opts: { pss?: boolean } = {},
): Promise<string> {
  const tag = Math.random().toString(36).slice(2);
  const file = join(dir, `payload-${tag}.json`);
  const out = join(dir, `sig-${tag}.bin`);
  await writeFile(file, body);
  const pss = opts.pss ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:-1'] : [];
  await run('openssl', ['dgst', '-sha256', ...pss, '-sign', key, '-out', out, file]);
  return (await readFile(out)).toString('base64');
}

export interface SigLayer {
  /** The payload bytes stored as the layer blob. */
  body: string;
  /** Base64 signature annotation; omitted when undefined. */
  signature?: string;
}

/** Builds the `.sig` manifest as an OCI layout and pushes it to `host/repo:sha256-<hex>.sig`. */
export async function pushSignature(
  dir: string,
  host: string,
  repository: string,
  imageDigest: string,
  layers: SigLayer[],
  creds?: Creds,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const config = await writeJsonBlob(dir, MT.ociConfig, {});
  const descs = [];
  for (const l of layers) {
    const d = await writeBlob(dir, SIMPLESIGNING, l.body);
    descs.push(l.signature === undefined ? d : { ...d, annotations: { [SIG_ANNOTATION]: l.signature } });
  }
  const manifest = await writeJsonBlob(dir, MT.ociManifest, {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config,
    layers: descs,
  });
  const tag = `${imageDigest.replace(':', '-')}.sig`;
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociIndex,
      manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
  await pushImage(`oci:${dir}:${tag}`, `docker://${host}/${repository}:${tag}`, { tlsVerify: false, creds });
  return tag;
}

/** `verify -o json` printed exactly one line, of this shape. */
export function oneJson<T>(r: CliResult, schema: z.ZodMiniType<T>): T {
  const lines = r.stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one JSON line\n${show(r)}`);
  const parsed = z.safeParse(schema, JSON.parse(lines[0]!));
  assert.ok(parsed.success, `verify JSON shape\n${show(r)}`);
  return parsed.data;
}
