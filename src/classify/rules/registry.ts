// What the registry answered (or failed to): credentials, permissions, throttling, missing names, server errors,
// platforms, certificates, broken and missing layers, and the node's disk while storing them.
import type { Rule } from './rule.ts';

// How runtimes print an HTTP status: Go's resp.Status ("401 Unauthorized"; containerd's "unexpected status:",
// containers/image's "received unexpected HTTP status:"), a number after "status code" (containerd 1.6's "failed
// with status code [manifests 1]: 403 Forbidden", the ECS agent), containers/image's "StatusCode: 404" and
// "invalid status code from registry 404 (Not Found)", docker's "HTTP status".
const STATUS = String.raw`(?:status(?: code)?|StatusCode|http code|HTTP status|from registry|statuscode)[:=]? (?:\[[^\]\n]{0,200}\]: )?`;
/** `code` as a status number after one of the prefixes above, or followed by its reason phrase. */
const status = (code: string, reason: string) =>
  new RegExp(String.raw`\b${code} (?:${reason}|\(${reason}\))|${STATUS}${code}\b`);

export const REGISTRY_RULES: readonly Rule[] = [
  // ── Wrappers that own the failure nested inside them ──
  {
    id: 'platform',
    cause: 'PLATFORM_MISMATCH',
    pattern:
      /no match for platform in manifest|no matching manifest for \S+ in the manifest list entries|no image found in (?:manifest list|image index) for architecture|does not match the specified platform|image operating system "[^"\n]{0,1024}" cannot be used on this platform|cannot download image with operating system|does not contain descriptor matching platform|snapshotter \S+ does not support platform|exec format error/,
    wraps: true,
  },

  // ── Registries that blur "private" and "missing" (causes.md: UNAUTHORIZED, alternative REPOSITORY_NOT_FOUND) ──
  {
    id: 'pull-access-denied',
    cause: 'UNAUTHORIZED',
    pattern: /pull access denied|repository does not exist or may require|does not exist or no pull access/,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    wraps: true,
  },
  {
    id: 'quay-not-authorized',
    cause: 'UNAUTHORIZED',
    pattern: /unauthorized: access to the requested resource is not authorized/,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    wraps: true,
    evidenceBefore: 1,
  },
  {
    // GHCR and others answer an anonymous token request for a private (or missing) repository with 403.
    id: 'anonymous-token-forbidden',
    cause: 'FORBIDDEN',
    pattern: /failed to fetch anonymous token: (?:unexpected status(?: from \w+ request to \S+)?: )?403\b/,
    alternatives: ['UNAUTHORIZED', 'REPOSITORY_NOT_FOUND'],
    wraps: true,
  },
  {
    id: 'gar-unauthenticated',
    cause: 'UNAUTHORIZED',
    pattern: /Unauthenticated request\. Unauthenticated requests do not have permission/,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    wraps: true,
  },
  {
    id: 'gar-permission',
    cause: 'FORBIDDEN',
    pattern: /Permission "?artifactregistry\.[\w.]+"? denied on resource/,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    wraps: true,
  },
  {
    id: 'ecr-not-authorized',
    cause: 'FORBIDDEN',
    pattern: /is not authorized to perform: ecr:\w+/,
    wraps: true,
    evidenceBefore: 1,
  },

  // ── TLS (crypto/x509 and crypto/tls; Go ≥1.20 prefixes them with "tls: failed to verify certificate: ") ──
  {
    id: 'tls-hostname',
    cause: 'TLS_HOSTNAME_MISMATCH',
    pattern:
      /x509: certificate is valid for |x509: cannot validate certificate for \S+ because it doesn't contain any IP SANs|x509: certificate relies on legacy Common Name field|certificate is not valid for any names/,
    wraps: true,
    evidenceBefore: 3,
  },
  {
    id: 'tls-expired',
    cause: 'TLS_EXPIRED',
    pattern:
      /certificate has expired or is not yet valid|x509: certificate has expired|certificate is not yet valid|x509: “[^”\n]{0,256}” certificate is expired/,
    wraps: true,
    evidenceBefore: 3,
  },
  {
    id: 'tls-untrusted',
    cause: 'TLS_UNTRUSTED',
    pattern:
      /certificate signed by unknown authority|x509: (?:“[^”\n]{0,256}” )?certificate is not trusted|x509: certificate is not authorized to sign other certificates|x509: unhandled critical extension|self[- ]signed certificate|unable to get local issuer certificate|certificate verify failed/,
    wraps: true,
    evidenceBefore: 3,
  },
  {
    // containerd cannot build the TLS settings of a host: a `ca` or `client` file of its hosts.toml (or CRI registry
    // configs) is missing or holds no certificate, so every pull from that registry fails before any request.
    id: 'runtime-tls-files',
    cause: 'TLS_UNTRUSTED',
    pattern: /unable to (?:read|load) CA cert "|unable to read CERT file "/,
    evidenceBefore: 1,
  },
  {
    // The server (or a TLS-intercepting middlebox) sent a TLS alert instead of finishing the handshake: no common
    // protocol or cipher, a client certificate it wanted, an SNI it does not serve.
    id: 'tls-alert',
    cause: 'REGISTRY_ERROR',
    pattern: /remote error: tls: /,
    alternatives: ['PROXY_ERROR'],
    evidenceBefore: 2,
  },
  {
    // A TLS client that got plain HTTP back, and a plain-HTTP client that got a TLS record (or the TLS server's
    // 400 answer to plaintext): Go net/http, crypto/tls, and the servers' own messages.
    id: 'http-https',
    cause: 'HTTP_HTTPS_MISMATCH',
    pattern:
      /server gave HTTP response to HTTPS client|first record does not look like a TLS handshake|tls: oversized record received|malformed HTTP response "\\x15\\x03|Client sent an HTTP request to an HTTPS server|plain HTTP request was sent to HTTPS port/,
    wraps: true,
    evidenceBefore: 2,
  },

  // ── Registry answers ──
  {
    id: 'rate-limited',
    cause: 'RATE_LIMITED',
    pattern: /toomanyrequests|too many requests to registry|pull rate limit|rate limit exceeded/i,
    wraps: true,
    evidenceBefore: 1,
  },
  {
    id: 'status-429',
    cause: 'RATE_LIMITED',
    pattern: status('429', 'Too Many Requests'),
    wraps: true,
    evidenceBefore: 1,
  },
  {
    id: 'repository-unknown',
    cause: 'REPOSITORY_NOT_FOUND',
    pattern:
      /NAME_UNKNOWN|name unknown|repository name not known to registry|The repository with name '[^'\n]{0,1024}' does not exist|repository \S+ not found|Repo not found/,
    evidenceBefore: 2,
  },
  {
    id: 'manifest-unknown',
    cause: 'MANIFEST_NOT_FOUND',
    pattern:
      /MANIFEST_UNKNOWN|manifest unknown|manifest for \S+ not found|artifact \S+ not found|Requested image not found|image manifest does not exist for tag or digest/,
    evidenceBefore: 2,
  },
  {
    // errdefs.ErrNotFound as the last word: containerd's resolver turns any 404 on a manifest into "<ref>: not
    // found", whether the tag or the repository is missing; its fetcher says the same of a missing blob.
    id: 'not-found',
    cause: 'MANIFEST_NOT_FOUND',
    pattern: /: not found(?=$|[\s,\]"'.;)])/m,
    alternatives: ['REPOSITORY_NOT_FOUND'],
    evidenceBefore: 3,
    byOperation: {
      blob: { cause: 'LAYER_DOWNLOAD_FAILED', alternatives: ['REGISTRY_ERROR'] },
      unpack: null,
      auth: { cause: 'REGISTRY_ERROR' },
    },
  },
  {
    id: 'status-404',
    cause: 'MANIFEST_NOT_FOUND',
    pattern: status('404', 'Not Found'),
    alternatives: ['REPOSITORY_NOT_FOUND'],
    evidenceBefore: 2,
    byOperation: {
      blob: { cause: 'LAYER_DOWNLOAD_FAILED', alternatives: ['REGISTRY_ERROR'] },
      auth: { cause: 'REGISTRY_ERROR' },
      ping: { cause: 'REGISTRY_ERROR' },
    },
  },
  {
    id: 'blob-missing',
    cause: 'LAYER_DOWNLOAD_FAILED',
    pattern: /content at \S+ not found|BLOB_UNKNOWN|blob unknown/,
    alternatives: ['REGISTRY_ERROR'],
    evidenceBefore: 1,
  },
  {
    id: 'disk-full',
    cause: 'NODE_DISK_FULL',
    pattern:
      /no space left on device|disk quota exceeded|\bDiskPressure\b|low on resource: ephemeral-storage|no space left/,
    evidenceBefore: 1,
  },
  {
    id: 'layer-corrupt',
    cause: 'LAYER_DOWNLOAD_FAILED',
    pattern:
      /digest mismatch|failed commit on ref|unexpected commit digest|short read|filesystem layer verification failed|Digest did not match|size mismatch|failed to extract layer|failed to register layer|ApplyLayer exit status|failed to read expected number of bytes|wrong diff id calculated/,
    evidenceBefore: 1,
  },
  {
    id: 'unauthorized',
    cause: 'UNAUTHORIZED',
    pattern:
      /authentication required|no basic auth credentials|incorrect username or password|invalid username\/password|\bUNAUTHORIZED\b|insufficient_scope|(?:^|: )unauthorized(?=:|$|[,\]"'.;)])|authorization failed|missing username or secret|authorization token has expired/m,
    evidenceBefore: 2,
  },
  { id: 'status-401', cause: 'UNAUTHORIZED', pattern: status('401', 'Unauthorized'), evidenceBefore: 2 },
  {
    id: 'forbidden',
    cause: 'FORBIDDEN',
    pattern: /\bFORBIDDEN\b/,
    evidenceBefore: 2,
  },
  {
    // The distribution error code DENIED (HTTP 403) as clients print it ("denied: requested access to the
    // resource is denied", or containers/image's bare "denied"). Docker Hub answers anonymous requests for a
    // private or missing repository with it too.
    id: 'denied-code',
    cause: 'FORBIDDEN',
    pattern: /(?:^|: )(?:denied|DENIED)(?=: |$|[,\]"'.;)])|requested access to the resource is denied/m,
    alternatives: ['UNAUTHORIZED', 'REPOSITORY_NOT_FOUND'],
    evidenceBefore: 2,
  },
  { id: 'status-403', cause: 'FORBIDDEN', pattern: status('403', 'Forbidden'), evidenceBefore: 2 },
  {
    id: 'server-error',
    cause: 'REGISTRY_ERROR',
    pattern:
      /invalid character '<' looking for beginning of value|error parsing HTTP \d{3} response body|\bINTERNAL_ERROR\b|stopped after \d+ redirects/,
    evidenceBefore: 2,
  },
  {
    id: 'status-5xx',
    cause: 'REGISTRY_ERROR',
    // Go's http.StatusText for 5xx.
    pattern: status(
      '5\\d\\d',
      'Internal Server Error|Not Implemented|Bad Gateway|Service Unavailable|Gateway Timeout|HTTP Version Not Supported|Variant Also Negotiates|Insufficient Storage|Loop Detected|Not Extended|Network Authentication Required',
    ),
    evidenceBefore: 2,
  },
  {
    // A Go TLS server answers plaintext with "400 Bad Request" ("Client sent an HTTP request to an HTTPS
    // server."), nginx likewise; containerd prints only the status. A registry has no other reason to refuse a
    // well-formed manifest or ping request with 400.
    id: 'status-400',
    cause: 'REGISTRY_ERROR',
    pattern: status('400', 'Bad Request'),
    alternatives: ['HTTP_HTTPS_MISMATCH'],
    evidenceBefore: 2,
    byOperation: {
      manifest: { cause: 'HTTP_HTTPS_MISMATCH', alternatives: ['REGISTRY_ERROR'] },
      ping: { cause: 'HTTP_HTTPS_MISMATCH', alternatives: ['REGISTRY_ERROR'] },
    },
  },
  {
    // The registry (or something pretending to be it) hung up before answering.
    id: 'eof',
    cause: 'REGISTRY_ERROR',
    pattern: /: EOF(?=$|[\s,\]"'.;)])/m,
    alternatives: ['PROXY_ERROR', 'NETWORK_TIMEOUT'],
    evidenceBefore: 2,
    byOperation: {
      blob: { cause: 'LAYER_DOWNLOAD_FAILED', alternatives: ['NETWORK_TIMEOUT'] },
      // A token service is a separate host, often behind a CDN: a connection it drops unanswered was cut on the way.
      auth: { cause: 'NETWORK_TIMEOUT', alternatives: ['PROXY_ERROR', 'REGISTRY_ERROR'] },
    },
  },
  {
    // An answer cut off part-way. Inside a blob transfer that is a broken layer; fetching a token, a manifest or
    // the ping it is the connection that broke.
    id: 'unexpected-eof',
    cause: 'LAYER_DOWNLOAD_FAILED',
    pattern: /unexpected EOF/,
    alternatives: ['NETWORK_TIMEOUT'],
    evidenceBefore: 1,
    byOperation: {
      auth: { cause: 'NETWORK_TIMEOUT', alternatives: ['REGISTRY_ERROR', 'PROXY_ERROR'] },
      ping: { cause: 'NETWORK_TIMEOUT', alternatives: ['REGISTRY_ERROR', 'PROXY_ERROR'] },
      manifest: { cause: 'NETWORK_TIMEOUT', alternatives: ['REGISTRY_ERROR', 'PROXY_ERROR'] },
    },
  },
];
