// `regdoctor pod`: one pod in full — its containers, pull secrets, every event, and each finding with the probe's
// waterfall.
import type { ClusterEvent, Pod } from '../cluster/types.ts';
import type { ScanResult } from '../scan/index.ts';
import { renderProbeText } from './probe.ts';
import { findingBody, findingJson } from './scan.ts';
import { style as makeStyle } from './style.ts';

export interface PodView {
  pod: Pod;
  events: ClusterEvent[];
  node: string | null;
  platform: string | null;
  result: ScanResult;
}

export function renderPodText(v: PodView, opts: { colour: boolean }): string {
  const s = makeStyle(opts.colour);
  const p = v.pod;
  const out: string[] = [];
  out.push(
    `${s.bold(`Pod ${p.metadata.namespace}/${p.metadata.name}`)}  ${s.dim(`phase ${p.status.phase ?? '?'}`)}`,
  );
  out.push(`  node ${v.node ?? '<not scheduled>'}${v.platform ? ` (${v.platform})` : ''}`);
  out.push(`  service account ${p.spec.serviceAccountName ?? 'default'}`);
  const secrets = (p.spec.imagePullSecrets ?? []).map((r) => r.name).filter(Boolean);
  out.push(`  imagePullSecrets ${secrets.length ? secrets.join(', ') : '<none>'}`);
  const statuses = [
    ...(p.status.initContainerStatuses ?? []).map((c) => ['init', c] as const),
    ...(p.status.containerStatuses ?? []).map((c) => ['regular', c] as const),
    ...(p.status.ephemeralContainerStatuses ?? []).map((c) => ['ephemeral', c] as const),
  ];
  out.push('', s.bold('Containers'));
  for (const [type, c] of statuses) {
    const state = c.state?.waiting
      ? `waiting ${c.state.waiting.reason ?? ''}`
      : c.state?.running
        ? 'running'
        : c.state?.terminated
          ? `terminated ${c.state.terminated.reason ?? ''}`
          : 'unknown';
    out.push(`  ${c.name}${type !== 'regular' ? ` (${type})` : ''}  ${c.image ?? ''}  ${state}`);
  }
  out.push('', s.bold(`Events (${v.events.length})`));
  for (const e of v.events) {
    const when = e.lastSeen ? new Date(e.lastSeen).toISOString() : '?';
    out.push(
      `  ${when}  ${e.type.padEnd(7)} ${e.reason.padEnd(32)} ${e.count > 1 ? `×${e.count} ` : ''}${e.involved.fieldPath ? `${e.involved.fieldPath}: ` : ''}${e.message}`,
    );
  }
  if (!v.result.findings.length) {
    out.push('', s.green('No image-pull problems in this pod.'));
    return out.join('\n') + '\n';
  }
  for (const f of v.result.findings) {
    out.push(
      '',
      `${s.red(s.bold(f.cause))} ${s.dim(`[${f.confidence}]`)}  container ${f.container}  ${f.image}`,
    );
    out.push(...findingBody(f, '  ', s));
    if (f.probe)
      out.push(
        '  probe:',
        ...renderProbeText(f.probe, opts)
          .trimEnd()
          .split('\n')
          .map((l) => `    ${l}`),
      );
  }
  return out.join('\n') + '\n';
}

export function podJson(v: PodView): Record<string, unknown> {
  return {
    namespace: v.pod.metadata.namespace,
    pod: v.pod.metadata.name,
    node: v.node,
    platform: v.platform,
    events: v.events,
    findings: v.result.findings.map(findingJson),
    summary: v.result.summary,
  };
}
