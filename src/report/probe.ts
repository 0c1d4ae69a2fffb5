// Renders ProbeResults. Knows nothing of how they were made.
import { CAUSE_TITLES } from '../cause/index.ts';
import type { ProbeResult, Step } from '../result/index.ts';
import { style as makeStyle, type Style } from './style.ts';

const BAR = 24;

function fmtMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : `${ms.toFixed(ms < 10 ? 1 : 0)}ms`;
}

/** A waterfall: each step's bar starts where the previous ended, scaled to the probe's total time. */
function waterfall(steps: Step[], s: Style): string[] {
  const total = steps.reduce((a, st) => a + st.ms, 0) || 1;
  const nameWidth = Math.max(...steps.map((st) => st.name.length));
  let elapsed = 0;
  return steps.map((st) => {
    const start = Math.min(BAR - 1, Math.floor((elapsed / total) * BAR));
    const len = Math.max(1, Math.round((st.ms / total) * BAR));
    elapsed += st.ms;
    const bar = ' '.repeat(start) + '█'.repeat(Math.min(len, BAR - start));
    const mark = st.ok ? s.green('✔') : s.red('✘');
    const reused = st.detail.reused ? s.dim(' (reused)') : '';
    return `  ${mark} ${st.name.padEnd(nameWidth)} ${fmtMs(st.ms).padStart(8)} ${s.dim(`|${bar.padEnd(BAR)}|`)} ${st.ok ? st.summary : s.red(st.summary)}${reused}`;
  });
}

export function renderProbeText(r: ProbeResult, opts: { colour: boolean; verbose?: boolean }): string {
  const s = makeStyle(opts.colour);
  const lines: string[] = [];
  lines.push(`${s.bold(r.image)}  ${s.dim(`platform ${r.platform}`)}`);
  lines.push(...waterfall(r.steps, s));
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
  };
}
