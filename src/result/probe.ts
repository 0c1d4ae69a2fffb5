import type { Cause, Confidence } from '../cause/index.ts';
import type { RuntimeReport } from './runtime.ts';

/** Step names in the order a runtime performs them. */
export const STEP_NAMES = [
  'reference',
  'credentials',
  'runtime',
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

/** What a registry says about its rate limit (Docker Hub's pull quota, the IETF RateLimit fields…). */
export interface RateLimit {
  limit?: number;
  remaining?: number;
  windowSeconds?: number;
  /** Seconds until the quota resets, when the server says. */
  resetSeconds?: number;
  /** Who the limit is counted against (Docker Hub: the client IP or account). */
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
  /** When none is close: some tags the repository does have (MANIFEST_NOT_FOUND). */
  tags?: string[];
  /** Other codes the evidence allows, most likely first (e.g. Docker Hub's ambiguous anonymous 401). */
  alternatives?: Cause[];
  /** Which credential was used, by source and key — never the secret itself. */
  credential?: { source: string; key: string; username?: string } | null;
  /** The pull as the node's runtime makes it (--runtime / --node-root): its endpoints in order and their fate. */
  runtime?: RuntimeReport;
}

/** A step as recorded: milliseconds kept to 0.1. */
export function makeStep(
  name: StepName,
  ok: boolean,
  ms: number,
  summary: string,
  detail: Record<string, unknown> = {},
): Step {
  return { name, ok, ms: Math.round(ms * 10) / 10, summary, detail };
}

/** A result with no verdict yet, and the one way steps are added to it. */
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
  return { result, record: (...args) => steps.push(makeStep(...args)) };
}
