// Distribution API calls for one repository. Each returns what it saw; deciding what that means is the probe's job.
import { RegdoctorError } from '../cause/index.ts';
import { header, type HttpResponse, type Transport } from '../transport/http.ts';
import type { StepName } from '../result/index.ts';
import { parseChallenges } from './challenge.ts';
import { MANIFEST_ACCEPT, parseManifest, sha256, type Manifest } from './manifest.ts';
import type { PingResult } from './auth.ts';
import * as z from 'zod/mini';

export const LIMITS = {
  /** distribution refuses manifests over 4 MiB; anything larger is hostile. */
  manifestBytes: 4 * 1024 * 1024,
  configBytes: 8 * 1024 * 1024,
  errorBytes: 256 * 1024,
  tagsBytes: 8 * 1024 * 1024,
  /** Enough of a layer to prove it downloads, not so much that a probe pulls the image. */
  layerProbeBytes: 64 * 1024,
} as const;

/** The /v2/ base URL of a registry host. */
export function baseUrl(host: string, plainHttp: boolean): URL {
  return new URL(`${plainHttp ? 'http' : 'https'}://${host}/v2/`);
}

export async function ping(
  transport: Transport,
  base: URL,
): Promise<PingResult & { response: HttpResponse }> {
  const res = await transport.request({ url: base, maxBodyBytes: LIMITS.errorBytes, step: 'ping' });
  return {
    status: res.status,
    challenges: parseChallenges(res.headers['www-authenticate']),
    apiVersion: header(res.headers, 'docker-distribution-api-version'),
    ms: res.ms,
    response: res,
  };
}

function auth(authorization: string | undefined): Record<string, string> {
  return authorization ? { authorization } : {};
}

export interface FetchedManifest {
  manifest: Manifest;
  digest: string;
  size: number;
  headerDigest?: string;
  response: HttpResponse;
}

/** GET a manifest; a non-2xx answer is returned as a response for the caller to interpret. */
export async function getManifest(
  transport: Transport,
  base: URL,
  repo: string,
  ref: string,
  authorization: string | undefined,
  step: StepName,
): Promise<FetchedManifest | { response: HttpResponse }> {
  const res = await transport.request({
    url: new URL(`${repo}/manifests/${ref}`, base),
    headers: { accept: MANIFEST_ACCEPT, ...auth(authorization) },
    maxBodyBytes: LIMITS.manifestBytes,
    step,
  });
  if (res.status !== 200) return { response: res };
  const digest = sha256(res.body);
  const headerDigest = header(res.headers, 'docker-content-digest');
  if (ref.includes(':') && ref !== digest) {
    throw new RegdoctorError(
      'REGISTRY_ERROR',
      `registry served a manifest with digest ${digest} for ${ref}`,
      { step, expected: ref, actual: digest },
    );
  }
  if (headerDigest && headerDigest.startsWith('sha256:') && headerDigest !== digest) {
    throw new RegdoctorError(
      'REGISTRY_ERROR',
      `Docker-Content-Digest ${headerDigest} does not match the body's digest ${digest}`,
      { step },
    );
  }
  const manifest = parseManifest(res.body, header(res.headers, 'content-type'));
  return { manifest, digest, size: res.body.length, headerDigest, response: res };
}

export async function getBlob(
  transport: Transport,
  base: URL,
  repo: string,
  digest: string,
  authorization: string | undefined,
  opts: { maxBytes: number; readAtMost?: number; step: StepName },
): Promise<HttpResponse> {
  return transport.request({
    url: new URL(`${repo}/blobs/${digest}`, base),
    // A Range lets storage back-ends send only what the probe reads; servers that ignore it are cut off anyway.
    headers: {
      ...auth(authorization),
      ...(opts.readAtMost ? { range: `bytes=0-${opts.readAtMost - 1}` } : {}),
    },
    maxBodyBytes: opts.maxBytes,
    readAtMost: opts.readAtMost,
    step: opts.step,
  });
}

const tagList = z.object({ name: z.optional(z.string()), tags: z.optional(z.nullable(z.array(z.string()))) });

/** Lists tags (following `Link` pagination up to a bound). Returns the response on a non-200 answer. */
export async function listTags(
  transport: Transport,
  base: URL,
  repo: string,
  authorization: string | undefined,
  step: StepName,
): Promise<{ tags: string[]; complete: boolean } | { response: HttpResponse }> {
  const tags: string[] = [];
  let url: URL | null = new URL(`${repo}/tags/list?n=1000`, base);
  for (let page = 0; url && page < 10; page++) {
    const res = await transport.request({
      url,
      headers: auth(authorization),
      maxBodyBytes: LIMITS.tagsBytes,
      step,
    });
    if (res.status !== 200) return { response: res };
    let parsed;
    try {
      parsed = tagList.safeParse(JSON.parse(res.body.toString('utf8')));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) throw new RegdoctorError('REGISTRY_ERROR', 'tag list is not valid JSON', { step });
    tags.push(...(parsed.data.tags ?? []));
    const link = /<([^>]+)>;\s*rel="?next"?/.exec(header(res.headers, 'link') ?? '')?.[1];
    const next: URL | null = link ? new URL(link, url) : null;
    url = next && next.origin === base.origin ? next : null;
  }
  // Still a next page after the cap: the list is only a prefix, so absence from it proves nothing.
  return { tags, complete: url === null };
}
