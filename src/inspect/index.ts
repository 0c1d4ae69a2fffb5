// `inspect`: what an image weighs per platform, without pulling it. Runs the probe first (so a broken image gets
// the probe's verdict), then reads every platform's manifest and config over the probe's connection and token.
import { UsageError } from '../cause/index.ts';
import {
  describeAvailable,
  formatPlatform,
  isSelectable,
  normalizePlatform,
  parsePlatform,
  selectPlatform,
  type Platform,
} from '../platform/index.ts';
import { RegdoctorError } from '../cause/index.ts';
import { RegistryError } from '../registry/errors.ts';
import { probeImage, type ProbeOptions } from '../probe/probe.ts';
import { parseReference, type Reference } from '../reference/index.ts';
import type { CredentialSource } from '../registry/auth.ts';
import { ManifestCache } from '../registry/cache.ts';
import { LIMITS } from '../registry/limits.ts';
import {
  indexEntries,
  isIndex,
  parseImageConfig,
  type ImageConfig,
  type ImageManifest,
} from '../registry/manifest.ts';
import { repositoryFor, type FetchedManifest, type Repository } from '../registry/repository.ts';
import type { Session } from '../registry/session.ts';
import type { ProbeResult } from '../result/index.ts';
import { Budget, PROBE_BUDGET } from '../transport/budget.ts';

export interface LayerInfo {
  digest: string;
  size: number;
  mediaType: string;
  /** Also used by another platform of this image (a node pulling both pays once). */
  shared: boolean;
}

export interface PlatformImage {
  platform: string;
  digest: string;
  mediaType: string;
  layers: LayerInfo[];
  totalSize: number;
  config: {
    entrypoint: string[] | null;
    cmd: string[] | null;
    user: string | null;
    workingDir: string | null;
    created: string | null;
  };
  estimatedPullSeconds: number;
  warnings: string[];
}

export interface InspectResult {
  image: string;
  digest: string | null;
  mediaType: string | null;
  bandwidthBytesPerSecond: number;
  platforms: PlatformImage[];
  sharedLayers: { digest: string; size: number; platforms: string[] }[];
  warnings: string[];
  /** The probe's verdict; inspect only goes on when it found the image pullable. */
  probe: ProbeResult;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** Distinct platform manifests read from one index. */
export const MAX_PLATFORMS = LIMITS.indexPlatforms;

/** Parses a bandwidth like `100Mbit/s`, `1Gbps`, `12.5MB/s`, `500KiB/s`; a bare number is Mbit/s. Bytes per second. */
export function parseBandwidth(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(i?)(bits?\/s|bps|bits?|b\/s|b|B\/s|Bps|B)?\s*$/.exec(s);
  if (!m) throw new UsageError(`--bandwidth ${JSON.stringify(s)}: expected e.g. 100Mbit/s, 1Gbps, 12.5MB/s`);
  const n = Number(m[1]);
  if (!(n > 0)) throw new UsageError('--bandwidth must be positive');
  if (!m[2] && !m[4]) return (n * 1e6) / 8;
  const mult = (m[3] ? 1024 : 1000) ** ['', 'k', 'm', 'g', 't'].indexOf((m[2] ?? '').toLowerCase());
  const isBytes = (m[4] ?? '').startsWith('B');
  return isBytes ? n * mult : (n * mult) / 8;
}

function fmtBytes(n: number): string {
  if (n >= GiB) return `${(n / GiB).toFixed(2)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
export { fmtBytes };

/** The first platform the probed manifest offers, if it names one this tool can parse. */
function firstPlatform(probe: ProbeResult): Platform | null {
  const listed = probe.manifest?.platforms[0];
  if (!listed) return null;
  try {
    return parsePlatform(listed);
  } catch {
    return null;
  }
}

export async function inspectImage(
  image: string,
  session: Session,
  opts: ProbeOptions & {
    bandwidth: number;
    onlyPlatform?: Platform;
    /**
     * `opts.platform` is only a default (the user named none): when the image has no such platform, inspect it
     * through one it does have rather than stopping at PLATFORM_MISMATCH.
     */
    platformIsDefault?: boolean;
  },
): Promise<InspectResult> {
  // The probe and the reads after it share the credentials (asked once) and the manifests it fetched.
  const credentials = opts.credentials && once(opts.credentials);
  const manifests = opts.manifests ?? new ManifestCache();
  const probeOpts = { ...opts, credentials, manifests };
  let probe = await probeImage(image, session, probeOpts);
  const warnings: string[] = [];
  const offered = probe.cause === 'PLATFORM_MISMATCH' && opts.platformIsDefault ? firstPlatform(probe) : null;
  if (offered) {
    // "Which platforms does it have?" is what the PLATFORM_MISMATCH remediation sends people here to learn.
    const missing = probe.platform;
    probe = await probeImage(image, session, { ...probeOpts, platform: offered });
    if (probe.cause === null)
      warnings.push(
        `no image for ${missing} (this machine's platform): nodes of that platform cannot pull it`,
      );
  }
  const result: InspectResult = {
    image,
    digest: probe.manifest?.digest ?? null,
    mediaType: probe.manifest?.mediaType ?? null,
    bandwidthBytesPerSecond: opts.bandwidth,
    platforms: [],
    sharedLayers: [],
    warnings,
    probe,
  };
  if (probe.cause !== null || !probe.manifest) return result;
  const ref = parseReference(image);
  const reads = {
    credentials: await credentialsUsed(ref, credentials, probe),
    manifests,
    budget: new Budget({ ...PROBE_BUDGET, requests: 4 * MAX_PLATFORMS + 20, ...opts.budget }),
  };
  // Through a node's runtime, the other platforms are read where the node's pull came from.
  const served = probe.runtime
    ? await (await import('../probe/runtime/served.ts')).servedRepository(probe, session, opts, reads)
    : null;
  const repo =
    served ??
    repositoryFor(session, ref, {
      ...reads,
      plainHttp: opts.plainHttp?.(ref.registry) ?? false,
      endpoint: opts.endpoint?.(ref),
    });
  const fetch = (digest: string): Promise<FetchedManifest> =>
    repo.manifest(digest, 'manifest', `manifest ${digest}`);
  const top = await fetch(probe.manifest.digest);
  let targets: { platform: string; digest: string }[];
  if (isIndex(top.manifest)) {
    const entries = indexEntries(top.manifest).filter(isSelectable);
    const wanted = opts.onlyPlatform ? selectPlatform(entries, normalizePlatform(opts.onlyPlatform)) : null;
    const chosen = opts.onlyPlatform ? (wanted ? [wanted.entry] : []) : entries;
    targets = distinct(
      chosen.map((e) => ({
        platform: describeAvailable([e])[0] ?? formatPlatform(e.platform!),
        digest: e.digest,
      })),
      result.warnings,
    );
  } else {
    targets = [{ platform: probe.manifest?.selected?.platform ?? probe.platform, digest: top.digest }];
  }
  for (const target of targets) {
    let m: FetchedManifest;
    try {
      m = target.digest === top.digest ? top : await fetch(target.digest);
    } catch (err) {
      // An index can list a manifest the registry no longer has (a platform deleted or never replicated). The
      // platform the probe checked is fine, so report the others that are there instead of giving up on all.
      if (!(err instanceof RegdoctorError)) throw err;
      result.warnings.push(`${target.platform}: listed in the index but unreadable: ${err.message}`);
      continue;
    }
    if (isIndex(m.manifest)) continue;
    const manifest: ImageManifest = m.manifest;
    const cfg = await readConfig(repo, manifest);
    const totalSize = manifest.layers.reduce((a, l) => a + l.size, 0) + manifest.config.size;
    const warnings: string[] = [];
    if (totalSize > GiB)
      warnings.push(
        `${fmtBytes(totalSize)} compressed: slow to pull and to start on new nodes; consider a slimmer base image`,
      );
    for (const l of manifest.layers)
      if (l.size > 500 * MiB)
        warnings.push(
          `layer ${l.digest.slice(0, 19)} is ${fmtBytes(l.size)}; a failed download restarts it whole`,
        );
    if (manifest.layers.length > 60)
      warnings.push(
        `${manifest.layers.length} layers: overlay mounts get slow beyond a few dozen; squash build steps`,
      );
    const seconds = totalSize / opts.bandwidth;
    if (seconds > 120)
      warnings.push(
        `about ${Math.round(seconds)}s to pull at ${fmtBytes(opts.bandwidth)}/s; pods will sit in ContainerCreating`,
      );
    const user = cfg?.config?.User ?? null;
    if (cfg && (!user || user === 'root' || user === '0' || user.startsWith('0:')))
      warnings.push('runs as root (config.User is empty or root)');
    result.platforms.push({
      platform: target.platform,
      digest: m.digest,
      mediaType: manifest.mediaType,
      layers: manifest.layers.map((l) => ({
        digest: l.digest,
        size: l.size,
        mediaType: l.mediaType,
        shared: false,
      })),
      totalSize,
      config: {
        entrypoint: cfg?.config?.Entrypoint ?? null,
        cmd: cfg?.config?.Cmd ?? null,
        user,
        workingDir: cfg?.config?.WorkingDir ?? null,
        created: cfg?.created ?? null,
      },
      estimatedPullSeconds: Math.round(seconds * 10) / 10,
      warnings,
    });
  }
  const byLayer = new Map<string, { size: number; platforms: string[] }>();
  for (const p of result.platforms) {
    for (const l of p.layers) {
      const e = byLayer.get(l.digest) ?? { size: l.size, platforms: [] };
      e.platforms.push(p.platform);
      byLayer.set(l.digest, e);
    }
  }
  for (const [digest, e] of byLayer) {
    if (e.platforms.length < 2) continue;
    result.sharedLayers.push({ digest, size: e.size, platforms: e.platforms });
    for (const p of result.platforms) for (const l of p.layers) if (l.digest === digest) l.shared = true;
  }
  if (opts.onlyPlatform && result.platforms.length === 0)
    result.warnings.push(`no image for ${formatPlatform(opts.onlyPlatform)}`);
  return result;
}

/** Index entries by distinct manifest: one read per digest, at most MAX_PLATFORMS, and a warning for the rest. */
function distinct<T extends { platform: string; digest: string }>(targets: T[], warnings: string[]): T[] {
  const byDigest = new Map<string, T>();
  for (const t of targets) if (!byDigest.has(t.digest)) byDigest.set(t.digest, t);
  const repeated = targets.length - byDigest.size;
  if (repeated)
    warnings.push(
      `${repeated} index entr${repeated === 1 ? 'y names' : 'ies name'} a manifest another entry names too`,
    );
  const kept = [...byDigest.values()];
  if (kept.length > MAX_PLATFORMS)
    warnings.push(
      `the index lists ${kept.length} platform manifests; only the first ${MAX_PLATFORMS} are inspected`,
    );
  return kept.slice(0, MAX_PLATFORMS);
}

/** A config that cannot be read leaves its fields unknown; the sizes come from the manifest anyway. */
async function readConfig(repo: Repository, manifest: ImageManifest): Promise<ImageConfig | null> {
  try {
    const res = await repo.blob(manifest.config.digest, { maxBytes: LIMITS.configBytes, step: 'config' });
    return parseImageConfig(res.body);
  } catch (err) {
    if (err instanceof RegistryError) return null;
    throw err;
  }
}

/** A credential source asked once, however often it is called. */
function once(source: CredentialSource): CredentialSource {
  const asked = new Map<string, ReturnType<CredentialSource>>();
  return (ref) => {
    let p = asked.get(ref.original);
    if (!p) asked.set(ref.original, (p = source(ref)));
    return p;
  };
}

/** The probe's candidates from the one it pulled with: the reads after it start where it ended. */
async function credentialsUsed(
  ref: Reference,
  source: CredentialSource | undefined,
  probe: ProbeResult,
): Promise<import('../registry/auth.ts').Credential[]> {
  if (!source) return [];
  const { candidates } = await source(ref);
  const i = candidates.findIndex((c) => c.label === probe.credential?.source);
  return i > 0 ? candidates.slice(i) : candidates;
}
