// A corpus composed from the sources' own format strings: each innermost cause (Go net, net/http, crypto/x509 and
// crypto/tls errors; registry answers as each client prints them) under each runtime's wrapping layers (the
// kubelet, gRPC, the CRI plugin, containerd's resolver/fetcher/authorizer, containers/image, dockerd, the ECS
// agent, podman, crictl). Where each string comes from is in docs/classify.md. The cause of a message is its
// innermost cause, whatever wraps it; only a blob transfer changes what a cut connection means.
import type { Cause } from '../../src/cause/index.ts';

const H = 'registry.example.com';
const R = `${H}/team/app:1.4`;
const M = `https://${H}/v2/team/app/manifests/1.4`;
const B = `https://${H}/v2/team/app/blobs/sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08`;
const T = `https://auth.example.com/token?scope=repository%3Ateam%2Fapp%3Apull&service=${H}`;

/** A Go transport-level error (the last element of a url.Error). */
interface Transport {
  id: string;
  error: string;
  cause: Cause;
  /** What it means when the request was a blob download. Default: the same cause. */
  inBlob?: Cause;
  /** What it means when the request was for a token. Default: the same cause. */
  inAuth?: Cause;
}

export const TRANSPORT: readonly Transport[] = [
  {
    id: 'refused',
    error: 'dial tcp 10.20.30.40:443: connect: connection refused',
    cause: 'CONNECTION_REFUSED',
  },
  {
    id: 'refused-ipv6',
    error: 'dial tcp [2001:db8::1]:443: connect: connection refused',
    cause: 'CONNECTION_REFUSED',
  },
  {
    id: 'refused-windows',
    error:
      'dial tcp 10.20.30.40:443: connectex: No connection could be made because the target machine actively refused it.',
    cause: 'CONNECTION_REFUSED',
  },
  {
    id: 'unreachable-ipv6',
    error: 'dial tcp [2001:db8::1]:443: connect: network is unreachable',
    cause: 'NETWORK_UNREACHABLE',
  },
  {
    id: 'no-route',
    error: 'dial tcp 10.20.30.40:443: connect: no route to host',
    cause: 'NETWORK_UNREACHABLE',
  },
  { id: 'dial-timeout', error: 'dial tcp 10.20.30.40:443: i/o timeout', cause: 'NETWORK_TIMEOUT' },
  { id: 'dial-timeout-ipv6', error: 'dial tcp [2001:db8::1]:443: i/o timeout', cause: 'NETWORK_TIMEOUT' },
  {
    id: 'dial-timeout-windows',
    error:
      'dial tcp 10.20.30.40:443: connectex: A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond.',
    cause: 'NETWORK_TIMEOUT',
  },
  {
    id: 'dns-nxdomain',
    error: `dial tcp: lookup ${H} on 10.96.0.10:53: no such host`,
    cause: 'DNS_FAILURE',
  },
  {
    id: 'dns-nxdomain-ipv6-server',
    error: `dial tcp: lookup ${H} on [fd00::a]:53: no such host`,
    cause: 'DNS_FAILURE',
  },
  { id: 'dns-cgo', error: `dial tcp: lookup ${H}: no such host`, cause: 'DNS_FAILURE' },
  {
    id: 'dns-servfail',
    error: `dial tcp: lookup ${H} on 10.96.0.10:53: server misbehaving`,
    cause: 'DNS_FAILURE',
  },
  {
    id: 'dns-timeout',
    error: `dial tcp: lookup ${H} on 10.96.0.10:53: read udp 10.244.1.5:52133->10.96.0.10:53: i/o timeout`,
    cause: 'DNS_FAILURE',
  },
  {
    id: 'dns-server-refused',
    error: `dial tcp: lookup ${H} on [::1]:53: read udp [::1]:43232->[::1]:53: read: connection refused`,
    cause: 'DNS_FAILURE',
  },
  {
    id: 'dns-glibc',
    error: `dial tcp: lookup ${H}: Temporary failure in name resolution`,
    cause: 'DNS_FAILURE',
  },
  { id: 'tls-handshake-timeout', error: 'net/http: TLS handshake timeout', cause: 'NETWORK_TIMEOUT' },
  {
    id: 'client-timeout',
    error:
      'net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
    cause: 'NETWORK_TIMEOUT',
  },
  {
    id: 'client-timeout-go1.23',
    error: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
    cause: 'NETWORK_TIMEOUT',
  },
  {
    id: 'response-header-timeout',
    error: 'net/http: timeout awaiting response headers',
    cause: 'NETWORK_TIMEOUT',
  },
  {
    id: 'reset',
    error: 'read tcp 10.244.1.5:41234->10.20.30.40:443: read: connection reset by peer',
    cause: 'NETWORK_TIMEOUT',
    inBlob: 'LAYER_DOWNLOAD_FAILED',
  },
  {
    id: 'eof',
    error: 'EOF',
    cause: 'REGISTRY_ERROR',
    inBlob: 'LAYER_DOWNLOAD_FAILED',
    inAuth: 'NETWORK_TIMEOUT',
  },
  {
    id: 'unexpected-eof',
    error: 'unexpected EOF',
    cause: 'NETWORK_TIMEOUT',
    inBlob: 'LAYER_DOWNLOAD_FAILED',
  },
  {
    id: 'http2-goaway',
    error: 'http2: server sent GOAWAY and closed the connection; LastStreamID=1, ErrCode=NO_ERROR, debug=""',
    cause: 'NETWORK_TIMEOUT',
    inBlob: 'LAYER_DOWNLOAD_FAILED',
  },
  { id: 'x509-unknown-ca', error: 'x509: certificate signed by unknown authority', cause: 'TLS_UNTRUSTED' },
  {
    id: 'x509-unknown-ca-go1.20',
    error: 'tls: failed to verify certificate: x509: certificate signed by unknown authority',
    cause: 'TLS_UNTRUSTED',
  },
  {
    id: 'x509-candidate',
    error:
      'x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "corp-root-ca")',
    cause: 'TLS_UNTRUSTED',
  },
  {
    id: 'x509-macos',
    error: 'tls: failed to verify certificate: x509: “registry.example.com” certificate is not trusted',
    cause: 'TLS_UNTRUSTED',
  },
  {
    id: 'x509-expired',
    error:
      'tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2025-03-01T10:00:00Z is after 2025-02-28T23:59:59Z',
    cause: 'TLS_EXPIRED',
  },
  {
    id: 'x509-valid-for',
    error: `tls: failed to verify certificate: x509: certificate is valid for ingress.local, *.apps.example.org, not ${H}`,
    cause: 'TLS_HOSTNAME_MISMATCH',
  },
  {
    id: 'x509-no-names',
    error: `x509: certificate is not valid for any names, but wanted to match ${H}`,
    cause: 'TLS_HOSTNAME_MISMATCH',
  },
  {
    id: 'x509-no-ip-sans',
    error: "x509: cannot validate certificate for 10.20.30.40 because it doesn't contain any IP SANs",
    cause: 'TLS_HOSTNAME_MISMATCH',
  },
  {
    id: 'x509-common-name',
    error:
      'x509: certificate relies on legacy Common Name field, use SANs or temporarily enable Common Name matching with GODEBUG=x509ignoreCN=0',
    cause: 'TLS_HOSTNAME_MISMATCH',
  },
  { id: 'tls-alert', error: 'remote error: tls: handshake failure', cause: 'REGISTRY_ERROR' },
  { id: 'redirect-loop', error: 'stopped after 10 redirects', cause: 'REGISTRY_ERROR' },
  {
    id: 'http-to-https',
    error: 'http: server gave HTTP response to HTTPS client',
    cause: 'HTTP_HTTPS_MISMATCH',
  },
  {
    id: 'tls-first-record',
    error: 'tls: first record does not look like a TLS handshake',
    cause: 'HTTP_HTTPS_MISMATCH',
  },
  {
    id: 'proxy-refused',
    error: 'proxyconnect tcp: dial tcp 10.0.0.3:3128: connect: connection refused',
    cause: 'PROXY_ERROR',
  },
  { id: 'proxy-407', error: 'Proxy Authentication Required', cause: 'PROXY_ERROR' },
  { id: 'proxy-502', error: 'Bad Gateway', cause: 'PROXY_ERROR' },
];

/** A request that failed in transport, as each runtime wraps it. `url` is the request's URL. */
interface Wrapper {
  id: string;
  /** What the request fetched: a blob download (or a token) changes what a cut connection means. */
  blob?: boolean;
  auth?: boolean;
  wrap(error: string): string;
}

const goGet = (method: string, url: string, e: string) => `${method} "${url}": ${e}`;

export const TRANSPORT_WRAPPERS: readonly Wrapper[] = [
  {
    id: 'containerd-resolve',
    wrap: (e) =>
      `failed to pull and unpack image "${R}": failed to resolve reference "${R}": failed to do request: ${goGet('Head', M, e)}`,
  },
  {
    id: 'containerd-token',
    auth: true,
    wrap: (e) =>
      `failed to pull and unpack image "${R}": failed to resolve reference "${R}": failed to authorize: failed to fetch anonymous token: ${goGet('Get', T, e)}`,
  },
  {
    id: 'containerd-oauth',
    auth: true,
    wrap: (e) =>
      `failed to pull and unpack image "${R}": failed to resolve reference "${R}": failed to authorize: failed to fetch oauth token: ${goGet('Post', 'https://auth.example.com/token', e)}`,
  },
  {
    id: 'containerd-blob',
    blob: true,
    wrap: (e) =>
      `failed to pull and unpack image "${R}": failed to copy: httpReadSeeker: failed open: failed to do request: ${goGet('Get', B, e)}`,
  },
  {
    id: 'containerd-2.1-transfer',
    wrap: (e) =>
      `failed to pull and unpack image "${R}": failed to resolve image: failed to do request: ${goGet('Head', M, e)}`,
  },
  {
    id: 'containers-image-ping',
    wrap: (e) =>
      `initializing source docker://${R}: pinging container registry ${H}: ${goGet('Get', `https://${H}/v2/`, e)}`,
  },
  {
    id: 'containers-image-manifest',
    wrap: (e) => `initializing source docker://${R}: ${goGet('Get', M, e)}`,
  },
  {
    id: 'containers-image-token',
    auth: true,
    wrap: (e) => `initializing source docker://${R}: ${goGet('Get', T, e)}`,
  },
  {
    id: 'containers-image-blob',
    blob: true,
    wrap: (e) =>
      `reading blob sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08: fetching blob: ${goGet('Get', B, e)}`,
  },
  {
    id: 'crio-old-pinging',
    wrap: (e) => `error pinging docker registry ${H}: ${goGet('Get', `https://${H}/v2/`, e)}`,
  },
  { id: 'dockerd', wrap: (e) => `Error response from daemon: ${goGet('Get', `https://${H}/v2/`, e)}` },
  { id: 'dockerd-go1.13', wrap: (e) => `Error response from daemon: Get https://${H}/v2/: ${e}` },
  {
    id: 'ecs-fargate',
    wrap: (e) =>
      `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "${R}": failed to do request: ${goGet('Head', M, e)}`,
  },
];

/** How the CRI answer reaches the user: through gRPC, the kubelet's event, its klog line, podman or crictl. */
export const OUTER: readonly { id: string; wrap(inner: string): string }[] = [
  { id: 'as-is', wrap: (m) => m },
  { id: 'grpc', wrap: (m) => `rpc error: code = Unknown desc = ${m}` },
  { id: 'kubelet-event', wrap: (m) => `Failed to pull image "${R}": rpc error: code = Unknown desc = ${m}` },
  {
    id: 'kubelet-klog',
    wrap: (m) =>
      `E0301 10:00:00.000000    2211 kuberuntime_image.go:55] "Failed to pull image" err=${JSON.stringify(`rpc error: code = Unknown desc = ${m}`)} image="${R}"`,
  },
  { id: 'crictl', wrap: (m) => `FATA[0002] pulling image: rpc error: code = Unknown desc = ${m}` },
  {
    id: 'kubelet-backoff-detail',
    wrap: (m) => `Back-off pulling image "${R}": ErrImagePull: rpc error: code = Unknown desc = ${m}`,
  },
];

/** A registry's HTTP answer to a manifest request, as each client prints it. */
interface Answer {
  id: string;
  cause: Cause;
  /** containerd 1.6 ("pulling from host … failed with status code [manifests T]: STATUS"). */
  status?: string;
  /** The registry's JSON error as containers/image or dockerd prints it. */
  body?: string;
}

export const ANSWERS: readonly Answer[] = [
  {
    id: '401',
    cause: 'UNAUTHORIZED',
    status: '401 Unauthorized',
    body: 'unauthorized: authentication required',
  },
  {
    id: '403',
    cause: 'FORBIDDEN',
    status: '403 Forbidden',
    body: 'denied: requested access to the resource is denied',
  },
  { id: '403-bare-code', cause: 'FORBIDDEN', body: 'denied' },
  {
    id: '429',
    cause: 'RATE_LIMITED',
    status: '429 Too Many Requests',
    body: 'toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
  },
  { id: '500', cause: 'REGISTRY_ERROR', status: '500 Internal Server Error' },
  { id: '502', cause: 'REGISTRY_ERROR', status: '502 Bad Gateway' },
  { id: '503', cause: 'REGISTRY_ERROR', status: '503 Service Unavailable' },
  { id: '504', cause: 'REGISTRY_ERROR', status: '504 Gateway Timeout' },
  { id: 'manifest-unknown', cause: 'MANIFEST_NOT_FOUND', body: 'manifest unknown: manifest unknown' },
  {
    id: 'name-unknown',
    cause: 'REPOSITORY_NOT_FOUND',
    body: 'name unknown: repository name not known to registry',
  },
];

export function answerMessages(a: Answer): { id: string; message: string }[] {
  const out: { id: string; message: string }[] = [];
  if (a.status) {
    const code = a.status.slice(0, 3);
    out.push(
      {
        id: 'containerd-1.6',
        message: `failed to pull and unpack image "${R}": failed to resolve reference "${R}": pulling from host ${H} failed with status code [manifests 1.4]: ${a.status}`,
      },
      {
        id: 'containerd-1.7',
        message: `failed to pull and unpack image "${R}": failed to resolve reference "${R}": unexpected status from HEAD request to ${M}: ${a.status}`,
      },
      {
        id: 'containers-image-status',
        message: `initializing source docker://${R}: reading manifest 1.4 in ${H}/team/app: received unexpected HTTP status: ${a.status}`,
      },
      {
        id: 'ecs-status-code',
        message: `CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "${R}": pulling from host ${H} failed with status code [manifests 1.4]: ${a.status}`,
      },
      {
        id: 'containers-image-blob-status',
        message: `reading blob sha256:9f86d0: Error fetching blob: invalid status code from registry ${code} (${a.status.slice(4)})`,
      },
    );
  }
  if (a.body) {
    out.push(
      {
        id: 'containers-image-body',
        message: `initializing source docker://${R}: reading manifest 1.4 in ${H}/team/app: ${a.body}`,
      },
      { id: 'dockerd-body', message: `Error response from daemon: ${goGet('Head', M, a.body)}` },
    );
  }
  return out;
}
