import type { IndexEntry, Platform } from './types.ts';
import { formatPlatform, MAX_LEVEL, normalizePlatform } from './normalize.ts';

// Selection follows containerd/platforms `Only()` (compare.go): the wanted platform first, then the platforms it
// can also run, most capable first. Among entries matching the same step, the one declaring more OS features wins,
// then index order ("the first matching entry SHOULD be used", image-spec image-index.md).

function sibling(p: Platform, architecture: string, variant: string): Platform {
  return { ...p, architecture, variant };
}

function versionOf(variant: string): number {
  const m = /^v?(\d+)$/.exec(variant);
  return m ? Number(m[1]) : NaN;
}

/**
 * containerd's platformVector: the ordered list of platforms `want` accepts. `want` must be normalised. Unlike
 * containerd, the count-down starts at most at MAX_LEVEL: a platform that skipped validation (parsePlatform
 * refuses such variants) must not list every level below `v300000000`.
 */
export function compatiblePlatforms(want: Platform): Platform[] {
  const out: Platform[] = [want];
  const variant = want.variant ?? '';
  switch (want.architecture) {
    case 'amd64': {
      const level = versionOf(variant);
      if (level > 1)
        for (let l = Math.min(level - 1, MAX_LEVEL); l >= 1; l--) out.push(sibling(want, 'amd64', `v${l}`));
      out.push(sibling(want, '386', ''));
      break;
    }
    case 'arm': {
      const level = versionOf(variant);
      if (level > 5)
        for (let l = Math.min(level - 1, MAX_LEVEL); l >= 5; l--) out.push(sibling(want, 'arm', `v${l}`));
      break;
    }
    case 'arm64': {
      const v = variant || 'v8';
      const dot = v.indexOf('.');
      const majorPart = dot < 0 ? v : v.slice(0, dot);
      let major = versionOf(majorPart);
      if (major >= 8) {
        let minor = 0;
        // Like containerd, only a single-digit minor ("v8.N") is understood.
        if (v.length === 4 && dot >= 0 && /^\d$/.test(v.slice(dot + 1))) minor = Number(v.slice(dot + 1));
        if (major === 9) {
          for (let m = minor - 1; m >= 0; m--) out.push(sibling(want, 'arm64', m === 0 ? 'v9' : `v9.${m}`));
          // v9.0 forked from v8.5, so v9.x runs v8.(x+5), up to v8.9.
          minor = Math.min(minor + 5, 9);
          major = 8;
          out.push(sibling(want, 'arm64', `v8.${minor}`));
        }
        for (let m = minor - 1; m >= 0; m--)
          out.push(sibling(want, 'arm64', m === 0 ? `v${major}` : `v${major}.${m}`));
      }
      const armVariant = v.startsWith('v8.') || v.startsWith('v9.') ? 'v8' : v;
      out.push(...compatiblePlatforms(sibling(want, 'arm', armVariant)));
      break;
    }
  }
  return out.map(normalizePlatform);
}

function windowsBuild(v: string | undefined): { major: number; minor: number; build: number } | null {
  if (!v) return null;
  const parts = v.split('.');
  if (parts.length < 3) return null;
  const [major, minor, build] = parts.slice(0, 3).map((x) => (/^\d+$/.test(x) ? Number(x) : NaN));
  if (!Number.isInteger(major) || !Number.isInteger(minor) || !Number.isInteger(build)) return null;
  return { major: major!, minor: minor!, build: build! };
}

// Windows Server 2022 (build 20348) started the stable-ABI era: hosts from then on run any container built for
// 20348 up to their own build; older hosts need an exact build match (containerd platform_windows_compat.go).
const WS2022_BUILD = 20348;

function windowsVersionMatches(hostVersion: string | undefined, imageVersion: string | undefined): boolean {
  const host = windowsBuild(hostVersion);
  if (!host || !imageVersion) return true;
  const img = windowsBuild(imageVersion) ?? { major: 0, minor: 0, build: 0 };
  if (host.major !== img.major || host.minor !== img.minor) return false;
  if (host.build < WS2022_BUILD) return host.build === img.build;
  return img.build >= WS2022_BUILD && img.build <= host.build;
}

/** containerd's matcher: equal os/arch/variant, and the image's OS features a subset of the wanted ones. */
function matches(want: Platform, candidate: Platform): boolean {
  const c = normalizePlatform(candidate);
  if (
    c.os !== want.os ||
    c.architecture !== want.architecture ||
    (c.variant ?? '') !== (want.variant ?? '')
  ) {
    return false;
  }
  if (want.os === 'windows' && !windowsVersionMatches(want.osVersion, candidate.osVersion)) return false;
  const have = new Set(want.osFeatures ?? []);
  return (c.osFeatures ?? []).every((f) => have.has(f));
}

const ATTESTATION_TYPE = 'vnd.docker.reference.type';

/** Entries that describe a runnable image: not an attestation manifest, and with a real platform. */
export function isSelectable(entry: IndexEntry): entry is IndexEntry & { platform: Platform } {
  if (entry.annotations?.[ATTESTATION_TYPE] === 'attestation-manifest') return false;
  const p = entry.platform;
  if (!p || typeof p.os !== 'string' || typeof p.architecture !== 'string') return false;
  if (!p.os || !p.architecture || p.os === 'unknown' || p.architecture === 'unknown') return false;
  return true;
}

/**
 * Picks the manifest a runtime on `want` would pull from an image index. `exact` is false when only a compatible
 * fallback matched (e.g. linux/386 for linux/amd64); `via` then names that fallback platform.
 */
export function selectPlatform(
  entries: IndexEntry[],
  want: Platform,
): { entry: IndexEntry; exact: boolean; via?: string } | null {
  const vector = compatiblePlatforms(normalizePlatform(want));
  let best: { entry: IndexEntry; rank: number; features: number } | null = null;
  for (const entry of entries) {
    if (!isSelectable(entry)) continue;
    const rank = vector.findIndex((p) => matches(p, entry.platform));
    if (rank < 0) continue;
    const features = entry.platform.osFeatures?.length ?? 0;
    if (!best || rank < best.rank || (rank === best.rank && features > best.features)) {
      best = { entry, rank, features };
    }
  }
  if (!best) return null;
  if (best.rank === 0) return { entry: best.entry, exact: true };
  return { entry: best.entry, exact: false, via: formatPlatform(vector[best.rank]!) };
}

/** The platforms an index offers, formatted and de-duplicated, in index order. */
export function describeAvailable(entries: IndexEntry[]): string[] {
  const seen = new Set<string>();
  for (const e of entries) {
    if (isSelectable(e)) seen.add(formatPlatform(normalizePlatform(e.platform)));
  }
  return [...seen];
}
