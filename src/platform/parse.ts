import { UsageError } from '../cause/index.ts';
import type { Platform } from './types.ts';
import { hostPlatform } from './host.ts';
import { isKnownArch, isKnownOS, normalizeArch, normalizePlatform, variantProblem } from './normalize.ts';

// The specifier grammar of containerd/platforms Parse: `<os>[(<osversion>[+<feature>]*)]|<arch>|<os>/<arch>[/<variant>]`.
const OS_RE = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.%-]*)((?:\+[A-Za-z0-9_.%-]+)*)\))?$/;
const COMPONENT_RE = /^[A-Za-z0-9_.-]+$/;

function decodeOSOption(v: string, spec: string): string {
  if (!v.includes('%')) return v;
  try {
    return decodeURIComponent(v);
  } catch {
    throw new UsageError(`invalid platform "${spec}": bad %-escape in "${v}"`);
  }
}

/**
 * Parses a platform specifier such as `linux/arm64`, `linux/arm/v7` or `windows(10.0.17763)/amd64` and returns it
 * normalised. A lone OS takes this machine's architecture and a lone architecture takes this machine's OS, as in
 * containerd.
 */
export function parsePlatform(s: string): Platform {
  const hint = 'expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7';
  if (s.includes('*')) throw new UsageError(`invalid platform "${s}": wildcards are not supported`);
  const parts = s.split('/');
  if (parts.length > 3) throw new UsageError(`invalid platform "${s}": too many components (${hint})`);
  const m = OS_RE.exec(parts[0] ?? '');
  if (!m) throw new UsageError(`invalid platform "${s}": "${parts[0] ?? ''}" is not a valid OS (${hint})`);
  for (const part of parts.slice(1)) {
    if (!COMPONENT_RE.test(part)) {
      throw new UsageError(`invalid platform "${s}": "${part}" is not a valid component (${hint})`);
    }
  }
  const name = m[1] ?? '';
  const osVersion = decodeOSOption(m[2] ?? '', s);
  const osFeatures = m[3]
    ? m[3]
        .slice(1)
        .split('+')
        .map((f) => decodeOSOption(f, s))
    : [];
  const withOptions = (p: Platform): Platform =>
    normalizePlatform({
      ...p,
      ...(osVersion ? { osVersion } : {}),
      ...(osFeatures.length ? { osFeatures } : {}),
    });

  if (parts.length === 1) {
    const os = name.toLowerCase() === 'macos' ? 'darwin' : name.toLowerCase();
    if (isKnownOS(os)) {
      const host = hostPlatform();
      return withOptions({ os, architecture: host.architecture, variant: host.variant });
    }
    // Only an OS may carry options, so "arm64(…)" is not an architecture.
    const arch = normalizeArch(name, '');
    if (!m[2] && !m[3] && isKnownArch(arch.architecture)) {
      return normalizePlatform({
        os: hostPlatform().os,
        architecture: arch.architecture,
        variant: arch.variant,
      });
    }
    throw new UsageError(`invalid platform "${s}": unknown operating system or architecture (${hint})`);
  }
  const p = withOptions({ os: name, architecture: parts[1] ?? '', variant: parts[2] ?? '' });
  const problem = variantProblem(p);
  if (problem) throw new UsageError(`invalid platform "${s}": ${problem}`);
  return p;
}
