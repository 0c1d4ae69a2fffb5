// Realistic pull-failure messages with the classification each must get. Wording follows what kubelet,
// containerd, CRI-O, Docker (dockershim / cri-dockerd) and admission controllers actually print, across versions;
// image and host names are made up. `\"` inside a message is Go/JSON escaping as found in logs and `-o json`.
import type { Cause } from '../../src/cause/index.ts';

export interface CorpusEntry {
  id: string;
  message: string;
  reason?: string;
  cause: Cause;
  /** Exact alternatives, when the case is about them; omitted means "not checked". */
  alternatives?: Cause[];
  confidence?: 'certain' | 'likely';
  image?: string | null;
  registry?: string | null;
  evidenceIncludes?: string;
  explanationIncludes?: string;
}

const ML = (lines: string[]) => lines.join('\n');

export const CORPUS: CorpusEntry[] = [
  // ── INVALID_REFERENCE ──
  {
    id: 'kubelet-double-tag',
    reason: 'InvalidImageName',
    message:
      'Failed to apply default image tag "registry.example.com/team/api:registry.example.com/team/api:4f2c9e1": couldn\'t parse image reference "registry.example.com/team/api:registry.example.com/team/api:4f2c9e1": invalid reference format',
    cause: 'INVALID_REFERENCE',
    confidence: 'certain',
    image: 'registry.example.com/team/api:registry.example.com/team/api:4f2c9e1',
    registry: 'registry.example.com',
  },
  {
    id: 'kubelet-uppercase-new-wording',
    message:
      'Failed to apply default image tag "MyOrg/Web:1.0": couldn\'t parse image name "MyOrg/Web:1.0": invalid reference format: repository name (MyOrg/Web) must be lowercase',
    cause: 'INVALID_REFERENCE',
    confidence: 'certain',
    image: 'MyOrg/Web:1.0',
  },
  {
    id: 'kubelet-empty-tag',
    message:
      'Failed to apply default image tag "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api:": couldn\'t parse image reference "123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api:": invalid reference format',
    cause: 'INVALID_REFERENCE',
    image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/payments/api:',
    registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  },
  {
    id: 'kubelet-scheme-in-image',
    message:
      'Failed to apply default image tag "https://harbor.corp.example/release/name:1.1.0": couldn\'t parse image reference "https://harbor.corp.example/release/name:1.1.0": invalid reference format',
    cause: 'INVALID_REFERENCE',
    registry: 'harbor.corp.example',
  },
  {
    id: 'docker-lowercase',
    message:
      'Failed to pull image "Acme/Billing:2.0": rpc error: code = Unknown desc = Error response from daemon: invalid reference format: repository name must be lowercase',
    cause: 'INVALID_REFERENCE',
    confidence: 'likely',
    evidenceIncludes: 'repository name must be lowercase',
  },
  {
    id: 'reason-only-invalid',
    reason: 'InvalidImageName',
    message: '',
    cause: 'INVALID_REFERENCE',
    confidence: 'certain',
    image: null,
  },

  // ── SHORT_NAME_UNRESOLVED ──
  {
    id: 'crio-134-ambiguous-inspect',
    reason: 'InspectFailed',
    message:
      'Failed to inspect image "": rpc error: code = Unknown desc = short name mode is enforcing, but image name synology/synology-csi:v1.2.0 returns ambiguous list',
    cause: 'SHORT_NAME_UNRESOLVED',
    image: 'synology/synology-csi:v1.2.0',
    registry: null,
  },
  {
    id: 'crio-134-ambiguous-pull',
    message:
      'Failed to pull image "alpine": short name mode is enforcing, but image name alpine:latest returns ambiguous list',
    cause: 'SHORT_NAME_UNRESOLVED',
    image: 'alpine',
    registry: null,
  },
  {
    id: 'crio-no-search-registries',
    message:
      'Failed to pull image "postgres:17-alpine": rpc error: code = Unknown desc = short-name "postgres:17-alpine" did not resolve to an alias and no unqualified-search registries are defined in "/etc/containers/registries.conf"',
    cause: 'SHORT_NAME_UNRESOLVED',
    image: 'postgres:17-alpine',
    registry: null,
  },
  {
    id: 'crio-no-registries-conf',
    message:
      'rpc error: code = Unknown desc = short-name "traefik:v2.10" did not resolve to an alias and no containers-registries.conf(5) was found',
    cause: 'SHORT_NAME_UNRESOLVED',
    image: 'traefik:v2.10',
  },
  {
    id: 'crio-no-tty',
    message:
      'Failed to pull image "redis:7": rpc error: code = Unknown desc = short-name resolution enforced but cannot prompt without a TTY',
    cause: 'SHORT_NAME_UNRESOLVED',
    image: 'redis:7',
  },

  // ── NEVER_PULL ──
  {
    id: 'never-pull-event',
    reason: 'ErrImageNeverPull',
    message: 'Container image "error_pages:local" is not present with pull policy of Never',
    cause: 'NEVER_PULL',
    confidence: 'certain',
    image: 'error_pages:local',
    registry: 'docker.io',
  },
  {
    id: 'never-pull-no-reason',
    message:
      'Container image "docker-registry.services.example.com/dev/anchor-platform:e6ca4be8" is not present with pull policy of Never',
    cause: 'NEVER_PULL',
    confidence: 'certain',
    registry: 'docker-registry.services.example.com',
  },
  {
    id: 'never-pull-error-event',
    message: 'Error: ErrImageNeverPull',
    cause: 'NEVER_PULL',
    confidence: 'certain',
  },
  {
    id: 'never-pull-reason-only',
    reason: 'ErrImageNeverPull',
    message: '',
    cause: 'NEVER_PULL',
    confidence: 'certain',
  },
  {
    id: 'never-pull-pod-workers-escaped',
    message:
      'E0408 10:12:01.123456    2211 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \\"StartContainer\\" for \\"sglang-worker\\" with ErrImageNeverPull: \\"Container image \\\\\\"docker.io/library/sglang:local\\\\\\" is not present with pull policy of Never\\"" pod="default/sglang-0-1"',
    cause: 'NEVER_PULL',
    image: 'docker.io/library/sglang:local',
  },

  // ── MANIFEST_NOT_FOUND ──
  {
    id: 'containerd-resolver-not-found',
    message:
      'Failed to pull image "docker.io/substratusai/controller-manager:v0.0.2-alpha": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/substratusai/controller-manager:v0.0.2-alpha": failed to resolve reference "docker.io/substratusai/controller-manager:v0.0.2-alpha": docker.io/substratusai/controller-manager:v0.0.2-alpha: not found',
    cause: 'MANIFEST_NOT_FOUND',
    alternatives: ['REPOSITORY_NOT_FOUND'],
    image: 'docker.io/substratusai/controller-manager:v0.0.2-alpha',
    registry: 'docker.io',
    evidenceIncludes: 'failed to resolve reference',
  },
  {
    id: 'containerd-no-rpc-prefix',
    message:
      'Failed to pull image "nginx:1.27-alpine3.99": failed to pull and unpack image "docker.io/library/nginx:1.27-alpine3.99": failed to resolve reference "docker.io/library/nginx:1.27-alpine3.99": docker.io/library/nginx:1.27-alpine3.99: not found',
    cause: 'MANIFEST_NOT_FOUND',
    image: 'nginx:1.27-alpine3.99',
    registry: 'docker.io',
  },
  {
    id: 'crio-manifest-unknown',
    message:
      'Failed to pull image "quay.io/prometheus/prometheus:v9.9.9": rpc error: code = Unknown desc = reading manifest v9.9.9 in quay.io/prometheus/prometheus: manifest unknown',
    cause: 'MANIFEST_NOT_FOUND',
    alternatives: [],
    registry: 'quay.io',
  },
  {
    id: 'crio-old-error-reading',
    message:
      'rpc error: code = Unknown desc = Error reading manifest latest in registry.mydomain.example/image: manifest unknown: manifest unknown',
    cause: 'MANIFEST_NOT_FOUND',
    image: 'registry.mydomain.example/image:latest',
    registry: 'registry.mydomain.example',
  },
  {
    id: 'docker-manifest-for',
    message:
      'Failed to pull image "ghcr.io/acme/api:1.4.0": rpc error: code = Unknown desc = Error response from daemon: manifest for ghcr.io/acme/api:1.4.0 not found: manifest unknown: manifest unknown',
    cause: 'MANIFEST_NOT_FOUND',
    registry: 'ghcr.io',
  },
  {
    id: 'crio-ecr-requested-image-not-found',
    message:
      'rpc error: code = Unknown desc = reading manifest v2 in 123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/cart: manifest unknown: Requested image not found',
    cause: 'MANIFEST_NOT_FOUND',
    image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/cart:v2',
  },
  {
    id: 'backoff-with-detail-escaped',
    reason: 'ImagePullBackOff',
    message:
      'Back-off pulling image \\"docker.io/bitnami/redis:7.0.99\\": ErrImagePull: failed to pull and unpack image \\"docker.io/bitnami/redis:7.0.99\\": failed to resolve reference \\"docker.io/bitnami/redis:7.0.99\\": docker.io/bitnami/redis:7.0.99: not found',
    cause: 'MANIFEST_NOT_FOUND',
    image: 'docker.io/bitnami/redis:7.0.99',
  },

  // ── REPOSITORY_NOT_FOUND ──
  {
    id: 'crio-ecr-repo-missing',
    message:
      "Failed to pull image \"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.2\": rpc error: code = Unknown desc = reading manifest 1.2 in 123456789012.dkr.ecr.us-east-1.amazonaws.com/app: name unknown: The repository with name 'app' does not exist in the registry with id '123456789012'",
    cause: 'REPOSITORY_NOT_FOUND',
    registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  },
  {
    id: 'crio-redhat-repo-not-found',
    message:
      'rpc error: code = Unknown desc = initializing source docker://registry.access.redhat.com/ubi9/no-such-image:latest: reading manifest latest in registry.access.redhat.com/ubi9/no-such-image: name unknown: Repo not found',
    cause: 'REPOSITORY_NOT_FOUND',
    image: 'registry.access.redhat.com/ubi9/no-such-image:latest',
    registry: 'registry.access.redhat.com',
  },
  {
    id: 'docker-name-unknown',
    message:
      'Failed to pull image "registry.local:5000/team/nope:1": rpc error: code = Unknown desc = Error response from daemon: repository registry.local:5000/team/nope not found: name unknown: repository name not known to registry',
    cause: 'REPOSITORY_NOT_FOUND',
    registry: 'registry.local:5000',
  },
  {
    id: 'crio-harbor-repository-not-found',
    message:
      'rpc error: code = Unknown desc = reading manifest 1.0 in harbor.corp.example/library/nope: unknown: repository library/nope not found',
    cause: 'REPOSITORY_NOT_FOUND',
    registry: 'harbor.corp.example',
  },
  {
    id: 'registry-error-code-json',
    message:
      'Failed to pull image "zot.lab.example/apps/ghost:5": rpc error: code = Unknown desc = reading manifest 5 in zot.lab.example/apps/ghost: NAME_UNKNOWN: repository name not known to registry',
    cause: 'REPOSITORY_NOT_FOUND',
  },

  // ── UNAUTHORIZED ──
  {
    id: 'containerd-token-401',
    message:
      'Failed to pull image "docker/welcome-to-docker": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/docker/welcome-to-docker:latest": failed to resolve reference "docker.io/docker/welcome-to-docker:latest": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://auth.docker.io/token?scope=repository%3Adocker%2Fwelcome-to-docker%3Apull&service=registry.docker.io: 401 Unauthorized',
    cause: 'UNAUTHORIZED',
    alternatives: [],
    registry: 'docker.io',
    evidenceIncludes: 'failed to fetch oauth token',
  },
  {
    id: 'containerd-harbor-401-status-code',
    message:
      'Failed to pull image "registry.app.example.net/ci/partsgo42:build-2e7e78f": rpc error: code = Unknown desc = failed to pull and unpack image "registry.app.example.net/ci/partsgo42:build-2e7e78f": failed to resolve reference "registry.app.example.net/ci/partsgo42:build-2e7e78f": pulling from host registry.app.example.net failed with status code [manifests build-2e7e78f]: 401 Unauthorized',
    cause: 'UNAUTHORIZED',
    registry: 'registry.app.example.net',
  },
  {
    id: 'docker-acr-auth-required',
    message:
      'Failed to pull image "acmeregistry.azurecr.io/web:v1": [rpc error: code = Unknown desc = Error response from daemon: Get https://acmeregistry.azurecr.io/v2/web/manifests/v1: unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information., rpc error: code = Unknown desc = Error response from daemon: Get https://acmeregistry.azurecr.io/v2/web/manifests/v1: unauthorized: authentication required, visit https://aka.ms/acr/authorization for more information.]',
    cause: 'UNAUTHORIZED',
    image: 'acmeregistry.azurecr.io/web:v1',
    registry: 'acmeregistry.azurecr.io',
  },
  {
    id: 'docker-ecr-no-basic-auth',
    message:
      'rpc error: code = Unknown desc = Error response from daemon: Head \\"https://210987654321.dkr.ecr.us-east-2.amazonaws.com/v2/ecr-test/manifests/latest\\": no basic auth credentials',
    cause: 'UNAUTHORIZED',
    image: null,
    registry: '210987654321.dkr.ecr.us-east-2.amazonaws.com',
  },
  {
    id: 'containerd-docker-hub-pull-access-denied',
    message:
      'Failed to pull image "acme/private-api:2.3": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/acme/private-api:2.3": failed to resolve reference "docker.io/acme/private-api:2.3": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed',
    cause: 'UNAUTHORIZED',
    alternatives: ['REPOSITORY_NOT_FOUND'],
    image: 'acme/private-api:2.3',
    registry: 'docker.io',
  },
  {
    id: 'docker-pull-access-denied-docker-login',
    message:
      'Failed to pull image "octarinesec/guardrails-enforcer:20.7": rpc error: code = Unknown desc = Error response from daemon: pull access denied for octarinesec/guardrails-enforcer, repository does not exist or may require \'docker login\': denied: requested access to the resource is denied',
    cause: 'UNAUTHORIZED',
    alternatives: ['REPOSITORY_NOT_FOUND'],
  },
  {
    id: 'crio-redhat-invalid-credentials',
    message:
      'Failed to pull image "registry.connect.redhat.com/hazelcast/hazelcast-3-rhel7:3.11": rpc error: code = Unknown desc = unable to retrieve auth token: invalid username/password: unauthorized: Please login to the Red Hat Registry using your Customer Portal credentials. Further instructions can be found here: https://access.redhat.com/RegistryAuthentication',
    cause: 'UNAUTHORIZED',
    alternatives: [],
    registry: 'registry.connect.redhat.com',
  },
  {
    id: 'crio-quay-not-authorized',
    message:
      'rpc error: code = Unknown desc = reading manifest 3.9 in quay.io/acme/internal-tool: unauthorized: access to the requested resource is not authorized',
    cause: 'UNAUTHORIZED',
    alternatives: ['REPOSITORY_NOT_FOUND'],
    image: 'quay.io/acme/internal-tool:3.9',
  },
  {
    id: 'crio-bearer-401',
    message:
      'Failed to pull image "registry.company.example/namespace/container:1.0": rpc error: code = Unknown desc = Requesting bearer token: invalid status code from registry 401 (Unauthorized)',
    cause: 'UNAUTHORIZED',
    registry: 'registry.company.example',
  },
  {
    id: 'pasted-events-backoff-last',
    message: ML([
      'Failed to pull image "ghcr.io/acme/worker:3.1": failed to pull and unpack image "ghcr.io/acme/worker:3.1": failed to resolve reference "ghcr.io/acme/worker:3.1": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aacme%2Fworker%3Apull&service=ghcr.io: 401 Unauthorized',
      'Error: ErrImagePull',
      'Back-off pulling image "ghcr.io/acme/worker:3.1"',
    ]),
    cause: 'UNAUTHORIZED',
    image: 'ghcr.io/acme/worker:3.1',
  },

  // ── FORBIDDEN ──
  {
    id: 'ghcr-anonymous-token-403',
    message:
      'Failed to pull image "ghcr.io/example-org/dashboard:latest": failed to pull and unpack image "ghcr.io/example-org/dashboard:latest": failed to resolve reference "ghcr.io/example-org/dashboard:latest": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Aexample-org%2Fdashboard%3Apull&service=ghcr.io: 403 Forbidden',
    cause: 'FORBIDDEN',
    alternatives: ['UNAUTHORIZED', 'REPOSITORY_NOT_FOUND'],
    registry: 'ghcr.io',
  },
  {
    id: 'crio-bearer-403',
    message:
      'Failed to pull image "registry.company.example/namespace/container:1.0": rpc error: code = Unknown desc = Requesting bearer token: invalid status code from registry 403 (Forbidden)',
    cause: 'FORBIDDEN',
    alternatives: [],
  },
  {
    id: 'containerd-ecr-head-403',
    message:
      'rpc error: code = Unknown desc = failed to pull and unpack image "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:7": failed to resolve reference "123456789012.dkr.ecr.us-east-1.amazonaws.com/orders:7": unexpected status from HEAD request to https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/orders/manifests/7: 403 Forbidden',
    cause: 'FORBIDDEN',
    registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
  },
  {
    id: 'crio-gar-permission-denied',
    message:
      'rpc error: code = Unknown desc = reading manifest 3.1.0 in europe-west1-docker.pkg.dev/acme-prod/apps/billing: denied: Permission "artifactregistry.repositories.downloadArtifacts" denied on resource "projects/acme-prod/locations/europe-west1/repositories/apps" (or it may not exist)',
    cause: 'FORBIDDEN',
    alternatives: ['REPOSITORY_NOT_FOUND'],
    registry: 'europe-west1-docker.pkg.dev',
  },
  {
    id: 'containerd-ecr-iam-denied',
    message:
      'Failed to pull image "210987654321.dkr.ecr.us-east-1.amazonaws.com/shared/base:2024.06": failed to pull and unpack image "210987654321.dkr.ecr.us-east-1.amazonaws.com/shared/base:2024.06": failed to resolve reference "210987654321.dkr.ecr.us-east-1.amazonaws.com/shared/base:2024.06": pulling from host 210987654321.dkr.ecr.us-east-1.amazonaws.com failed with status code [manifests 2024.06]: 403 Forbidden',
    cause: 'FORBIDDEN',
  },
  {
    id: 'docker-ecr-not-authorized-to-perform',
    message:
      'Error response from daemon: denied: User: arn:aws:sts::123456789012:assumed-role/eks-node-role/i-0abc123def456 is not authorized to perform: ecr:BatchGetImage on resource: arn:aws:ecr:us-east-1:210987654321:repository/shared/base because no resource-based policy allows the ecr:BatchGetImage action',
    cause: 'FORBIDDEN',
    evidenceIncludes: 'ecr:BatchGetImage',
  },

  // ── RATE_LIMITED ──
  {
    id: 'containerd-docker-hub-429',
    message:
      'Failed to pull image "busybox": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/busybox:latest": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/busybox/manifests/sha256:50aa4698fa6262977cff89181b2664b99d8a56dbca847bf62f2ef04854597cf8: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    cause: 'RATE_LIMITED',
    image: 'busybox',
    registry: 'docker.io',
  },
  {
    id: 'docker-toomanyrequests',
    message:
      'Failed to pull image "docker.io/library/busybox:1.29": rpc error: code = Unknown desc = Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    cause: 'RATE_LIMITED',
    registry: 'docker.io',
  },
  {
    id: 'containerd-unauthenticated-limit',
    message:
      'Failed to pull image "prom/memcached-exporter:v0.15.0": failed to pull and unpack image "docker.io/prom/memcached-exporter:v0.15.0": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/prom/memcached-exporter/manifests/sha256:bb01ad25e9fcf0630cbae9c091a7687bca7fc0c7869912d98d95a6887b9eb599: 429 Too Many Requests - Server message: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit',
    cause: 'RATE_LIMITED',
  },
  {
    id: 'crio-toomanyrequests',
    message:
      'rpc error: code = Unknown desc = reading manifest 1.36 in docker.io/library/busybox: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit',
    cause: 'RATE_LIMITED',
    image: 'docker.io/library/busybox:1.36',
  },
  {
    id: 'containerd-ecr-public-rate',
    message:
      'failed to pull and unpack image "public.ecr.aws/docker/library/nginx:1.25": failed to copy: httpReadSeeker: failed open: unexpected status code https://public.ecr.aws/v2/docker/library/nginx/manifests/sha256:4c0fdaa8b6341bfdeca5f18f7837462c80cff90527ee35ef185571e1c327beac: 429 Too Many Requests - Server message: toomanyrequests: Rate exceeded',
    cause: 'RATE_LIMITED',
    registry: 'public.ecr.aws',
  },

  // ── REGISTRY_ERROR ──
  {
    id: 'crio-quay-500-auth',
    message:
      'Error initializing source docker://quay.io/crio/redis:alpine: unexpected http code: 500 (Internal Server Error), URL: https://quay.io/v2/auth?scope=repository%3Acrio%2Fredis%3Apull&service=quay.io',
    cause: 'REGISTRY_ERROR',
    image: 'quay.io/crio/redis:alpine',
    registry: 'quay.io',
  },
  {
    id: 'containerd-503',
    message:
      'Failed to pull image "harbor.corp.example/platform/gateway:2.8.1": rpc error: code = Unknown desc = failed to pull and unpack image "harbor.corp.example/platform/gateway:2.8.1": failed to resolve reference "harbor.corp.example/platform/gateway:2.8.1": unexpected status from HEAD request to https://harbor.corp.example/v2/platform/gateway/manifests/2.8.1: 503 Service Unavailable',
    cause: 'REGISTRY_ERROR',
    registry: 'harbor.corp.example',
  },
  {
    id: 'docker-502',
    message:
      'Failed to pull image "nexus.corp.example:8443/apps/portal:5.2": rpc error: code = Unknown desc = Error response from daemon: received unexpected HTTP status: 502 Bad Gateway',
    cause: 'REGISTRY_ERROR',
    registry: 'nexus.corp.example:8443',
  },
  {
    id: 'containerd-html-instead-of-json',
    message:
      'rpc error: code = Unknown desc = failed to pull and unpack image "artifactory.corp.example/docker/app:1.0": failed to resolve reference "artifactory.corp.example/docker/app:1.0": invalid character \'<\' looking for beginning of value',
    cause: 'REGISTRY_ERROR',
  },
  {
    id: 'containerd-blob-500',
    message:
      'failed to pull and unpack image "registry.gitlab.example.com/group/proj:main": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry.gitlab.example.com/v2/group/proj/blobs/sha256:8f1c3a1a0b8d4c2e9d7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d: 500 Internal Server Error',
    cause: 'REGISTRY_ERROR',
  },
  {
    id: 'docker-non-registry-404-body',
    message:
      'Failed to pull image "10.0.0.15:8080/app:2": rpc error: code = Unknown desc = Error response from daemon: error parsing HTTP 404 response body: invalid character \'p\' after top-level value: "404 page not found\\n"',
    cause: 'REGISTRY_ERROR',
    registry: '10.0.0.15:8080',
  },
  {
    id: 'containerd-head-eof',
    message:
      'failed to resolve reference "registry.internal.example/team/app:1.0": failed to do request: Head "https://registry.internal.example/v2/team/app/manifests/1.0": EOF',
    cause: 'REGISTRY_ERROR',
    alternatives: ['PROXY_ERROR', 'NETWORK_TIMEOUT'],
  },

  // ── PLATFORM_MISMATCH ──
  {
    id: 'containerd-no-match-for-platform',
    message:
      'Failed to pull image "foundationdb/fdb-kubernetes-operator:v2.6.0": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/foundationdb/fdb-kubernetes-operator:v2.6.0": no match for platform in manifest: not found',
    cause: 'PLATFORM_MISMATCH',
    alternatives: [],
    image: 'foundationdb/fdb-kubernetes-operator:v2.6.0',
  },
  {
    id: 'docker-no-matching-manifest',
    message:
      'Failed to pull image "mingc/android-build-box:1.25.0": rpc error: code = Unknown desc = Error response from daemon: no matching manifest for linux/arm64/v8 in the manifest list entries',
    cause: 'PLATFORM_MISMATCH',
    explanationIncludes: 'linux/arm64/v8',
  },
  {
    id: 'crio-choosing-instance',
    message:
      'Failed to pull image "k8s.gcr.io/kube-apiserver:v1.20.0": rpc error: code = Unknown desc = Error choosing image instance: no image found in manifest list for architecture arm64, variant v8, OS linux',
    cause: 'PLATFORM_MISMATCH',
    explanationIncludes: 'linux/arm64/v8',
  },
  {
    id: 'crio-image-index-quoted',
    message:
      'rpc error: code = Unknown desc = choosing an image from manifest list docker://quay.io/acme/tool:2.0: no image found in image index for architecture "arm64", variant "v8", OS "linux"',
    cause: 'PLATFORM_MISMATCH',
  },
  {
    id: 'runc-exec-format-error',
    reason: 'RunContainerError',
    message:
      'failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "/app/server": exec format error: unknown',
    cause: 'PLATFORM_MISMATCH',
  },
  {
    id: 'container-log-exec-format',
    message: 'exec /usr/local/bin/docker-entrypoint.sh: exec format error',
    cause: 'PLATFORM_MISMATCH',
  },
  {
    id: 'docker-old-exec-user-process',
    message: 'standard_init_linux.go:211: exec user process caused \\"exec format error\\"',
    cause: 'PLATFORM_MISMATCH',
  },

  // ── DNS_FAILURE ──
  {
    id: 'containerd-no-such-host',
    message:
      'Failed to pull image "registry.internal.corp/app:1.0": rpc error: code = Unknown desc = failed to pull and unpack image "registry.internal.corp/app:1.0": failed to resolve reference "registry.internal.corp/app:1.0": failed to do request: Head "https://registry.internal.corp/v2/app/manifests/1.0": dial tcp: lookup registry.internal.corp on 10.0.0.2:53: no such host',
    cause: 'DNS_FAILURE',
    alternatives: [],
    registry: 'registry.internal.corp',
    evidenceIncludes: 'lookup registry.internal.corp',
  },
  {
    id: 'docker-dns-timeout',
    message:
      'rpc error: code = Unknown desc = Error response from daemon: Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 192.168.65.1:53: read udp 192.168.65.2:45941->192.168.65.1:53: i/o timeout',
    cause: 'DNS_FAILURE',
    alternatives: ['NETWORK_TIMEOUT'],
    registry: 'docker.io',
  },
  {
    id: 'containerd-blob-cdn-dns',
    message:
      'Failed to pull image "python:3.12-slim": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/python:3.12-slim": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://production.cloudflare.docker.com/registry-v2/docker/registry/v2/blobs/sha256/24/24c63b8dcb66721062f32b893ef1027404afddd62aade87f3f39a3a6e70a74d0/data?verify=1717750000-abcdef": dial tcp: lookup production.cloudflare.docker.com: no such host',
    cause: 'DNS_FAILURE',
    registry: 'docker.io',
    explanationIncludes: 'production.cloudflare.docker.com',
  },
  {
    id: 'k3s-musl-try-again',
    message:
      'failed to pull image \\"docker.io/rancher/pause:3.1\\": failed to pull and unpack image \\"docker.io/rancher/pause:3.1\\": failed to resolve reference \\"docker.io/rancher/pause:3.1\\": failed to do request: Head https://registry-1.docker.io/v2/rancher/pause/manifests/3.1: dial tcp: lookup registry-1.docker.io: Try again',
    cause: 'DNS_FAILURE',
  },
  {
    id: 'docker-old-temporary-failure',
    message:
      'image pull failed for gcr.io/google_containers/spark:1.5.2_v1, this may be because there are no credentials on this request.  details: (API error (500): unable to ping registry endpoint https://gcr.io/v0/\nv2 ping attempt failed with error: Get https://gcr.io/v2/: dial tcp: lookup gcr.io: Temporary failure in name resolution\n v1 ping attempt failed with error: Get https://gcr.io/v1/_ping: dial tcp: lookup gcr.io: Temporary failure in name resolution\n)',
    cause: 'DNS_FAILURE',
    registry: 'gcr.io',
  },
  {
    id: 'server-misbehaving',
    message:
      'Failed to pull image "harbor.lab.local/tools/jq:1.7": rpc error: code = Unknown desc = Error response from daemon: Get "https://harbor.lab.local/v2/": dial tcp: lookup harbor.lab.local on 127.0.0.53:53: server misbehaving',
    cause: 'DNS_FAILURE',
  },
  {
    id: 'cluster-service-name-from-node',
    message:
      'Failed to pull image "harbor.harbor.svc.cluster.local:80/hello-world:0.0.0": failed to pull and unpack image "harbor.harbor.svc.cluster.local:80/hello-world:0.0.0": failed to resolve reference "harbor.harbor.svc.cluster.local:80/hello-world:0.0.0": failed to do request: Head "https://harbor.harbor.svc.cluster.local:80/v2/hello-world/manifests/0.0.0": dial tcp: lookup harbor.harbor.svc.cluster.local on 10.0.0.10:53: no such host',
    cause: 'DNS_FAILURE',
    registry: 'harbor.harbor.svc.cluster.local:80',
  },

  // ── CONNECTION_REFUSED ──
  {
    id: 'containerd-refused',
    message:
      'Failed to pull image "10.0.12.5:5000/team/app:latest": rpc error: code = Unknown desc = failed to pull and unpack image "10.0.12.5:5000/team/app:latest": failed to resolve reference "10.0.12.5:5000/team/app:latest": failed to do request: Head "https://10.0.12.5:5000/v2/team/app/manifests/latest": dial tcp 10.0.12.5:5000: connect: connection refused',
    cause: 'CONNECTION_REFUSED',
    registry: '10.0.12.5:5000',
    evidenceIncludes: 'dial tcp 10.0.12.5:5000',
  },
  {
    id: 'docker-old-getsockopt',
    message:
      'Error while pulling image: Get https://index.docker.io/v1/repositories/acme/suppcollimages/images: dial tcp 52.207.178.113:443: getsockopt: connection refused',
    cause: 'CONNECTION_REFUSED',
    registry: 'docker.io',
  },
  {
    id: 'kind-localhost-ipv6',
    message:
      'failed to resolve reference "localhost:5001/hello-app:1.0": failed to do request: Head "https://localhost:5001/v2/hello-app/manifests/1.0": dial tcp [::1]:5001: connect: connection refused',
    cause: 'CONNECTION_REFUSED',
    registry: 'localhost:5001',
  },
  {
    id: 'crio-pinging-refused',
    message:
      'rpc error: code = Unknown desc = pinging container registry registry.local:5000: Get "https://registry.local:5000/v2/": dial tcp 192.168.1.20:5000: connect: connection refused',
    cause: 'CONNECTION_REFUSED',
    registry: 'registry.local:5000',
  },
  {
    id: 'windows-actively-refused',
    message:
      'Error response from daemon: Get "https://registry.win.example/v2/": dial tcp 10.1.1.4:443: connectex: No connection could be made because the target machine actively refused it.',
    cause: 'CONNECTION_REFUSED',
  },

  // ── NETWORK_UNREACHABLE ──
  {
    id: 'containerd-no-route',
    message:
      'Failed to pull image "registry.dc2.example/ops/agent:4.2": failed to pull and unpack image "registry.dc2.example/ops/agent:4.2": failed to resolve reference "registry.dc2.example/ops/agent:4.2": failed to do request: Head "https://registry.dc2.example/v2/ops/agent/manifests/4.2": dial tcp 10.20.30.40:443: connect: no route to host',
    cause: 'NETWORK_UNREACHABLE',
    registry: 'registry.dc2.example',
  },
  {
    id: 'ipv6-network-unreachable',
    message:
      'failed to do request: Head "https://ghcr.io/v2/acme/api/manifests/2.0": dial tcp [2606:50c0:8000::154]:443: connect: network is unreachable',
    cause: 'NETWORK_UNREACHABLE',
    registry: 'ghcr.io',
  },
  {
    id: 'crio-pinging-no-route',
    message:
      'rpc error: code = Unknown desc = pinging container registry quay.io: Get "https://quay.io/v2/": dial tcp 54.163.152.191:443: connect: no route to host',
    cause: 'NETWORK_UNREACHABLE',
  },
  {
    id: 'docker-old-getsockopt-no-route',
    message:
      'Error response from daemon: Get https://registry.corp.example/v2/: dial tcp 172.16.4.9:443: getsockopt: no route to host',
    cause: 'NETWORK_UNREACHABLE',
  },

  // ── NETWORK_TIMEOUT ──
  {
    id: 'deadline-wrapping-dial-timeout',
    message:
      'PullImage \\"docker.io/redis:latest\\" failed\\" error=\\"rpc error: code = DeadlineExceeded desc = failed to pull and unpack image \\\\\\"docker.io/library/redis:latest\\\\\\": failed to resolve reference \\\\\\"docker.io/library/redis:latest\\\\\\": failed to authorize: failed to fetch anonymous token: Get \\\\\\"https://auth.docker.io/token?scope=repository%!A(MISSING)library%!F(MISSING)redis%!A(MISSING)pull&service=registry.docker.io\\\\\\": dial tcp 108.160.165.48:443: i/o timeout',
    cause: 'NETWORK_TIMEOUT',
    image: 'docker.io/redis:latest',
    explanationIncludes: 'auth.docker.io',
  },
  {
    id: 'docker-client-timeout',
    message:
      'Failed to pull image "nginx:1.25": rpc error: code = Unknown desc = Error response from daemon: Get "https://registry-1.docker.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
    cause: 'NETWORK_TIMEOUT',
  },
  {
    id: 'tls-handshake-timeout',
    message:
      'rpc error: code = Unknown desc = Error response from daemon: Get https://k8s.gcr.io/v2/: net/http: TLS handshake timeout',
    cause: 'NETWORK_TIMEOUT',
    registry: 'k8s.gcr.io',
  },
  {
    id: 'crio-sandbox-pinging-timeout',
    reason: 'FailedCreatePodSandBox',
    message:
      'Failed to create pod sandbox: rpc error: code = Unknown desc = error creating pod sandbox with name "k8s_nginx-f89759699-74nds_default_3bf2d9a9_0": Error initializing source docker://k8s.gcr.io/pause:3.2: error pinging docker registry k8s.gcr.io: Get https://k8s.gcr.io/v2/: dial tcp 74.125.203.82:443: i/o timeout',
    cause: 'NETWORK_TIMEOUT',
    image: 'k8s.gcr.io/pause:3.2',
  },
  {
    id: 'windows-did-not-respond',
    message:
      'failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://docker-images-prod.r2.cloudflarestorage.com/registry-v2/docker/registry/v2/blobs/sha256/6d/6d79/data": dial tcp [2606:4700:2ff9::1]:443: connectex: A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond.',
    cause: 'NETWORK_TIMEOUT',
  },
  {
    id: 'request-context-deadline',
    message:
      'failed to resolve reference "harbor.corp.example/x/app:1": failed to do request: Head "https://harbor.corp.example/v2/x/app/manifests/1": context deadline exceeded',
    cause: 'NETWORK_TIMEOUT',
    alternatives: ['PULL_TIMEOUT'],
  },
  {
    id: 'connection-reset-on-ping',
    message:
      'Error response from daemon: Get "https://registry-1.docker.io/v2/": read tcp 10.0.0.5:51234->54.85.56.253:443: read: connection reset by peer',
    cause: 'NETWORK_TIMEOUT',
    alternatives: ['PROXY_ERROR'],
  },

  // ── PULL_TIMEOUT ──
  {
    id: 'crio-old-code-4',
    message: 'Failed to pull image "nginx": rpc error: code = 4 desc = context deadline exceeded',
    cause: 'PULL_TIMEOUT',
    image: 'nginx',
  },
  {
    id: 'dockershim-unknown-deadline',
    message:
      'Failed to pull image "fqdn.example.com/ml/trainer:latest": rpc error: code = Unknown desc = context deadline exceeded',
    cause: 'PULL_TIMEOUT',
    alternatives: ['NETWORK_TIMEOUT'],
  },
  {
    id: 'deadline-exceeded-code',
    message:
      'Failed to pull image "nvcr.io/nvidia/pytorch:24.01-py3": rpc error: code = DeadlineExceeded desc = context deadline exceeded',
    cause: 'PULL_TIMEOUT',
    registry: 'nvcr.io',
  },
  {
    id: 'containerd-progress-timeout',
    message: 'cancel pulling image docker.io/lmsysorg/sglang:v0.5.6 because of no progress in 5m0s',
    cause: 'PULL_TIMEOUT',
  },
  {
    id: 'kubelet-canceled',
    message:
      'Failed to pull image "private-registry.example.com/csg/idrac_to_kafka:20250429T0012": rpc error: code = Canceled desc = failed to pull and unpack image "private-registry.example.com/csg/idrac_to_kafka:20250429T0012": context canceled',
    cause: 'PULL_TIMEOUT',
  },
  {
    id: 'pod-workers-deadline',
    message:
      'Error syncing pod, skipping: failed to \\"StartContainer\\" for \\"trainer\\" with ErrImagePull: \\"rpc error: code = DeadlineExceeded desc = context deadline exceeded\\"',
    cause: 'PULL_TIMEOUT',
  },

  // ── PROXY_ERROR ──
  {
    id: 'docker-proxyconnect-refused',
    message:
      'rpc error: code = Unknown desc = Error response from daemon: Get https://registry-1.docker.io/v2/: proxyconnect tcp: dial tcp 127.0.0.1:3128: connect: connection refused',
    cause: 'PROXY_ERROR',
    alternatives: [],
    registry: 'docker.io',
    explanationIncludes: '127.0.0.1:3128',
  },
  {
    id: 'containerd-proxy-dns',
    message:
      'failed to resolve reference "quay.io/jetstack/cert-manager-controller:v1.14.4": failed to do request: Head "https://quay.io/v2/jetstack/cert-manager-controller/manifests/v1.14.4": proxyconnect tcp: dial tcp: lookup proxy.corp.example on 10.0.0.2:53: no such host',
    cause: 'PROXY_ERROR',
    registry: 'quay.io',
  },
  {
    id: 'proxy-407',
    message:
      'Failed to pull image "ghcr.io/acme/api:2.0": rpc error: code = Unknown desc = Error response from daemon: Get "https://ghcr.io/v2/": Proxy Authentication Required',
    cause: 'PROXY_ERROR',
  },
  {
    id: 'docker-old-error-connecting-to-proxy',
    message:
      'Error while pulling image: Get https://index.docker.io/v1/repositories/library/postgres/images: http: error connecting to proxy http://127.0.0.1:53847: dial tcp 127.0.0.1:53847: getsockopt: connection refused',
    cause: 'PROXY_ERROR',
  },
  {
    id: 'proxyconnect-timeout',
    message:
      'failed to do request: Head "https://registry.k8s.io/v2/pause/manifests/3.9": proxyconnect tcp: dial tcp 10.10.0.8:8080: i/o timeout',
    cause: 'PROXY_ERROR',
    registry: 'registry.k8s.io',
  },

  // ── TLS_UNTRUSTED ──
  {
    id: 'containerd-unknown-authority',
    message:
      'Failed to pull image "harbor.corp.example/library/nginx:1.25": failed to pull and unpack image "harbor.corp.example/library/nginx:1.25": failed to resolve reference "harbor.corp.example/library/nginx:1.25": failed to do request: Head "https://harbor.corp.example/v2/library/nginx/manifests/1.25": tls: failed to verify certificate: x509: certificate signed by unknown authority',
    cause: 'TLS_UNTRUSTED',
    registry: 'harbor.corp.example',
  },
  {
    id: 'docker-unknown-authority',
    message:
      'Failed to pull image "bi.docker.example.com/analytics/etl:3": rpc error: code = Unknown desc = Error response from daemon: Get https://bi.docker.example.com/v2/: x509: certificate signed by unknown authority',
    cause: 'TLS_UNTRUSTED',
  },
  {
    id: 'token-unknown-authority-candidate',
    message:
      'Get https://registry-1.docker.io/v2/library/ruby/manifests/3.3: Get https://auth.docker.io/token?account=ci&scope=repository%3Alibrary%2Fruby%3Apull&service=registry.docker.io: x509: certificate signed by unknown authority (possibly because of \\"crypto/rsa: verification error\\" while trying to verify candidate authority certificate \\"Amazon\\")',
    cause: 'TLS_UNTRUSTED',
    registry: 'docker.io',
  },
  {
    id: 'crio-unknown-authority',
    message:
      'rpc error: code = Unknown desc = pinging container registry registry.lab.example:8443: Get "https://registry.lab.example:8443/v2/": x509: certificate signed by unknown authority',
    cause: 'TLS_UNTRUSTED',
    registry: 'registry.lab.example:8443',
  },

  {
    id: 'containerd-ca-file-missing',
    message:
      'Failed to pull image "registry.corp.example/team/app:1": rpc error: code = Unknown desc = failed to pull and unpack image "registry.corp.example/team/app:1": failed to resolve reference "registry.corp.example/team/app:1": unable to read CA cert "/etc/containerd/certs.d/registry.corp.example/ca.crt": open /etc/containerd/certs.d/registry.corp.example/ca.crt: no such file or directory',
    cause: 'TLS_UNTRUSTED',
    registry: 'registry.corp.example',
    evidenceIncludes: 'unable to read CA cert',
  },
  {
    id: 'containerd-client-cert-missing',
    message:
      'failed to resolve reference "registry.corp.example/team/app:1": unable to read CERT file "/etc/containerd/certs.d/registry.corp.example/node.cert": open /etc/containerd/certs.d/registry.corp.example/node.cert: no such file or directory',
    cause: 'TLS_UNTRUSTED',
  },

  // ── TLS_EXPIRED ──
  {
    id: 'containerd-expired-current-time',
    message:
      'Failed to pull image "harbor.scp.example/connect/devices:v7.8.0": failed to pull and unpack image "harbor.scp.example/connect/devices:v7.8.0": failed to resolve reference "harbor.scp.example/connect/devices:v7.8.0": failed to do request: Head "https://harbor.scp.example/v2/connect/devices/manifests/v7.8.0": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2025-06-12T03:05:25Z is after 2025-06-07T05:48:45Z',
    cause: 'TLS_EXPIRED',
  },
  {
    id: 'docker-expired',
    message:
      'Failed to pull image "ingress.bintray.example/kong-ingress-controller:0.9.0": rpc error: code = Unknown desc = Error response from daemon: Get https://ingress.bintray.example/v2/: x509: certificate has expired or is not yet valid',
    cause: 'TLS_EXPIRED',
  },
  {
    id: 'docker-config-blob-expired-clock',
    message:
      'error pulling image configuration: Get "https://production.cloudflare.docker.com/registry-v2/docker/registry/v2/blobs/sha256/2d/2dfa7c9fe8b644edd04125a592ad8436cb3c6f7daf04817861c63f61b398ded4/data?verify=1713625411-4nGAXtToLpDIbzJQ": x509: certificate has expired or is not yet valid: current time 2024-04-20T22:13:32+08:00 is after 2021-09-30T14:01:15Z',
    cause: 'TLS_EXPIRED',
  },
  {
    id: 'crio-not-yet-valid',
    message:
      'rpc error: code = Unknown desc = pinging container registry registry.example.org: Get "https://registry.example.org/v2/": tls: failed to verify certificate: x509: certificate has expired or is not yet valid: current time 2025-03-02T10:00:00Z is before 2025-03-05T00:00:00Z',
    cause: 'TLS_EXPIRED',
  },

  // ── TLS_HOSTNAME_MISMATCH ──
  {
    id: 'docker-valid-for-other-names',
    message:
      'Error response from daemon: Get https://registry.indie.example/v2/: x509: certificate is valid for indie.example, www.indie.example, not registry.indie.example',
    cause: 'TLS_HOSTNAME_MISMATCH',
    registry: 'registry.indie.example',
  },
  {
    id: 'intercepting-proxy-cert',
    message:
      'Failed to pull image "tutum/hello-world": rpc error: code = Unknown desc = Error response from daemon: Get https://registry-1.docker.io/v2/: x509: certificate is valid for GATEWAY.CORP.EXAMPLE, not registry-1.docker.io',
    cause: 'TLS_HOSTNAME_MISMATCH',
  },
  {
    id: 'no-ip-sans',
    message:
      'failed to resolve reference "10.6.150.60:30003/paco/nginx:2": failed to do request: Head "https://10.6.150.60:30003/v2/paco/nginx/manifests/2": tls: failed to verify certificate: x509: cannot validate certificate for 10.6.150.60 because it doesn\'t contain any IP SANs',
    cause: 'TLS_HOSTNAME_MISMATCH',
    registry: '10.6.150.60:30003',
  },
  {
    id: 'legacy-common-name',
    message:
      'Failed to pull image "registry.legacy.example/app:1": rpc error: code = Unknown desc = failed to pull and unpack image "registry.legacy.example/app:1": failed to resolve reference "registry.legacy.example/app:1": failed to do request: Head "https://registry.legacy.example/v2/app/manifests/1": x509: certificate relies on legacy Common Name field, use SANs instead',
    cause: 'TLS_HOSTNAME_MISMATCH',
  },

  // ── HTTP_HTTPS_MISMATCH ──
  {
    id: 'kind-insecure-registry',
    message:
      'Failed to pull image "registry:5000/hello-app:1.0": rpc error: code = Unknown desc = failed to pull and unpack image "registry:5000/hello-app:1.0": failed to resolve reference "registry:5000/hello-app:1.0": failed to do request: Head https://registry:5000/v2/hello-app/manifests/1.0: http: server gave HTTP response to HTTPS client',
    cause: 'HTTP_HTTPS_MISMATCH',
    registry: 'registry:5000',
  },
  {
    id: 'crio-error-pinging',
    message:
      'pulling image: rpc error: code = Unknown desc = error pinging local-repo:4000: Get "https://local-repo:4000/v2/": http: server gave HTTP response to HTTPS client',
    cause: 'HTTP_HTTPS_MISMATCH',
    image: null,
    registry: 'local-repo:4000',
  },
  {
    id: 'docker-insecure-registries',
    message:
      'Error response from daemon: Get https://sea.hub:5000/v2/: http: server gave HTTP response to HTTPS client',
    cause: 'HTTP_HTTPS_MISMATCH',
    registry: 'sea.hub:5000',
  },
  {
    id: 'tls-first-record',
    message:
      'failed to resolve reference "registry.dev.local:80/app:1": failed to do request: Head "https://registry.dev.local:80/v2/app/manifests/1": tls: first record does not look like a TLS handshake',
    cause: 'HTTP_HTTPS_MISMATCH',
  },

  // ── LAYER_DOWNLOAD_FAILED ──
  {
    id: 'containerd-unexpected-commit-digest',
    message:
      'rpc error: code = FailedPrecondition desc = failed to pull and unpack image "nvcr.io/nvidia/cloud-native/gpu-operator-validator:v23.9.1": failed commit on ref "layer-sha256:b4e744f5f131fb2db0dd7649806f286ecaa3fcda18dc9a4245d83e902100ccb3": unexpected commit digest sha256:d3fb406557f48b8a28ac40a19c3a24dd99519ba1beb0e4d3e8343d863e3a495b, expected sha256:b4e744f5f131fb2db0dd7649806f286ecaa3fcda18dc9a4245d83e902100ccb3: failed precondition',
    cause: 'LAYER_DOWNLOAD_FAILED',
    registry: 'nvcr.io',
  },
  {
    id: 'containerd-copy-reset',
    message:
      'Failed to pull image "docker.io/library/python:3.12": failed to pull and unpack image "docker.io/library/python:3.12": failed to copy: read tcp 10.0.3.4:48122->104.16.99.215:443: read: connection reset by peer',
    cause: 'LAYER_DOWNLOAD_FAILED',
  },
  {
    id: 'containerd-copy-unexpected-eof',
    message:
      'rpc error: code = Unknown desc = failed to pull and unpack image "quay.io/ceph/ceph:v18": failed to copy: unexpected EOF',
    cause: 'LAYER_DOWNLOAD_FAILED',
    registry: 'quay.io',
  },
  {
    id: 'docker-layer-verification',
    message:
      'Failed to pull image "ruby:3.3": rpc error: code = Unknown desc = filesystem layer verification failed for digest sha256:aa18ad1a0d334d80981104c599fa8cef9264552a265b1197af11274beba767cf',
    cause: 'LAYER_DOWNLOAD_FAILED',
  },
  {
    id: 'crio-digest-did-not-match',
    message:
      'rpc error: code = Unknown desc = writing blob: storing blob to file "/var/tmp/storage1482263471/1": happened during read: Digest did not match, expected sha256:1f3e46996e2966e4faa5846e56e76e3748b7315e2ded61476c24403d592134f0, got sha256:02ba5d3b1b5a9a9c1b1e36d2a1cfa1a6d7f0e7f1d3c9e6c3c0d5d6fbdd2a8e01',
    cause: 'LAYER_DOWNLOAD_FAILED',
  },
  {
    id: 'containerd-blob-not-found',
    message:
      'failed to pull and unpack image "registry.example.com/app:3": failed to copy: httpReadSeeker: failed open: content at https://registry.example.com/v2/app/blobs/sha256:9a0b0ce99936ce4861d44ce1f193e881e5b40b5bf1847627061205b092fa7f1d not found: not found',
    cause: 'LAYER_DOWNLOAD_FAILED',
    alternatives: ['REGISTRY_ERROR'],
  },
  {
    id: 'containerd-short-read',
    message:
      'failed to pull and unpack image "docker.io/tensorflow/tensorflow:2.16.1-gpu": failed to copy: short read: expected 2917245351 bytes but got 1843200: unexpected EOF',
    cause: 'LAYER_DOWNLOAD_FAILED',
  },

  // ── NODE_DISK_FULL ──
  {
    id: 'containerd-extract-no-space',
    message:
      'failed to extract layer sha256:5dacd731af1b0386ead06c8b1feff9f65d9e0bdfec032d2cd0bc03690698feda: mount callback failed on /var/lib/containerd/tmpmounts/containerd-mount252943319: write /var/lib/containerd/tmpmounts/containerd-mount252943319/lib/x86_64-linux-gnu/libc-2.24.so: no space left on device: unknown',
    cause: 'NODE_DISK_FULL',
  },
  {
    id: 'docker-register-layer-no-space',
    message:
      'Failed to pull image "registry.example.com/tableau/server:2024.2": rpc error: code = Unknown desc = failed to register layer: Error processing tar file(exit status 1): write /tableau-server-2024.rpm: no space left on device',
    cause: 'NODE_DISK_FULL',
  },
  {
    id: 'crio-adding-layer-no-space',
    message:
      'rpc error: code = Unknown desc = writing blob: adding layer with blob "sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1": processing tar file(write /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1: no space left on device): exit status 1',
    cause: 'NODE_DISK_FULL',
  },
  {
    id: 'containerd-ingest-no-space',
    message:
      'Failed to pull image "pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime": failed to pull and unpack image "docker.io/pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime": failed to copy: write /var/lib/containerd/io.containerd.content.v1.content/ingest/7a0c3f/data: no space left on device',
    cause: 'NODE_DISK_FULL',
  },
  {
    id: 'eviction-disk-pressure',
    reason: 'Evicted',
    message: 'The node had condition: [DiskPressure]. ',
    cause: 'NODE_DISK_FULL',
  },

  // ── PULL_QPS_EXCEEDED ──
  {
    id: 'kubelet-qps-event',
    message: 'Failed to pull image "registry.example.com/team/worker:0.1": pull QPS exceeded',
    cause: 'PULL_QPS_EXCEEDED',
    confidence: 'certain',
    image: 'registry.example.com/team/worker:0.1',
  },
  {
    id: 'pod-workers-qps-escaped',
    message:
      'E0823 00:08:36.232130    2669 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \\"StartContainer\\" for \\"prepare\\" with ErrImagePull: \\"pull QPS exceeded\\"" pod="tenant/build-pod" podUID="03c1ff62-b2a5-4ed3-aeac-035af202b5b0"',
    cause: 'PULL_QPS_EXCEEDED',
  },
  {
    id: 'waiting-message-qps',
    reason: 'ErrImagePull',
    message: 'pull QPS exceeded',
    cause: 'PULL_QPS_EXCEEDED',
    image: null,
  },
  {
    id: 'qps-in-cluster-registry',
    message:
      'Failed to pull image "registry.gha-prod.svc.cluster.local:5000/solana-contract:tilt-d0187147de2228a4": pull QPS exceeded',
    cause: 'PULL_QPS_EXCEEDED',
    registry: 'registry.gha-prod.svc.cluster.local:5000',
  },

  // ── PULL_SECRET_MISSING ──
  {
    id: 'event-failed-to-retrieve',
    reason: 'FailedToRetrieveImagePullSecret',
    message:
      'Unable to retrieve some image pull secrets (confluent-registry); attempting to pull the image may not succeed.',
    cause: 'PULL_SECRET_MISSING',
    confidence: 'certain',
    explanationIncludes: '"confluent-registry"',
  },
  {
    id: 'event-two-secrets',
    message:
      'Unable to retrieve some image pull secrets (regcred, harbor-robot); attempting to pull the image may not succeed.',
    cause: 'PULL_SECRET_MISSING',
    explanationIncludes: '"harbor-robot"',
  },
  {
    id: 'old-kubelet-log',
    message:
      'W1126 12:07:44.833517    3683 kubelet_pods.go:842] Unable to retrieve pull secret default/artifactory-docker-secret for default/edge-auth-565cffd699-5wp7w due to secrets "artifactory-docker-secret" not found.  The image pull may not succeed.',
    cause: 'PULL_SECRET_MISSING',
    explanationIncludes: '"artifactory-docker-secret"',
  },
  {
    id: 'reason-only-secret',
    reason: 'FailedToRetrieveImagePullSecret',
    message: '',
    cause: 'PULL_SECRET_MISSING',
  },

  // ── CREDENTIAL_PROVIDER_ERROR ──
  {
    id: 'ecr-provider-missing-binary',
    message:
      '{"ts":1748003206479.928,"caller":"plugin/plugin.go:440","msg":"Failed getting credential from external registry credential provider: error execing credential provider plugin ecr-credential-provider for image 097676021280.dkr.ecr.eu-central-1.amazonaws.com/backend-daemon-import: fork/exec /usr/local/lib/kubelet/credentialproviders/ecr-credential-provider: no such file or directory: "}',
    cause: 'CREDENTIAL_PROVIDER_ERROR',
    image: '097676021280.dkr.ecr.eu-central-1.amazonaws.com/backend-daemon-import',
    registry: '097676021280.dkr.ecr.eu-central-1.amazonaws.com',
  },
  {
    id: 'acr-provider-api-version',
    message:
      'plugin.go:233] Failed getting credential from external registry credential provider: error execing credential provider plugin acr-credential-provider for image acmeprod.azurecr.io/web: exit status 1: E0418 06:12:14.490885   14903 main.go:161] Error running credential provider plugin: group version credentialprovider.kubelet.k8s.io/v1beta1 is not supported',
    cause: 'CREDENTIAL_PROVIDER_ERROR',
    registry: 'acmeprod.azurecr.io',
  },
  {
    id: 'provider-exec-format-error',
    message:
      'Failed getting credential from external registry credential provider: error execing credential provider plugin ecr-credential-provider for image 111122223333.dkr.ecr.us-west-2.amazonaws.com/api: fork/exec /etc/kubernetes/image-credential-provider/ecr-credential-provider: exec format error',
    cause: 'CREDENTIAL_PROVIDER_ERROR',
  },
  {
    id: 'provider-sts-timeout',
    message:
      'Failed getting credential from external registry credential provider: error execing credential provider plugin ecr-credential-provider for image 444455556666.dkr.ecr.ap-south-1.amazonaws.com/web: exit status 1: E0301 08:00:01.000000 1 main.go:216] Error running credential provider plugin: operation error ECR: GetAuthorizationToken, https response error StatusCode: 0, RequestID: , request send failed, Post "https://api.ecr.ap-south-1.amazonaws.com/": dial tcp 52.95.1.2:443: i/o timeout',
    cause: 'CREDENTIAL_PROVIDER_ERROR',
  },

  // ── POLICY_REJECTED ──
  {
    id: 'gatekeeper-allowed-repos-quoted',
    message:
      'admission webhook "validation.gatekeeper.sh" denied the request: [denied by require-harbor-repo] container "alertmanager" has an invalid image repo "quay.io/prometheus/alertmanager:v0.27.0", allowed repos are ["harbor.corp.example"]',
    cause: 'POLICY_REJECTED',
    image: 'quay.io/prometheus/alertmanager:v0.27.0',
    registry: 'quay.io',
    evidenceIncludes: 'invalid image repo',
  },
  {
    id: 'gatekeeper-library-angle-brackets',
    message:
      'Error from server (Forbidden): error when creating "pod.yaml": admission webhook "validation.gatekeeper.sh" denied the request: [repo-is-openpolicyagent] container <nginx> has an invalid image repo <nginx:1.25>, allowed repos are ["openpolicyagent/"]',
    cause: 'POLICY_REJECTED',
    image: 'nginx:1.25',
  },
  {
    id: 'kyverno-disallow-latest',
    message: ML([
      'Error from server: error when creating "deploy.yaml": admission webhook "validate.kyverno.svc-fail" denied the request: ',
      '',
      'resource Deployment/default/nginx was blocked due to the following policies ',
      '',
      'disallow-latest-tag:',
      "  autogen-validate-image-tag: 'validation error: Using a mutable image tag e.g. ''latest''",
      "    is not allowed. rule autogen-validate-image-tag failed at path /spec/template/spec/containers/0/image/'",
    ]),
    cause: 'POLICY_REJECTED',
    evidenceIncludes: 'validation error',
  },
  {
    id: 'validating-admission-policy',
    message:
      "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'require-approved-registries' with binding 'require-approved-registries-binding' denied request: images must come from registry.corp.example",
    cause: 'POLICY_REJECTED',
  },
  {
    id: 'policy-controller-no-matching-policies',
    message:
      'admission webhook "policy.sigstore.dev" denied the request: validation failed: no matching policies: spec.containers[0].image\nindex.docker.io/library/busybox@sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79',
    cause: 'POLICY_REJECTED',
    image:
      'index.docker.io/library/busybox@sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79',
    registry: 'docker.io',
  },
  {
    id: 'harbor-vulnerability-prevention',
    message:
      'Failed to pull image "harbor.corp.example/apps/legacy:1.0": rpc error: code = Unknown desc = Error response from daemon: unknown: current image with 24 vulnerabilities cannot be pulled due to configured policy in \'Prevent images with vulnerability severity of "Critical" or higher from running.\' To continue with pull, please contact your project administrator to exempt matched vulnerabilities through configuring the CVE allowlist.',
    cause: 'POLICY_REJECTED',
    registry: 'harbor.corp.example',
  },
  {
    id: 'crio-registries-conf-blocked',
    message:
      'Failed to pull image "registry.corp.example/team/app:1": rpc error: code = Unknown desc = initializing source docker://registry.corp.example/team/app:1: registry registry.corp.example is blocked in /etc/containers/registries.conf or /etc/containers/registries.conf.d',
    cause: 'POLICY_REJECTED',
    image: 'registry.corp.example/team/app:1',
  },
  {
    id: 'crio-policy-json-reject',
    message:
      'rpc error: code = Unknown desc = Source image rejected: Running image docker://docker.io/library/nginx:latest is rejected by policy.',
    cause: 'POLICY_REJECTED',
    alternatives: ['SIGNATURE_INVALID'],
    image: 'docker.io/library/nginx:latest',
  },

  // ── SIGNATURE_INVALID ──
  {
    id: 'policy-controller-no-matching-signatures',
    message:
      'error: failed to create deployment: admission webhook "policy.sigstore.dev" denied the request: validation failed: failed policy: private-signed-images-cip: spec.template.spec.containers[0].image\nindex.docker.io/library/nginx@sha256:c54fb26749e49dc2df77c6155e8b5f0f78b781b7f0eadd96ecfabdcdfa5b1ec4 signature key validation failed for authority authority-0 for index.docker.io/library/nginx@sha256:c54fb26749e49dc2df77c6155e8b5f0f78b781b7f0eadd96ecfabdcdfa5b1ec4: no matching signatures:',
    cause: 'SIGNATURE_INVALID',
    alternatives: [],
    image:
      'index.docker.io/library/nginx@sha256:c54fb26749e49dc2df77c6155e8b5f0f78b781b7f0eadd96ecfabdcdfa5b1ec4',
  },
  {
    id: 'kyverno-verify-images',
    message: ML([
      'Error from server: error when creating "pod.yaml": admission webhook "mutate.kyverno.svc-fail" denied the request:',
      '',
      'resource Pod/default/pod-not-signed was blocked due to the following policies',
      '',
      'verify-image-signature:',
      "  check-image-signature: 'failed to verify image demo.goharbor.example/meetup/moonlight-vuln:1.0.0:",
      "    .attestors[0].entries[0].keys: no matching signatures'",
    ]),
    cause: 'SIGNATURE_INVALID',
    image: 'demo.goharbor.example/meetup/moonlight-vuln:1.0.0',
  },
  {
    id: 'connaisseur-unsigned',
    message:
      'Error from server: admission webhook "connaisseur-svc.connaisseur.svc" denied the request: Unable to find signed digest for image docker.io/securesystemsengineering/testimage:unsigned.',
    cause: 'SIGNATURE_INVALID',
    image: 'docker.io/securesystemsengineering/testimage:unsigned',
  },
  {
    id: 'connaisseur-wrong-key',
    message:
      'Error from server: admission webhook "connaisseur-svc.connaisseur.svc" denied the request: Failed to verify signature of trust data root.',
    cause: 'SIGNATURE_INVALID',
  },
  {
    id: 'policy-controller-denied-fetching-signatures',
    message:
      'admission webhook "policy.sigstore.dev" denied the request: validation failed: failed policy: image-policy: spec.template.spec.containers[0].image\nregistry.corp.example/app@sha256:9272c2be979a9857971fc8b6f7226e609cadec8352f97e9769081930121ef27f signature key validation failed for authority authority-0 for registry.corp.example/app@sha256:9272c2be979a9857971fc8b6f7226e609cadec8352f97e9769081930121ef27f: GET https://registry.corp.example/v2/app/manifests/sha256-9272c2be979a9857971fc8b6f7226e609cadec8352f97e9769081930121ef27f.sig: DENIED: denied',
    cause: 'SIGNATURE_INVALID',
    alternatives: ['FORBIDDEN'],
    registry: 'registry.corp.example',
  },
  {
    id: 'crio-signature-required',
    message:
      'Failed to pull image "registry.redhat.example/ubi9/ubi:9.4": rpc error: code = Unknown desc = Source image rejected: A signature was required, but no signature exists',
    cause: 'SIGNATURE_INVALID',
  },
  {
    id: 'kyverno-keyless-bundle',
    message: ML([
      'Error from server: admission webhook "mutate.kyverno.svc-fail" denied the request:',
      '',
      'resource Pod/default/demo was blocked due to the following policies',
      '',
      'sigstore-image-verification:',
      "  sigstore-image-verification: 'failed to verify image docker.io/nginx:latest: .attestors[0].entries[0].keyless:",
      "    sigstore bundle verification failed: no matching signatures found'",
    ]),
    cause: 'SIGNATURE_INVALID',
    image: 'docker.io/nginx:latest',
  },

  // ── BACKOFF_NO_DETAIL ──
  {
    id: 'backoff-event',
    reason: 'BackOff',
    message: 'Back-off pulling image "nginx:1.25"',
    cause: 'BACKOFF_NO_DETAIL',
    image: 'nginx:1.25',
    registry: 'docker.io',
  },
  {
    id: 'error-image-pull-backoff',
    message: 'Error: ImagePullBackOff',
    cause: 'BACKOFF_NO_DETAIL',
  },
  {
    id: 'pod-workers-backoff-escaped',
    message:
      'Error syncing pod, skipping: failed to \\"StartContainer\\" for \\"nginx\\" with ImagePullBackOff: \\"Back-off pulling image \\\\\\"nginx\\\\\\"\\"',
    cause: 'BACKOFF_NO_DETAIL',
    image: 'nginx',
  },
  {
    id: 'waiting-reason-only',
    reason: 'ImagePullBackOff',
    message: '',
    cause: 'BACKOFF_NO_DETAIL',
  },
  {
    id: 'error-err-image-pull',
    message: 'Error: ErrImagePull',
    cause: 'BACKOFF_NO_DETAIL',
  },

  // ── UNKNOWN ──
  {
    id: 'snapshotter-parent-missing',
    message:
      'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/alpine:3.19": failed to prepare extraction snapshot "extract-722373617-Yk3l sha256:94e5f06ff8e3d4441dc3cd8b090ff38dc911bfa8ebdb0dc28395bc98f82f983f": parent snapshot sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820 does not exist: not found',
    cause: 'UNKNOWN',
  },
  {
    id: 'runtime-socket-missing',
    message:
      'rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory"',
    cause: 'UNKNOWN',
  },
  {
    id: 'rootfs-mismatch',
    message:
      'rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/busybox:1.36": failed to unpack image on snapshotter overlayfs: mismatched image rootfs and manifest layers',
    cause: 'UNKNOWN',
  },
  {
    id: 'containerd-21-schema1',
    message:
      'failed to pull and unpack image "docker.io/library/centos:6": failed to resolve reference "docker.io/library/centos:6": media type "application/vnd.docker.distribution.manifest.v1+prettyjws" is no longer supported since containerd v2.1, please rebuild the image as "application/vnd.docker.distribution.manifest.v2+json" or "application/vnd.oci.image.manifest.v1+json"',
    cause: 'UNKNOWN',
  },
];
