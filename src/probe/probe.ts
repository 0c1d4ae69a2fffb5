// The probe: replays what a container runtime does to pull one image, step by step, and stops at the first step
// that fails with the cause it proves. Hand-written on purpose — this sequence and its interpretation is the product.
import { RegdoctorError, type Cause, type Confidence } from '../cause/index.ts';
import { remediationFor } from '../cause/remediation.ts';
import { parseReference, apiHost, isDockerHub, formatReference, type Reference } from '../reference/index.ts';
import {
  formatPlatform,
  selectPlatform,
  describeAvailable,
  normalizePlatform,
  platformSteps,
  type Platform,
} from '../platform/index.ts';
import { baseUrl, getBlob, getManifest, listTags, LIMITS, type FetchedManifest } from '../registry/api.ts';
import { AuthError, type AuthState, type Credential } from '../registry/auth.ts';
import { describeStatus, parseErrorBody, statusCause } from '../registry/errors.ts';
import {
  indexEntries,
  isIndex,
  parseImageConfig,
  sha256,
  type ImageManifest,
  type ImageConfig,
} from '../registry/manifest.ts';
import { parseRateLimit, parseRetryAfter } from '../registry/ratelimit.ts';
import { nearestTags } from '../registry/suggest.ts';
import { parseChallenges } from '../registry/challenge.ts';
import { header, type HttpResponse } from '../transport/http.ts';
import { startResult, type ManifestInfo, type ProbeResult, type StepName } from '../result/index.ts';
import type { ProbeSession } from './session.ts';

/** Where the probe gets the credentials to try for an image, in the order the kubelet would try them. */
export type CredentialSource = (
  ref: Reference,
) => Promise<{ candidates: Credential[]; summary: string; detail: Record<string, unknown> }>;

export interface ProbeOptions {
  platform: Platform;
  credentials?: CredentialSource;
  /** Registries (as in the reference, e.g. `localhost:5000`) spoken to over plain HTTP. */
  plainHttp?: (registry: string) => boolean;
  /** Called when the probe ends without a problem, with the access the probe established, so that follow-up
   * reads (inspect, signatures) reuse its connection and token instead of repeating the dance. */
  onPullable?: (access: RepositoryAccess) => void;
  /**
   * End once the reference resolved to a manifest: for callers that need the digest and access, not the
   * platform and blobs (signature verification: cosign signs the digest the tag resolves to, whatever the node).
   */
  stopAfter?: 'manifest';
  /**
   * The caller probes several tags of this repository (a cluster scan): list its tags once and answer a tag
   * that is not in the list from there, instead of one manifest request per missing tag.
   */
  tagsFirst?: boolean;
}

export interface RepositoryAccess {
  base: URL;
  repository: string;
  authorization: string | undefined;
  /** Digest of the manifest the reference resolved to (an index or an image manifest). */
  digest: string;
}

class Stop extends Error {
  constructor(
    readonly code: Cause,
    message: string,
    readonly extra: { alternatives?: Cause[]; suggestions?: string[]; confidence?: Confidence } = {},
  ) {
    super(message);
  }
}

const now = () => performance.now();

export async function probeImage(
  image: string,
  session: ProbeSession,
  opts: ProbeOptions,
): Promise<ProbeResult> {
  const want = normalizePlatform(opts.platform);
  const { result, record } = startResult(image, formatPlatform(want));
  const steps = result.steps;
  /** Records a failed step for an error and turns it into a Stop. */
  const failWith = (name: StepName, start: number, err: unknown): Stop => {
    if (err instanceof Stop) return err;
    const e =
      err instanceof RegdoctorError
        ? err
        : new RegdoctorError('UNKNOWN', (err as Error)?.message ?? String(err));
    const { step: _s, ...detail } = e.detail;
    record((e.detail.step as StepName | undefined) ?? name, false, now() - start, e.message, {
      cause: e.cause,
      ...detail,
    });
    return new Stop(e.cause, e.message);
  };

  let ref: Reference | undefined;
  let base: URL | undefined;
  let authState: AuthState | undefined;
  try {
    let t = now();
    try {
      ref = parseReference(image);
    } catch (err) {
      throw failWith('reference', t, err);
    }
    result.reference = {
      registry: ref.registry,
      repository: ref.repository,
      tag: ref.tag,
      digest: ref.digest,
    };
    record('reference', true, now() - t, formatReference(ref));

    t = now();
    let candidates: Credential[] = [];
    if (opts.credentials) {
      try {
        const c = await opts.credentials(ref);
        candidates = c.candidates;
        record('credentials', true, now() - t, c.summary, c.detail);
      } catch (err) {
        throw failWith('credentials', t, err);
      }
    }

    const host = apiHost(ref.registry);
    base = baseUrl(host, opts.plainHttp?.(ref.registry) ?? false);
    const origin = session.origin(base);
    t = now();
    const state = await origin.state;
    for (const s of state.stages) {
      record(
        s.stage,
        s.ok,
        origin.reused ? 0 : s.ms,
        stageSummary(s.stage, s.detail, s.ok),
        origin.reused ? { ...s.detail, reused: true } : s.detail,
      );
    }
    if (state.error && state.error.step !== 'ping') throw new Stop(state.error.cause, state.error.message);
    if (state.error) throw failWith('ping', t, state.error);
    const ping = state.ping!;
    checkPing(ping.response, base);
    record(
      'ping',
      true,
      origin.reused ? 0 : ping.ms,
      `${ping.status} from ${base.href}${ping.status === 401 ? ` (${ping.challenges.map((c) => c.scheme).join(', ') || 'no challenge'})` : ''}`,
      {
        status: ping.status,
        challenges: ping.challenges.map((c) => ({
          scheme: c.scheme,
          realm: c.params.realm,
          service: c.params.service,
        })),
        apiVersion: ping.apiVersion,
        ...(origin.reused ? { reused: true } : {}),
      },
    );

    const scope = `repository:${ref.repository}:pull`;
    const refString = ref.digest ?? ref.tag ?? 'latest';
    let remaining = candidates;
    let fetched: FetchedManifest | undefined;
    // The kubelet tries every matching credential in order until one pulls; so do we.
    for (;;) {
      t = now();
      let attempts;
      try {
        const a = await session.auth.authorize(base, ping, scope, remaining);
        authState = a.state;
        attempts = a.attempts;
      } catch (err) {
        if (err instanceof AuthError) {
          record('auth', false, now() - t, err.message, { cause: err.cause, attempts: err.attempts });
          throw new Stop(err.cause, err.message);
        }
        throw failWith('auth', t, err);
      }
      result.credential = authState.credential
        ? {
            source: authState.credential.label,
            key: authState.credential.label,
            username: authState.credential.username,
          }
        : null;
      record('auth', true, now() - t, authSummary(authState, scope), {
        scheme: authState.kind,
        credential: authState.credential?.label ?? 'anonymous',
        attempts,
        ...(authState.kind === 'bearer'
          ? { grantedActions: authState.grantedActions, expiresIn: authState.expiresIn }
          : {}),
      });

      t = now();
      if (opts.tagsFirst && ref.tag && !ref.digest) {
        const tags = await repositoryTags('manifest').catch(() => null);
        if (tags && 'tags' in tags && tags.complete && !tags.tags.includes(ref.tag)) {
          const { msg, detail, suggestions } = missingTag(tags.tags);
          record('manifest', false, now() - t, msg, {
            cause: 'MANIFEST_NOT_FOUND',
            ...detail,
            from: 'tag list',
          });
          throw new Stop('MANIFEST_NOT_FOUND', msg, { suggestions });
        }
      }
      let got: Awaited<ReturnType<typeof getManifest>>;
      try {
        got = await getManifest(
          session.transport,
          base,
          ref.repository,
          refString,
          authHeader(authState),
          'manifest',
        );
      } catch (err) {
        throw failWith('manifest', t, err);
      }
      const rl = parseRateLimit(got.response.headers);
      if (rl) result.rateLimit = rl;
      if ('manifest' in got) {
        fetched = got;
        break;
      }
      const res = got.response;
      const info = parseErrorBody(res.body, header(res.headers, 'content-type'));
      const idx = authState.credential ? remaining.indexOf(authState.credential) : -1;
      if ((res.status === 401 || res.status === 403) && idx >= 0 && idx < remaining.length - 1) {
        record(
          'manifest',
          false,
          now() - t,
          `${describeStatus(res.status, info)} with ${authState.credential!.label}; trying the next credential`,
          { status: res.status, codes: info.codes },
        );
        remaining = remaining.slice(idx + 1);
        continue;
      }
      throw await manifestFailure(res, t);
    }

    const m = fetched.manifest;
    const info: ManifestInfo = {
      mediaType: m.mediaType,
      digest: fetched.digest,
      size: fetched.size,
      platforms: [],
    };
    result.manifest = info;
    record('manifest', true, now() - t, `${m.mediaType} ${fetched.digest} (${fetched.size} bytes)`, {
      status: fetched.response.status,
      mediaType: m.mediaType,
      digest: fetched.digest,
      dockerContentDigest: fetched.headerDigest ?? null,
      size: fetched.size,
    });

    // What a caller needs to read more of this repository over the same connection and token.
    const access: RepositoryAccess = {
      base,
      repository: ref.repository,
      authorization: authHeader(authState),
      digest: fetched.digest,
    };
    if (opts.stopAfter === 'manifest') {
      if (isIndex(m)) info.platforms = describeAvailable(indexEntries(m));
      opts.onPullable?.(access);
      result.summary = `${formatReference(ref)} resolves to ${fetched.digest}`;
      return result;
    }

    let imageManifest: ImageManifest;
    let config: ImageConfig | undefined;
    let imageDigest = fetched.digest;
    if (isIndex(m)) {
      t = now();
      const entries = indexEntries(m);
      info.platforms = describeAvailable(entries);
      const pick = selectPlatform(entries, want);
      if (!pick) {
        const msg = `no image for ${formatPlatform(want)} in the index; it has ${info.platforms.join(', ') || 'no platforms'}`;
        record('platform', false, now() - t, msg, {
          cause: 'PLATFORM_MISMATCH',
          wanted: formatPlatform(want),
          available: info.platforms,
        });
        throw new Stop('PLATFORM_MISMATCH', msg);
      }
      let child: Awaited<ReturnType<typeof getManifest>>;
      try {
        child = await getManifest(
          session.transport,
          base,
          ref.repository,
          pick.entry.digest,
          authHeader(authState),
          'platform',
        );
      } catch (err) {
        throw failWith('platform', t, err);
      }
      if (!('manifest' in child)) throw await manifestFailure(child.response, t, 'platform');
      if (isIndex(child.manifest)) {
        const msg = `the index entry for ${formatPlatform(want)} is itself an index; runtimes do not follow nested indexes`;
        record('platform', false, now() - t, msg, { cause: 'PLATFORM_MISMATCH' });
        throw new Stop('PLATFORM_MISMATCH', msg);
      }
      imageManifest = child.manifest;
      imageDigest = child.digest;
      const chosen = pick.entry.platform ? formatPlatform(pick.entry.platform) : formatPlatform(want);
      info.selected = { digest: child.digest, platform: chosen, mediaType: child.manifest.mediaType };
      record(
        'platform',
        true,
        now() - t,
        `${chosen} → ${child.digest}${pick.exact ? '' : ` (fallback${pick.via ? ` via ${pick.via}` : ''})`}`,
        {
          wanted: formatPlatform(want),
          selected: chosen,
          exact: pick.exact,
          digest: child.digest,
          available: info.platforms,
        },
      );
      t = now();
      config = await fetchConfig(imageManifest, t);
    } else {
      imageManifest = m;
      t = now();
      config = await fetchConfig(imageManifest, t);
      t = now();
      const got: Platform = {
        os: config.os ?? 'unknown',
        architecture: config.architecture ?? 'unknown',
        variant: config.variant,
      };
      const pick = selectPlatform(
        [{ digest: fetched.digest, mediaType: m.mediaType, size: fetched.size, platform: got }],
        want,
      );
      info.platforms = [formatPlatform(normalizePlatform(got))];
      if (!pick) {
        const msg = `the image is built for ${formatPlatform(normalizePlatform(got))} only, not ${formatPlatform(want)}`;
        record('platform', false, now() - t, msg, {
          cause: 'PLATFORM_MISMATCH',
          wanted: formatPlatform(want),
          available: info.platforms,
        });
        throw new Stop('PLATFORM_MISMATCH', msg);
      }
      info.selected = { digest: fetched.digest, platform: info.platforms[0]!, mediaType: m.mediaType };
      record('platform', true, now() - t, `single-platform image for ${info.platforms[0]}`, {
        wanted: formatPlatform(want),
        selected: info.platforms[0],
      });
    }

    t = now();
    const layer = imageManifest.layers.find((l) => !l.urls?.length);
    // What the node must download (compressed): the agent weighs it against the image filesystem's free space.
    const imageBytes = imageManifest.layers.reduce((n, l) => n + l.size, 0);
    if (!layer) {
      record('blob', true, now() - t, 'no layers to fetch (or only foreign layers)', { imageBytes });
    } else {
      let res: HttpResponse;
      try {
        res = await getBlob(session.transport, base, ref.repository, layer.digest, authHeader(authState), {
          maxBytes: layer.size + 1024,
          readAtMost: LIMITS.layerProbeBytes,
          step: 'blob',
        });
      } catch (err) {
        // A redirect loop or a body larger than the descriptor says is a broken download, not a registry outage.
        const broken = err instanceof RegdoctorError && err.cause === 'REGISTRY_ERROR';
        const e = broken
          ? new RegdoctorError('LAYER_DOWNLOAD_FAILED', `layer ${layer.digest}: ${err.message}`, err.detail)
          : err;
        throw failWith('blob', t, e);
      }
      if (res.status !== 200 && res.status !== 206) {
        const info = parseErrorBody(res.body, header(res.headers, 'content-type'));
        const cause = res.status === 404 ? 'LAYER_DOWNLOAD_FAILED' : statusCause(res.status, info.codes);
        const msg = `layer ${layer.digest}: ${describeStatus(res.status, info)}${res.redirects.length ? ` (after redirect to ${res.redirects.at(-1)})` : ''}`;
        record('blob', false, now() - t, msg, {
          cause,
          status: res.status,
          codes: info.codes,
          redirects: res.redirects,
        });
        throw new Stop(cause, msg);
      }
      // A complete answer must hold the whole layer, or the whole requested range of it.
      const expected = Math.min(layer.size, LIMITS.layerProbeBytes);
      if (!res.partial && res.body.length !== expected) {
        const msg = `layer ${layer.digest}: received ${res.body.length} bytes where ${expected} were expected (the manifest says ${layer.size})`;
        record('blob', false, now() - t, msg, {
          cause: 'LAYER_DOWNLOAD_FAILED',
          status: res.status,
          bytesRead: res.body.length,
          expectedBytes: expected,
        });
        throw new Stop('LAYER_DOWNLOAD_FAILED', msg);
      }
      if (!res.partial && res.body.length === layer.size && sha256(res.body) !== layer.digest) {
        const msg = `layer ${layer.digest} downloaded but its content has digest ${sha256(res.body)}`;
        record('blob', false, now() - t, msg, { cause: 'LAYER_DOWNLOAD_FAILED' });
        throw new Stop('LAYER_DOWNLOAD_FAILED', msg);
      }
      record(
        'blob',
        true,
        now() - t,
        `first layer ${layer.digest} downloads (${res.body.length} of ${layer.size} bytes read${res.redirects.length ? `, via ${new URL(res.redirects.at(-1)!.replace('?…', '')).host}` : ''})`,
        {
          status: res.status,
          digest: layer.digest,
          size: layer.size,
          bytesRead: res.body.length,
          redirects: res.redirects,
          mediaType: layer.mediaType,
          imageBytes,
        },
      );
    }
    opts.onPullable?.(access);
    result.summary = `${formatReference(ref)} is pullable for ${result.platform}${imageDigest ? ` (${imageDigest})` : ''}`;
    return result;
  } catch (err) {
    const stop = err instanceof Stop ? err : failWith(steps.at(-1)?.name ?? 'reference', now(), err);
    result.cause = stop.code;
    result.summary = stop.message;
    result.confidence = stop.extra.confidence ?? 'certain';
    if (stop.extra.alternatives?.length) result.alternatives = stop.extra.alternatives;
    if (stop.extra.suggestions) result.suggestions = stop.extra.suggestions;
    result.remediation = remediationFor(stop.code, {
      image: ref ? formatReference(ref) : image,
      registry: ref?.registry ?? null,
      platform: result.platform,
      tag: ref?.tag ?? null,
      suggestions: stop.extra.suggestions,
      platformSteps:
        stop.code === 'PLATFORM_MISMATCH'
          ? platformSteps({
              image: ref ? formatReference(ref) : image,
              wanted: result.platform,
              available: result.manifest?.platforms,
            })
          : undefined,
    });
    return result;
  }

  async function fetchConfig(manifest: ImageManifest, t: number): Promise<ImageConfig> {
    let res: HttpResponse;
    try {
      res = await getBlob(
        session.transport,
        base!,
        ref!.repository,
        manifest.config.digest,
        authHeader(authState),
        { maxBytes: LIMITS.configBytes, step: 'config' },
      );
    } catch (err) {
      // The config is a blob too: a redirect loop or a broken body is a broken download, as in the blob step.
      const broken = err instanceof RegdoctorError && err.cause === 'REGISTRY_ERROR';
      throw failWith(
        'config',
        t,
        broken
          ? new RegdoctorError(
              'LAYER_DOWNLOAD_FAILED',
              `config blob ${manifest.config.digest}: ${err.message}`,
              err.detail,
            )
          : err,
      );
    }
    if (res.status !== 200) {
      const info = parseErrorBody(res.body, header(res.headers, 'content-type'));
      const cause = res.status === 404 ? 'LAYER_DOWNLOAD_FAILED' : statusCause(res.status, info.codes);
      const msg = `config blob ${manifest.config.digest}: ${describeStatus(res.status, info)}`;
      record('config', false, now() - t, msg, { cause, status: res.status, codes: info.codes });
      throw new Stop(cause, msg);
    }
    if (sha256(res.body) !== manifest.config.digest) {
      const msg = `config blob ${manifest.config.digest} has digest ${sha256(res.body)}`;
      record('config', false, now() - t, msg, { cause: 'LAYER_DOWNLOAD_FAILED' });
      throw new Stop('LAYER_DOWNLOAD_FAILED', msg);
    }
    let config: ImageConfig;
    try {
      config = parseImageConfig(res.body);
    } catch (err) {
      throw failWith('config', t, err);
    }
    record(
      'config',
      true,
      now() - t,
      `config ${manifest.config.digest} (${config.os ?? '?'}/${config.architecture ?? '?'}${config.variant ? `/${config.variant}` : ''})`,
      {
        digest: manifest.config.digest,
        size: res.body.length,
        os: config.os,
        architecture: config.architecture,
        variant: config.variant,
        redirects: res.redirects,
      },
    );
    return config;
  }

  /** The repository's tags, listed once per session and identity (see ProbeSession.tags). */
  function repositoryTags(step: StepName): ReturnType<typeof listTags> {
    return session.tags(base!, ref!.repository, authState?.credential?.label ?? 'anonymous', () =>
      listTags(session.transport, base!, ref!.repository, authHeader(authState), step),
    );
  }

  /** What to say when the repository exists but the reference is not among its tags. */
  function missingTag(tags: string[]) {
    const wanted = ref!.digest ?? ref!.tag ?? 'latest';
    const suggestions = ref!.digest ? [] : nearestTags(wanted, tags);
    const msg = `${ref!.repository} exists (${tags.length} tag${tags.length === 1 ? '' : 's'}) but has no ${ref!.digest ? `manifest ${ref!.digest}` : `tag "${wanted}"`}${suggestions.length ? `; nearest tags: ${suggestions.join(', ')}` : ''}`;
    return { msg, suggestions, detail: { tagCount: tags.length, suggestions } };
  }

  async function manifestFailure(res: HttpResponse, t: number, step: StepName = 'manifest'): Promise<Stop> {
    const info = parseErrorBody(res.body, header(res.headers, 'content-type'));
    let cause = statusCause(res.status, info.codes);
    const detail: Record<string, unknown> = { status: res.status, codes: info.codes };
    let msg = `${formatReference(ref!)}: ${describeStatus(res.status, info)}`;
    const extra: Stop['extra'] = {};
    if (cause === 'RATE_LIMITED') {
      const retry = parseRetryAfter(header(res.headers, 'retry-after'));
      if (retry !== undefined) detail.retryAfterSeconds = retry;
      msg += retry !== undefined ? `; retry after ${retry}s` : '';
    }
    if (cause === 'UNAUTHORIZED') {
      const challenge = parseChallenges(res.headers['www-authenticate']).find((c) => c.scheme === 'bearer');
      const credential = authState?.credential ?? null;
      if (challenge?.params.error) detail.error = challenge.params.error;
      if (credential && authState?.kind === 'bearer') {
        // The token endpoint accepted these credentials; the registry still refuses: access not granted.
        cause = 'FORBIDDEN';
        msg = `${credential.label} is accepted by the token endpoint but not granted pull on ${ref!.repository} (${describeStatus(res.status, info)}${authState.grantedActions ? `; token grants [${authState.grantedActions.join(',')}]` : ''})`;
      } else if (!credential) {
        msg = `${formatReference(ref!)}: anonymous pull refused (${describeStatus(res.status, info)}); the repository is private or does not exist`;
        if (isDockerHub(ref!.registry)) {
          extra.alternatives = ['REPOSITORY_NOT_FOUND'];
          extra.confidence = 'likely';
        } else extra.alternatives = ['REPOSITORY_NOT_FOUND'];
      }
    }
    if (step === 'platform' && (cause === 'MANIFEST_NOT_FOUND' || cause === 'REPOSITORY_NOT_FOUND')) {
      // The tag resolved; what is missing is the platform manifest the index points at (a broken push or a
      // garbage-collected child), so listing tags would only mislead.
      cause = 'MANIFEST_NOT_FOUND';
      msg = `the index of ${formatReference(ref!)} lists a manifest for ${result.platform} that the registry does not have (${describeStatus(res.status, info)}); the image was pushed incompletely or garbage-collected`;
    } else if (cause === 'MANIFEST_NOT_FOUND' || cause === 'REPOSITORY_NOT_FOUND') {
      const tags = await repositoryTags(step).catch(() => null);
      if (tags && 'tags' in tags) {
        cause = 'MANIFEST_NOT_FOUND';
        const missing = missingTag(tags.tags);
        extra.suggestions = missing.suggestions;
        Object.assign(detail, missing.detail);
        msg = missing.msg;
      } else if (tags) {
        const tinfo = parseErrorBody(tags.response.body, header(tags.response.headers, 'content-type'));
        detail.tagsStatus = tags.response.status;
        if (tags.response.status === 404 || tinfo.codes.includes('NAME_UNKNOWN')) {
          cause = 'REPOSITORY_NOT_FOUND';
          msg = `repository ${ref!.repository} does not exist on ${ref!.registry} (${describeStatus(tags.response.status, tinfo)} listing its tags)`;
        } else {
          extra.confidence = 'likely';
          extra.alternatives = [
            cause === 'MANIFEST_NOT_FOUND' ? 'REPOSITORY_NOT_FOUND' : 'MANIFEST_NOT_FOUND',
          ];
          msg += ` (tags could not be listed: HTTP ${tags.response.status})`;
        }
      }
    }
    record(step, false, now() - t, msg, { cause, ...detail });
    return new Stop(cause, msg, extra);
  }
}

function authHeader(state: AuthState | undefined): string | undefined {
  return state && state.kind !== 'anonymous' ? state.header : undefined;
}

function authSummary(state: AuthState, scope: string): string {
  switch (state.kind) {
    case 'anonymous':
      return 'no authentication required';
    case 'basic':
      return `Basic auth accepted for ${state.credential.label}`;
    case 'bearer':
      return `Bearer token for ${scope} (${state.credential?.label ?? 'anonymous'}${state.grantedActions ? `; grants [${state.grantedActions.join(',')}]` : ''})`;
  }
}

function stageSummary(stage: string, d: Record<string, unknown>, ok: boolean): string {
  if (!ok) return String(d.error ?? `${stage} failed`);
  const via = d.proxy ? ` via proxy ${d.proxy}` : '';
  if (stage === 'dns') return `${d.host} → ${(d.addresses as string[]).join(', ')}${via}`;
  if (stage === 'connect') return `connected to ${d.address}${via}`;
  const cert = d.subject
    ? `${d.protocol ?? 'TLS'}; ${d.subject}; issuer ${d.issuer}; expires ${String(d.validTo).slice(0, 10)} (${d.expiresInDays} days)`
    : 'TLS established';
  return d.verification ? `${cert}; ${d.verification}: ${d.ignoredProblem}` : cert;
}

/** A /v2/ answer that is neither 200 nor 401 means the endpoint is not a working registry. */
function checkPing(res: HttpResponse, base: URL): void {
  const problem = pingProblem(res, base);
  if (problem) throw problem;
}

/** Why a /v2/ answer is not a working registry API, or null for 200 and 401 (the exporter judges it the same). */
export function pingProblem(res: HttpResponse, base: URL): RegdoctorError | null {
  if (res.status === 200 || res.status === 401) return null;
  const text = res.body.subarray(0, 512).toString('utf8');
  if (res.status === 400 && /HTTP request to an HTTPS server/i.test(text)) {
    return new RegdoctorError(
      'HTTP_HTTPS_MISMATCH',
      `${base.host} speaks HTTPS but was asked in plain HTTP ("${text.trim()}")`,
      { step: 'ping', status: 400 },
    );
  }
  const info = parseErrorBody(res.body, header(res.headers, 'content-type'));
  const cause: Cause =
    res.status === 429 ? 'RATE_LIMITED' : res.status === 407 ? 'PROXY_ERROR' : 'REGISTRY_ERROR';
  const what = res.status === 404 ? 'no registry API at this address' : 'registry API answered with an error';
  return new RegdoctorError(cause, `GET ${base.href}: ${describeStatus(res.status, info)} — ${what}`, {
    step: 'ping',
    status: res.status,
    codes: info.codes,
  });
}
