// The node's image filesystem against the image: a pull that cannot fit fails late (after minutes of download)
// with "no space left on device"; the agent can say so before anyone pulls. statfs of the runtime's root under the
// node root is all it needs — no privileges, and no reading of what is stored there.
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { remediationFor } from '../cause/remediation.ts';
import { fmtBytes } from '../inspect/index.ts';
import type { ProbeResult, RuntimeName } from '../result/index.ts';

/** Where each runtime keeps images (content and unpacked snapshots), relative to the node's `/`. */
export const IMAGE_FS_ROOT: Readonly<Record<RuntimeName, string>> = {
  containerd: 'var/lib/containerd',
  crio: 'var/lib/containers/storage',
  docker: 'var/lib/docker',
};

/**
 * Unpacked layers take more room than the compressed blobs the registry lists; the runtime keeps both (content
 * store and snapshots). Gzip on image layers typically compresses 2–3×, so a pull needs about compressed × (1 + 2).
 */
export const UNPACK_FACTOR = 2;

export interface ImageFs {
  /** As the node sees it (`/var/lib/containerd`). */
  path: string;
  availableBytes: number;
  totalBytes: number;
}

/**
 * statfs of `path` when given, else of the first runtime root that exists under nodeRoot, the detected runtime's
 * first: the agent's DaemonSet mounts every runtime's root, and a node creates the ones it lacks as empty
 * directories on its root filesystem. null: none found.
 */
export async function imageFsStats(
  nodeRoot: string,
  path?: string,
  runtime?: RuntimeName | null,
): Promise<ImageFs | null> {
  const all = Object.values(IMAGE_FS_ROOT);
  const roots = runtime ? [IMAGE_FS_ROOT[runtime], ...all.filter((r) => r !== IMAGE_FS_ROOT[runtime])] : all;
  for (const rel of path !== undefined ? [path.replace(/^\/+/, '')] : roots) {
    try {
      const s = await statfs(join(nodeRoot, rel));
      // bavail: blocks an unprivileged writer may use; the runtime runs as root, but root's reserve is not for
      // images either, and the kubelet's own eviction thresholds count from the same figure.
      return { path: `/${rel}`, availableBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch {
      // not this runtime's root
    }
  }
  return null;
}

/** The compressed size of what the probe found pullable (the blob step's imageBytes), or null. */
export function imageBytesOf(result: ProbeResult): number | null {
  const v = result.steps.find((s) => s.name === 'blob' && s.ok)?.detail.imageBytes;
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

/**
 * A pullable result becomes NODE_DISK_FULL when the image cannot fit: certain when even the compressed layers
 * exceed the free space, likely when they fit but the unpacked estimate does not.
 */
export function judgeDisk(result: ProbeResult, fs: ImageFs, imageBytes: number): ProbeResult {
  if (result.cause !== null) return result;
  const need = imageBytes * (1 + UNPACK_FACTOR);
  if (fs.availableBytes >= need) return result;
  const certain = fs.availableBytes < imageBytes;
  const summary = certain
    ? `the image's layers are ${fmtBytes(imageBytes)} compressed and the node's image filesystem ${fs.path} has ${fmtBytes(fs.availableBytes)} free: the pull cannot finish`
    : `the image needs about ${fmtBytes(need)} on the node (${fmtBytes(imageBytes)} compressed, unpacked about ${UNPACK_FACTOR}× that) and ${fs.path} has ${fmtBytes(fs.availableBytes)} free`;
  return {
    ...result,
    cause: 'NODE_DISK_FULL',
    confidence: certain ? 'certain' : 'likely',
    summary,
    remediation: remediationFor('NODE_DISK_FULL', { image: result.image, platform: result.platform }),
  };
}
