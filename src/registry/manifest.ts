// Manifests as they cross the wire: parsed with a schema keyed on mediaType so that a registry answering
// garbage becomes a clear REGISTRY_ERROR here, not a TypeError three modules later.
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import type { core } from 'zod/mini';
import { describeIssue } from '../util/schema.ts';
import { RegdoctorError } from '../cause/index.ts';
import type { IndexEntry } from '../platform/index.ts';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerSchema1Plain: 'application/vnd.docker.distribution.manifest.v1+json',
} as const;

/** What containerd's resolver sends (research-notes D), so the registry answers as it would to a node. */
export const MANIFEST_ACCEPT = [
  MEDIA.ociIndex,
  MEDIA.dockerList,
  MEDIA.ociManifest,
  MEDIA.dockerManifest,
].join(', ');

const digest = z.string().check(z.regex(/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/, 'not a digest'));
const annotations = z.optional(z.record(z.string(), z.string()));

/** An OCI descriptor's fields; artifact schemas (referrers) extend it. */
export const descriptorShape = {
  mediaType: z.string(),
  digest,
  size: z.number().check(z.int(), z.nonnegative()),
  urls: z.optional(z.array(z.string())),
  annotations,
};
const descriptor = z.object(descriptorShape);

const platform = z.object({
  os: z.string(),
  architecture: z.string(),
  variant: z.optional(z.string()),
  'os.version': z.optional(z.string()),
  'os.features': z.optional(z.array(z.string())),
});

const indexEntry = z.object({ ...descriptorShape, platform: z.optional(platform) });
const indexBody = {
  schemaVersion: z.literal(2),
  manifests: z.array(indexEntry),
  annotations,
};
const manifestBody = {
  schemaVersion: z.literal(2),
  config: descriptor,
  layers: z.array(descriptor),
  annotations,
};

export const manifestSchema = z.discriminatedUnion('mediaType', [
  z.object({ mediaType: z.literal(MEDIA.ociIndex), ...indexBody }),
  z.object({ mediaType: z.literal(MEDIA.dockerList), ...indexBody }),
  z.object({ mediaType: z.literal(MEDIA.ociManifest), ...manifestBody }),
  z.object({ mediaType: z.literal(MEDIA.dockerManifest), ...manifestBody }),
]);

export type Manifest = z.infer<typeof manifestSchema>;
export type IndexManifest = Extract<Manifest, { manifests: unknown }>;
export type ImageManifest = Extract<Manifest, { layers: unknown }>;
export type Descriptor = z.infer<typeof descriptor>;

export function isIndex(m: Manifest): m is IndexManifest {
  return m.mediaType === MEDIA.ociIndex || m.mediaType === MEDIA.dockerList;
}

export function sha256(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/**
 * Parses a manifest body. OCI manifests may omit `mediaType` in the body; then the response Content-Type decides,
 * as the OCI distribution spec says. A body whose mediaType contradicts the Content-Type is rejected.
 */
export function parseManifest(body: Buffer, contentType: string | undefined): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    const head = body.subarray(0, 80).toString('utf8').replace(/\s+/g, ' ');
    throw new RegdoctorError('REGISTRY_ERROR', `manifest is not JSON (starts with ${JSON.stringify(head)})`);
  }
  const type = contentType?.split(';')[0]?.trim();
  if (json && typeof json === 'object' && !Array.isArray(json)) {
    const obj = json as Record<string, unknown>;
    if (obj.schemaVersion === 1 || type === MEDIA.dockerSchema1 || type === MEDIA.dockerSchema1Plain) {
      throw new RegdoctorError(
        'REGISTRY_ERROR',
        'registry served a Docker schema 1 manifest; containerd 2.1+ refuses these — rebuild and push the image with a current tool',
        { mediaType: type },
      );
    }
    if (obj.mediaType === undefined && type) json = { ...obj, mediaType: type };
    else if (
      typeof obj.mediaType === 'string' &&
      type &&
      type !== 'application/json' &&
      type !== obj.mediaType
    ) {
      throw new RegdoctorError(
        'REGISTRY_ERROR',
        `manifest says mediaType ${obj.mediaType} but the registry sent Content-Type ${type}`,
      );
    }
  }
  const parsed = validate(json);
  if ('issue' in parsed) {
    throw new RegdoctorError(
      'REGISTRY_ERROR',
      `manifest is not a valid image manifest or index: ${describeIssue(parsed.issue)}`,
      {
        mediaType: type,
      },
    );
  }
  return parsed.data;
}

/** The list each kind of manifest holds, and the schema of one element. */
const LISTS: Record<string, { key: 'manifests' | 'layers'; element: z.ZodMiniType }> = {
  [MEDIA.ociIndex]: { key: 'manifests', element: indexEntry },
  [MEDIA.dockerList]: { key: 'manifests', element: indexEntry },
  [MEDIA.ociManifest]: { key: 'layers', element: descriptor },
  [MEDIA.dockerManifest]: { key: 'layers', element: descriptor },
};

/**
 * The schema, with the manifest's list (index entries or layers) checked one element at a time up to the first bad
 * one: zod collects an issue for every bad element, and a registry's 4 MiB list of empty objects held the thread
 * for over ten seconds before a RangeError.
 */
function validate(json: unknown): { data: Manifest } | { issue: core.$ZodIssue | undefined } {
  const obj = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const list = LISTS[String(obj.mediaType)];
  const elements = list ? obj[list.key] : undefined;
  if (!list || !Array.isArray(elements)) {
    const whole = manifestSchema.safeParse(json);
    return whole.success ? { data: whole.data } : { issue: whole.error.issues[0] };
  }
  const checked: unknown[] = [];
  for (const [i, e] of elements.entries()) {
    const one = list.element.safeParse(e);
    if (!one.success) {
      const issue = one.error.issues[0];
      return { issue: issue && { ...issue, path: [list.key, i, ...issue.path] } };
    }
    checked.push(one.data);
  }
  const rest = manifestSchema.safeParse({ ...obj, [list.key]: [] });
  if (!rest.success) return { issue: rest.error.issues[0] };
  return { data: { ...rest.data, [list.key]: checked } as Manifest };
}

const imageConfig = z.object({
  architecture: z.optional(z.string()),
  os: z.optional(z.string()),
  variant: z.optional(z.string()),
  created: z.optional(z.string()),
  config: z.optional(
    z.nullable(
      z.looseObject({
        Entrypoint: z.optional(z.nullable(z.array(z.string()))),
        Cmd: z.optional(z.nullable(z.array(z.string()))),
        User: z.optional(z.nullable(z.string())),
        WorkingDir: z.optional(z.nullable(z.string())),
      }),
    ),
  ),
  rootfs: z.optional(z.object({ type: z.string(), diff_ids: z.array(z.string()) })),
});
export type ImageConfig = z.infer<typeof imageConfig>;

export function parseImageConfig(body: Buffer): ImageConfig {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegdoctorError('REGISTRY_ERROR', 'image config blob is not JSON');
  }
  const parsed = imageConfig.safeParse(json);
  if (!parsed.success)
    throw new RegdoctorError(
      'REGISTRY_ERROR',
      `image config blob is malformed: ${describeIssue(parsed.error.issues[0])}`,
    );
  return parsed.data;
}

/** An index's entries in the platform module's terms. */
export function indexEntries(m: IndexManifest): IndexEntry[] {
  return m.manifests.map((d) => ({
    digest: d.digest,
    mediaType: d.mediaType,
    size: d.size,
    platform: d.platform
      ? {
          os: d.platform.os,
          architecture: d.platform.architecture,
          variant: d.platform.variant,
          osVersion: d.platform['os.version'],
          osFeatures: d.platform['os.features'],
        }
      : undefined,
    annotations: d.annotations,
  }));
}
