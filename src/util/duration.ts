import { UsageError } from '../cause/index.ts';

// Go's time.ParseDuration, as kubectl's --request-timeout uses it (client-go clientcmd.ParseTimeout): a bare
// non-negative integer is whole seconds, anything else is a Go duration. Arithmetic is done in BigInt nanoseconds so
// the limits and fractions behave as in Go; negative durations are refused because no timeout here can use one.

const NS_PER: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  '\u00b5s': 1_000n, // micro sign
  '\u03bcs': 1_000n, // Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_NS = 2n ** 63n - 1n; // Go's Duration is an int64 of nanoseconds

function fail(s: string, why: string): never {
  throw new UsageError(
    `invalid duration ${JSON.stringify(s)}: ${why} (use e.g. 30s, 1m30s, 500ms, 1.5h, or a whole number of seconds)`,
  );
}

function toMs(s: string, ns: bigint): number {
  if (ns > MAX_NS) fail(s, 'too large');
  return Number(ns) / 1e6;
}

/** Parses a Go-style duration (`5s`, `1m30s`, `1.5h`, `250ms`, `10us`) or a bare integer of seconds; returns ms. */
export function parseDuration(s: string): number {
  if (/^\+?\d+$/.test(s)) return toMs(s, BigInt(s) * NS_PER['s']!);
  let rest = s;
  let negative = false;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    negative = rest.startsWith('-');
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') fail(s, s === '' ? 'empty' : 'no number');
  let total = 0n;
  while (rest !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    const whole = m[1] ?? '';
    const frac = m[2] ?? '';
    if (whole === '' && frac === '') fail(s, `expected a number at "${rest}"`);
    rest = rest.slice(m[0].length);
    const unitMatch = /^[^\d.]+/.exec(rest);
    if (!unitMatch) fail(s, `missing unit after "${m[0]}"`);
    const unit = unitMatch[0];
    const scale = NS_PER[unit];
    if (scale === undefined) fail(s, `unknown unit "${unit}"`);
    rest = rest.slice(unit.length);
    total += BigInt(whole || '0') * scale;
    if (frac !== '') total += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
    if (total > MAX_NS) fail(s, 'too large');
  }
  if (negative && total !== 0n) fail(s, 'negative durations are not allowed');
  return toMs(s, total);
}

/** A short human form: `0s`, `750µs`, `850ms`, `1.2s`, `59.9s`, `2m3s`, `1h5m`. Parses back with parseDuration. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  // Round first, then pick the unit, so 999.7ms becomes "1s" rather than "1000ms".
  if (ms < 0.0005) {
    const ns = Math.round(ms * 1e6);
    return ns === 0 ? '0s' : `${ns}ns`;
  }
  if (ms < 0.9995) {
    const us = Math.round(ms * 1e3);
    if (us < 1) return `${Math.round(ms * 1e6)}ns`;
    return `${us}µs`;
  }
  const whole = Math.round(ms);
  if (whole < 1000) return `${whole}ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${tenths / 10}s`;
  const secs = Math.round(ms / 1000);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const sec = secs % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${sec ? `${sec}s` : ''}`;
}

/** A span of time for people: `40 s`, `12 min`, `5 h`, `338 days`, rounded down to the unit shown. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.floor(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} days`;
}
