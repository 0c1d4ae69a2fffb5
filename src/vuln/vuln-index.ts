// Reports looked up by digest. Digests are content addresses: the same digest in two repositories (a mirror, a
// promotion) is the same image, so the repository a report names is not part of the match.
import type { VulnerabilityIndex, VulnerabilityReport } from './types.ts';

export function createVulnerabilityIndex(reports: readonly VulnerabilityReport[]): VulnerabilityIndex {
  const byManifest = new Map<string, VulnerabilityReport[]>();
  const byConfig = new Map<string, VulnerabilityReport[]>();
  const add = (map: Map<string, VulnerabilityReport[]>, digest: string, r: VulnerabilityReport) => {
    const list = map.get(digest);
    if (list) list.push(r);
    else map.set(digest, [r]);
  };
  for (const r of reports) {
    for (const d of new Set(r.digests)) add(byManifest, d, r);
    if (r.digests.length === 0 && r.configDigest) add(byConfig, r.configDigest, r);
  }
  const lookup = (map: Map<string, VulnerabilityReport[]>, digests: readonly string[]) => {
    const out = new Set<VulnerabilityReport>();
    for (const d of digests) for (const r of map.get(d) ?? []) out.add(r);
    return [...out];
  };
  return {
    reports,
    byDigest: (digests) => lookup(byManifest, digests),
    byConfigDigest: (digests) => lookup(byConfig, digests),
    hasConfigOnly: byConfig.size > 0,
  };
}
