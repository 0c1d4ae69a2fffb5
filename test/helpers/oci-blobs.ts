// Content-addressed blobs in an OCI layout's blobs/sha256/, and gzip'd tar layers built without Docker.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface LayerFile {
  path: string;
  content: string | Buffer;
  mode?: number;
}

/** Either a few named files, or one file of `randomBytes` pseudo-random (so incompressible) bytes. */
export type LayerSpec = { files: LayerFile[] } | { randomBytes: number; path?: string; seed?: number };

export interface BuiltLayer {
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar: the config's rootfs.diff_ids entry. */
  diffId: string;
}

// Fixed so that the same spec always gives the same digests.
const MTIME = new Date('2024-01-01T00:00:00Z');

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function blobPath(layoutDir: string, digest: string): string {
  return join(layoutDir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
}

export async function writeBlob(
  layoutDir: string,
  mediaType: string,
  data: Buffer | string,
): Promise<Descriptor> {
  const buf = Buffer.from(data);
  const digest = sha256(buf);
  await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  await writeFile(blobPath(layoutDir, digest), buf);
  return { mediaType, digest, size: buf.length };
}

export async function writeJsonBlob(
  layoutDir: string,
  mediaType: string,
  value: unknown,
): Promise<Descriptor> {
  return writeBlob(layoutDir, mediaType, JSON.stringify(value));
}

/** Deterministic incompressible bytes (xorshift32), in 1 MiB chunks. */
function* randomChunks(total: number, seed: number): Generator<Buffer> {
  let x = seed >>> 0 || 0x9e3779b9;
  let left = total;
  while (left > 0) {
    const n = Math.min(left, 1 << 20);
    const words = new Uint32Array(Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      words[i] = x;
    }
    yield Buffer.from(words.buffer, 0, n);
    left -= n;
  }
}

function hashing(): { stream: Transform; digest: () => string; size: () => number } {
  const h = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, digest: () => `sha256:${h.digest('hex')}`, size: () => size };
}

function fillTar(spec: LayerSpec): Readable {
  const p = tarPack();
  const base = { mtime: MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  void (async () => {
    try {
      if ('files' in spec) {
        for (const f of spec.files) {
          const content = Buffer.from(f.content);
          await new Promise<void>((res, rej) =>
            p.entry({ ...base, name: f.path, mode: f.mode ?? 0o644, size: content.length }, content, (e) =>
              e ? rej(e) : res(),
            ),
          );
        }
      } else {
        const entry = p.entry({
          ...base,
          name: spec.path ?? 'data/random.bin',
          mode: 0o644,
          size: spec.randomBytes,
        });
        for (const chunk of randomChunks(spec.randomBytes, spec.seed ?? 1)) {
          if (!entry.write(chunk)) await new Promise((r) => entry.once('drain', r));
        }
        await new Promise<void>((res, rej) => entry.end((e?: Error | null) => (e ? rej(e) : res())));
      }
      p.finalize();
    } catch (err) {
      p.destroy(err as Error);
    }
  })();
  return p;
}

/** Writes a gzip'd tar layer into the layout's blobs and returns its descriptor and diff ID. */
export async function writeLayer(layoutDir: string, spec: LayerSpec): Promise<BuiltLayer> {
  await mkdir(join(layoutDir, 'blobs', 'sha256'), { recursive: true });
  const tmp = join(layoutDir, 'blobs', `tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const raw = hashing();
  const gz = hashing();
  await pipeline(fillTar(spec), raw.stream, createGzip({ level: 6 }), gz.stream, createWriteStream(tmp));
  const digest = gz.digest();
  await rename(tmp, blobPath(layoutDir, digest));
  return {
    descriptor: { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: gz.size() },
    diffId: raw.digest(),
  };
}
