// The exporter's two registry-facing checks. A registry check goes dns → connect → tls → ping → auth, and on to
// resolving its checkImage (a HEAD: free against Docker Hub's pull limit) when one is configured; an image check
// is a full probe (what a node's pull needs: manifest, platform, config, first bytes of a layer). Both end in a
// ProbeResult, the shape metrics read.
import { RegdoctorError, type Cause } from '../cause/index.ts';
import { formatPlatform, type Platform } from '../platform/index.ts';
import { formatReference, parseReference, type Reference } from '../reference/index.ts';
import type { Credential } from '../registry/auth.ts';
import { parseRateLimit } from '../registry/ratelimit.ts';
import { RegistryError } from '../registry/errors.ts';
import { repositoryFor, wasReported } from '../registry/repository.ts';
import type { Session } from '../registry/session.ts';
import { startResult, type ProbeResult } from '../result/index.ts';
import { Budget } from '../transport/budget.ts';
import type { RegistryConfig } from './config.ts';
import type { Targets } from './targets.ts';

/**
 * The scope asked for when a registry has no checkImage: every token server knows it, and an ungranted scope still
 * gets a token (with empty access), so the answer says whether the credential is accepted, not what it may read.
 */
const NO_IMAGE_SCOPE = 'registry:catalog:*';

const asError = (err: unknown) =>
  err instanceof RegdoctorError ? err : new RegdoctorError('UNKNOWN', (err as Error)?.message ?? String(err));

/** Registry check: up iff /v2/ answered. Uses its own session so nothing from an earlier check is reused. */
export async function checkRegistry(
  reg: RegistryConfig,
  session: Session,
  targets: Targets,
  platform: Platform,
  deadlineMs?: number,
): Promise<ProbeResult> {
  const { result, record } = startResult(reg.checkImage ?? reg.host, formatPlatform(platform));
  const failed = (cause: Cause, summary: string): ProbeResult => Object.assign(result, { cause, summary });
  const failedAt = (step: Parameters<typeof record>[0], t: number, err: unknown): ProbeResult => {
    const e = asError(err);
    if (!wasReported(err)) {
      const { step: _s, ...detail } = e.detail;
      record(step, false, performance.now() - t, e.message, { cause: e.cause, ...detail });
    }
    return failed(e.cause, e.message);
  };
  let t = performance.now();
  let ref: Reference;
  try {
    // A credential lookup needs a repository; keys scoped to a path are the only ones this cannot match.
    ref = parseReference(reg.checkImage ?? `${reg.registry}/regdoctor-check`);
  } catch (err) {
    return failedAt('reference', t, err);
  }
  // A broken Docker config is the check's verdict, but whether /v2/ answers is what regdoctor_registry_up
  // reports, and a local file mistake must not page as an outage: the registry is still dialled and pinged.
  let candidates: Credential[] = [];
  let credentialFailure: RegdoctorError | undefined;
  const source = targets.credentials(reg.registry);
  if (source) {
    t = performance.now();
    try {
      candidates = (await source(ref)).candidates;
    } catch (err) {
      credentialFailure = asError(err);
      record('credentials', false, performance.now() - t, credentialFailure.message, {
        cause: credentialFailure.cause,
      });
    }
  }
  const repo = repositoryFor(session, ref, {
    credentials: candidates,
    plainHttp: reg.plainHttp,
    scope: reg.checkImage ? undefined : NO_IMAGE_SCOPE,
    budget: deadlineMs ? new Budget({ deadlineMs }) : undefined,
    onStep: (s) => result.steps.push(s),
  });
  t = performance.now();
  let ping;
  try {
    ping = await repo.connect();
  } catch (err) {
    return failedAt('ping', t, err);
  }
  if (credentialFailure) return failed(credentialFailure.cause, credentialFailure.message);
  t = performance.now();
  try {
    await repo.authorize();
  } catch (err) {
    return failedAt('auth', t, err);
  }
  const who = repo.credential?.label ?? 'anonymous';
  if (!reg.checkImage) {
    result.summary =
      ping.status === 200
        ? `${reg.host} answers /v2/ without authentication`
        : `${reg.host} answers /v2/ and accepts ${who}`;
    return result;
  }
  t = performance.now();
  try {
    const resolved = await repo.resolve(ref.digest ?? ref.tag ?? 'latest', 'manifest', formatReference(ref));
    const rl = parseRateLimit(resolved.response.headers);
    if (rl) result.rateLimit = rl;
    record(
      'manifest',
      true,
      performance.now() - t,
      `${formatReference(ref)} resolves to ${resolved.digest}`,
      {
        status: resolved.response.status,
        digest: resolved.digest,
        method: resolved.method,
      },
    );
    result.summary = `${reg.host} answers /v2/, accepts ${who} and resolves ${formatReference(ref)}`;
    return result;
  } catch (err) {
    const rl = err instanceof RegistryError ? parseRateLimit(err.response.headers) : undefined;
    if (rl) result.rateLimit = rl;
    return failedAt('manifest', t, err);
  }
}

/** A result without steps: for a check that ran past its deadline or broke inside regdoctor. */
export function bareVerdict(image: string, cause: Cause, summary: string): ProbeResult {
  return Object.assign(startResult(image, '').result, { cause, summary });
}

/** A verdict for a check that ran past its deadline (the probe itself may still be unwinding). */
export function timedOut(image: string, ms: number): ProbeResult {
  return bareVerdict(image, 'NETWORK_TIMEOUT', `no answer within ${ms / 1000} s (the check's timeout)`);
}
