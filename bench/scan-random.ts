// A seeded generator (mulberry32), so every bench run builds the same cluster and the same registry content and
// two runs' numbers are comparable.

export interface Random {
  /** [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(xs: readonly T[]): T;
  shuffle<T>(xs: readonly T[]): T[];
  /** `n` characters from `alphabet`. */
  chars(n: number, alphabet: string): string;
  uuid(): string;
}

// The alphabet Kubernetes uses for generated name suffixes and pod-template hashes (no vowels, no 0/1/3).
export const K8S_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';
const HEX = '0123456789abcdef';

export function seeded(seed: number): Random {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const chars = (n: number, alphabet: string) => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
    return s;
  };
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    shuffle: (xs) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
    chars,
    uuid: () =>
      `${chars(8, HEX)}-${chars(4, HEX)}-4${chars(3, HEX)}-${'89ab'[int(0, 3)]}${chars(3, HEX)}-${chars(12, HEX)}`,
  };
}
