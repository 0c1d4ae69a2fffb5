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
import type { ProbeResult, RuntimeName, StepName } from '../result/index.ts';
import type { PullPlan } from '../runtime/index.ts';
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
  /**
   * Pull as this node's container runtime does (its endpoints, mirrors, TLS files, proxy), reading its
   * configuration under `nodeRoot` (the node's `/`; default `/`). Given either, the probe takes the runtime's path.
   */
  runtime?: RuntimeName;
  nodeRoot?: string;
  /** The runtime's version (`containerd://1.7.2`, `1.30.0`), where its behaviour changed between releases. */
  runtimeVersion?: string;
}

/** The node's runtime, once its configuration is read (its endpoints are then walked as `source`). */
export interface NodeState {
  plan: PullPlan;
  /** The failure as the runtime words it for the kubelet, when the pull fails. */
  reported: string | null;
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
  /** The repository spoken to: the image's registry, or the runtime endpoint whose answer decided the last read. */
  repo?: Repository;
  /** Where manifests and blobs are read from; default `repo` (a runtime's endpoints walked in its order). */
  source?: PullSource;
  /** Through a runtime's endpoints: the API root the last read came from (or whose failure decided). */
  endpoint?: string;
  /** What the reference resolved to: an index or an image manifest. */
  top?: FetchedManifest;
  /** The image manifest for the wanted platform. */
  chosen?: { manifest: ImageManifest; digest: string };
  config?: ImageConfig;
  node?: NodeState;
}

/** What the steps read manifests and blobs through: one repository, or several endpoints walked as a runtime does. */
export type PullSource = Pick<Repository, 'resolve' | 'manifest' | 'blob'>;

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
      /** The fix, when the step knows it better than the cause's general advice (a runtime's config file). */
      remediation?: string[];
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

export function sourceOf(ctx: ProbeContext): PullSource {
  return ctx.source ?? repoOf(ctx);
}

export function refOf(ctx: ProbeContext): Reference {
  if (!ctx.ref) throw new Error('probe step run before reference');
  return ctx.ref;
}
