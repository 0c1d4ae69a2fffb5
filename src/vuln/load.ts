// Vulnerability reports from files, directories, stdin or the documents of a cluster snapshot.
import { UsageError } from '../cause/index.ts';
import { jsonValues } from '../util/bounded-text.ts';
import { decodeDocuments, readInputs, type Doc, type Input } from '../util/documents.ts';
import { JsonSplitError } from '../util/json-split.ts';
import {
  isOperatorReport,
  isTrivyReport,
  operatorLabel,
  parseOperatorReport,
  parseTrivy,
  VulnerabilityDataError,
} from './parse.ts';
import type { VulnerabilityReport } from './types.ts';

export interface LoadedReports {
  reports: VulnerabilityReport[];
  /** Reports left out, and why (a VulnerabilityReport whose scan recorded no digest). */
  warnings: string[];
}

/**
 * Every document of `--vulns` inputs must be a report: a file of something else is a mistake worth stopping for,
 * as the policy would otherwise run on less data than the user thinks.
 */
export async function loadReportFiles(
  paths: readonly string[],
  readStdin?: () => Promise<string>,
): Promise<LoadedReports> {
  const inputs = await readInputs(paths, readStdin);
  const out: LoadedReports = { reports: [], warnings: [] };
  for (const input of inputs) {
    const docs = documents(input);
    if (docs.length === 0) throw new UsageError(`${input.name}: no vulnerability report in it`);
    for (const d of docs) {
      if (!isTrivyReport(d.value) && !isOperatorReport(d.value)) {
        throw new UsageError(
          `${d.where}: neither a Trivy JSON report (SchemaVersion) nor a trivy-operator VulnerabilityReport`,
        );
      }
      add(d, out);
    }
  }
  return out;
}

/** The VulnerabilityReports among other objects (a snapshot); everything else is ignored. */
export function reportsFromObjects(docs: readonly Doc[]): LoadedReports {
  const out: LoadedReports = { reports: [], warnings: [] };
  for (const d of docs) if (isOperatorReport(d.value)) add(d, out);
  return out;
}

function add(d: Doc, out: LoadedReports): void {
  try {
    if (isTrivyReport(d.value)) return void out.reports.push(parseTrivy(d.value, d.where));
    const where = `${d.where} (VulnerabilityReport ${operatorLabel(d.value)})`;
    const r = parseOperatorReport(d.value, where);
    if (r.digests.length === 0)
      out.warnings.push(`${where}: no report.artifact.digest; cannot be matched, skipped`);
    else out.reports.push(r);
  } catch (err) {
    if (err instanceof VulnerabilityDataError) throw new UsageError(err.message);
    throw err;
  }
}

/** JSON first (Trivy reports run to megabytes, which the YAML parser reads far more slowly), then YAML. */
function documents(input: Input): Doc[] {
  const text = input.text.trimStart();
  if (text.startsWith('{') || text.startsWith('[')) {
    let value: unknown;
    try {
      const values = jsonValues(text);
      if (values.length !== 1) return decodeDocuments(input);
      value = values[0];
    } catch (err) {
      if (err instanceof JsonSplitError && err.kind === 'depth')
        throw new UsageError(`${input.name}: ${err.message.replace(/^nested/, 'nests')}`);
      return decodeDocuments(input);
    }
    const items = Array.isArray(value) ? value : [value];
    return items.flatMap((v, i) => flattenList(v, Array.isArray(value) ? `${input.name}[${i}]` : input.name));
  }
  return decodeDocuments(input);
}

function flattenList(v: unknown, where: string): Doc[] {
  const o = v as { kind?: unknown; items?: unknown } | null;
  if (typeof o === 'object' && o !== null && typeof o.kind === 'string' && o.kind.endsWith('List')) {
    if (!Array.isArray(o.items)) throw new UsageError(`${where}: ${o.kind} without an items array`);
    return o.items.flatMap((item, i) => flattenList(item, `${where} items[${i}]`));
  }
  return [{ where, value: v }];
}
