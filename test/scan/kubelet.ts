// What the kubelet (containerd runtime, unless said otherwise) writes into `Failed` events and waiting states for
// each kind of pull failure, built for the tests' own image references.
import { msg } from './world.ts';

function parts(image: string): { host: string; repo: string; tag: string } {
  const slash = image.indexOf('/');
  const host = image.slice(0, slash);
  const rest = image.slice(slash + 1);
  const colon = rest.lastIndexOf(':');
  return { host, repo: rest.slice(0, colon), tag: rest.slice(colon + 1) };
}

const head = (image: string, scheme = 'https') => {
  const p = parts(image);
  return `${scheme}://${p.host}/v2/${p.repo}/manifests/${p.tag}`;
};
const resolve = (image: string, why: string) => `failed to resolve reference "${image}": ${why}`;

export const kubelet = {
  notFound: (image: string) => msg.failed(image, resolve(image, `${image}: not found`), 'NotFound'),
  unauthorized: (image: string) =>
    msg.failed(
      image,
      resolve(image, `unexpected status from HEAD request to ${head(image)}: 401 Unauthorized`),
    ),
  forbidden: (image: string) =>
    msg.failed(image, resolve(image, `unexpected status from HEAD request to ${head(image)}: 403 Forbidden`)),
  rateLimited: (image: string) =>
    msg.failed(
      image,
      `failed to copy: httpReadSeeker: failed open: unexpected status code ${head(image)}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.`,
    ),
  serverError: (image: string) =>
    msg.failed(
      image,
      resolve(image, `unexpected status from HEAD request to ${head(image)}: 503 Service Unavailable`),
    ),
  dns: (image: string) =>
    msg.failed(
      image,
      resolve(
        image,
        `failed to do request: Head "${head(image)}": dial tcp: lookup ${parts(image).host.split(':')[0]} on 10.96.0.10:53: no such host`,
      ),
    ),
  refused: (image: string) =>
    msg.failed(
      image,
      resolve(
        image,
        `failed to do request: Head "${head(image)}": dial tcp ${parts(image).host}: connect: connection refused`,
      ),
    ),
  unreachable: (image: string) =>
    msg.failed(
      image,
      resolve(
        image,
        `failed to do request: Head "${head(image)}": dial tcp ${parts(image).host}: connect: network is unreachable`,
      ),
    ),
  ioTimeout: (image: string) =>
    msg.failed(
      image,
      resolve(
        image,
        `failed to do request: Head "${head(image)}": dial tcp ${parts(image).host}: i/o timeout`,
      ),
    ),
  proxy: (image: string) =>
    msg.failed(
      image,
      resolve(
        image,
        `failed to do request: Head "${head(image)}": proxyconnect tcp: dial tcp 10.0.0.8:3128: connect: connection refused`,
      ),
    ),
  tlsUntrusted: (image: string) =>
    msg.failed(
      image,
      resolve(
        image,
        `failed to do request: Head "${head(image)}": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
      ),
    ),
  tlsExpired: (image: string) =>
    msg.failed(
      image,
      resolve(
        image,
        `failed to do request: Head "${head(image)}": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2025-03-01T12:00:00Z is after 2025-02-27T12:00:00Z`,
      ),
    ),
  tlsHostname: (image: string) =>
    msg.failed(
      image,
      resolve(
        image,
        `failed to do request: Head "${head(image)}": tls: failed to verify certificate: x509: certificate is valid for registry.example.test, not ${parts(image).host.split(':')[0]}`,
      ),
    ),
  httpToHttps: (image: string) =>
    msg.failed(
      image,
      resolve(
        image,
        `failed to do request: Head "${head(image)}": http: server gave HTTP response to HTTPS client`,
      ),
    ),
  layer: (image: string) =>
    msg.failed(
      image,
      'failed to copy: read tcp 10.244.1.17:48122->172.18.0.2:5000: read: connection reset by peer',
    ),
  platform: (image: string) => msg.failed(image, 'no match for platform in manifest: not found', 'NotFound'),
  noSpace: (image: string) =>
    msg.failed(
      image,
      'failed to copy: write /var/lib/containerd/io.containerd.content.v1.content/ingest/7a0c3f/data: no space left on device',
    ),
  qps: (image: string) => `Failed to pull image "${image}": pull QPS exceeded`,
  deadline: (image: string) =>
    `Failed to pull image "${image}": rpc error: code = DeadlineExceeded desc = context deadline exceeded`,
  /** CRI-O in enforcing short-name mode. */
  shortName: (image: string) =>
    `Failed to pull image "${image}": rpc error: code = Unknown desc = short-name "${image}" did not resolve to an alias and no unqualified-search registries are defined in "/etc/containers/registries.conf"`,
  /** CRI-O with a policy.json that rejects the image. */
  policy: (image: string) =>
    `Failed to pull image "${image}": rpc error: code = Unknown desc = Source image rejected: Running image docker://${image} is rejected by policy.`,
  /** CRI-O with a policy.json that requires signatures. */
  signature: (image: string) =>
    `Failed to pull image "${image}": rpc error: code = Unknown desc = Source image rejected: A signature was required, but no signature exists`,
  credentialProvider: (image: string) =>
    `Failed to pull image "${image}": Failed getting credential from external registry credential provider: error execing credential provider plugin ecr-credential-provider for image ${image}: fork/exec /etc/kubernetes/image-credential-provider/ecr-credential-provider: no such file or directory`,
  neverPull: (image: string) => `Container image "${image}" is not present with pull policy of Never`,
  invalidName: (image: string) =>
    `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format: repository name must be lowercase`,
  unknown: (image: string) =>
    msg.failed(
      image,
      'failed to prepare extraction snapshot "extract-722373617-Yk3l sha256:94e5f06ff8e3d4441dc3cd8b090ff38dc911bfa8ebdb0dc28395bc98f82f983f": parent snapshot sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820 does not exist: not found',
    ),
  missingSecrets: (names: string[]) =>
    `Unable to retrieve some image pull secrets (${names.join(', ')}); attempting to pull the image may not succeed.`,
};
