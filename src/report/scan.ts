// Renders a scan: text grouped by cause → workload → pods, a wide table, or the JSON contract.
import { CAUSE_TITLES, type Cause } from '../cause/index.ts';
import type { Finding } from '../result/index.ts';
import type { ScanResult } from '../scan/index.ts';
import { probeJson } from './probe.ts';
import { style as makeStyle, type Style } from './style.ts';

function workload(f: Finding): string {
  return f.owner ? `${f.owner.kind} ${f.namespace}/${f.owner.name}` : `Pod ${f.namespace}/${f.pod}`;
}

function groupBy<T>(items: T[], keyOf: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = keyOf(i);
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  }
  return m;
}

export function renderScanText(r: ScanResult, opts: { colour: boolean }): string {
  const s = makeStyle(opts.colour);
  const out: string[] = [];
  const sum = r.summary;
  out.push(
    s.bold(`Scanned ${sum.source}: `) +
      (sum.findings
        ? `${sum.findings} container(s) cannot pull in ${sum.pods} of ${sum.podsScanned} pod(s); ${sum.uniqueImages} image(s), ${sum.probes} probe(s), ${sum.registryRequests} registry request(s)`
        : sum.podsScanned === 0
          ? '0 pods found, so nothing was diagnosed'
          : `${sum.podsScanned} pod(s), no image-pull problems found`),
  );
  if (sum.fromNodes) {
    const n = sum.fromNodes;
    out.push(
      `  from nodes: ${n.checks} probe(s) answered by the regdoctor agent on ${n.nodes.length ? n.nodes.join(', ') : 'no node'}`,
    );
    for (const f of n.fallbacks)
      out.push(s.yellow(`  node ${f.node}: ${f.reason}; its pods were probed from here`));
  }
  const byCause = groupBy(r.findings, (f) => f.cause);
  const order = [...byCause.keys()].sort((a, b) => byCause.get(b)!.length - byCause.get(a)!.length);
  for (const cause of order) {
    const list = byCause.get(cause)!;
    out.push('', `${s.red(s.bold(cause))} — ${CAUSE_TITLES[cause as Cause]} ${s.dim(`(${list.length})`)}`);
    for (const [wl, group] of groupBy(list, workload)) {
      // Containers of one workload that fail the same way share one explanation.
      for (const same of groupBy(group, (f) => `${f.container}\0${f.image}\0${f.confidence}`).values()) {
        const f = same[0]!;
        const pods = [...new Set(same.map((x) => x.pod))];
        out.push(
          `  ${s.bold(wl)}  container ${f.container}${f.containerType !== 'regular' ? ` (${f.containerType})` : ''}  ${s.dim(`[${f.confidence}]`)}`,
        );
        out.push(`    image ${f.image}`);
        out.push(
          `    pods  ${pods.slice(0, 5).join(', ')}${pods.length > 5 ? ` and ${pods.length - 5} more` : ''}`,
        );
        out.push(...findingBody(f, '    ', s));
      }
    }
  }
  return out.join('\n') + '\n';
}

/**
 * What the scan could not read, one `warning:` line each, for stderr: a warning must not depend on the output
 * format (-o wide and -o json have no room for it on stdout).
 */
export function skippedWarnings(skipped: ScanResult['summary']['skipped']): string {
  return skipped
    .map(
      (sk) => `warning: skipped ${sk.resource}${sk.namespace ? ` in ${sk.namespace}` : ''}: ${sk.reason}\n`,
    )
    .join('');
}

/** Alternatives, the evidence chain and the fix of one finding, indented. */
export function findingBody(f: Finding, indent: string, s: Style): string[] {
  const out: string[] = [];
  if (f.alternatives.length) out.push(s.dim(`${indent}could also be: ${f.alternatives.join(', ')}`));
  out.push(`${indent}evidence:`);
  for (const e of f.evidence) out.push(`${indent}  - ${e}`);
  if (f.remediation.length) {
    out.push(`${indent}fix:`);
    f.remediation.forEach((step, i) => out.push(`${indent}  ${i + 1}. ${step}`));
  }
  return out;
}

/** One line per container, kubectl style; `headers: false` is `--no-headers`. */
export function renderScanWide(r: ScanResult, opts: { headers?: boolean } = {}): string {
  const rows = [
    ['NAMESPACE', 'POD', 'CONTAINER', 'TYPE', 'IMAGE', 'REASON', 'CAUSE', 'CONFIDENCE', 'NODE', 'OWNER'],
  ];
  for (const f of r.findings) {
    rows.push([
      f.namespace,
      f.pod,
      f.container,
      f.containerType,
      f.image,
      f.reason,
      f.cause,
      f.confidence,
      f.node ?? '<none>',
      f.owner ? `${f.owner.kind}/${f.owner.name}` : '<none>',
    ]);
  }
  if (opts.headers === false) rows.shift();
  if (!rows.length) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return (
    rows
      .map((row) =>
        row
          .map((c, i) => c.padEnd(widths[i]!))
          .join('   ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

export function findingJson(f: Finding): Record<string, unknown> {
  return {
    namespace: f.namespace,
    pod: f.pod,
    container: f.container,
    containerType: f.containerType,
    owner: f.owner,
    node: f.node,
    image: f.image,
    reason: f.reason,
    message: f.message,
    cause: f.cause,
    confidence: f.confidence,
    alternatives: f.alternatives,
    evidence: f.evidence,
    remediation: f.remediation,
    probe: f.probe ? probeJson(f.probe) : null,
  };
}

export function scanJson(r: ScanResult): Record<string, unknown> {
  return { findings: r.findings.map(findingJson), summary: r.summary };
}

/** `-o name`: `namespace/pod` of each pod with a finding, once, in the order of the findings (for xargs). */
export function renderScanNames(r: ScanResult): string {
  const names = new Set(r.findings.map((f) => `${f.namespace}/${f.pod}`));
  return [...names].map((n) => `${n}\n`).join('');
}
