// Docker Hub's names, in one place. Three different questions get three different answers, and mixing them up is
// how `registry-1.docker.io/library/nginx` once walked past `blockedImages: [nginx]`:
//   - Which names does Docker's own tooling read as Hub? `docker.io` and `index.docker.io` (distribution's
//     splitDockerDomain; the Docker CLI's credential key; the kubelet's default-registry fallback). The reference
//     grammar, credential files and kubelet matching keep exactly these semantics.
//   - Where does Hub's registry API answer? `registry-1.docker.io`.
//   - Which hosts serve Hub's images? All of them, plus `registry.hub.docker.com`. Anything that decides on the
//     image rather than on the spelling (policies) compares canonical names: every such host reads as docker.io.

export const DOCKER_HUB = 'docker.io';
/** Docker's legacy name for Hub, normalized to docker.io by the reference grammar. */
export const LEGACY_HUB = 'index.docker.io';
/** Where Hub's registry API answers; docker.io itself only redirects to the website. */
export const HUB_API_HOST = 'registry-1.docker.io';
/** The names Docker's tools (and the kubelet's fallback) treat as Hub. */
export const DOCKER_HUB_NAMES: ReadonlySet<string> = new Set([DOCKER_HUB, LEGACY_HUB]);
/** Every host that serves Hub's images. */
export const HUB_HOSTS: ReadonlySet<string> = new Set([
  DOCKER_HUB,
  LEGACY_HUB,
  HUB_API_HOST,
  'registry.hub.docker.com',
]);

const OFFICIAL_PREFIX = 'library/';

/** Whether a registry host (normalized or as found in configs and messages) serves Docker Hub. */
export function isDockerHub(registry: string): boolean {
  return HUB_HOSTS.has(registry.toLowerCase());
}

/** Host to send registry API requests to: Docker's names for Hub map to its API host, others are unchanged. */
export function apiHost(registry: string): string {
  return DOCKER_HUB_NAMES.has(registry.toLowerCase()) ? HUB_API_HOST : registry;
}

/** The registry an API host serves, as CRI-O and containers/image name it: Hub's API host is docker.io. */
export function registryOfApiHost(host: string): string {
  return host.toLowerCase() === HUB_API_HOST ? DOCKER_HUB : host;
}

/**
 * `registry/repository` with the registry lowercased and any Hub host read as docker.io (a single-component Hub
 * repository under library/, as Docker reads `docker.io/nginx`): one string per image, whatever the spelling.
 */
export function canonicalName(registry: string, repository: string): string {
  const host = registry.toLowerCase();
  if (!HUB_HOSTS.has(host)) return `${host}/${repository}`;
  return `${DOCKER_HUB}/${repository.includes('/') ? repository : OFFICIAL_PREFIX + repository}`;
}
