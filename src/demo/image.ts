// Small, deterministic OCI images built in memory for the demo's throwaway registries.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { MEDIA } from '../registry/manifest.ts';

export interface Blob {
  digest: string;
  data: Buffer;
  mediaType: string;
}

export interface BuiltImage {
  blobs: Blob[];
  manifest: Blob;
}

function blob(data: Buffer, mediaType: string): Blob {
  return { digest: `sha256:${createHash('sha256').update(data).digest('hex')}`, data, mediaType };
}

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) {
    p.entry({ name, mode: 0o644, mtime: new Date(0) }, content);
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function buildImage(
  platform: { os: string; architecture: string; variant?: string },
  note: string,
): Promise<BuiltImage> {
  const tar = await tarOf({
    'etc/demo-release': `regdoctor demo image for ${platform.os}/${platform.architecture}\n${note}\n`,
  });
  const layer = blob(gzipSync(tar, { level: 9 }), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const config = blob(
    Buffer.from(
      JSON.stringify({
        ...platform,
        created: '2026-01-01T00:00:00Z',
        config: { Entrypoint: ['/bin/demo'], User: '65532' },
        rootfs: { type: 'layers', diff_ids: [`sha256:${createHash('sha256').update(tar).digest('hex')}`] },
      }),
    ),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociManifest,
        config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length },
        layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.data.length }],
      }),
    ),
    MEDIA.ociManifest,
  );
  return { blobs: [config, layer], manifest };
}

export async function buildIndex(
  platforms: { os: string; architecture: string; variant?: string }[],
  note: string,
): Promise<BuiltImage & { children: BuiltImage[] }> {
  const children = await Promise.all(platforms.map((p) => buildImage(p, note)));
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociIndex,
        manifests: children.map((c, i) => ({
          mediaType: c.manifest.mediaType,
          digest: c.manifest.digest,
          size: c.manifest.data.length,
          platform: platforms[i],
        })),
      }),
    ),
    MEDIA.ociIndex,
  );
  return { blobs: children.flatMap((c) => c.blobs), manifest, children };
}
