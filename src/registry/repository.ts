// One repository on one endpoint, as crane's remote sees it: connect (dial + /v2/, shared by the session),
// authorize (every matching credential in order, as the kubelet tries them), then manifests, blobs and — in
// tags.ts and referrers.ts — tag lists and referrers. Every request is charged to the operation's budget, every
// refusal becomes a RegistryError through the one status → cause mapping, and what the client did on the way
// (dial stages, ping, auth, a credential given up) is reported through `onStep`, which is how a probe records its
// waterfall.
import { RegdoctorError } from '../cause/index.ts';
import type { Reference } from '../reference/index.ts';
import { makeStep, type Step, type StepName } from '../result/index.ts';
import type { Budget } from '../transport/budget.ts';
import type { TlsConfig } from '../transport/dial.ts';
import { header, type HttpRequest, type HttpResponse } from '../transport/http.ts';
import { AuthError, type AuthState, type Credential, type PingResult } from './auth.ts';
import type { ManifestCache } from './cache.ts';
import { authSummary, pingSummary, stageSummary } from './describe.ts';
import { apiRoot, endpointUrl, upstreamEndpoint, type Endpoint } from './endpoint.ts';
import {
  describeStatus,
  parseErrorBody,
  pingProblem,
  RegistryError,
  responseError,
  type Operation,
} from './errors.ts';
import { LIMITS } from './limits.ts';
import { MANIFEST_ACCEPT, parseManifest, sha256, type Manifest } from './manifest.ts';
import type { OriginState, Session } from './session.ts';

export interface RepositoryOptions {
  /** Credentials to try, in the order the kubelet would; none: anonymous. */
  credentials?: Credential[];
  /** What this operation may spend; shared by every request made through this repository. */
  budget?: Budget;
  /** Receives each step the client performs on the way (dns, connect, tls, ping, auth, credential rotation). */
  onStep?: (step: Step) => void;
  /** Manifests by digest from earlier operations: a digest found here is not fetched again. */
  manifests?: ManifestCache;
  /** The auth scope asked for; default pull on this repository. */
  scope?: string;
  /** The largest manifest this operation reads (default LIMITS.manifestBytes). */
  manifestBytes?: number;
}

export interface FetchedManifest {
  manifest: Manifest;
  digest: string;
  size: number;
  headerDigest?: string;
  /** The GET's answer; absent when the manifest came from the cache. */
  response?: HttpResponse;
}

export interface Resolved {
  digest: string;
  /** HEAD when the registry answered it with a digest; GET when it had to be asked for the body. */
  method: 'HEAD' | 'GET';
  mediaType?: string;
  size?: number;
  /** The answer that gave the digest (its rate-limit headers, Docker-Content-Digest). */
  response: HttpResponse;
  /** The manifest, when the GET fallback fetched it anyway. */
  fetched?: FetchedManifest;
}

const reported = new WeakSet<object>();

/** True for an error whose step the repository already reported through onStep. */
export function wasReported(err: unknown): boolean {
  return typeof err === 'object' && err !== null && reported.has(err);
}

function report<E extends object>(err: E): E {
  reported.add(err);
  return err;
}

function asError(err: unknown): RegdoctorError {
  return err instanceof RegdoctorError
    ? err
    : new RegdoctorError('UNKNOWN', (err as Error)?.message ?? String(err));
}

const DIGEST = /^sha(256:[a-f0-9]{64}|512:[a-f0-9]{128})$/;

export function isDigest(ref: string): boolean {
  return DIGEST.test(ref);
}

export class Repository {
  readonly root: URL;
  readonly scope: string;
  private remaining: Credential[];
  private state: AuthState | undefined;
  private pinged: Promise<PingResult> | undefined;
  private authorizing: Promise<AuthState> | undefined;
  private ownTls: Promise<TlsConfig | undefined> | undefined;

  constructor(
    readonly session: Session,
    readonly endpoint: Endpoint,
    /** The repository path, e.g. `library/nginx`. */
    readonly name: string,
    private readonly opts: RepositoryOptions = {},
  ) {
    this.root = apiRoot(endpoint);
    this.scope = opts.scope ?? `repository:${name}:pull`;
    this.remaining = opts.credentials ?? [];
  }

  get budget(): Budget | undefined {
    return this.opts.budget;
  }

  /**
   * This repository for another operation: the same endpoint, credentials, connection and authorization, its
   * requests charged to `budget`. A cache that keeps one authorized repository runs each lookup under its own.
   */
  withBudget(budget: Budget): Repository {
    const r = new Repository(this.session, this.endpoint, this.name, { ...this.opts, budget });
    r.remaining = this.remaining;
    r.state = this.state;
    r.pinged = this.pinged;
    r.ownTls = this.ownTls;
    return r;
  }

  /** The credential the current authorization was obtained with (null: anonymous or not yet authorized). */
  get credential(): Credential | null {
    return this.state?.credential ?? null;
  }

  get authState(): AuthState | undefined {
    return this.state;
  }

  url(path: string): URL {
    return endpointUrl(this.endpoint, this.root, `${this.name}/${path}`);
  }

  private emit(
    name: StepName,
    ok: boolean,
    start: number,
    summary: string,
    detail?: Record<string, unknown>,
  ) {
    this.opts.onStep?.(makeStep(name, ok, performance.now() - start, summary, detail));
  }

  private tls(): Promise<TlsConfig | undefined> {
    return (this.ownTls ??= this.session.tlsOf(this.endpoint) ?? Promise.resolve(undefined));
  }

  /** Dial and /v2/ (once per session and endpoint), reported as dns, connect, tls and ping steps. */
  connect(): Promise<PingResult> {
    return (this.pinged ??= this.doConnect());
  }

  private async doConnect(): Promise<PingResult> {
    const t = performance.now();
    let tls: TlsConfig | undefined;
    try {
      tls = await this.tls();
    } catch (err) {
      const e = asError(err);
      this.emit('tls', false, t, e.message, { cause: e.cause });
      throw report(e);
    }
    const own = this.endpoint.headers;
    const headers = own && Object.keys(own).length > 0 ? own : undefined;
    let origin = this.session.origin(this.root, tls, this.opts.budget, undefined, headers);
    let state;
    try {
      const wait = (p: Promise<OriginState>) =>
        this.opts.budget?.race(p, 'ping', `GET ${this.root.href}`) ?? p;
      state = await wait(origin.state);
      // Another operation's deadline ended the shared dial or ping: that says nothing about the registry, so this
      // one dials again under its own.
      if (origin.reused && state.error?.detail.deadlineMs !== undefined) {
        origin = this.session.origin(this.root, tls, this.opts.budget, origin.state, headers);
        state = await wait(origin.state);
      }
    } catch (err) {
      const e = asError(err);
      this.emit('ping', false, t, e.message, { cause: e.cause });
      throw report(e);
    }
    const reused = origin.reused ? { reused: true } : {};
    for (const s of state.stages)
      this.opts.onStep?.(
        makeStep(s.stage, s.ok, origin.reused ? 0 : s.ms, stageSummary(s), { ...s.detail, ...reused }),
      );
    if (state.error && state.error.step !== 'ping') throw report(state.error);
    const failure = state.error ?? pingProblem(state.ping!.response);
    if (failure) {
      const { step: _s, ...detail } = failure.detail;
      this.emit('ping', false, t, failure.message, {
        cause: failure.cause,
        ...detail,
      });
      throw report(failure);
    }
    const ping = state.ping!;
    this.opts.onStep?.(
      makeStep('ping', true, origin.reused ? 0 : ping.ms, pingSummary(ping, this.root), {
        status: ping.status,
        challenges: ping.challenges.map((c) => ({
          scheme: c.scheme,
          realm: c.params.realm,
          service: c.params.service,
        })),
        apiVersion: ping.apiVersion,
        endpoint: this.endpoint.role === 'upstream' ? undefined : this.endpoint.url,
        ...reused,
      }),
    );
    return ping;
  }

  /** An authorization for `scope`, from the first credential the registry accepts; reported as an auth step. */
  authorize(): Promise<AuthState> {
    if (this.state) return Promise.resolve(this.state);
    return (this.authorizing ??= this.doAuthorize().finally(() => (this.authorizing = undefined)));
  }

  private async doAuthorize(): Promise<AuthState> {
    const ping = await this.connect();
    const t = performance.now();
    try {
      const { state, attempts } = await this.session.auth.authorize(
        this.root,
        ping,
        this.scope,
        this.remaining,
        { budget: this.opts.budget, tls: await this.tls() },
      );
      this.state = state;
      this.emit('auth', true, t, authSummary(state, this.scope), {
        scheme: state.kind,
        credential: state.credential?.label ?? 'anonymous',
        attempts,
        ...(state.kind === 'bearer'
          ? { grantedActions: state.grantedActions, expiresIn: state.expiresIn }
          : {}),
      });
      return state;
    } catch (err) {
      if (err instanceof AuthError) {
        this.emit('auth', false, t, err.message, { cause: err.cause, attempts: err.attempts });
        throw report(err);
      }
      const e = asError(err);
      const { step, ...detail } = e.detail;
      this.emit((step as StepName | undefined) ?? 'auth', false, t, e.message, { cause: e.cause, ...detail });
      throw report(e);
    }
  }

  /**
   * One request to this repository, authorized; a 401 or 403 with a credential that is not the last one moves on
   * to the next (reported as a failed `step`), as the kubelet does. An answer `ok` does not accept is thrown as a
   * RegistryError; `what` names the object in its message.
   */
  async request(
    op: Operation,
    what: string,
    step: StepName,
    build: (auth: Record<string, string>) => Omit<HttpRequest, 'step' | 'budget' | 'tls'>,
    ok: (status: number) => boolean = (s) => s === 200,
  ): Promise<HttpResponse> {
    for (;;) {
      const state = await this.authorize();
      const t = performance.now();
      const req = build(state.kind === 'anonymous' ? {} : { authorization: state.header });
      const res = await this.session.transport.request({
        ...req,
        headers: { ...this.endpoint.headers, ...req.headers },
        step,
        budget: this.opts.budget,
        tls: await this.tls(),
      });
      if (ok(res.status)) return res;
      const idx = state.credential ? this.remaining.indexOf(state.credential) : -1;
      if ((res.status === 401 || res.status === 403) && idx >= 0 && idx < this.remaining.length - 1) {
        const info = parseErrorBody(res.body, header(res.headers, 'content-type'));
        this.emit(
          step,
          false,
          t,
          `${describeStatus(res.status, info)} with ${state.credential!.label}; trying the next credential`,
          { status: res.status, codes: info.codes },
        );
        this.remaining = this.remaining.slice(idx + 1);
        this.state = undefined;
        continue;
      }
      throw responseError(res, op, what, step);
    }
  }

  /**
   * Tag or digest → digest with a HEAD, as containerd resolves: a HEAD costs nothing against Docker Hub's pull
   * limit. Falls back to GET, as containerd does, when the answer has no Docker-Content-Digest or is an error
   * (a HEAD answer has no body to say why, and some registries refuse HEAD with 405).
   */
  async resolve(ref: string, step: StepName = 'manifest', what = `${this.name}:${ref}`): Promise<Resolved> {
    let res: HttpResponse;
    try {
      res = await this.request('manifest', what, step, (auth) => ({
        url: this.url(`manifests/${ref}`),
        method: 'HEAD',
        headers: { accept: MANIFEST_ACCEPT, ...auth },
        maxBodyBytes: LIMITS.errorBytes,
      }));
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      return this.resolveByGet(ref, step, what);
    }
    const named = header(res.headers, 'docker-content-digest');
    const digest = isDigest(ref) ? ref : named && isDigest(named) ? named : undefined;
    if (!digest) return this.resolveByGet(ref, step, what);
    const length = Number(header(res.headers, 'content-length'));
    return {
      digest,
      method: 'HEAD',
      mediaType: header(res.headers, 'content-type')?.split(';')[0]?.trim(),
      size: Number.isInteger(length) && length > 0 ? length : undefined,
      response: res,
    };
  }

  private async resolveByGet(ref: string, step: StepName, what: string): Promise<Resolved> {
    const fetched = await this.manifest(ref, step, what);
    return {
      digest: fetched.digest,
      method: 'GET',
      mediaType: fetched.manifest.mediaType,
      size: fetched.size,
      response: fetched.response!,
      fetched,
    };
  }

  /** A manifest (index or image), parsed and checked against its digest; by digest from the cache when there. */
  async manifest(
    ref: string,
    step: StepName = 'manifest',
    what = `${this.name}:${ref}`,
  ): Promise<FetchedManifest> {
    const cached = isDigest(ref) ? this.opts.manifests?.get(ref) : undefined;
    if (cached) return { manifest: cached.manifest, digest: cached.digest, size: cached.size };
    const got = await this.manifestBytes(ref, { step, what });
    const manifest = parseManifest(got.body, header(got.response.headers, 'content-type'));
    const fetched = { manifest, digest: got.digest, size: got.body.length, headerDigest: got.headerDigest };
    this.opts.manifests?.set({ ...fetched, mediaType: manifest.mediaType });
    return { ...fetched, response: got.response };
  }

  /** A manifest's bytes, checked against the digest it was asked by (and the one the registry names). */
  async manifestBytes(
    ref: string,
    opts: { step?: StepName; what?: string; accept?: string; maxBytes?: number } = {},
  ): Promise<{ body: Buffer; digest: string; headerDigest?: string; response: HttpResponse }> {
    const step = opts.step ?? 'manifest';
    const res = await this.request('manifest', opts.what ?? `${this.name}:${ref}`, step, (auth) => ({
      url: this.url(`manifests/${ref}`),
      headers: { accept: opts.accept ?? MANIFEST_ACCEPT, ...auth },
      maxBodyBytes: opts.maxBytes ?? this.opts.manifestBytes ?? LIMITS.manifestBytes,
    }));
    const digest = sha256(res.body);
    const headerDigest = header(res.headers, 'docker-content-digest');
    if (isDigest(ref) && ref !== digest)
      throw new RegdoctorError(
        'REGISTRY_ERROR',
        `registry served a manifest with digest ${digest} for ${ref}`,
        {
          step,
          expected: ref,
          actual: digest,
        },
      );
    if (headerDigest && headerDigest.startsWith('sha256:') && headerDigest !== digest)
      throw new RegdoctorError(
        'REGISTRY_ERROR',
        `Docker-Content-Digest ${headerDigest} does not match the body's digest ${digest}`,
        { step },
      );
    return { body: res.body, digest, headerDigest, response: res };
  }

  /**
   * A blob, or with `readAtMost` its first bytes (a Range request; servers that ignore it are cut off). A 2xx
   * answer is returned for the caller to check; anything else is thrown.
   */
  blob(
    digest: string,
    opts: { maxBytes: number; readAtMost?: number; step: StepName; what?: string },
  ): Promise<HttpResponse> {
    return this.request(
      'blob',
      opts.what ?? `blob ${digest}`,
      opts.step,
      (auth) => ({
        url: this.url(`blobs/${digest}`),
        headers: { ...auth, ...(opts.readAtMost ? { range: `bytes=0-${opts.readAtMost - 1}` } : {}) },
        maxBodyBytes: opts.maxBytes,
        readAtMost: opts.readAtMost,
      }),
      (s) => s === 200 || s === 206,
    );
  }
}

/** A repository of the registry a reference names (or of `endpoint`, a mirror the runtime would use). */
export function repositoryFor(
  session: Session,
  ref: Pick<Reference, 'registry' | 'repository'>,
  opts: RepositoryOptions & { plainHttp?: boolean; endpoint?: Endpoint } = {},
): Repository {
  const { plainHttp, endpoint, ...rest } = opts;
  return new Repository(session, endpoint ?? upstreamEndpoint(ref.registry, plainHttp), ref.repository, rest);
}
