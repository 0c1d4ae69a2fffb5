// Concrete next steps per cause, shared by `classify`, `probe` and reports. Pure: everything it knows comes in
// through `ctx`; unknown values become <placeholders>. Never puts real credentials in a step.
import type { Cause } from './index.ts';
import { appendToServiceAccount, createSecret as createSecretCommand } from './kubectl.ts';

export interface RemediationContext {
  image?: string | null;
  registry?: string | null;
  platform?: string | null;
  tag?: string | null;
  /** The host that actually failed when it is not the registry itself (token server, blob CDN, mirror). */
  host?: string | null;
  /** Tags that exist and look close to the one asked for (from a probe). */
  suggestions?: string[];
  /** Some tags the repository does have, when none is close (from a probe's tag list). */
  tags?: string[];
  /**
   * PLATFORM_MISMATCH steps from what is known of the image's and the cluster's platforms (platform/fix.ts
   * platformSteps); without them the steps say where to look.
   */
  platformSteps?: string[];
}

interface Names {
  image: string;
  /** As the runtime names the registry: the directory name under /etc/containerd/certs.d and friends. */
  registry: string;
  /** Where the registry's API answers (registry-1.docker.io for docker.io). */
  endpoint: string;
  /** The host to test from the node (curl, openssl, DNS): the one that failed, else the endpoint. */
  host: string;
  /** `host` without a port, for DNS and TLS names. */
  hostName: string;
  /** `host` with its port (443 unless given), for TCP checks. */
  hostPort: string;
  repo: string;
  tag: string;
  /** The digest the image names, if it names one. */
  digest: string | null;
  platform: string | null;
  suggestions: string[];
  ctx: RemediationContext;
}

function names(ctx: RemediationContext): Names {
  const image = ctx.image?.trim() || '<image>';
  const registry = ctx.registry?.trim() || '<registry>';
  const repo = ctx.image ? repositoryOf(ctx.image) : '<repository>';
  const platform = ctx.platform?.trim() || null;
  const host = ctx.host?.trim() || endpointOf(registry);
  const hostName = host.replace(/:\d+$/, '');
  return {
    image,
    registry,
    endpoint: endpointOf(registry),
    host,
    hostName,
    hostPort: hostName === host ? `${host}:443` : host,
    repo,
    tag: ctx.tag?.trim() || '<tag>',
    digest: /@(sha256:[0-9a-f]{64})$/.exec(image)?.[1] ?? null,
    platform,
    suggestions: ctx.suggestions ?? [],
    ctx,
  };
}

// Docker Hub's API does not answer at docker.io itself.
function endpointOf(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

function repositoryOf(image: string): string {
  return image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
}

/** The same reference with a registry and Docker Hub's implicit "library/" spelled out. */
function qualified(image: string): string {
  if (image.startsWith('<')) return 'docker.io/library/<name>:<tag>';
  const slash = image.indexOf('/');
  if (slash === -1) return `docker.io/library/${image}`;
  const head = image.slice(0, slash);
  return head.includes('.') || head.includes(':') || head === 'localhost' ? image : `docker.io/${image}`;
}

const probe = (n: Names) => `Confirm from a machine with the same network path: regdoctor probe ${n.image}`;

const createSecret = (n: Names) =>
  `Create a pull secret: ${createSecretCommand('regcred', n.registry, '<namespace>')}`;

const attachSecret = () =>
  "Reference it from the pod (spec.imagePullSecrets: [{name: regcred}]; a pod's own list replaces its service account's) or from its service account, which admission copies into pods created afterwards: " +
  appendToServiceAccount('<serviceaccount>', '<namespace>', 'regcred', null);

/** Cloud registries whose access is granted by IAM rather than by a pull secret. */
function cloudAccessStep(n: Names): string | null {
  if (/\.dkr\.ecr\.[\w-]+\.amazonaws\.com/.test(n.registry))
    return 'ECR: the node role (or the credential provider) needs ecr:GetAuthorizationToken, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer, and the repository policy must allow this account';
  if (/(^|\.)gcr\.io$|-docker\.pkg\.dev$/.test(n.registry))
    return 'Artifact Registry: grant roles/artifactregistry.reader on the repository to the node service account (or the workload identity used for pulls)';
  if (/\.azurecr\.io$/.test(n.registry))
    return `ACR: assign the AcrPull role to the kubelet identity, or run: az aks check-acr --name <cluster> --resource-group <group> --acr ${n.registry}`;
  if (n.registry === 'ghcr.io')
    return 'GHCR: use a token with read:packages, and check the package visibility and its access list for the owner';
  return null;
}

const STEPS: Record<Cause, (n: Names) => (string | null)[]> = {
  INVALID_REFERENCE: (n) => [
    `Fix the image string (${n.image}) in the pod spec: [registry[:port]/]repository[:tag][@sha256:<64 hex>], repository in lowercase, no scheme such as https://`,
    'Common causes: uppercase letters, a tag given twice (repo:tag:tag), an empty tag (repo:), a short or malformed digest, an unrendered template value',
    "See what the pod actually asks for: kubectl get pod <pod> -n <namespace> -o jsonpath='{.spec.containers[*].image}'",
  ],
  SHORT_NAME_UNRESOLVED: (n) => [
    `Use a fully qualified name in the pod spec, e.g. ${qualified(n.image)} (if it lives on Docker Hub)`,
    `Or define an alias on every node in /etc/containers/registries.conf.d/<file>.conf: [aliases] "${repositoryOf(n.image)}" = "<registry>/<repository>"`,
    'Or, less safely, list exactly one registry in unqualified-search-registries in /etc/containers/registries.conf (CRI-O 1.34+ refuses ambiguous short names)',
  ],
  NEVER_PULL: (n) => [
    'Set imagePullPolicy: IfNotPresent (or Always) on the container so the kubelet may pull it',
    `Or preload it on every node that can run the pod: crictl pull ${n.image}, or import an archive with ctr -n k8s.io images import <file>.tar (kind: kind load docker-image ${n.image}; minikube: minikube image load ${n.image})`,
    `Check which nodes have it: crictl images | grep ${repositoryOf(n.image)} (run on the node)`,
  ],
  MANIFEST_NOT_FOUND: (n) =>
    n.digest
      ? [
          `Digest ${n.digest} is not in ${n.repo}: it was never pushed there, or garbage-collected after the tag that held it moved`,
          `Point the pod at a digest the repository has: skopeo inspect --format '{{.Digest}}' docker://${n.repo}:<tag> (or crane digest ${n.repo}:<tag>)`,
        ]
      : [
          n.suggestions.length > 0
            ? `Tags that do exist and look close: ${n.suggestions.join(', ')}`
            : n.ctx.tags?.length
              ? `No existing tag looks close to ${n.tag}; some that exist: ${n.ctx.tags.join(', ')}`
              : `List the tags that do exist: skopeo list-tags docker://${n.repo} (or crane ls ${n.repo})`,
          `Check tag ${n.tag} for a typo, a build that never pushed it, or a retention policy that deleted it; fix the pod spec or push the tag`,
          'Once it works, pin the image by digest so it cannot disappear or change under the workload',
        ],
  REPOSITORY_NOT_FOUND: (n) => [
    `Check the repository path ${n.repo} on ${n.registry} for typos, a renamed project or a missing namespace`,
    'Private repositories can look missing to the wrong identity: verify with the credentials the pod uses',
    probe(n),
  ],
  UNAUTHORIZED: (n) => [
    createSecret(n),
    attachSecret(),
    `If a secret is already attached, check that its auths key is exactly ${n.registry} (including any port) and that the password or token has not expired`,
    cloudAccessStep(n),
    probe(n),
  ],
  FORBIDDEN: (n) => [
    `The registry knows the identity but will not let it pull ${n.repo}: grant read/pull access on that repository to the account in the pull secret or the node's identity`,
    cloudAccessStep(n),
    'Check that the pull secret for this registry belongs to the intended account (a stale or shared token is common)',
    probe(n),
  ],
  RATE_LIMITED: (n) => [
    `Pull with credentials: authenticated accounts get a higher limit. ${createSecret(n)}`,
    `Put a pull-through cache or mirror in front of ${n.registry}, e.g. containerd /etc/containerd/certs.d/${n.registry}/hosts.toml with [host."https://<mirror>"] capabilities = ["pull", "resolve"]`,
    'Pull less: imagePullPolicy: IfNotPresent with immutable tags or digests, and avoid crash loops that re-pull',
    `See the remaining quota: regdoctor probe ${n.image} (reports the registry's rate-limit headers)`,
  ],
  REGISTRY_ERROR: (n) => [
    `Check the status page or logs of ${n.registry} and of any proxy or load balancer in front of it; the failure is on that side`,
    `If the node uses a mirror (/etc/containerd/certs.d/${n.registry}/hosts.toml), test the mirror and the upstream separately`,
    'Retry later: the kubelet keeps backing off and retrying on its own',
    probe(n),
  ],
  PLATFORM_MISMATCH: (n) =>
    n.ctx.platformSteps ?? [
      `See which platforms the image provides: regdoctor inspect ${n.image}`,
      `Then either build ${n.platform ?? 'the node platform'} too, or keep the pod on nodes of a platform the image has (nodeSelector on kubernetes.io/arch, and kubernetes.io/os for another OS); see which nodes there are: kubectl get nodes -L kubernetes.io/os,kubernetes.io/arch`,
    ],
  DNS_FAILURE: (n) => [
    `On the node, check the name: getent hosts ${n.hostName} (the runtime uses the node's /etc/resolv.conf, not the cluster DNS)`,
    'Fix a typo in the image host, or the node DNS servers/search domains; in-cluster Service names (*.svc.cluster.local) do not resolve on the node',
    'For a registry that runs inside the cluster, expose it on a name or address the node itself can resolve',
    probe(n),
  ],
  CONNECTION_REFUSED: (n) => [
    `Check that the registry at ${n.host} is running and listening on the port in the image reference (443 when none is given)`,
    `From the node: curl -v https://${n.host}/v2/`,
    'If the node should go through a proxy, check HTTPS_PROXY/NO_PROXY of the container runtime service',
  ],
  NETWORK_UNREACHABLE: (n) => [
    `Check routing from the node to ${n.host}: ip route get <registry address>; egress through NAT gateway, VPC peering or VPN`,
    'Check IPv4/IPv6: a registry that resolves only to IPv6 is unreachable from an IPv4-only node (and the reverse)',
    `From the node: curl -v https://${n.host}/v2/`,
  ],
  NETWORK_TIMEOUT: (n) => [
    `Check egress firewalls, security groups and network ACLs between the node and ${n.hostPort}; dropped packets look like timeouts. The pod's NetworkPolicy plays no part: the node's container runtime pulls the image, not the pod`,
    'If the node needs a proxy, give it to the runtime: systemctl edit containerd, then [Service] Environment="HTTPS_PROXY=http://<proxy>:<port>" "NO_PROXY=<cluster ranges>", and restart',
    `From the node: curl -v --max-time 10 https://${n.host}/v2/ (also check MTU if small requests work and large ones stall)`,
    probe(n),
  ],
  PULL_TIMEOUT: (n) => [
    'containerd cancels a pull that makes no progress for image_pull_progress_timeout (default 5m; 0 disables it): raise it in /etc/containerd/config.toml, under [plugins."io.containerd.grpc.v1.cri"] in 1.7 or [plugins."io.containerd.cri.v1.images"] in 2.x, and restart containerd',
    'CRI-O: pull_progress_timeout in the [crio.image] table of /etc/crio/crio.conf (or a file in /etc/crio/crio.conf.d/), then restart crio',
    "Pulls queued behind a big one: in the kubelet's config file (its --config, often /var/lib/kubelet/config.yaml) set serializeImagePulls: false and maxParallelImagePulls, with registryPullQPS and registryBurst (defaults 5 and 10) high enough for them, then restart the kubelet",
    'Make the pull cheaper: a smaller image, a registry mirror close to the nodes, or pre-pulling with a DaemonSet',
    `Measure the link from the node: regdoctor probe ${n.image} (times each step)`,
  ],

  PROXY_ERROR: (n) => [
    'Check the proxy the runtime uses: systemctl show containerd --property=Environment (or crio / docker)',
    `Make sure the proxy is up, reachable from the node, allows CONNECT to ${n.hostPort} and has credentials if it answers 407`,
    `Or bypass it for the registry: add ${n.host} to NO_PROXY of the runtime service and restart it`,
  ],
  TLS_UNTRUSTED: (n) => [
    `containerd: put the registry CA on every node at /etc/containerd/certs.d/${n.registry}/ca.crt and reference it in /etc/containerd/certs.d/${n.registry}/hosts.toml: server = "https://${n.endpoint}" and [host."https://${n.host}"] ca = "/etc/containerd/certs.d/${n.registry}/ca.crt"`,
    `CRI-O: /etc/containers/certs.d/${n.host}/ca.crt; Docker: /etc/docker/certs.d/${n.host}/ca.crt; or add the CA to the node trust store (update-ca-certificates) and restart the runtime`,
    `If a TLS-inspecting proxy sits in between, trust its CA or exempt ${n.host} from inspection`,
    `${probe(n)} (shows the chain and its issuer)`,
    `regdoctor trusts the same CAs as this machine: to check ${n.registry} from here, give it the registry's CA with --ca-file <ca.pem>`,
  ],
  TLS_EXPIRED: (n) => [
    `Check the dates: openssl s_client -connect ${n.hostPort} -servername ${n.hostName} </dev/null | openssl x509 -noout -dates`,
    `Renew the certificate of ${n.host} (and its intermediates)`,
    'If the certificate is fine, the node clock is wrong: timedatectl; chronyc tracking',
  ],
  TLS_HOSTNAME_MISMATCH: (n) => [
    `Reissue the certificate with ${n.hostName} in subjectAltName (Go ignores the Common Name; an IP address needs an IP SAN)`,
    'Or refer to the registry by a name the certificate covers in the image reference',
    `Check what it presents: openssl s_client -connect ${n.hostPort} -servername ${n.hostName} </dev/null | openssl x509 -noout -subject -ext subjectAltName`,
  ],
  HTTP_HTTPS_MISMATCH: (n) => [
    'Preferably serve the registry over TLS',
    `containerd: /etc/containerd/certs.d/${n.registry}/hosts.toml with server = "http://${n.host}" and [host."http://${n.host}"] capabilities = ["pull", "resolve"] (config_path must point at /etc/containerd/certs.d)`,
    `CRI-O: a [[registry]] entry with location = "${n.registry}" and insecure = true in /etc/containers/registries.conf; Docker: add "${n.registry}" to insecure-registries in /etc/docker/daemon.json`,
  ],
  LAYER_DOWNLOAD_FAILED: (n) => [
    'Retry: delete the pod or wait for the back-off; a transient break usually succeeds next time',
    'If it repeats, look for a proxy or middlebox that cuts long downloads or rewrites content, and clear partial downloads on the node (ctr -n k8s.io content ls; crictl rmi --prune)',
    `If one layer always fails, the blob in ${n.registry} may be damaged: re-push the image`,
    probe(n),
  ],
  NODE_DISK_FULL: () => [
    'On the node: df -h /var/lib/containerd (or /var/lib/containers, /var/lib/docker) and remove unused images: crictl rmi --prune',
    'Tune kubelet image garbage collection (imageGCHighThresholdPercent, imageGCLowThresholdPercent) or give the node a larger disk',
    'Check for DiskPressure: kubectl describe node <node>',
  ],
  PULL_QPS_EXCEEDED: () => [
    'Usually transient: the kubelet retries on its own',
    'If frequent, raise registryPullQPS and registryBurst in the KubeletConfiguration (defaults 5 and 10; 0 means no limit)',
    'Reduce simultaneous pulls: imagePullPolicy: IfNotPresent and staggered rollouts',
  ],
  PULL_SECRET_MISSING: (n) => [
    `Create the secret in the pod's namespace (secrets are namespaced): ${createSecretCommand('<secret-name>', n.registry, '<namespace>')}`,
    'Or fix the name in spec.imagePullSecrets of the pod or its service account: kubectl get secrets -n <namespace>',
    'Check the secret type is kubernetes.io/dockerconfigjson: kubectl get secret <secret-name> -n <namespace> -o jsonpath={.type}',
  ],
  PULL_SECRET_INVALID: (n) => [
    'The kubelet uses only type kubernetes.io/dockerconfigjson (key .dockerconfigjson) or kubernetes.io/dockercfg; an Opaque secret is silently ignored',
    `List the registries it covers, without printing credentials: kubectl get secret <secret-name> -n <namespace> -o jsonpath='{.data.\\.dockerconfigjson}' | base64 -d | jq '.auths | keys'`,
    `Recreate it for ${n.registry} as a kubernetes.io/dockerconfigjson secret (a secret's type cannot change in place): kubectl delete secret <secret-name> -n <namespace> && ${createSecretCommand('<secret-name>', n.registry, '<namespace>')}`,
  ],
  CREDENTIAL_PROVIDER_ERROR: (n) => [
    "Read the plugin's error in the kubelet log on the node: journalctl -u kubelet | grep -i 'credential provider'",
    'Check that the binary named in providers[].name exists and is executable in --image-credential-provider-bin-dir, and that its apiVersion matches the CredentialProviderConfig',
    `Check that matchImages covers ${n.registry} and that the node identity may fetch registry tokens (IAM role, managed identity, workload identity)`,
  ],
  POLICY_REJECTED: () => [
    'Read the denial: it names the policy or constraint and the rule; change the image to comply (allowed registry, pinned tag or digest) or request an exception',
    'List the policies: kubectl get constraints (Gatekeeper), kubectl get clusterpolicies,policies -A (Kyverno), kubectl get validatingadmissionpolicies',
    'Test a fix without applying it: kubectl apply --dry-run=server -f <manifest>',
  ],
  SIGNATURE_INVALID: (n) => [
    `Check the signature yourself: cosign verify --key <public-key> ${n.image} (keyless: --certificate-identity <identity> --certificate-oidc-issuer <issuer>)`,
    `Sign the exact digest with a key or identity the policy trusts: cosign sign --key <key> ${repositoryOf(n.image)}@<digest>`,
    `Check the policy's trusted keys or identities, and that the verifier can read signatures from ${n.registry} (it may need its own pull credentials)`,
  ],
  BACKOFF_NO_DETAIL: (n) => [
    'Find the failure behind the back-off: kubectl describe pod <pod> -n <namespace> (look for the earlier "Failed to pull image" event)',
    'Or: kubectl get events -n <namespace> --field-selector involvedObject.name=<pod> --sort-by=.lastTimestamp',
    probe(n),
  ],
  UNKNOWN: (n) => [
    `Test every step (DNS, TCP, TLS, auth, manifest) directly: regdoctor probe ${n.image}`,
    'Read the runtime log on the node around the failure: journalctl -u containerd (or crio, docker)',
  ],
};

export function remediationFor(cause: Cause, ctx: RemediationContext): string[] {
  const steps = STEPS[cause](names(ctx)).filter((s): s is string => typeof s === 'string' && s.length > 0);
  // A step is one line of text; multi-line values from callers must not leak into it.
  return steps.map((s) => s.replace(/\s*\n\s*/g, ' '));
}
