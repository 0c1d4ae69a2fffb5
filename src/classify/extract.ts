// Pulls the names an SRE needs out of a message: the image as the user wrote it, the registry it lives on, the
// host that actually failed (a blob CDN, a token server, a mirror), the node platform, pull secret names.

import { DOCKER_HUB, isDockerHub } from '../reference/hub.ts';

type Extractor = [RegExp, (m: RegExpExecArray) => string | undefined];

const first = (m: RegExpExecArray) => m[1];

// Ordered: the kubelet quotes the image exactly as written in the pod spec, so its wordings come first; runtime and
// admission wordings (often normalized to docker.io/library/…) only when the kubelet's is absent.
const IMAGE_EXTRACTORS: readonly Extractor[] = [
  [/[Ff]ailed to pull image "([^"\s]+)"/, first],
  [/Back-off pulling image "([^"\s]+)"/, first],
  [/Container image "([^"\s]+)" is not present/, first],
  [/Failed to apply default image tag "([^"\n]{1,1024})"/, first],
  [/[Pp]ulling image "([^"\s]+)"/, first],
  [/PullImage "([^"\s]+)"/, first],
  [/failed to pull and unpack image "([^"\s]+)"/, first],
  [/failed to resolve reference "([^"\s]+)"/, first],
  [/failed to get sandbox image "([^"\s]+)"/, first],
  // The ECS agent: `failed to resolve ref "X"` (containerd) or unquoted.
  [/failed to resolve ref "?([^"\s]+?)"?:(?=\s)/, first],
  [/short-name "([^"\s]+)"/, first],
  [/image name (\S+) returns ambiguous list/, first],
  [/Error initializing source docker:\/\/(\S+?):(?=\s)/, first],
  [/reading manifest (\S+) in (\S+?):(?=\s|$)/m, (m) => joinTag(m[2], m[1])],
  [/pull access denied for ([^\s,]+)/, first],
  [/manifest for (\S+) not found/, first],
  [/failed to verify (?:image|signature for) (\S+?):?(?=\s|$)/m, first],
  [/signed digest for image (\S+?)\.?(?=\s|$)/m, first],
  [/invalid image repo [<"]([^>"\s]+)[>"]/, first],
  [/\.image\n(\S+@sha256:[a-f0-9]+)/, first],
  [/unverified image (\S+)/, first],
  [/Running image docker:\/\/(\S+) is rejected/, first],
  [/Trying to access "([^"\s]+)"/, first],
  [/Unable to find image '([^'\s]+)' locally/, first],
  [/image with reference (\S+) was found but/, first],
  [/credential provider plugin \S+ for image (\S+?):?(?=\s|$)/m, first],
  [/[Cc]ancel pulling image "?([^\s"]+)"? because/, first],
  [/image pull failed for (\S+) because/, first],
];

function joinTag(repo: string | undefined, tagOrDigest: string | undefined): string | undefined {
  if (!repo || !tagOrDigest) return repo;
  return `${repo}${tagOrDigest.startsWith('sha256:') ? '@' : ':'}${tagOrDigest}`;
}

// A reference's name is at most 255 characters (distribution/reference NameTotalLengthMax); with a 128-character
// tag or a sha512 digest it stays under this. Anything longer is not an image, whatever the words around it.
const MAX_REFERENCE = 512;

const GLOBAL_EXTRACTORS: readonly Extractor[] = IMAGE_EXTRACTORS.map(([re, pick]) => [
  new RegExp(re.source, `${re.flags}g`),
  pick,
]);

/**
 * The image a message names, by the first wording (in the order above) that names one. When that wording names
 * several (each credential or candidate the runtime tried), the last one before `decidedAt` — the attempt that
 * decided the verdict.
 */
export function extractImage(text: string, decidedAt = text.length): string | null {
  for (const [re, pick] of GLOBAL_EXTRACTORS) {
    let chosen: string | undefined;
    for (const m of text.matchAll(re)) {
      if (chosen !== undefined && (m.index ?? 0) >= decidedAt) break;
      const image = pick(m)
        ?.replace(/^docker:\/\//, '')
        .replace(/[.,;]+$/, '');
      if (image && image.length <= MAX_REFERENCE) chosen = image;
    }
    if (chosen !== undefined) return chosen;
  }
  return null;
}

// Docker Hub answers under several names (reference/hub.ts), and its token service under auth.docker.io; pull
// secrets and mirrors are keyed by docker.io.
const HUB_TOKEN_HOST = 'auth.docker.io';

// Docker Hub serves blobs from CDNs; a failure there is still a Docker Hub pull.
const DOCKER_HUB_BLOB_HOSTS = [
  /^production\.cloudflare\.docker\.com$/,
  /^docker-images-prod\.[\w.-]*r2\.cloudflarestorage\.com$/,
];

export function canonicalRegistry(host: string): string {
  const h = host.toLowerCase();
  return isDockerHub(h) || h === HUB_TOKEN_HOST || DOCKER_HUB_BLOB_HOSTS.some((re) => re.test(h))
    ? DOCKER_HUB
    : h;
}

/** The registry an image reference points at, by the Docker rules (no dot, colon or "localhost": Docker Hub). */
export function registryOfImage(image: string): string {
  const ref = image.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = ref.indexOf('/');
  if (slash <= 0) return DOCKER_HUB;
  const head = ref.slice(0, slash);
  const isHost = head.includes('.') || head.includes(':') || head === 'localhost' || head.startsWith('[');
  return isHost ? canonicalRegistry(head) : DOCKER_HUB;
}

/**
 * The registry a runtime actually used for `image`. A short name is resolved by the runtime (containerd: Docker
 * Hub; CRI-O: an alias or the unqualified-search registries), and the runtime's own words name the qualified
 * reference it tried ("reading manifest 1 in quay.io/x/y"): that host, not a guess, is the registry.
 */
export function registryUsedFor(image: string, text: string, decidedAt = text.length): string {
  if (!isShortName(image)) return registryOfImage(image);
  const path = repositoryPath(image);
  if (!path) return registryOfImage(image);
  const escaped = path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const qualified = new RegExp(
    `(?<![\\w.-])((?:[\\w-]{1,63}\\.){0,8}[\\w-]{1,63}(?::\\d{1,5})?)/(?:library/)?${escaped}(?![\\w/.-])`,
    'g',
  );
  // Several candidates (podman, CRI-O's search list) may be named: the one nearest before the deciding words failed.
  let found: string | undefined;
  for (const m of text.matchAll(qualified)) {
    const host = m[1] as string;
    if (!(host.includes('.') || host.includes(':') || host === 'localhost')) continue;
    if (found !== undefined && (m.index ?? 0) >= decidedAt) break;
    found = host;
  }
  return found !== undefined ? canonicalRegistry(found) : registryOfImage(image);
}

function repositoryPath(image: string): string | null {
  const at = image.indexOf('@');
  const named = at === -1 ? image : image.slice(0, at);
  const colon = named.indexOf(':', named.lastIndexOf('/') + 1);
  const path = colon === -1 ? named : named.slice(0, colon);
  return path.length > 0 ? path : null;
}

/** True when the image names no registry at all (the runtime has to pick one). */
export function isShortName(image: string): boolean {
  const slash = image.indexOf('/');
  if (slash === -1) return true;
  const head = image.slice(0, slash);
  return !(head.includes('.') || head.includes(':') || head === 'localhost');
}

const URL_HOST = /https?:\/\/([^/\s"'?]+)/g;

interface HostMention {
  host: string;
  at: number;
  /** A name from a URL path under /v2/ (the registry API itself, not a token server or CDN). */
  registryApi: boolean;
  /** A bare dial address (usually an IP): less telling than a name. */
  address: boolean;
}

// A DNS name is at most 253 characters; with a port, or an IPv6 literal in brackets, it stays under this.
const MAX_HOST = 262;

function mentions(text: string): HostMention[] {
  const out: HostMention[] = [];
  for (const m of text.matchAll(URL_HOST)) {
    const after = (m.index ?? 0) + m[0].length;
    const host = (m[1] as string).replace(/[:.,;]+$/, '');
    out.push({ host, at: m.index ?? 0, registryApi: text.startsWith('/v2', after), address: false });
  }
  const named: [RegExp, boolean][] = [
    [/\blookup ([^\s:]+)/g, false],
    [/pinging (?:container |docker )?registry ([^\s:]+(?::\d+)?):/g, false],
    [/error pinging ([^\s:]+(?::\d+)?):/g, false],
    [/dial tcp ((?:\[[^\]\s]+\]|[^\s:[]+):\d+)/g, true],
  ];
  for (const [re, address] of named) {
    for (const m of text.matchAll(re))
      out.push({ host: m[1] as string, at: m.index ?? 0, registryApi: false, address });
  }
  return out.filter((h) => h.host.length <= MAX_HOST).sort((a, b) => a.at - b.at);
}

const ECR_ARN = /arn:aws:ecr:([a-z0-9-]+):(\d{12}):repository\//;

/** The registry named by URLs, lookups or ARNs when the message names no image. */
export function registryFromText(text: string): string | null {
  const all = mentions(text);
  const pick = all.find((h) => h.registryApi) ?? all.find((h) => !h.address) ?? all[0];
  if (pick) return canonicalRegistry(pick.host);
  const arn = ECR_ARN.exec(text);
  return arn ? `${arn[2]}.dkr.ecr.${arn[1]}.amazonaws.com` : null;
}

/**
 * The host that failed: the innermost name mentioned up to the deciding match (a blob CDN, token server or mirror
 * may be more telling than the registry); a bare dial address only when no name is given.
 */
export function failingHost(textUpToMatch: string): string | null {
  const all = mentions(textUpToMatch);
  const names = all.filter((h) => !h.address);
  return (names[names.length - 1] ?? all[all.length - 1])?.host ?? null;
}

/** The node platform a platform-mismatch message names, as os/arch[/variant]. */
export function extractPlatform(text: string): string | null {
  const found = platformIn(text);
  return found && found.length <= 64 ? found : null;
}

function platformIn(text: string): string | null {
  const docker = /no matching manifest for (\S+?)(?: [\d.]+)? in the manifest list/.exec(text);
  if (docker?.[1]) return docker[1];
  const cio = /for architecture "?(\w+)"?, variant "?(\w*)"?, OS "?(\w+)"?/.exec(text);
  if (cio) return [cio[3], cio[1], cio[2]].filter(Boolean).join('/');
  const wanted = /wanted:? ([\w]+\/[\w/]+)/.exec(text);
  if (wanted?.[1]) return wanted[1];
  return null;
}

/** Names of pull secrets the kubelet could not read. */
export function extractSecretNames(text: string): string[] {
  const some = /Unable to retrieve some image pull secrets \(([^)\n]{0,4096})\)/.exec(text);
  // Secret names are DNS subdomains (≤ 253); a pod lists a handful.
  if (some?.[1])
    return some[1]
      .split(/,\s*/)
      .filter((n) => n && n.length <= 253)
      .slice(0, 20);
  const one = /Unable to retrieve pull secret (?:[\w.-]+\/)?([\w.-]+)/.exec(text);
  return one?.[1] ? [one[1]] : [];
}

/** Tag (or digest) of an image reference, if it has one. */
export function tagOf(image: string): string | null {
  const at = image.indexOf('@');
  if (at !== -1) return image.slice(at + 1);
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon === -1 ? null : image.slice(colon + 1);
}

/** The proxy a proxy failure names (host:port, or URL), if any. */
export function extractProxy(text: string): string | null {
  const m =
    /proxyconnect tcp: dial tcp: lookup ([^\s:]+)|proxyconnect tcp: dial tcp (\S+?):?(?=\s|$)|error connecting to proxy (\S+?):?(?=\s|$)/m.exec(
      text,
    );
  const proxy = m?.[1] ?? m?.[2] ?? m?.[3] ?? null;
  return proxy && proxy.length <= MAX_REFERENCE ? proxy : null;
}
