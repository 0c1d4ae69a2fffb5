import type { InspectResult } from '../inspect/index.ts';
import { fmtBytes } from '../inspect/index.ts';
import { renderProbeText, runtimeJson } from './probe.ts';
import { style as makeStyle } from './style.ts';

export function renderInspectText(r: InspectResult, opts: { colour: boolean }): string {
  if (r.probe.cause !== null) return renderProbeText(r.probe, opts);
  const s = makeStyle(opts.colour);
  const out: string[] = [`${s.bold(r.image)}  ${s.dim(`${r.mediaType} ${r.digest}`)}`];
  const rt = r.probe.runtime;
  if (rt)
    out.push(
      s.dim(
        `through ${rt.name}${rt.version ? ` ${rt.version}` : ''}: served by ${rt.servedBy ?? 'no endpoint'}`,
      ),
    );
  for (const p of r.platforms) {
    out.push(
      '',
      `${s.bold(p.platform)}  ${p.digest}  ${fmtBytes(p.totalSize)} compressed, ~${p.estimatedPullSeconds}s at ${fmtBytes(r.bandwidthBytesPerSecond)}/s`,
    );
    const c = p.config;
    out.push(
      s.dim(
        `  entrypoint ${JSON.stringify(c.entrypoint)}  cmd ${JSON.stringify(c.cmd)}  user ${JSON.stringify(c.user ?? '')}  created ${c.created ?? '?'}`,
      ),
    );
    p.layers.forEach((l, i) =>
      out.push(
        `  ${String(i + 1).padStart(3)}. ${l.digest.slice(0, 19)}…  ${fmtBytes(l.size).padStart(10)}${l.shared ? s.dim('  (shared)') : ''}`,
      ),
    );
    for (const w of p.warnings) out.push(`  ${s.yellow('!')} ${w}`);
  }
  if (r.sharedLayers.length) {
    const bytes = r.sharedLayers.reduce((a, l) => a + l.size, 0);
    out.push('', `${r.sharedLayers.length} layer(s) shared between platforms (${fmtBytes(bytes)})`);
  }
  for (const w of r.warnings) out.push(`${s.yellow('!')} ${w}`);
  return out.join('\n') + '\n';
}

export function inspectJson(r: InspectResult): Record<string, unknown> {
  return {
    image: r.image,
    digest: r.digest,
    mediaType: r.mediaType,
    cause: r.probe.cause,
    summary: r.probe.summary,
    bandwidthBytesPerSecond: r.bandwidthBytesPerSecond,
    platforms: r.platforms,
    sharedLayers: r.sharedLayers,
    warnings: r.warnings,
    ...(r.probe.cause !== null ? { remediation: r.probe.remediation, steps: r.probe.steps } : {}),
    ...(r.probe.runtime ? { runtime: runtimeJson(r.probe.runtime) } : {}),
  };
}
