import type { Cause, Confidence } from '../cause/index.ts';

/** Step names in the order a runtime performs them. */
export const STEP_NAMES = [
  'reference',
  'credentials',
  'dns',
  'connect',
  'tls',
  'ping',
  'auth',
  'manifest',
  'platform',
  'config',
  'blob',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

/** One probe step as it happened: what was done, whether it worked, how long it took and what was seen. */
export interface Step {
  name: StepName;
  ok: boolean;
  ms: number;
  /** Human-readable one-liner, e.g. "127.0.0.1:5000 (2 addresses)" or "401 UNAUTHORIZED from token endpoint". */
  summary: string;
  /** Structured evidence: addresses, TLS subject/issuer/expiry, status codes, registry error codes. */
  detail: Record<string, unknown>;
}

export interface ManifestInfo {
  mediaType: string;
  digest: string;
  size: number;
  /** Platforms listed by an index (empty for a single manifest). */
  platforms: string[];
  /** The manifest chosen for the requested platform (equals `digest` for a single manifest). */
  selected?: { digest: string; platform: string; mediaType: string };
}

export interface RateLimit {
  limit?: number;
  remaining?: number;
  windowSeconds?: number;
  source?: string;
}

export interface ProbeResult {
  image: string;
  reference: { registry: string; repository: string; tag: string | null; digest: string | null } | null;
  platform: string;
  /** null when the image is pullable. */
  cause: Cause | null;
  confidence: Confidence;
  summary: string;
  remediation: string[];
  steps: Step[];
  manifest?: ManifestInfo;
  rateLimit?: RateLimit;
  /** Existing tags closest to a missing one (MANIFEST_NOT_FOUND). */
  suggestions?: string[];
  /** Other codes the evidence allows, most likely first (e.g. Docker Hub's ambiguous anonymous 401). */
  alternatives?: Cause[];
  /** Which credential was used, by source and key — never the secret itself. */
  credential?: { source: string; key: string; username?: string } | null;
}

/** A result with no verdict yet, and the one way steps are added to it (milliseconds kept to 0.1). */
export function startResult(
  image: string,
  platform: string,
): {
  result: ProbeResult;
  record: (
    name: StepName,
    ok: boolean,
    ms: number,
    summary: string,
    detail?: Record<string, unknown>,
  ) => void;
} {
  const steps: Step[] = [];
  const result: ProbeResult = {
    image,
    reference: null,
    platform,
    cause: null,
    confidence: 'certain',
    summary: '',
    remediation: [],
    steps,
  };
  const record = (
    name: StepName,
    ok: boolean,
    ms: number,
    summary: string,
    detail: Record<string, unknown> = {},
  ) => {
    steps.push({ name, ok, ms: Math.round(ms * 10) / 10, summary, detail });
  };
  return { result, record };
}
