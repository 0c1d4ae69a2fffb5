// Vulnerability findings imported from scanners (Trivy JSON, trivy-operator VulnerabilityReports), reduced to what
// a policy decides on and keyed by the digests that identify the scanned image.
/** Severities from least to most severe, as Trivy names them. */
export const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface Vulnerability {
  id: string;
  /** Package name (Trivy PkgName, trivy-operator resource). */
  pkg: string;
  installed: string;
  /** null when no fixed version is known. */
  fixed: string | null;
  severity: Severity;
}

export interface VulnerabilityReport {
  /** Where it was read: `file`, `file#2`, `cluster ns/name`. */
  source: string;
  /** What the scanner says it scanned, e.g. `ghcr.io/acme/app:1.2`. */
  artifact: string;
  /** Manifest digests (repo digests) the report is about; an image matches through any of them. */
  digests: string[];
  /** Image config digest (Trivy Metadata.ImageID) when the report names no repo digest. */
  configDigest: string | null;
  vulnerabilities: Vulnerability[];
}

/** Reports by digest. */
export interface VulnerabilityIndex {
  readonly reports: readonly VulnerabilityReport[];
  /** Reports naming any of these manifest digests. */
  byDigest(digests: readonly string[]): VulnerabilityReport[];
  /** Reports that only know the image by its config digest (Trivy scans of local images). */
  byConfigDigest(digests: readonly string[]): VulnerabilityReport[];
  /** Whether any report is keyed by config digest only (then matching may need the image's config digests). */
  readonly hasConfigOnly: boolean;
}
