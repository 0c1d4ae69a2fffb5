// The two report formats regdoctor reads, parsed leniently where scanners add fields (every object is loose) and
// strictly where a policy decision depends on the value (IDs, severities, digests): a report that silently lost
// its CRITICAL findings would pass images it should not.
//   - Trivy JSON, `trivy image --format json` (SchemaVersion 2; aquasecurity/trivy pkg/types/report.go);
//   - trivy-operator VulnerabilityReport / ClusterVulnerabilityReport (aquasecurity.github.io/v1alpha1).
import * as z from 'zod/mini';
import type { core } from 'zod/mini';
import { UsageError } from '../cause/index.ts';
import { SEVERITIES, type Severity } from './types.ts';
import type { Vulnerability, VulnerabilityReport } from './types.ts';

export const OPERATOR_API_VERSION = 'aquasecurity.github.io/v1alpha1';
export const OPERATOR_KINDS = ['VulnerabilityReport', 'ClusterVulnerabilityReport'] as const;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** A report that cannot be used; the message names where and what. */
export class VulnerabilityDataError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = 'VulnerabilityDataError';
  }
}

const str = z.string().check(z.minLength(1, 'must not be empty'));
const optStr = z.optional(z.nullable(z.string()));
const severity = z
  .string()
  .check(
    z.refine(
      (s) => (SEVERITIES as readonly string[]).includes(s.toUpperCase()),
      `must be one of ${SEVERITIES.join(', ')}`,
    ),
  );

const trivyVulnerability = z.looseObject({
  VulnerabilityID: str,
  PkgName: str,
  InstalledVersion: optStr,
  FixedVersion: optStr,
  Severity: severity,
});
const trivyReport = z.looseObject({
  SchemaVersion: z.number(),
  ArtifactName: str,
  ArtifactType: optStr,
  Metadata: z.optional(
    z.nullable(
      z.looseObject({
        ImageID: optStr,
        RepoDigests: z.optional(z.nullable(z.array(z.string()))),
      }),
    ),
  ),
  Results: z.optional(
    z.nullable(
      z.array(
        z.looseObject({
          Target: z.optional(z.string()),
          Vulnerabilities: z.optional(z.nullable(z.array(trivyVulnerability))),
        }),
      ),
    ),
  ),
});

const operatorVulnerability = z.looseObject({
  vulnerabilityID: str,
  resource: str,
  installedVersion: optStr,
  fixedVersion: optStr,
  severity,
});
const operatorReport = z.looseObject({
  apiVersion: z.literal(OPERATOR_API_VERSION),
  kind: z.enum(OPERATOR_KINDS),
  metadata: z.looseObject({ name: str, namespace: z.optional(z.string()) }),
  report: z.looseObject({
    registry: z.optional(z.nullable(z.looseObject({ server: optStr }))),
    artifact: z.looseObject({ repository: optStr, tag: optStr, digest: optStr }),
    vulnerabilities: z.optional(z.nullable(z.array(operatorVulnerability))),
  }),
});

export function isTrivyReport(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'SchemaVersion' in v;
}

export function isOperatorReport(v: unknown): boolean {
  const o = v as { kind?: unknown; apiVersion?: unknown } | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    (OPERATOR_KINDS as readonly unknown[]).includes(o.kind) &&
    typeof o.apiVersion === 'string' &&
    o.apiVersion.startsWith('aquasecurity.github.io/')
  );
}

function issue(where: string, what: string, e: core.$ZodError): VulnerabilityDataError {
  const i = e.issues[0];
  const path = i?.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('') ?? '';
  const msg =
    i === undefined
      ? 'invalid'
      : i.code === 'invalid_type' && 'input' in i && i.input === undefined
        ? 'required field is missing'
        : i.code === 'invalid_type'
          ? `expected ${i.expected}`
          : i.code === 'invalid_value'
            ? `expected ${i.values.map((v) => JSON.stringify(v)).join(' or ')}`
            : i.message;
  return new VulnerabilityDataError(`${where}: ${what}: ${path.replace(/^\./, '') || '(top)'}: ${msg}`);
}

const sev = (s: string) => s.toUpperCase() as Severity;

/** Trivy `--format json`. Digests come from Metadata.RepoDigests (`repo@sha256:…`) and an `@sha256:` ArtifactName. */
export function parseTrivy(doc: unknown, where: string): VulnerabilityReport {
  const r = z.safeParse(trivyReport, doc, { reportInput: true });
  if (!r.success) throw issue(where, 'not a valid Trivy JSON report', r.error);
  const t = r.data;
  if (t.SchemaVersion !== 2) {
    throw new VulnerabilityDataError(
      `${where}: Trivy report SchemaVersion ${t.SchemaVersion} is not supported (expected 2, trivy ≥ 0.20)`,
    );
  }
  if (t.ArtifactType && t.ArtifactType !== 'container_image') {
    throw new VulnerabilityDataError(
      `${where}: Trivy report of a ${t.ArtifactType}, not a container image (trivy image --format json)`,
    );
  }
  const digests = new Set<string>();
  for (const rd of t.Metadata?.RepoDigests ?? []) {
    const d = rd.slice(rd.lastIndexOf('@') + 1);
    if (!DIGEST.test(d))
      throw new VulnerabilityDataError(`${where}: Metadata.RepoDigests: bad entry ${JSON.stringify(rd)}`);
    digests.add(d);
  }
  const at = t.ArtifactName.lastIndexOf('@');
  if (at >= 0 && DIGEST.test(t.ArtifactName.slice(at + 1))) digests.add(t.ArtifactName.slice(at + 1));
  const configDigest = t.Metadata?.ImageID && DIGEST.test(t.Metadata.ImageID) ? t.Metadata.ImageID : null;
  if (digests.size === 0 && configDigest === null) {
    throw new VulnerabilityDataError(
      `${where}: Trivy report for ${t.ArtifactName} names no image digest (Metadata.RepoDigests or ImageID), so it cannot be matched to an image`,
    );
  }
  const vulnerabilities: Vulnerability[] = [];
  for (const res of t.Results ?? []) {
    for (const v of res.Vulnerabilities ?? []) {
      vulnerabilities.push({
        id: v.VulnerabilityID,
        pkg: v.PkgName,
        installed: v.InstalledVersion ?? '',
        fixed: v.FixedVersion || null,
        severity: sev(v.Severity),
      });
    }
  }
  return { source: where, artifact: t.ArtifactName, digests: [...digests], configDigest, vulnerabilities };
}

/**
 * A trivy-operator report. Its artifact.digest is what the operator resolved the workload's image to (the
 * repo digest the kubelet reports, usually the index digest); a report without one cannot be matched and is
 * returned with no digests for the caller to report.
 */
export function parseOperatorReport(doc: unknown, where: string): VulnerabilityReport {
  const r = z.safeParse(operatorReport, doc, { reportInput: true });
  if (!r.success) throw issue(where, 'not a valid trivy-operator VulnerabilityReport', r.error);
  const o = r.data;
  const a = o.report.artifact;
  const digest = a.digest ?? '';
  if (digest !== '' && !DIGEST.test(digest)) {
    throw new VulnerabilityDataError(
      `${where}: report.artifact.digest ${JSON.stringify(digest)} is not a sha256 digest`,
    );
  }
  const server = o.report.registry?.server;
  const artifact = `${server ? `${server}/` : ''}${a.repository ?? '?'}${a.tag ? `:${a.tag}` : ''}${digest ? `@${digest}` : ''}`;
  return {
    source: where,
    artifact,
    digests: digest ? [digest] : [],
    configDigest: null,
    vulnerabilities: (o.report.vulnerabilities ?? []).map((v) => ({
      id: v.vulnerabilityID,
      pkg: v.resource,
      installed: v.installedVersion ?? '',
      fixed: v.fixedVersion || null,
      severity: sev(v.severity),
    })),
  };
}

export function operatorLabel(doc: unknown): string {
  const m = (doc as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof m?.name === 'string' ? m.name : '(unnamed)';
  return typeof m?.namespace === 'string' ? `${m.namespace}/${name}` : name;
}
