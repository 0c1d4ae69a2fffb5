// The exporter's two registry-facing checks. A registry check goes dns → connect → tls → ping → auth, and on to the
// manifest of its checkImage when one is configured; an image check is a full probe (what a node's pull needs:
// manifest, platform, config, first bytes of a layer). Both end in a ProbeResult, the shape metrics read.
import { RegdoctorError, type Cause } from '../cause/index.ts';
import type { Platform } from '../platform/index.ts';
import { pingProblem, probeImage } from '../probe/probe.ts';
import { startResult, type ProbeResult } from '../result/index.ts';
import type { ProbeSession } from '../probe/session.ts';
import { baseUrl } from '../registry/api.ts';
import { AuthError } from '../registry/auth.ts';
import { apiHost, parseReference } from '../reference/index.ts';
import type { RegistryConfig } from './config.ts';
import type { Targets } from './targets.ts';

/**
 * The scope asked for when a registry has no checkImage: every token server knows it, and an ungranted scope still
 * gets a token (with empty access), so the answer says whether the credential is accepted, not what it may read.
 */
const NO_IMAGE_SCOPE = 'registry:catalog:*';

/** Registry check: up iff /v2/ answered. Uses its own session so nothing from an earlier check is reused. */
export async function checkRegistry(
  reg: RegistryConfig,
  session: ProbeSession,
  targets: Targets,
  platform: Platform,
): Promise<ProbeResult> {
  if (reg.checkImage) {
    const result = await probeImage(reg.checkImage, session, {
      platform,
      credentials: targets.credentials(reg.registry),
      plainHttp: targets.plainHttp,
      stopAfter: 'manifest',
    });
    if (result.cause !== null && !result.steps.some((s) => s.name === 'ping')) {
      // Stopped before the network (a broken Docker config): the verdict stands, but whether /v2/ answers is
      // what regdoctor_registry_up reports, and a local file mistake must not page as an outage.
      const anonymous: Targets = {
        settings: (r) => targets.settings(r),
        credentials: () => undefined,
        plainHttp: (r) => targets.plainHttp(r),
        session: () => targets.session(),
      };
      const reach = await pingAndAuth(reg, session, anonymous, platform);
      result.steps.push(...reach.steps.filter((s) => s.name !== 'auth'));
    }
    return result;
  }
  return pingAndAuth(reg, session, targets, platform);
}

async function pingAndAuth(
  reg: RegistryConfig,
  session: ProbeSession,
  targets: Targets,
  platform: Platform,
): Promise<ProbeResult> {
  const { result, record } = startResult(reg.host, `${platform.os}/${platform.architecture}`);
  const failed = (cause: Cause, summary: string): ProbeResult => Object.assign(result, { cause, summary });

  const base = baseUrl(apiHost(reg.registry), reg.plainHttp);
  const state = await session.origin(base).state;
  for (const s of state.stages)
    record(s.stage, s.ok, s.ms, s.ok ? `${s.stage} ok` : String(s.detail.error ?? ''), s.detail);
  if (state.error) {
    if (state.error.step === 'ping')
      record('ping', false, 0, state.error.message, { cause: state.error.cause });
    return failed(state.error.cause, state.error.message);
  }
  const ping = state.ping!;
  const res = ping.response;
  const problem = pingProblem(res, base);
  if (problem) {
    record('ping', false, ping.ms, problem.message, { cause: problem.cause, status: res.status });
    return failed(problem.cause, problem.message);
  }
  record('ping', true, ping.ms, `${res.status} from ${base.href}`, { status: res.status });
  if (res.status === 200) {
    result.summary = `${reg.host} answers /v2/ without authentication`;
    return result;
  }

  const t = performance.now();
  try {
    const source = targets.credentials(reg.registry);
    // A credential lookup needs a repository; keys scoped to a path are the only ones this cannot match.
    const candidates = source
      ? (await source(parseReference(`${reg.registry}/regdoctor-check`))).candidates
      : [];
    const { state: auth } = await session.auth.authorize(base, ping, NO_IMAGE_SCOPE, candidates);
    const who = auth.credential?.label ?? 'anonymous';
    record('auth', true, performance.now() - t, `${auth.kind} auth accepted for ${who}`, {
      scheme: auth.kind,
      credential: who,
    });
    result.summary = `${reg.host} answers /v2/ and accepts ${who}`;
    return result;
  } catch (err) {
    const e =
      err instanceof RegdoctorError
        ? err
        : new RegdoctorError('UNKNOWN', (err as Error)?.message ?? String(err));
    record('auth', false, performance.now() - t, e.message, {
      cause: e.cause,
      ...(err instanceof AuthError ? { attempts: err.attempts } : {}),
    });
    return failed(e.cause, e.message);
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
