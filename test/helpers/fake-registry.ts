// The well-behaved part of a fault server: answers /v2/, the fake image's manifest (any repo, any tag) and its
// blobs, so a client gets as far as the step where the fault is.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fakeImage, matchBlob, matchManifest, type FakeImage } from './fake-image.ts';
import { sendRegistryError } from './server.ts';
import { MT } from './oci.ts';

export type Route = 'ping' | 'manifest' | 'blob' | 'other';

export function routeOf(req: IncomingMessage): Route {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/v2/' || path === '/v2') return 'ping';
  if (matchManifest(path)) return 'manifest';
  if (matchBlob(path)) return 'blob';
  return 'other';
}

export function fakeRegistry(image: FakeImage = fakeImage()) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const head = req.method === 'HEAD';
    const route = routeOf(req);
    if (route === 'ping') {
      res.writeHead(200, {
        'content-type': 'application/json',
        'docker-distribution-api-version': 'registry/2.0',
      });
      res.end(head ? undefined : '{}');
      return;
    }
    if (route === 'manifest') {
      res.writeHead(200, {
        'content-type': MT.ociManifest,
        'content-length': image.manifest.length,
        'docker-content-digest': image.manifestDigest,
      });
      res.end(head ? undefined : image.manifest);
      return;
    }
    const blob = matchBlob(path);
    const data = blob ? image.blobs.get(blob.digest) : undefined;
    if (data) {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': data.length,
        'docker-content-digest': blob?.digest ?? '',
      });
      res.end(head ? undefined : data);
      return;
    }
    if (blob) return sendRegistryError(res, 404, 'BLOB_UNKNOWN', 'blob unknown to registry');
    sendRegistryError(res, 404, 'UNSUPPORTED', 'not found');
  };
}
