// Pushes a demo image to a local registry through the distribution API (monolithic uploads). Only for the demo's
// own throwaway registries on loopback; the tests push with skopeo instead, independently of this code.
import type { BuiltImage } from './image.ts';

async function put(url: string, init: RequestInit, what: string): Promise<Response> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  if (res.status >= 300) throw new Error(`${what}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

export async function pushImage(
  base: string,
  repo: string,
  tag: string,
  image: BuiltImage & { children?: BuiltImage[] },
  authorization?: string,
): Promise<void> {
  const headers: Record<string, string> = authorization ? { authorization } : {};
  for (const b of image.blobs) {
    const start = await put(
      `${base}/v2/${repo}/blobs/uploads/`,
      { method: 'POST', headers },
      `start upload of ${b.digest}`,
    );
    const location = new URL(start.headers.get('location') ?? '', base);
    location.searchParams.set('digest', b.digest);
    await put(
      location.href,
      { method: 'PUT', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: b.data },
      `upload ${b.digest}`,
    );
  }
  for (const child of image.children ?? []) {
    await put(
      `${base}/v2/${repo}/manifests/${child.manifest.digest}`,
      {
        method: 'PUT',
        headers: { ...headers, 'content-type': child.manifest.mediaType },
        body: child.manifest.data,
      },
      'put child manifest',
    );
  }
  await put(
    `${base}/v2/${repo}/manifests/${tag}`,
    {
      method: 'PUT',
      headers: { ...headers, 'content-type': image.manifest.mediaType },
      body: image.manifest.data,
    },
    `put ${repo}:${tag}`,
  );
}
