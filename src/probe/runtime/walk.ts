// The runtime's endpoints as one source of manifests and blobs. Each read walks them as the runtime does and
// moves on when it would; when every endpoint failed, the failure thrown is the one the runtime reports:
// - containerd (remotes/docker resolver.go, fetcher.go): a tag or digest is resolved on the endpoints with the
//   `resolve` step, any error moving on; before 2.0 the first error that is not a 404 is reported (all 404s: "not
//   found"), from 2.0 the one furthest along (a status over a 404 over a connection error). Content by digest
//   walks every endpoint again, and the first error is reported.
// - CRI-O (containers/image docker_image_src.go): each endpoint in turn must answer the ping and the manifest; the
//   first that does serves everything after, and when none does the last one's error (the registry's own
//   location) is reported, the mirrors' as "Mirrors also failed". Credentials go only to endpoints in the image's
//   own registry domain.
// - dockerd (distribution/pull.go): endpoints in turn; a mirror's failure, or a connection failure anywhere, moves
//   on; the last error is reported.
import { RegdoctorError } from '../../cause/index.ts';
import { RegistryError } from '../../registry/errors.ts';
import { Repository, wasReported, type FetchedManifest, type Resolved } from '../../registry/repository.ts';
import type { Session } from '../../registry/session.ts';
import { makeStep, type RuntimeName, type Step, type StepName } from '../../result/index.ts';
import type { HttpResponse } from '../../transport/http.ts';
import { now, type ProbeContext, type PullSource } from '../context.ts';
import { credentialsAt, fallsBack, type Host } from './hosts.ts';

/** How a failure weighs when the runtime picks the one to report. */
export type FailureKind = 'not-found' | 'status' | 'error' | 'refused';

export interface Failure {
  host: Host;
  /** What was asked: `resolve 1`, `manifest sha256:…`, `layer sha256:…`. */
  what: string;
  err: RegdoctorError;
  kind: FailureKind;
  /** The step the walk recorded for it; null when the client had already reported it. */
  step: Step | null;
}

export interface HostRecord {
  served: string[];
  failures: Failure[];
}

export interface Decision {
  phase: 'resolve' | 'fetch';
  failure: Failure | null;
  failures: Failure[];
  /** What was asked when the walk ran out (the reference, or the digest). */
  object: string;
}

export interface WalkOptions {
  runtime: RuntimeName;
  /** containerd ≥ 2.0 reports the failure furthest along; null: unknown, taken as the newest behaviour. */
  newResolver: boolean;
  session: Session;
}

function kindOf(err: RegdoctorError): FailureKind {
  if (!(err instanceof RegistryError)) return 'error';
  if (err.status === 404) return 'not-found';
  // A 401 after the token dance is containerd's ErrInvalidAuthorization: an error, not a status answer.
  return err.status === 401 ? 'error' : 'status';
}

const asError = (err: unknown): RegdoctorError =>
  err instanceof RegdoctorError ? err : new RegdoctorError('UNKNOWN', (err as Error)?.message ?? String(err));

/** The probe's own allowance ran out: no runtime behaviour applies, the walk stops here. */
const exhausted = (e: RegdoctorError) =>
  e.detail.deadlineMs !== undefined || e.detail.requestLimit !== undefined;

export class Walk implements PullSource {
  readonly records: HostRecord[];
  /** The endpoint that resolved the reference (CRI-O, dockerd: the one every later read goes to). */
  resolvedBy: Host | null = null;
  servedBy: Host | null = null;
  decision: Decision | null = null;
  private readonly repos = new Map<string, Repository>();
  /** The repository each endpoint was last asked through (HTTPS, or its plain-HTTP twin). */
  private readonly lastRepo = new Map<number, Repository>();
  /** Hosts whose HTTPS failed and whose plain-HTTP twin answered. */
  private readonly overHttp = new Set<number>();

  constructor(
    private readonly ctx: ProbeContext,
    readonly hosts: Host[],
    private readonly o: WalkOptions,
  ) {
    this.records = hosts.map(() => ({ served: [], failures: [] }));
  }

  private repoOf(h: Host, http: boolean): Repository {
    const endpoint = http && h.fallback ? h.fallback : h.endpoint;
    const key = `${h.index} ${endpoint.url}`;
    let repo = this.repos.get(key);
    if (!repo) {
      const tag = { endpoint: h.plan.url };
      repo = new Repository(this.o.session, endpoint, h.plan.repository, {
        credentials: credentialsAt(this.o.runtime, h, this.ctx.ref?.registry, this.ctx.candidates),
        budget: this.ctx.budget,
        manifests: this.ctx.opts.manifests,
        onStep: (s) => this.ctx.result.steps.push({ ...s, detail: { ...s.detail, ...tag } }),
      });
      this.repos.set(key, repo);
    }
    this.lastRepo.set(h.index, repo);
    return repo;
  }

  /** One read at one endpoint, over its plain-HTTP twin when HTTPS fails as the runtime falls back on. */
  private async at<T>(
    h: Host,
    read: (repo: Repository) => Promise<T>,
  ): Promise<{ value: T; repo: Repository }> {
    if (h.plan.refused) throw new RegdoctorError('POLICY_REJECTED', h.plan.refused, { step: 'runtime' });
    if (h.unreadable) throw h.unreadable;
    if (this.overHttp.has(h.index)) {
      const repo = this.repoOf(h, true);
      return { value: await read(repo), repo };
    }
    const repo = this.repoOf(h, false);
    try {
      return { value: await read(repo), repo };
    } catch (err) {
      const e = asError(err);
      if (!h.fallback || exhausted(e) || !fallsBack(this.o.runtime, e)) throw err;
      const http = this.repoOf(h, true);
      const value = await read(http);
      this.overHttp.add(h.index);
      return { value, repo: http };
    }
  }

  private label(h: Host): string {
    return `${h.plan.role} ${h.plan.url}`;
  }

  /** Notes a failed read; records it as a step unless the client already reported it. */
  private fail(h: Host, what: string, err: unknown, step: StepName, t: number): Failure {
    const e = asError(err);
    const kind = h.plan.refused ? 'refused' : kindOf(e);
    let recorded: Step | null = null;
    if (!wasReported(err)) {
      const { step: named, ...detail } = e.detail;
      recorded = makeStep(
        (named as StepName | undefined) ?? step,
        false,
        now() - t,
        `${this.label(h)}: ${e.message}`,
        { cause: e.cause, ...detail, endpoint: h.plan.url },
      );
      this.ctx.result.steps.push(recorded);
    }
    const f = { host: h, what, err: e, kind, step: recorded };
    this.records[h.index]!.failures.push(f);
    return f;
  }

  private served(h: Host, what: string, repo: Repository): void {
    this.records[h.index]!.served.push(what);
    this.servedBy = h;
    this.ctx.repo = repo;
    this.ctx.endpoint = h.plan.url;
  }

  /** Whether the runtime tries the next endpoint after this failure in resolving. */
  private movesOn(f: Failure): boolean {
    if (exhausted(f.err)) return false;
    if (this.o.runtime !== 'docker' || f.host.plan.role === 'mirror') return true;
    // dockerd falls back from its own registry only when the registry did not answer with an error code.
    const e = f.err;
    return !(e instanceof RegistryError && e.op !== 'ping' && e.info.codes.length > 0);
  }

  /** The failure the runtime reports once the walk ran out, made the one the probe's step records. */
  private decide(phase: Decision['phase'], failures: Failure[], object: string): RegdoctorError {
    const failure = pick(phase, failures, this.o);
    this.decision = { phase, failure, failures, object };
    if (!failure) {
      const none = `no endpoint ${phase === 'resolve' ? 'resolves' : 'serves'} ${object}`;
      return new RegdoctorError('MANIFEST_NOT_FOUND', none, { step: 'manifest' });
    }
    // Its step is recorded once, by the probe step that reads the error (with the refusal's analysis); the
    // repository it came from is the one that analysis asks (its tag list, its credential).
    if (failure.step) {
      const i = this.ctx.result.steps.indexOf(failure.step);
      if (i >= 0) this.ctx.result.steps.splice(i, 1);
    }
    failure.err.detail.endpoint = failure.host.plan.url;
    this.ctx.endpoint = failure.host.plan.url;
    const repo = this.lastRepo.get(failure.host.index);
    if (repo) this.ctx.repo = repo;
    return failure.err;
  }

  async resolve(ref: string, step: StepName = 'manifest', what = ref): Promise<Resolved> {
    const hosts = this.hosts.filter((h) => h.plan.steps.includes('resolve'));
    const failures: Failure[] = [];
    for (const h of hosts) {
      const t = now();
      try {
        const { value, repo } = await this.at(h, (repo) => this.resolveAt(repo, ref, step, what));
        this.resolvedBy = h;
        this.served(h, `resolve ${ref}`, repo);
        return value;
      } catch (err) {
        const f = this.fail(h, `resolve ${ref}`, err, step, t);
        failures.push(f);
        if (!this.movesOn(f)) break;
      }
    }
    throw this.decide('resolve', failures, ref);
  }

  private async resolveAt(repo: Repository, ref: string, step: StepName, what: string): Promise<Resolved> {
    const r = await repo.resolve(ref, step, what);
    if (this.o.runtime === 'containerd' || r.fetched) return r;
    // containers/image and dockerd choose an endpoint only once its manifest has come back.
    return { ...r, fetched: await repo.manifest(r.digest, step, what) };
  }

  /** Content by digest: containerd asks every endpoint in order; the others only the one chosen. */
  private async content<T>(what: string, step: StepName, read: (repo: Repository) => Promise<T>): Promise<T> {
    const hosts =
      this.o.runtime === 'containerd'
        ? this.hosts.filter((h) => h.plan.steps.includes('fetch'))
        : this.resolvedBy
          ? [this.resolvedBy]
          : [];
    const failures: Failure[] = [];
    for (const h of hosts) {
      const t = now();
      try {
        const { value, repo } = await this.at(h, read);
        this.served(h, what, repo);
        return value;
      } catch (err) {
        const f = this.fail(h, what, err, step, t);
        failures.push(f);
        if (exhausted(f.err)) break;
      }
    }
    throw this.decide('fetch', failures, what);
  }

  manifest(ref: string, step: StepName = 'manifest', what = ref): Promise<FetchedManifest> {
    return this.content(`manifest ${ref}`, step, (repo) => repo.manifest(ref, step, what));
  }

  blob(
    digest: string,
    opts: { maxBytes: number; readAtMost?: number; step: StepName; what?: string },
  ): Promise<HttpResponse> {
    return this.content(opts.what ?? `blob ${digest}`, opts.step, (repo) => repo.blob(digest, opts));
  }
}

/** Which failure of a walk that ran out the runtime reports. */
export function pick(phase: Decision['phase'], failures: Failure[], o: WalkOptions): Failure | null {
  if (failures.length === 0) return null;
  const last = failures.at(-1)!;
  if (o.runtime !== 'containerd' || exhausted(last.err)) return last;
  if (phase === 'fetch') return failures[0]!;
  const missing = failures.filter((f) => f.kind === 'not-found');
  if (!o.newResolver) return failures.find((f) => f.kind !== 'not-found') ?? missing.at(-1)!;
  const weight = (f: Failure) => (f.kind === 'status' ? 3 : f.kind === 'not-found' ? 2 : 1);
  const top = Math.max(...failures.map(weight));
  // "Not found" names no endpoint; the registry's own (last) answer is the one worth a tag list.
  return top === 2 ? missing.at(-1)! : failures.find((f) => weight(f) === top)!;
}
