// A tiny, self-consistent image (config + one layer + manifest) held in memory, for fault servers that must
// look like a registry up to the point where they misbehave.
import { gzipSync } from 'node:zlib';
import { sha256 } from './oci-blobs.ts';
import { MT } from './oci.ts';

export interface FakeImage {
  manifest: Buffer;
  manifestDigest: string;
  blobs: Map<string, Buffer>;
  configDigest: string;
  layerDigest: string;
}

export function fakeImage(): FakeImage {
  // Not a real tar: fault tests only check transport behaviour, never unpack it.
  const layer = gzipSync(Buffer.from('regdoctor fault-server layer\n'));
  const layerDigest = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MT.ociManifest,
      config: { mediaType: MT.ociConfig, digest: configDigest, size: config.length },
      layers: [{ mediaType: MT.ociLayerGzip, digest: layerDigest, size: layer.length }],
    }),
  );
  return {
    manifest,
    manifestDigest: sha256(manifest),
    blobs: new Map([
      [configDigest, config],
      [layerDigest, layer],
    ]),
    configDigest,
    layerDigest,
  };
}

const MANIFEST_PATH = /^\/v2\/(.+)\/manifests\/([^/]+)$/;
const BLOB_PATH = /^\/v2\/(.+)\/blobs\/([^/]+)$/;

export function matchManifest(path: string): { name: string; reference: string } | undefined {
  const m = MANIFEST_PATH.exec(path);
  return m ? { name: m[1] as string, reference: m[2] as string } : undefined;
}

export function matchBlob(path: string): { name: string; digest: string } | undefined {
  const m = BLOB_PATH.exec(path);
  return m ? { name: m[1] as string, digest: m[2] as string } : undefined;
}
