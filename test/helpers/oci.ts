// OCI image layouts on disk (image-spec image-layout.md), ready for `skopeo copy oci:DIR:TAG docker://…`.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonBlob, writeLayer, writeBlob, type Descriptor, type LayerSpec } from './oci-blobs.ts';

export type { Descriptor, LayerSpec, LayerFile } from './oci-blobs.ts';
export { writeLayer, sha256 } from './oci-blobs.ts';

export const MT = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  inToto: 'application/vnd.in-toto+json',
} as const;

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageSpec {
  /** Default linux/amd64. */
  platform?: Platform;
  /** Default: one small layer whose files name the platform (so each platform's image differs). */
  layers?: LayerSpec[];
  entrypoint?: string[];
  user?: string;
  env?: string[];
  /** RFC 3339; default a fixed date so digests are reproducible. */
  created?: string;
}

export interface BuiltImage {
  platform: Platform;
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  diffIds: string[];
}

export interface Layout {
  dir: string;
  tag: string;
  /** `oci:DIR:TAG`, the skopeo source reference. */
  ref: string;
  /** The top-level manifest or index the tag points at. */
  top: Descriptor;
  images: BuiltImage[];
  /** Attestation manifests (buildx style), one per image, when asked for. */
  attestations: Descriptor[];
}

export const platformString = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new Error(`bad platform ${s}`);
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Writes the config, layers and manifest of one image into the layout's blobs. */
export async function writeImage(dir: string, spec: ImageSpec = {}): Promise<BuiltImage> {
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const pstr = platformString(platform);
  const layerSpecs = spec.layers ?? [
    {
      files: [
        { path: 'etc/regdoctor-test', content: `platform=${pstr}\n` },
        { path: 'app/hello.sh', content: `#!/bin/sh\necho hello from ${pstr}\n`, mode: 0o755 },
      ],
    },
  ];
  const built = [];
  for (const l of layerSpecs) built.push(await writeLayer(dir, l));
  const config = await writeJsonBlob(dir, MT.ociConfig, {
    created: spec.created ?? '2024-01-01T00:00:00Z',
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Entrypoint: spec.entrypoint ?? ['/app/hello.sh'],
      User: spec.user ?? '65534:65534',
      Env: spec.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    },
    rootfs: { type: 'layers', diff_ids: built.map((b) => b.diffId) },
    history: built.map(() => ({
      created: spec.created ?? '2024-01-01T00:00:00Z',
      created_by: 'regdoctor test',
    })),
  });
  const layers = built.map((b) => b.descriptor);
  const manifest = await writeJsonBlob(dir, MT.ociManifest, {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config,
    layers,
  });
  return { platform, manifest, config, layers, diffIds: built.map((b) => b.diffId) };
}

async function writeAttestation(dir: string, image: BuiltImage): Promise<Descriptor> {
  const statement = JSON.stringify({
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://slsa.dev/provenance/v0.2',
    subject: [{ name: 'regdoctor-test', digest: { sha256: image.manifest.digest.slice(7) } }],
    predicate: { builder: { id: 'regdoctor-test' } },
  });
  const layer = await writeBlob(dir, MT.inToto, statement);
  const layerDesc = {
    ...layer,
    annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' },
  };
  const config = await writeJsonBlob(dir, MT.ociConfig, {
    architecture: 'unknown',
    os: 'unknown',
    config: {},
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  });
  const manifest = await writeJsonBlob(dir, MT.ociManifest, {
    schemaVersion: 2,
    mediaType: MT.ociManifest,
    config,
    layers: [layerDesc],
  });
  return {
    ...manifest,
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: {
      'vnd.docker.reference.digest': image.manifest.digest,
      'vnd.docker.reference.type': 'attestation-manifest',
    },
  };
}

async function writeLayoutIndex(dir: string, top: Descriptor, tag: string): Promise<void> {
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociIndex,
      manifests: [{ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }],
    }),
  );
}

/** A layout whose tag points at one image manifest. */
export async function buildImageLayout(
  dir: string,
  spec: ImageSpec & { tag?: string } = {},
): Promise<Layout> {
  const tag = spec.tag ?? 'latest';
  await mkdir(dir, { recursive: true });
  const image = await writeImage(dir, spec);
  await writeLayoutIndex(dir, image.manifest, tag);
  return { dir, tag, ref: `oci:${dir}:${tag}`, top: image.manifest, images: [image], attestations: [] };
}

export interface IndexSpec {
  /** Platforms (`'linux/arm/v7'` or objects) or full image specs, in index order. One entry = a single-arch index. */
  images: (string | Platform | ImageSpec)[];
  /** Add a buildx-style attestation manifest (platform unknown/unknown) after the images. */
  attestation?: boolean;
  tag?: string;
}

/** A layout whose tag points at an image index of several (or one) platform images. */
export async function buildIndexLayout(dir: string, spec: IndexSpec): Promise<Layout> {
  const tag = spec.tag ?? 'latest';
  await mkdir(dir, { recursive: true });
  const images: BuiltImage[] = [];
  for (const entry of spec.images) {
    const imageSpec: ImageSpec =
      typeof entry === 'string'
        ? { platform: parsePlatform(entry) }
        : 'os' in entry
          ? { platform: entry }
          : entry;
    images.push(await writeImage(dir, imageSpec));
  }
  const attestations = spec.attestation ? await Promise.all(images.map((i) => writeAttestation(dir, i))) : [];
  const entries: Descriptor[] = [
    ...images.map((i) => ({ ...i.manifest, platform: i.platform })),
    ...attestations,
  ];
  const top = await writeJsonBlob(dir, MT.ociIndex, {
    schemaVersion: 2,
    mediaType: MT.ociIndex,
    manifests: entries,
  });
  await writeLayoutIndex(dir, top, tag);
  return { dir, tag, ref: `oci:${dir}:${tag}`, top, images, attestations };
}
