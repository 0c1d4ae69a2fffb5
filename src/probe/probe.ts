// The probe: replays what a container runtime does to pull one image, step by step, and stops at the first step
// that fails with the cause it proves. Each step is a small function over the registry client; this file is the
// order they run in and the verdict at the end. Hand-written on purpose — this sequence and its interpretation is
// the product.
import { settledConfidence } from '../cause/index.ts';
import { remediationFor } from '../cause/remediation.ts';
import { formatPlatform, normalizePlatform, platformSteps } from '../platform/index.ts';
import { formatReference } from '../reference/index.ts';
import type { Session } from '../registry/session.ts';
import { startResult, type ProbeResult } from '../result/index.ts';
import { Budget, PROBE_BUDGET } from '../transport/budget.ts';
import { failWith, now, Stop, type ProbeContext, type ProbeOptions } from './context.ts';
import { blob } from './steps/blob.ts';
import { config } from './steps/config.ts';
import { auth, connect } from './steps/connect.ts';
import { manifest } from './steps/manifest.ts';
import { platform } from './steps/platform.ts';
import { credentials, reference } from './steps/reference.ts';

export type { ProbeOptions } from './context.ts';

/** The steps in the order a runtime performs them (dns, connect, tls and ping are the client's, inside connect). */
export const STEPS: readonly ((ctx: ProbeContext) => Promise<void>)[] = [
  reference,
  credentials,
  connect,
  auth,
  manifest,
  platform,
  config,
  blob,
];

/**
 * Probes `image` as a node pulls it: straight from the registry the reference names, or, with `runtime` or
 * `nodeRoot`, through the endpoints the node's container runtime would use, in its order and with its settings.
 */
export async function probeImage(image: string, session: Session, opts: ProbeOptions): Promise<ProbeResult> {
  const node =
    opts.runtime !== undefined || opts.nodeRoot !== undefined ? await import('./runtime/steps.ts') : null;
  const want = normalizePlatform(opts.platform);
  const { result, record } = startResult(image, formatPlatform(want));
  const ctx: ProbeContext = {
    image,
    want,
    opts,
    session,
    budget: new Budget({ ...PROBE_BUDGET, ...opts.budget }),
    result,
    // Through a runtime, a step records the endpoint its read came from.
    record: (name, ok, ms, summary, detail = {}) =>
      record(name, ok, ms, summary, ctx.endpoint ? { ...detail, endpoint: ctx.endpoint } : detail),
    candidates: [],
  };
  try {
    for (const step of node?.RUNTIME_STEPS ?? STEPS) {
      await step(ctx);
      noteCredential(ctx);
    }
    const digest = result.manifest?.selected?.digest ?? result.manifest?.digest;
    result.summary = `${formatReference(ctx.ref!)} is pullable for ${result.platform}${digest ? ` (${digest})` : ''}`;
    if (node) result.runtime = node.runtimeReport(ctx, result);
    return result;
  } catch (err) {
    noteCredential(ctx);
    const stop =
      err instanceof Stop ? err : failWith(ctx, result.steps.at(-1)?.name ?? 'reference', now(), err);
    result.cause = stop.code;
    result.summary = stop.message;
    if (stop.extra.alternatives?.length) result.alternatives = stop.extra.alternatives;
    result.confidence = settledConfidence(stop.code, stop.extra.confidence ?? 'certain', result.alternatives);
    if (stop.extra.suggestions) result.suggestions = stop.extra.suggestions;
    if (stop.extra.tags) result.tags = stop.extra.tags;
    const ref = ctx.ref;
    result.remediation = stop.extra.remediation ?? [
      ...(node?.configFixes(ctx, stop.code) ?? []),
      ...remediationFor(stop.code, {
        image: ref ? formatReference(ref) : image,
        registry: ref?.registry ?? null,
        // Through a runtime, the endpoint that failed (a mirror) is the host to check from the node.
        host: ctx.endpoint ? new URL(ctx.endpoint).host : null,
        platform: result.platform,
        tag: ref?.tag ?? null,
        suggestions: stop.extra.suggestions,
        tags: stop.extra.tags,
        platformSteps:
          stop.code === 'PLATFORM_MISMATCH'
            ? platformSteps({
                image: ref ? formatReference(ref) : image,
                wanted: result.platform,
                available: result.manifest?.platforms,
              })
            : undefined,
      }),
    ];
    if (node) result.runtime = node.runtimeReport(ctx, result);
    return result;
  }
}

/** Which credential was used, by its label — never the secret. */
function noteCredential(ctx: ProbeContext): void {
  const state = ctx.repo?.authState;
  if (!state) return;
  const c = state.credential;
  ctx.result.credential = c ? { source: c.label, key: c.label, username: c.username } : null;
}
