import type { Platform } from './types.ts';

// Normalisation follows containerd/platforms (database.go normalizeArch/normalizeOS), because that is what
// containerd and CRI-O's image libraries compare with: two platforms that normalise equal are the same platform.

function normalizeOS(os: string): string {
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

export function normalizeArch(arch: string, variant: string): { architecture: string; variant: string } {
  let a = arch.toLowerCase();
  let v = variant.toLowerCase();
  switch (a) {
    case 'i386':
      a = '386';
      v = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      a = 'amd64';
      if (v === 'v1') v = '';
      break;
    case 'aarch64':
    case 'arm64':
      a = 'arm64';
      // The baseline arm64 is v8, written as no variant; v9 has several spellings.
      if (v === '8' || v === 'v8' || v === 'v8.0') v = '';
      else if (v === '9' || v === '9.0' || v === 'v9.0') v = 'v9';
      break;
    case 'armhf':
      a = 'arm';
      v = 'v7';
      break;
    case 'armel':
      a = 'arm';
      v = 'v6';
      break;
    case 'arm':
      // Unlike arm64/amd64, the canonical 32-bit arm form keeps its variant: bare arm means v7.
      if (v === '' || v === '7') v = 'v7';
      else if (v === '5' || v === '6' || v === '8') v = `v${v}`;
      break;
  }
  return { architecture: a, variant: v };
}

/**
 * The highest CPU level a variant can name. containerd's compatibility list counts down from the wanted level
 * (amd64/v3 also runs v2 and v1), and the real levels are single digits: amd64 v1–v4, arm v5–v8, arm64 v8.0–v9.x.
 */
export const MAX_LEVEL = 9;

/**
 * Why a normalised platform's variant cannot be a CPU level, or null. amd64, arm and arm64 variants that are level
 * numbers must be single digits (`v300000000` is a typo or an attack, and counting down from it once filled the
 * heap); other variants, and other architectures, are kept as containerd keeps them.
 */
export function variantProblem(p: Platform): string | null {
  if (p.architecture !== 'amd64' && p.architecture !== 'arm' && p.architecture !== 'arm64') return null;
  const m = /^v?(\d+)(?:\.(\d+))?$/.exec(p.variant ?? '');
  if (!m || (m[1]!.length === 1 && (m[2] ?? '').length <= 1)) return null;
  return `${p.architecture} variant ${JSON.stringify(p.variant)} is not a CPU level: levels are one digit (amd64 v1–v4, arm v5–v8, arm64 v8, v8.1–v8.9, v9, v9.1–v9.9)`;
}

/** The canonical form of a platform: lower case, architecture aliases resolved, default variants made explicit or dropped. */
export function normalizePlatform(p: Platform): Platform {
  const { architecture, variant } = normalizeArch(p.architecture ?? '', p.variant ?? '');
  const out: Platform = { os: normalizeOS(p.os ?? ''), architecture };
  if (variant) out.variant = variant;
  if (p.osVersion) out.osVersion = p.osVersion;
  if (p.osFeatures && p.osFeatures.length > 0) {
    out.osFeatures = [...new Set(p.osFeatures)].sort();
  }
  return out;
}

// containerd escapes these inside the "(os options)" part so the specifier stays parseable.
function encodeOSOption(v: string): string {
  return v.replace(/[%+()/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * `os/arch[/variant]`, as containerd's FormatAll: an OS version or OS features, when present, go in parentheses
 * after the OS (`windows(10.0.17763)/amd64`) so the result parses back with parsePlatform.
 */
export function formatPlatform(p: Platform): string {
  if (!p.os) return 'unknown';
  let os = p.os;
  const features = (p.osFeatures ?? []).filter((f) => f !== '');
  if (p.osVersion || features.length > 0) {
    const opts =
      encodeOSOption(p.osVersion ?? '') +
      [...features]
        .sort()
        .map((f) => `+${encodeOSOption(f)}`)
        .join('');
    os = `${os}(${opts})`;
  }
  return [os, p.architecture, p.variant].filter((s) => s).join('/');
}

// From containerd/platforms database.go (itself generated from Go's syslist.go).
const KNOWN_OS = new Set([
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'hurd',
  'illumos',
  'ios',
  'js',
  'linux',
  'nacl',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'windows',
  'zos',
]);
const KNOWN_ARCH = new Set([
  '386',
  'amd64',
  'amd64p32',
  'arm',
  'armbe',
  'arm64',
  'arm64be',
  'ppc64',
  'ppc64le',
  'loong64',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64p32',
  'mips64p32le',
  'ppc',
  'riscv',
  'riscv64',
  's390',
  's390x',
  'sparc',
  'sparc64',
  'wasm',
]);

export function isKnownOS(os: string): boolean {
  return KNOWN_OS.has(os);
}

export function isKnownArch(arch: string): boolean {
  return KNOWN_ARCH.has(arch);
}
