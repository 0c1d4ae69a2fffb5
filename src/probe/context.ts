// What the probe's steps share: the options, the result being built, and what each step established for the next
// (the reference, the credentials, the repository, the manifests). A step ends the probe by throwing a Stop.
import { RegdoctorError, type Cause, type Confidence } from '../cause/index.ts';
import type { Platform } from '../platform/index.ts';
import type { Reference } from '../reference/index.ts';
import type { Credential, CredentialSource } from '../registry/auth.ts';
import type { ManifestCache } from '../registry/cache.ts';
import type { Endpoint } from '../registry/endpoint.ts';
import type { ImageConfig, ImageManifest } from '../registry/manifest.ts';
import type { FetchedManifest, Repository } from '../registry/repository.ts';
import { wasReported } from '../registry/repository.ts';
import type { Session } from '../registry/session.ts';
import type { ProbeResult, StepName } from '../result/index.ts';
import type { Budget, BudgetLimits } from '../transport/budget.ts';

export interface ProbeOptions {
  platform: Platform;
  credentials?: CredentialSource;
  /** Registries (as in the reference, e.g. `localhost:5000`) spoken to over plain HTTP. */
  plainHttp?: (registry: string) => boolean;
  /** The endpoint to pull from (a mirror a runtime would use); default the registry the reference names. */
  endpoint?: (ref: Reference) => Endpoint | undefined;
  /**
   * The caller probes several tags of this repository (a cluster scan): list its tags once and answer a tag
   * that is not in the list from there, instead of one manifest request per missing tag.
   */
  tagsFirst?: boolean;
  /** Deadline, request and byte allowance for the whole probe (default PROBE_BUDGET). */
  budget?: BudgetLimits;
  /** Manifests by digest kept across probes (the exporter's rounds): an unchanged image costs a HEAD, no GET. */
  manifests?: ManifestCache;
}

export interface ProbeContext {
  readonly image: string;
  readonly want: Platform;
  readonly opts: ProbeOptions;
  readonly session: Session;
  readonly budget: Budget;
  readonly result: ProbeResult;
  record(name: StepName, ok: boolean, ms: number, summary: string, detail?: Record<string, unknown>): void;
  ref?: Reference;
  candidates: Credential[];
  repo?: Repository;
  /** What the reference resolved to: an index or an image manifest. */
  top?: FetchedManifest;
  /** The image manifest for the wanted platform. */
  chosen?: { manifest: ImageManifest; digest: string };
  config?: ImageConfig;
}

/** A step's verdict that ends the probe. */
export class Stop extends Error {
  constructor(
    readonly code: Cause,
    message: string,
    readonly extra: {
      alternatives?: Cause[];
      suggestions?: string[];
      tags?: string[];
      confidence?: Confidence;
    } = {},
  ) {
    super(message);
  }
}

export const now = () => performance.now();

/**
 * Records a failed step for an error (under the step the error names, else `name`) and turns it into a Stop. An
 * error the registry client already reported as a step is not recorded twice.
 */
export function failWith(ctx: ProbeContext, name: StepName, start: number, err: unknown): Stop {
  if (err instanceof Stop) return err;
  const e =
    err instanceof RegdoctorError
      ? err
      : new RegdoctorError('UNKNOWN', (err as Error)?.message ?? String(err));
  if (!wasReported(err)) {
    const { step, ...detail } = e.detail;
    ctx.record((step as StepName | undefined) ?? name, false, now() - start, e.message, {
      cause: e.cause,
      ...detail,
    });
  }
  return new Stop(e.cause, e.message);
}

export function repoOf(ctx: ProbeContext): Repository {
  if (!ctx.repo) throw new Error('probe step run before connect');
  return ctx.repo;
}

export function refOf(ctx: ProbeContext): Reference {
  if (!ctx.ref) throw new Error('probe step run before reference');
  return ctx.ref;
}
