// What the cluster says about a node's pulls, beside the probe: which nodes already hold an image (the kubelet's
// Node.status.images, by digest when the probe knows it), and the kubelet's own pull settings from its configz
// (reached through the API server's node proxy, where RBAC grants `nodes/proxy` get). Pure: callers fetch.
import * as z from 'zod/mini';
import { repositoryName, tryParseReference } from '../reference/index.ts';
import type { Node } from './types.ts';

export interface NodeHolding {
  node: string;
  /** digest: the node holds the very manifest the probe resolved; tag: a copy under the same tag (maybe older). */
  match: 'digest' | 'tag';
  sizeBytes: number | null;
}

/**
 * Nodes whose status lists the image: by `repo@digest` when a digest is known (the reference's own, or the one the
 * probe resolved the tag to), else by `repo:tag`. Names are compared normalized (`nginx:1` = docker.io/library/nginx:1).
 */
export function nodesHolding(nodes: Iterable<Node>, image: string, digest: string | null): NodeHolding[] {
  const ref = tryParseReference(image);
  if (!ref) return [];
  const repo = repositoryName(ref);
  const wantDigest = ref.digest ?? digest;
  const out: NodeHolding[] = [];
  for (const n of nodes) {
    let best: NodeHolding | null = null;
    for (const img of n.status.images ?? []) {
      for (const name of img.names ?? []) {
        const r = tryParseReference(name);
        if (!r || repositoryName(r) !== repo) continue;
        const match =
          wantDigest !== null && r.digest === wantDigest
            ? 'digest'
            : ref.digest === null && r.digest === null && r.tag === ref.tag
              ? 'tag'
              : null;
        if (match && (best === null || (best.match === 'tag' && match === 'digest'))) {
          best = { node: n.metadata.name, match, sizeBytes: img.sizeBytes ?? null };
        }
      }
    }
    if (best) out.push(best);
  }
  return out.sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/** The kubelet settings that govern pulls, as its configz reports them (effective values, defaults filled in). */
export interface KubeletPullSettings {
  serializeImagePulls: boolean | null;
  maxParallelImagePulls: number | null;
  registryPullQPS: number | null;
  registryBurst: number | null;
  imageGCHighThresholdPercent: number | null;
  imageGCLowThresholdPercent: number | null;
  imageMinimumGCAge: string | null;
  imageMaximumGCAge: string | null;
  /** evictionHard's imagefs.available (e.g. 15%): below it the node reports DiskPressure. */
  imagefsAvailable: string | null;
}

const num = z.optional(z.nullable(z.number()));
const str = z.optional(z.nullable(z.string().check(z.maxLength(64))));
const configz = z.looseObject({
  kubeletconfig: z.looseObject({
    serializeImagePulls: z.optional(z.nullable(z.boolean())),
    maxParallelImagePulls: num,
    registryPullQPS: num,
    registryBurst: num,
    imageGCHighThresholdPercent: num,
    imageGCLowThresholdPercent: num,
    imageMinimumGCAge: str,
    imageMaximumGCAge: str,
    evictionHard: z.optional(z.nullable(z.record(z.string(), z.string().check(z.maxLength(64))))),
  }),
});

/** The pull settings in a configz answer, or null when it is not one. */
export function pullSettings(answer: unknown): KubeletPullSettings | null {
  const r = configz.safeParse(answer);
  if (!r.success) return null;
  const k = r.data.kubeletconfig;
  return {
    serializeImagePulls: k.serializeImagePulls ?? null,
    maxParallelImagePulls: k.maxParallelImagePulls ?? null,
    registryPullQPS: k.registryPullQPS ?? null,
    registryBurst: k.registryBurst ?? null,
    imageGCHighThresholdPercent: k.imageGCHighThresholdPercent ?? null,
    imageGCLowThresholdPercent: k.imageGCLowThresholdPercent ?? null,
    imageMinimumGCAge: k.imageMinimumGCAge ?? null,
    imageMaximumGCAge: k.imageMaximumGCAge ?? null,
    imagefsAvailable: k.evictionHard?.['imagefs.available'] ?? null,
  };
}

/** One line: `pulls serialized; registryPullQPS 5, burst 10; image GC at 85% down to 80%; evicts below 15% free`. */
export function describePullSettings(s: KubeletPullSettings): string {
  const parts: string[] = [];
  if (s.serializeImagePulls === true) parts.push('pulls one at a time (serializeImagePulls)');
  else if (s.serializeImagePulls === false)
    parts.push(
      `parallel pulls${s.maxParallelImagePulls ? ` (at most ${s.maxParallelImagePulls})` : ' (no limit)'}`,
    );
  if (s.registryPullQPS !== null)
    parts.push(
      s.registryPullQPS === 0
        ? 'no pull rate limit (registryPullQPS 0)'
        : `registryPullQPS ${s.registryPullQPS}, burst ${s.registryBurst ?? '?'}`,
    );
  if (s.imageGCHighThresholdPercent !== null)
    parts.push(
      `image GC from ${s.imageGCHighThresholdPercent}% disk use down to ${s.imageGCLowThresholdPercent ?? '?'}%`,
    );
  if (s.imagefsAvailable !== null)
    parts.push(`DiskPressure below ${s.imagefsAvailable} free on the image filesystem`);
  return parts.join('; ');
}
