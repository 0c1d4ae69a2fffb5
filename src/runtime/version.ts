// Runtime versions as the node reports them (`containerd://1.6.20`, `v1.7.2`, `1.6.20~ds1`), compared by
// major.minor.patch. Behaviour that changed between releases is keyed on these.

export type Version = [number, number, number];

export function parseVersion(s: string | null | undefined): Version | null {
  if (!s) return null;
  const m = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(s.replace(/^[a-z-]+:\/\//i, ''));
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

/** a < b */
export function before(a: Version, b: Version): boolean {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) < (b[i] ?? 0);
  return false;
}

/**
 * The runtime a node reports in Node.status.nodeInfo.containerRuntimeVersion: `containerd://1.7.2`,
 * `cri-o://1.30.0`, `docker://24.0.7`; null for anything else.
 */
export function runtimeOfNode(
  containerRuntimeVersion: string,
): { runtime: 'containerd' | 'crio' | 'docker'; version: string } | null {
  const m = /^([a-z-]+):\/\/(\S+)$/i.exec(containerRuntimeVersion.trim());
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  const runtime =
    scheme === 'containerd'
      ? 'containerd'
      : scheme === 'cri-o'
        ? 'crio'
        : scheme === 'docker'
          ? 'docker'
          : null;
  return runtime && { runtime, version: m[2]! };
}
