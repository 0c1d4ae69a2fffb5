// Renders ProbeResults. Knows nothing of how they were made.
import { CAUSE_TITLES } from '../cause/index.ts';
import type { ProbeResult, RuntimeEndpointResult, RuntimeReport, Step } from '../result/index.ts';
import { style as makeStyle, type Style } from './style.ts';

const BAR = 24;

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${ms.toFixed(ms < 10 ? 1 : 0)}ms`;
}

/**
 * A waterfall: each step's bar starts where the previous one (in time) ended, scaled to the probe's total time.
 * `steps` may be a group of the probe's steps (one endpoint's); `all` are every step in the order they happened.
 */
function waterfall(steps: Step[], s: Style, all: Step[] = steps, indent = '  '): string[] {
  const total = all.reduce((a, st) => a + st.ms, 0) || 1;
  const nameWidth = Math.max(...all.map((st) => st.name.length));
  const startOf = new Map<Step, number>();
  let elapsed = 0;
  for (const st of all) {
    startOf.set(st, elapsed);
    elapsed += st.ms;
  }
  return steps.map((st) => {
    const start = Math.min(BAR - 1, Math.floor(((startOf.get(st) ?? 0) / total) * BAR));
    const len = Math.max(1, Math.round((st.ms / total) * BAR));
    const bar = ' '.repeat(start) + '█'.repeat(Math.min(len, BAR - start));
    const mark = st.ok ? s.green('✔') : s.red('✘');
    const reused = st.detail.reused ? s.dim(' (reused)') : '';
    return `${indent}${mark} ${st.name.padEnd(nameWidth)} ${fmtMs(st.ms).padStart(8)} ${s.dim(`|${bar.padEnd(BAR)}|`)} ${st.ok ? st.summary : s.red(st.summary)}${reused}`;
  });
}

const OUTCOME: Record<RuntimeEndpointResult['outcome'], string> = {
  served: 'served',
  failed: 'failed',
  refused: 'refused',
  'not-tried': 'not tried',
};

/** Through a node's runtime: its configuration, then each endpoint in the runtime's order with its own steps. */
function runtimeLines(r: ProbeResult, rt: RuntimeReport, s: Style): string[] {
  const lines = [
    `  ${s.bold(`runtime ${rt.name}${rt.version ? ` ${rt.version}` : ''}`)}${rt.configFiles.length ? s.dim(` (${rt.configFiles.join(', ')})`) : ''}`,
  ];
  const mine = (st: Step) => typeof st.detail.endpoint === 'string';
  lines.push(
    ...waterfall(
      r.steps.filter((st) => !mine(st) && st.name !== 'runtime'),
      s,
      r.steps,
    ),
  );
  lines.push(
    ...waterfall(
      r.steps.filter((st) => !mine(st) && st.name === 'runtime' && st.ok),
      s,
      r.steps,
    ),
  );
  for (const e of rt.endpoints) {
    const mark =
      e.outcome === 'served'
        ? s.green(OUTCOME[e.outcome])
        : e.outcome === 'not-tried'
          ? s.dim(OUTCOME[e.outcome])
          : s.red(OUTCOME[e.outcome]);
    const which = e.url === rt.servedBy ? ' ← served the image' : '';
    lines.push(`  ${e.role} ${s.bold(e.url)} ${s.dim(e.from)}`);
    lines.push(`    ${mark}${which}: ${e.summary}`);
    lines.push(
      ...waterfall(
        r.steps.filter((st) => st.detail.endpoint === e.url),
        s,
        r.steps,
        '      ',
      ),
    );
  }
  lines.push(
    ...waterfall(
      r.steps.filter((st) => !mine(st) && st.name === 'runtime' && !st.ok),
      s,
      r.steps,
    ),
  );
  for (const f of rt.findings.filter((x) => x.severity !== 'info'))
    lines.push(
      `  ${f.severity === 'error' ? s.red(f.code) : s.yellow(f.code)} ${f.message} ${s.dim(`(${f.from})`)}`,
    );
  return lines;
}

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

const MAX_KEYS_SHOWN = 5;

/**
 * What the credentials step found wrong, as JSON has it: defects of the entries tried (a password ending in a
 * newline), notes (a credential helper that is not installed), and — when no entry matched — why each key missed
 * (`port differs (none vs 5103)`), near misses of the same host first.
 */
function credentialLines(steps: Step[], s: Style): string[] {
  const d = steps.find((st) => st.name === 'credentials')?.detail;
  if (!d) return [];
  const out = [
    ...strings(d.problems).map((p) => s.yellow(`    ! ${p}`)),
    ...strings(d.notes).map((n) => s.dim(`    - ${n}`)),
  ];
  const verdicts = Array.isArray(d.verdicts)
    ? (d.verdicts as { key?: unknown; matched?: unknown; reason?: unknown }[])
    : [];
  if (strings(d.matched).length === 0) {
    const missed = verdicts
      .filter((v) => v.matched === false && typeof v.key === 'string' && typeof v.reason === 'string')
      .sort(
        (a, b) =>
          Number(!/^port differs|^path /.test(String(a.reason))) -
          Number(!/^port differs|^path /.test(String(b.reason))),
      );
    for (const v of missed.slice(0, MAX_KEYS_SHOWN))
      out.push(s.dim(`    - key ${String(v.key)}: ${String(v.reason)}`));
    if (missed.length > MAX_KEYS_SHOWN)
      out.push(s.dim(`    - and ${missed.length - MAX_KEYS_SHOWN} more keys`));
  }
  return out.length ? ['  credentials:', ...out] : [];
}

export function renderProbeText(r: ProbeResult, opts: { colour: boolean; verbose?: boolean }): string {
  const s = makeStyle(opts.colour);
  const lines: string[] = [];
  lines.push(`${s.bold(r.image)}  ${s.dim(`platform ${r.platform}`)}`);
  lines.push(...(r.runtime ? runtimeLines(r, r.runtime, s) : waterfall(r.steps, s)));
  lines.push(...credentialLines(r.steps, s));
  if (opts.verbose) {
    for (const st of r.steps.filter((x) => Object.keys(x.detail).length)) {
      lines.push(s.dim(`    ${st.name}: ${JSON.stringify(st.detail)}`));
    }
  }
  if (r.cause === null) {
    lines.push(`${s.green('PULLABLE')}  ${r.summary}`);
    if (r.manifest?.platforms.length) lines.push(s.dim(`  platforms: ${r.manifest.platforms.join(', ')}`));
  } else {
    const alt = r.alternatives?.length ? ` (or ${r.alternatives.join(', ')})` : '';
    lines.push(`${s.red(s.bold(r.cause))} ${s.dim(`[${r.confidence}]`)}${alt} — ${CAUSE_TITLES[r.cause]}`);
    lines.push(`  ${r.summary}`);
    if (r.runtime?.reported) lines.push(`  ${s.dim(`${r.runtime.name} reports:`)} ${r.runtime.reported}`);
    if (r.remediation.length) {
      lines.push('  Fix:');
      r.remediation.forEach((step, i) => lines.push(`    ${i + 1}. ${step}`));
    }
  }
  if (r.rateLimit) {
    const rl = r.rateLimit;
    lines.push(
      s.dim(
        `  rate limit: ${rl.remaining ?? '?'} of ${rl.limit ?? '?'} left${rl.windowSeconds ? ` per ${rl.windowSeconds}s` : ''}`,
      ),
    );
  }
  return lines.join('\n') + '\n';
}

/** JSON with a fixed key order (the documented contract), one object per image. */
export function probeJson(r: ProbeResult): Record<string, unknown> {
  return {
    image: r.image,
    reference: r.reference,
    platform: r.platform,
    cause: r.cause,
    confidence: r.confidence,
    alternatives: r.alternatives ?? [],
    summary: r.summary,
    remediation: r.remediation,
    steps: r.steps.map((st) => ({
      name: st.name,
      ok: st.ok,
      ms: st.ms,
      summary: st.summary,
      detail: st.detail,
    })),
    manifest: r.manifest ?? null,
    ...(r.rateLimit ? { rateLimit: r.rateLimit } : {}),
    ...(r.suggestions ? { suggestions: r.suggestions } : {}),
    ...(r.tags ? { tags: r.tags } : {}),
    credential: r.credential ?? null,
    ...(r.runtime ? { runtime: runtimeJson(r.runtime) } : {}),
  };
}

export function runtimeJson(rt: RuntimeReport): Record<string, unknown> {
  return {
    name: rt.name,
    ...(rt.version ? { version: rt.version } : {}),
    configFiles: rt.configFiles,
    endpoints: rt.endpoints.map((e) => ({
      url: e.url,
      role: e.role,
      from: e.from,
      outcome: e.outcome,
      cause: e.cause,
      summary: e.summary,
    })),
    resolvedBy: rt.resolvedBy,
    servedBy: rt.servedBy,
    reported: rt.reported,
    findings: rt.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      cause: f.cause,
      message: f.message,
      fix: f.fix,
      from: f.from,
      ...(f.stops ? { stops: f.stops } : {}),
    })),
  };
}
