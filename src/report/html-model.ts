// The data an HTML report carries: the JSON contract of the command (the same objects `-o json` prints), with
// each remediation step cut into prose and copyable commands, probes shared by many findings stored once, and
// every string passed through the run's redaction before it is embedded.
import type { InspectResult } from '../inspect/index.ts';
import type { ProbeResult } from '../result/index.ts';
import type { ScanResult } from '../scan/index.ts';
import { stepParts, type StepPart } from './commands.ts';
import { inspectJson } from './inspect.ts';
import { podJson, type PodView } from './pod.ts';
import { probeJson } from './probe.ts';
import { findingJson } from './scan.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Where the report came from: shown in its header. */
export interface ReportMeta {
  /** The command line, e.g. `regdoctor scan --snapshot snap.json -o html`. */
  command: string;
  /** ISO 8601 time the report was made. */
  generatedAt: string;
  version: string;
}

export type ReportKind = 'probe' | 'scan' | 'pod' | 'inspect';

export interface HtmlReport {
  kind: ReportKind;
  title: string;
  meta: ReportMeta;
  /** Probe results referenced by index from findings (`probe: n`) and listed by `probe` reports. */
  probes: Json[];
  data: { [k: string]: Json };
}

export type Redact = (text: string) => string;

/** `remediation: string[]` becomes `fix: StepPart[][]`; everything else of the object is kept. */
function withFix(o: Record<string, unknown>): Record<string, unknown> {
  const { remediation, ...rest } = o;
  return { ...rest, fix: ((remediation as string[] | undefined) ?? []).map((s) => stepParts(s)) };
}

/** Stores each distinct probe once; findings carry its index. */
class ProbeTable {
  readonly list: Json[] = [];
  private readonly byObject = new Map<ProbeResult, number>();

  add(p: ProbeResult): number {
    let i = this.byObject.get(p);
    if (i === undefined) {
      i = this.list.push(withFix(probeJson(p)) as Json) - 1;
      this.byObject.set(p, i);
    }
    return i;
  }
}

function findingView(f: Parameters<typeof findingJson>[0], probes: ProbeTable): Record<string, unknown> {
  return { ...withFix(findingJson(f)), probe: f.probe ? probes.add(f.probe) : null };
}

/** Every string of `value` through `redact`, keys included; non-JSON values (undefined, functions) dropped. */
export function redactDeep(value: unknown, redact: Redact): Json {
  if (typeof value === 'string') return redact(value);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (typeof value === 'object') {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v !== undefined && typeof v !== 'function') out[redact(k)] = redactDeep(v, redact);
    }
    return out;
  }
  return null;
}

function report(
  kind: ReportKind,
  title: string,
  meta: ReportMeta,
  probes: Json[],
  data: Record<string, unknown>,
  redact: Redact,
): HtmlReport {
  return {
    kind,
    title: redact(title),
    meta: redactDeep(meta, redact) as unknown as ReportMeta,
    probes: probes.map((p) => redactDeep(p, redact)),
    data: redactDeep(data, redact) as { [k: string]: Json },
  };
}

export function probeReport(results: ProbeResult[], meta: ReportMeta, redact: Redact): HtmlReport {
  const probes = new ProbeTable();
  for (const r of results) probes.add(r);
  const title = results.length === 1 ? `probe ${results[0]!.image}` : `probe of ${results.length} images`;
  return report('probe', title, meta, probes.list, {}, redact);
}

export function scanReport(r: ScanResult, meta: ReportMeta, redact: Redact): HtmlReport {
  const probes = new ProbeTable();
  const findings = r.findings.map((f) => findingView(f, probes));
  return report(
    'scan',
    `scan of ${r.summary.source}`,
    meta,
    probes.list,
    { findings, summary: r.summary },
    redact,
  );
}

export function podReport(v: PodView, meta: ReportMeta, redact: Redact): HtmlReport {
  const probes = new ProbeTable();
  const p = v.pod;
  const statuses = [
    ...(p.status.initContainerStatuses ?? []).map((c) => ['init', c] as const),
    ...(p.status.containerStatuses ?? []).map((c) => ['regular', c] as const),
    ...(p.status.ephemeralContainerStatuses ?? []).map((c) => ['ephemeral', c] as const),
  ];
  const containers = statuses.map(([type, c]) => ({
    name: c.name,
    type,
    image: c.image ?? '',
    state: c.state?.waiting
      ? `waiting: ${c.state.waiting.reason ?? ''}`
      : c.state?.running
        ? 'running'
        : c.state?.terminated
          ? `terminated: ${c.state.terminated.reason ?? ''}`
          : 'unknown',
  }));
  const data = {
    ...podJson(v),
    phase: p.status.phase ?? null,
    serviceAccount: p.spec.serviceAccountName ?? 'default',
    imagePullSecrets: (p.spec.imagePullSecrets ?? []).map((s) => s.name).filter(Boolean),
    containers,
    findings: v.result.findings.map((f) => findingView(f, probes)),
  };
  const name = `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
  return report('pod', `pod ${name}`, meta, probes.list, data, redact);
}

export function inspectReport(r: InspectResult, meta: ReportMeta, redact: Redact): HtmlReport {
  const probes = new ProbeTable();
  const index = probes.add(r.probe);
  const { remediation: _r, steps: _s, ...rest } = inspectJson(r);
  return report('inspect', `inspect ${r.image}`, meta, probes.list, { ...rest, probe: index }, redact);
}

export type { StepPart };
