// "Did you mean" for a tag that does not exist. People mistype tags in two ways: a version that is close to a real
// one (1.25.3 when only 1.25.2 and 1.25.4 were published, or v1.2 for 1.2), or a plain typo (lates, alpnie). So
// version-shaped tags are compared component by component first, and everything falls back to edit distance.

let table = new Int32Array(0);
const lastRowAscii = new Int32Array(128);

/**
 * Unrestricted Damerau–Levenshtein distance (insert, delete, substitute, transpose adjacent), Lowrance–Wagner.
 * With `bound`, gives up as soon as the distance must exceed it and returns `bound + 1`.
 */
export function damerauLevenshtein(a: string, b: string, bound = Infinity): number {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) return Math.min(n + m, bound + 1);
  const inf = n + m;
  const w = m + 2;
  // Tags are ASCII, so the "last row where this character was seen" table is a reused array; a Map covers the rest.
  if (table.length < (n + 2) * w) table = new Int32Array((n + 2) * w * 2);
  const d = table;
  const other = new Map<number, number>();
  for (const str of [a, b]) {
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      if (c < 128) lastRowAscii[c] = 0;
    }
  }
  d[0] = inf;
  for (let i = 0; i <= n; i++) {
    d[(i + 1) * w] = inf;
    d[(i + 1) * w + 1] = i;
  }
  for (let j = 0; j <= m; j++) {
    d[j + 1] = inf;
    d[w + j + 1] = j;
  }
  let prevRowMin = 0;
  for (let i = 1; i <= n; i++) {
    let lastMatchCol = 0;
    const ca = a.charCodeAt(i - 1);
    const row = (i + 1) * w;
    const prev = i * w;
    let rowMin = d[row + 1]!;
    for (let j = 1; j <= m; j++) {
      const cb = b.charCodeAt(j - 1);
      const i1 = cb < 128 ? lastRowAscii[cb]! : (other.get(cb) ?? 0);
      const j1 = lastMatchCol;
      const same = ca === cb;
      if (same) lastMatchCol = j;
      let v = d[prev + j]! + (same ? 0 : 1);
      const ins = d[row + j]! + 1;
      if (ins < v) v = ins;
      const del = d[prev + j + 1]! + 1;
      if (del < v) v = del;
      const tr = d[i1 * w + j1]! + (i - i1 - 1) + 1 + (j - j1 - 1);
      if (tr < v) v = tr;
      d[row + j + 1] = v;
      if (v < rowMin) rowMin = v;
    }
    // A transposition can reach back past one row, so stop only when two rows in a row are over the bound.
    if (rowMin > bound && i > 1 && prevRowMin > bound) return bound + 1;
    prevRowMin = rowMin;
    if (ca < 128) lastRowAscii[ca] = i;
    else other.set(ca, i);
  }
  return Math.min(d[(n + 1) * w + m + 1]!, bound + 1);
}

interface Version {
  nums: number[];
  suffix: string;
}

function parseVersion(tag: string): Version | null {
  const m = /^v?(\d+(?:\.\d+)*)(.*)$/i.exec(tag);
  if (!m) return null;
  const nums = m[1]!.split('.').map(Number);
  if (nums.some((x) => !Number.isSafeInteger(x))) return null;
  return { nums, suffix: (m[2] ?? '').toLowerCase() };
}

/** Positive when `a` looks newer than `b`: version tags by their numbers, and any version above a non-version. */
function newer(a: Version | null, b: Version | null): number {
  if (a && !b) return 1;
  if (!a || !b) return b ? -1 : 0;
  for (let i = 0; i < Math.max(a.nums.length, b.nums.length); i++) {
    const x = a.nums[i] ?? -1;
    const y = b.nums[i] ?? -1;
    if (x !== y) return x - y;
  }
  return 0;
}

interface Scored {
  tag: string;
  lower: string;
  index: number;
  version: Version | null;
  tier: number; // 0 same tag but for case, 1 shares a version prefix, 2 close by spelling
  shared: number;
  suffixMismatch: number;
  gap: number;
  distance: number; // -1 until needed: within tier 1 it only breaks ties
}

class Query {
  readonly lower: string;
  readonly version: Version | null;
  private readonly counts = new Int32Array(128);
  private readonly scratch = new Int32Array(128);
  private readonly ascii: boolean;

  constructor(wanted: string) {
    this.lower = wanted.toLowerCase();
    this.version = parseVersion(wanted);
    this.ascii = /^[\x20-\x7e]*$/.test(this.lower);
    for (let i = 0; i < this.lower.length; i++) this.counts[this.lower.charCodeAt(i) & 127]!++;
  }

  /** A cheap lower bound of the edit distance: characters one side has and the other lacks. */
  private lowerBound(tag: string): number {
    if (!this.ascii) return Math.abs(tag.length - this.lower.length);
    this.scratch.set(this.counts);
    let common = 0;
    for (let i = 0; i < tag.length; i++) {
      const c = tag.charCodeAt(i);
      if (c < 128 && this.scratch[c]! > 0) {
        this.scratch[c]!--;
        common++;
      }
    }
    return Math.max(tag.length, this.lower.length) - common;
  }

  distance(s: Scored): number {
    if (s.distance < 0) s.distance = damerauLevenshtein(this.lower, s.lower);
    return s.distance;
  }

  /** `worstTier`: the tier of the last kept suggestion once `max` are kept; worse tags need no further look. */
  score(tag: string, index: number, worstTier: number): Scored | null {
    const lower = tag.toLowerCase();
    const version = parseVersion(tag);
    const base = { tag, lower, index, version, shared: 0, suffixMismatch: 0, gap: 0, distance: -1 };
    if (lower === this.lower) return { ...base, tier: 0, distance: 0 };
    const want = this.version;
    if (want && version) {
      let shared = 0;
      while (
        shared < want.nums.length &&
        shared < version.nums.length &&
        want.nums[shared] === version.nums[shared]
      ) {
        shared++;
      }
      if (shared > 0) {
        const a = want.nums[shared];
        const b = version.nums[shared];
        // One of them stops where the other goes on (1.24 vs 1.24.1): closer than any differing number.
        const gap = a !== undefined && b !== undefined ? Math.abs(a - b) : a === b ? 0 : 0.5;
        return { ...base, tier: 1, shared, suffixMismatch: want.suffix === version.suffix ? 0 : 1, gap };
      }
    }
    if (worstTier < 2) return null;
    const w = this.lower;
    const related = w.length >= 3 && lower.length >= 3 && (lower.includes(w) || w.includes(lower));
    const limit = Math.max(1, Math.floor(Math.max(lower.length, w.length) / 3));
    if (!related && this.lowerBound(lower) > limit) return null;
    const s: Scored = { ...base, tier: 2 };
    if (!related) {
      s.distance = damerauLevenshtein(w, lower, limit);
      if (s.distance > limit) return null;
    }
    return s;
  }

  compare(a: Scored, b: Scored): number {
    return (
      a.tier - b.tier ||
      b.shared - a.shared ||
      a.suffixMismatch - b.suffixMismatch ||
      a.gap - b.gap ||
      this.distance(a) - this.distance(b) ||
      newer(b.version, a.version) ||
      a.index - b.index
    );
  }
}

/** Up to `max` existing tags the user most likely meant by `wanted`, best first. */
export function nearestTags(wanted: string, tags: string[], max = 5): string[] {
  if (!(max >= 1)) return [];
  const q = new Query(wanted);
  const seen = new Set<string>();
  // Keep only the best `max` while scanning: a registry can list tens of thousands of tags.
  const best: Scored[] = [];
  tags.forEach((tag, index) => {
    if (seen.has(tag)) return;
    seen.add(tag);
    const s = q.score(tag, index, best.length >= max ? best[best.length - 1]!.tier : 3);
    if (!s) return;
    if (best.length >= max && q.compare(s, best[best.length - 1]!) >= 0) return;
    let i = best.length;
    while (i > 0 && q.compare(s, best[i - 1]!) < 0) i--;
    best.splice(i, 0, s);
    if (best.length > max) best.pop();
  });
  return best.map((s) => s.tag);
}
