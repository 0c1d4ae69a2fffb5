import { endianness } from 'node:os';
import type { Platform } from './types.ts';
import { normalizePlatform } from './normalize.ts';

/**
 * Maps Node's `process.arch` to the GOARCH-style name image indexes use. `armVersion` comes from Node's build
 * config (`arm_version`); Node reports ppc64 and mips without endianness, so `endian` picks the image name.
 */
export function platformFromNodeArch(
  arch: string,
  armVersion?: string,
  endian: 'LE' | 'BE' = 'LE',
): Platform {
  switch (arch) {
    case 'x64':
      return { os: 'linux', architecture: 'amd64' };
    case 'ia32':
      return { os: 'linux', architecture: '386' };
    case 'arm':
      return normalizePlatform({
        os: 'linux',
        architecture: 'arm',
        variant: armVersion ? `v${armVersion}` : 'v7',
      });
    case 'ppc64':
      return { os: 'linux', architecture: endian === 'LE' ? 'ppc64le' : 'ppc64' };
    case 'mipsel':
      return { os: 'linux', architecture: 'mipsle' };
    case 'mips':
      return { os: 'linux', architecture: endian === 'LE' ? 'mipsle' : 'mips' };
    default:
      // arm64, s390x, riscv64, loong64, ppc and s390 already use the Go spelling.
      return { os: 'linux', architecture: arch };
  }
}

/** The platform of this machine, as a Linux node running it would ask an image index for. */
export function hostPlatform(): Platform {
  const vars = (process.config as { variables?: Record<string, unknown> }).variables ?? {};
  const armVersion = vars['arm_version'];
  return platformFromNodeArch(
    process.arch,
    typeof armVersion === 'string' || typeof armVersion === 'number' ? String(armVersion) : undefined,
    endianness(),
  );
}
