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
import { getBlob, getManifest, LIMITS, type FetchedManifest } from '../registry/api.ts';
import { indexEntries, isIndex, parseImageConfig, type ImageManifest } from '../registry/manifest.ts';
import { RegdoctorError } from '../cause/index.ts';
import { probeImage, type ProbeOptions, type RepositoryAccess } from '../probe/probe.ts';
import type { ProbeResult } from '../result/index.ts';
import type { ProbeSession } from '../probe/session.ts';

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
  session: ProbeSession,
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
  let access: RepositoryAccess | undefined;
  const onPullable = (a: RepositoryAccess) => (access = a);
  let probe = await probeImage(image, session, { ...opts, onPullable });
  const warnings: string[] = [];
  const offered = probe.cause === 'PLATFORM_MISMATCH' && opts.platformIsDefault ? firstPlatform(probe) : null;
  if (offered) {
    // "Which platforms does it have?" is what the PLATFORM_MISMATCH remediation sends people here to learn.
    const missing = probe.platform;
    probe = await probeImage(image, session, { ...opts, platform: offered, onPullable });
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
  if (!access) return result;
  const { base, repository, authorization } = access;
  const fetch = async (ref: string): Promise<FetchedManifest> => {
    const got = await getManifest(session.transport, base, repository, ref, authorization, 'manifest');
    if (!('manifest' in got))
      throw new RegdoctorError('REGISTRY_ERROR', `manifest ${ref} answered HTTP ${got.response.status}`);
    return got;
  };
  const top = await fetch(access.digest);
  let targets: { platform: string; digest: string }[];
  if (isIndex(top.manifest)) {
    const entries = indexEntries(top.manifest).filter(isSelectable);
    const wanted = opts.onlyPlatform ? selectPlatform(entries, normalizePlatform(opts.onlyPlatform)) : null;
    const chosen = opts.onlyPlatform ? (wanted ? [wanted.entry] : []) : entries;
    targets = chosen.map((e) => ({
      platform: describeAvailable([e])[0] ?? formatPlatform(e.platform!),
      digest: e.digest,
    }));
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
    const cfgRes = await getBlob(session.transport, base, repository, manifest.config.digest, authorization, {
      maxBytes: LIMITS.configBytes,
      step: 'config',
    });
    const cfg = cfgRes.status === 200 ? parseImageConfig(cfgRes.body) : null;
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
