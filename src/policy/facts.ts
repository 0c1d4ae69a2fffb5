// Registry facts a policy decides on — what a tag resolves to, the platforms an image offers, what each platform
// weighs, whether a trusted key signed it — looked up with the registry client (auth, TLS, proxies, cause codes)
// and kept for a TTL. Concurrent callers asking about the same image share one lookup: an admission request for a
// pod with fifty containers of one image costs one resolution, not fifty. A tag is resolved with a HEAD, and
// manifests are kept by digest across TTLs, so re-checking an unchanged image costs no manifest GET (what Docker
// Hub counts against the pull limit).
import { RegdoctorError } from '../cause/index.ts';
import { captureSecrets, currentRedactor, Redactor } from '../credentials/index.ts';
import { isSelectable, normalizePlatform, type IndexEntry } from '../platform/index.ts';
import type { Reference } from '../reference/index.ts';
import type { CredentialSource } from '../registry/auth.ts';
import { ManifestCache } from '../registry/cache.ts';
import { LIMITS } from '../registry/limits.ts';
import {
  indexEntries,
  isIndex,
  parseImageConfig,
  type ImageManifest,
  type Manifest,
} from '../registry/manifest.ts';
import { repositoryFor, type Repository } from '../registry/repository.ts';
import { createSession, type Session } from '../registry/session.ts';
import { Budget, PROBE_BUDGET } from '../transport/budget.ts';
import type { StageReport } from '../transport/http.ts';
import { BUNDLE_REASON_PRIORITY, worstReason, type BundleReason } from '../verify/bundle.ts';
import { loadPublicKey } from '../verify/key.ts';
import { verifySignatures } from '../verify/signatures.ts';
import {
  currentReview,
  DEFAULT_LOOKUP_LIMITS,
  LookupGate,
  LookupQueueTimeout,
  LookupRefused,
  type LookupLimits,
} from './lookups.ts';

/** How to reach registries; the same knobs as the probe's flags. */
export interface RegistryOptions {
  /** Credentials to try for an image, in order (the CLI's Docker config source); default anonymous. */
  credentials?: CredentialSource;
  /** Extra CA certificates (PEM) to trust. */
  ca?: readonly string[];
  /** Registries (as written in references, e.g. `registry.local:5000`) whose certificate is not verified; true = all. */
  insecure?: boolean | readonly string[];
  /** Registries spoken to over plain HTTP; true = all. */
  plainHttp?: boolean | readonly string[] | ((registry: string) => boolean);
  /** Per-request timeout in ms (default 10 s). */
  timeoutMs?: number;
  /**
   * Wall time of one lookup in all (every request it makes, auth included), in ms: the per-request timeout bounds
   * one wait, this bounds the sum, so a registry that answers each request just in time cannot hold a lookup for
   * minutes. Default the probe's (60 s).
   */
  deadlineMs?: number;
  /** One line per request (credentials already masked). */
  log?: (line: string) => void;
  /**
   * A session the caller owns (the CLI builds one from its registry flags): used as is, never replaced or closed.
   * Without it the engine makes its own and replaces it periodically (see SESSION_MAX_AGE_MS).
   */
  session?: Session;
}

export interface FactsOptions {
  registry: RegistryOptions;
  ttlMs: number;
  now: () => number;
  /** Images kept at most (default MAX_IMAGES), the least recently reviewed going first. */
  maxImages?: number;
  /** Estimated bytes kept at most (default MAX_BYTES), the least recently reviewed going first. */
  maxBytes?: number;
  /** How many images reviews may look up, and at once (lookups.ts); default DEFAULT_LOOKUP_LIMITS. */
  lookups?: Partial<LookupLimits>;
}

/** A platform manifest of the image: an index entry, or the image manifest itself for a single-platform image. */
export interface PlatformManifest {
  digest: string;
  platform: NonNullable<IndexEntry['platform']>;
}

export interface Resolution {
  /** What the reference resolves to (an index or an image manifest). */
  digest: string;
  isIndex: boolean;
  /** Digests of the index's platform manifests (empty for a single manifest). */
  children: string[];
}

export interface SignatureFact {
  verified: boolean;
  digest: string;
  /** Name (or `key N`) of the key that verified. */
  key: string | null;
  reason: BundleReason | null;
  message: string;
}

/** Tokens are cached per session for good (registry/auth.ts); most expire after 60 s to 5 min. */
const SESSION_MAX_AGE_MS = 45_000;
/** A failure is shared by concurrent callers and remembered this long at most, so a recovered registry is seen. */
const ERROR_TTL_MS = 10_000;
/**
 * Bound on cached images; the least recently used go first. Least recently *used*, not oldest: a pod creator who
 * sends reviews of thousands of new image names must not push out the images every other review names (measured:
 * 92 reviews of 64 new tags each evicted the warm images, and ordinary reviews went from p99 7 ms to 2.3 s and 503s).
 */
const MAX_IMAGES = 5_000;
/**
 * Bound on what cached images hold, estimated: IMAGE_BYTES each (measured: 3.8–4.6 KB of heap per image, found or
 * not) plus the raw size of the manifests and the length of the messages they keep. A count alone let one image
 * keep an index and 64 platform manifests of up to 256 KiB each, parsed.
 */
const MAX_BYTES = 48 * 1024 * 1024;
const IMAGE_BYTES = 4096;
/**
 * The largest manifest a lookup reads. Real ones are a few KiB (an index of 64 platforms with their attestations
 * about 80 KiB); parsing a crafted 4 MiB one holds the only thread for half a second, and in the webhook every
 * other review waits that long.
 */
const MANIFEST_BYTES = 256 * 1024;

interface Memo<T> {
  promise: Promise<T>;
  failedAt?: number;
  /** What it holds once settled, estimated (charged to its image). */
  bytes: number;
  /**
   * Secrets learned while computing it (a registry token): a later run (webhook request) given this result masks
   * them too, since an error message it holds may echo them.
   */
  secrets: Redactor;
}

/** Starts `fn` as a memo whose secrets travel with it. */
function startMemo<T>(fn: () => Promise<T>): Memo<T> {
  const secrets = new Redactor();
  return { promise: captureSecrets(secrets, fn), secrets, bytes: 0 };
}

/** Estimated bytes a failure holds: its message, and the error around it. */
const errorBytes = (e: unknown) => 512 + 2 * (e instanceof Error ? e.message.length : String(e).length);

/** A lookup, run under its own budget: every request it makes and every other lookup it waits for. */
type Lookup<T> = (budget: Budget) => Promise<T>;

/** A memo handed to the current run: its secrets become the run's. */
function reuse<T>(m: Memo<T>): Promise<T> {
  currentRedactor().link(m.secrets);
  return m.promise;
}

interface Access {
  repo: Repository;
  /** What the reference resolves to (an index or an image manifest). */
  digest: string;
  session: Session;
  at: number;
}

interface ImageEntry {
  key: string;
  /** The registry as references name it: lookups are bounded per registry. */
  registry: string;
  expires: number;
  /** Estimated bytes it holds (IMAGE_BYTES and its settled memos). */
  bytes: number;
  /** Still in the cache (an evicted entry serves the lookups already given it, and is charged to nothing). */
  cached: boolean;
  resolved?: Memo<{ manifest: Manifest; resolution: Resolution; size: number }>;
  access?: Memo<Access>;
  platforms?: Memo<PlatformManifest[]>;
  manifests: Map<string, Memo<{ manifest: ImageManifest; size: number }>>;
  signatures: Map<string, Memo<SignatureFact>>;
}

/** A normalized key for a reference: registry host case folded, the rest as Docker normalizes it. */
export function imageKey(ref: Reference): string {
  return `${ref.registry.toLowerCase()}/${ref.repository}${ref.tag !== null && ref.digest === null ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

export class RegistryFacts {
  private readonly images = new Map<string, ImageEntry>();
  private readonly sessions: SessionPool;
  private readonly plainHttp: (registry: string) => boolean;
  private readonly manifests = new ManifestCache();
  private readonly gate: LookupGate;
  private bytes = 0;

  constructor(private readonly opts: FactsOptions) {
    this.gate = new LookupGate({ ...DEFAULT_LOOKUP_LIMITS, ...opts.lookups });
    // As many connections to a registry as images of it are looked up at once: a registry that holds some
    // requests (one review's images) still answers another review's on a free connection.
    this.sessions = new SessionPool(opts.registry, opts.now, this.gate.limits.perRegistry);
    const p = opts.registry.plainHttp;
    this.plainHttp =
      typeof p === 'function' ? p : p === true ? () => true : (r) => Array.isArray(p) && p.includes(r);
  }

  /** Tag (or digest) → the manifest digest, and the index's children. */
  async resolve(ref: Reference): Promise<Resolution> {
    return (await this.top(ref)).resolution;
  }

  /** The platforms the image offers: the index's selectable entries, or the single manifest's config platform. */
  platforms(ref: Reference): Promise<PlatformManifest[]> {
    const entry = this.entry(ref);
    const weigh = (list: PlatformManifest[]) => 256 * list.length;
    return this.memo(entry, 'platforms', weigh, async (budget) => {
      const { manifest, resolution } = await budget.race(this.top(ref), 'manifest', ref.original);
      if (isIndex(manifest)) {
        const entries = indexEntries(manifest).filter(isSelectable);
        // Each platform may cost a manifest GET (maxImageSize, minimumSeverity): an index of thousands is refused.
        if (entries.length > LIMITS.indexPlatforms)
          throw new RegdoctorError(
            'REGISTRY_ERROR',
            `the index lists ${entries.length} platforms; at most ${LIMITS.indexPlatforms} are looked at`,
            { step: 'platform' },
          );
        return entries.map((e) => ({ digest: e.digest, platform: normalizePlatform(e.platform) }));
      }
      const config = await this.withAccess(ref, budget, async (a) => {
        const res = await a.repo.blob(manifest.config.digest, {
          maxBytes: LIMITS.configBytes,
          step: 'config',
          what: `config blob ${manifest.config.digest}`,
        });
        return parseImageConfig(res.body);
      });
      const platform = normalizePlatform({
        os: config.os ?? 'unknown',
        architecture: config.architecture ?? 'unknown',
        variant: config.variant,
      });
      return [{ digest: resolution.digest, platform }];
    });
  }

  /** The image manifest with this digest (the resolved one, or a platform manifest of its index). */
  async manifest(ref: Reference, digest: string): Promise<ImageManifest> {
    const { manifest, resolution } = await this.top(ref);
    if (digest === resolution.digest && !isIndex(manifest)) return manifest;
    const entry = this.entry(ref);
    const got = await this.memoIn(
      entry,
      entry.manifests,
      digest,
      (m) => m.size,
      (budget) =>
        this.withAccess(ref, budget, async (a) => {
          const got = await a.repo.manifest(digest, 'platform', `manifest ${digest}`);
          if (isIndex(got.manifest))
            throw new RegdoctorError(
              'REGISTRY_ERROR',
              `${digest} is a nested index; runtimes do not follow it`,
            );
          return { manifest: got.manifest, size: got.size };
        }),
    );
    return got.manifest;
  }

  /** Compressed bytes a node pulls for this platform manifest: its config and layers. */
  async size(ref: Reference, digest: string): Promise<number> {
    const m = await this.manifest(ref, digest);
    return m.config.size + m.layers.reduce((sum, l) => sum + l.size, 0);
  }

  /** Whether any of `keys` signed the resolved digest (classic `.sig` or Sigstore bundle). */
  signatures(ref: Reference, keys: readonly { name?: string; publicKey: string }[]): Promise<SignatureFact> {
    const entry = this.entry(ref);
    const id = keys.map((k) => k.publicKey.trim()).join('\0');
    const weigh = (s: SignatureFact) => 256 + 2 * s.message.length;
    return this.memoIn(entry, entry.signatures, id, weigh, async (budget) => {
      const { resolution } = await budget.race(this.top(ref), 'manifest', ref.original);
      return this.withAccess(ref, budget, async (a) => {
        const reasons: BundleReason[] = [];
        const messages = new Map<BundleReason, string>();
        let failure: unknown;
        for (const [i, k] of keys.entries()) {
          const label = k.name ?? `key ${i + 1}`;
          let r;
          try {
            r = await verifySignatures(a.repo, a.digest, loadPublicKey(k.publicKey, label), 'any');
          } catch (err) {
            failure ??= err;
            continue;
          }
          if (r.verified)
            return {
              verified: true,
              digest: resolution.digest,
              key: label,
              reason: null,
              message: r.message,
            };
          const reason = r.reason ?? 'no signature';
          reasons.push(reason);
          if (!messages.has(reason))
            messages.set(reason, keys.length > 1 ? `${label}: ${r.message}` : r.message);
        }
        // A key that could not be checked leaves the question open: the registry failure, not a verdict.
        if (failure !== undefined) throw failure;
        const reason = worstReason(reasons, BUNDLE_REASON_PRIORITY) ?? 'no signature';
        return {
          verified: false,
          digest: resolution.digest,
          key: null,
          reason,
          message: messages.get(reason) ?? reason,
        };
      });
    });
  }

  /** Images cached, their estimated bytes, and images being looked up or waiting for a slot (tests, logs). */
  state(): { images: number; bytes: number; lookups: { active: number; waiting: number } } {
    return { images: this.images.size, bytes: this.bytes, lookups: this.gate.state() };
  }

  close(): void {
    for (const e of this.images.values()) e.cached = false;
    this.images.clear();
    this.bytes = 0;
    this.sessions.close();
  }

  private top(ref: Reference): Promise<{ manifest: Manifest; resolution: Resolution; size: number }> {
    const entry = this.entry(ref);
    const weigh = (t: { size: number; resolution: Resolution }) =>
      t.size + 100 * t.resolution.children.length;
    return this.memo(entry, 'resolved', weigh, async (budget) => {
      const access = await budget.race(this.freshAccess(ref, entry), 'manifest', ref.original);
      const got = await this.sessions.use(access.session, async () => {
        const repo = access.repo.withBudget(budget);
        return repo.manifest(access.digest, 'manifest', `manifest ${access.digest}`);
      });
      const manifest = got.manifest;
      const children = isIndex(manifest) ? indexEntries(manifest).map((e) => e.digest) : [];
      return {
        manifest,
        resolution: { digest: access.digest, isIndex: isIndex(manifest), children },
        size: got.size,
      };
    });
  }

  /**
   * Runs `fn` with an authorization that is still fresh (probing again when the last one is too old), its
   * requests charged to `budget`.
   */
  private async withAccess<T>(
    ref: Reference,
    budget: Budget,
    fn: (access: Access) => Promise<T>,
  ): Promise<T> {
    const a = await budget.race(this.freshAccess(ref, this.entry(ref)), 'manifest', ref.original);
    return this.sessions.use(a.session, () => fn({ ...a, repo: a.repo.withBudget(budget) }));
  }

  private freshAccess(ref: Reference, entry: ImageEntry): Promise<Access> {
    const current = entry.access;
    if (current && current.failedAt === undefined) {
      return current.promise.then((a) => {
        if (this.sessions.isCurrent(a.session) && this.opts.now() - a.at < SESSION_MAX_AGE_MS) return a;
        // Once resolved, probe the digest: a tag moved meanwhile must not change what these facts are about.
        this.discharge(entry, entry.access);
        entry.access = undefined;
        return this.freshAccess(entry.resolved ? pinned(ref, a.digest) : ref, entry);
      });
    }
    return this.memo(
      entry,
      'access',
      () => 2048,
      (budget) => this.probe(ref, budget),
    );
  }

  /** Resolves the reference (a HEAD) on the current session, with the first credential the registry accepts. */
  private async probe(ref: Reference, budget: Budget): Promise<Access> {
    const session = this.sessions.current();
    try {
      return await this.sessions.use(session, async () => {
        const source = this.opts.registry.credentials;
        const repo = repositoryFor(session, ref, {
          credentials: source ? (await source(ref)).candidates : [],
          plainHttp: this.plainHttp(ref.registry),
          manifests: this.manifests,
          manifestBytes: MANIFEST_BYTES,
          budget,
        });
        const { digest } = await repo.resolve(ref.digest ?? ref.tag ?? 'latest', 'manifest', ref.original);
        return { repo, digest, session, at: this.opts.now() };
      });
    } catch (err) {
      // A dial or ping failure is remembered by the session for good; the next lookup needs a new one. Any other
      // failure (a missing tag, a denial) is the image's: a new session for each would dial and ping the
      // registry again for every new name a review sends (measured: 19 pings for 20 missing tags).
      if (DIAL_STEPS.has((err as RegdoctorError)?.detail?.step as string)) this.sessions.discard(session);
      const e = err instanceof RegdoctorError ? err : new RegdoctorError('UNKNOWN', String(err));
      throw new RegdoctorError(e.cause, e.message, { reference: ref.original });
    }
  }

  private entry(ref: Reference): ImageEntry {
    const key = imageKey(ref);
    const now = this.opts.now();
    let e = this.images.get(key);
    if (e) {
      // Taken out either way: expired, it is replaced; alive, it goes back in as the most recently used.
      this.images.delete(key);
      if (e.expires <= now) {
        this.uncache(e);
        e = undefined;
      }
    }
    if (!e) {
      e = {
        key,
        registry: ref.registry.toLowerCase(),
        expires: now + this.opts.ttlMs,
        bytes: IMAGE_BYTES + 2 * key.length,
        cached: true,
        manifests: new Map(),
        signatures: new Map(),
      };
      this.bytes += e.bytes;
    }
    this.images.set(key, e);
    this.evict();
    return e;
  }

  /** The least recently used images go while there are too many or they hold too much. */
  private evict(): void {
    const maxImages = this.opts.maxImages ?? MAX_IMAGES;
    const maxBytes = this.opts.maxBytes ?? MAX_BYTES;
    while (this.images.size > maxImages || (this.bytes > maxBytes && this.images.size > 0)) {
      const oldest = this.images.values().next().value!;
      this.images.delete(oldest.key);
      this.uncache(oldest);
    }
  }

  private uncache(e: ImageEntry): void {
    if (!e.cached) return;
    e.cached = false;
    this.bytes -= e.bytes;
  }

  /** Charges what a settled memo holds to its image (and the cache, while the image is in it). */
  private charge(entry: ImageEntry, m: Memo<unknown>, bytes: number): void {
    m.bytes = bytes;
    entry.bytes += bytes;
    if (entry.cached) {
      this.bytes += bytes;
      this.evict();
    }
  }

  /** A memo replaced by a new lookup no longer counts. */
  private discharge(entry: ImageEntry, m: Memo<unknown> | undefined): void {
    if (!m) return;
    entry.bytes -= m.bytes;
    if (entry.cached) this.bytes -= m.bytes;
    m.bytes = 0;
  }

  /**
   * Starts a lookup of `entry`'s image: within the current review's budget of new images (null when over it),
   * under the image's slot (lookups.ts), and under one budget whose deadline covers the wait for the slot too.
   */
  private begin<T>(entry: ImageEntry, weigh: (v: T) => number, fn: Lookup<T>): Memo<T> | null {
    const review = currentReview();
    if (review && !review.admitted.has(entry.key)) {
      if (review.admitted.size >= this.gate.limits.newPerReview) return null;
      review.admitted.add(entry.key);
    }
    const m: Memo<T> = startMemo(async () => {
      const budget = this.budget();
      const release = await this.gate.enter(entry.key, entry.registry, review ?? null, budget.remainingMs());
      try {
        return await fn(budget);
      } finally {
        release();
      }
    });
    m.promise.then(
      (v) => this.charge(entry, m, weigh(v)),
      (err: unknown) => {
        // A wait for a slot says nothing about the registry: the next review tries again.
        m.failedAt = err instanceof LookupQueueTimeout ? -Infinity : this.opts.now();
        this.charge(entry, m, errorBytes(err));
      },
    );
    return m;
  }

  private memo<K extends 'resolved' | 'access' | 'platforms'>(
    entry: ImageEntry,
    key: K,
    weigh: (v: NonNullable<ImageEntry[K]> extends Memo<infer T> ? T : never) => number,
    fn: Lookup<NonNullable<ImageEntry[K]> extends Memo<infer T> ? T : never>,
  ): Promise<NonNullable<ImageEntry[K]> extends Memo<infer T> ? T : never> {
    type T = NonNullable<ImageEntry[K]> extends Memo<infer U> ? U : never;
    const slot = entry as unknown as Record<K, Memo<T> | undefined>;
    return this.lookup(entry, slot[key], (m) => (slot[key] = m), weigh, fn);
  }

  private memoIn<T>(
    entry: ImageEntry,
    map: Map<string, Memo<T>>,
    key: string,
    weigh: (v: T) => number,
    fn: Lookup<T>,
  ): Promise<T> {
    return this.lookup(entry, map.get(key), (m) => map.set(key, m), weigh, fn);
  }

  /** `existing` while it is fresh; else a new lookup of the image, kept by `keep`, in place of `existing`. */
  private lookup<T>(
    entry: ImageEntry,
    existing: Memo<T> | undefined,
    keep: (m: Memo<T>) => void,
    weigh: (v: T) => number,
    fn: Lookup<T>,
  ): Promise<T> {
    if (existing && !this.stale(existing)) return reuse(existing);
    const m = this.begin(entry, weigh, fn);
    if (!m) return Promise.reject(new LookupRefused(this.gate.limits.newPerReview));
    this.discharge(entry, existing);
    keep(m);
    return m.promise;
  }

  /** A new lookup's budget: the probe's, with the caller's deadline. */
  private budget(): Budget {
    const deadlineMs = this.opts.registry.deadlineMs ?? PROBE_BUDGET.deadlineMs;
    return new Budget({ ...PROBE_BUDGET, deadlineMs });
  }

  private stale(m: Memo<unknown>): boolean {
    return (
      m.failedAt !== undefined && this.opts.now() - m.failedAt >= Math.min(ERROR_TTL_MS, this.opts.ttlMs)
    );
  }
}

/** Steps whose failure a session remembers for good (registry/session.ts origin state: the dial's stages, the ping). */
const DIAL_STEPS: ReadonlySet<string> = new Set<StageReport['stage'] | 'ping'>([
  'dns',
  'connect',
  'tls',
  'ping',
]);

function pinned(ref: Reference, digest: string): Reference {
  return { ...ref, tag: null, digest, original: `${ref.registry}/${ref.repository}@${digest}` };
}

/** Sessions: one current, replaced when old or broken; a replaced one is closed once nobody uses it. */
class SessionPool {
  private cur: { session: Session; born: number } | null = null;
  private readonly users = new Map<Session, number>();
  private readonly retired = new Set<Session>();
  private closed = false;

  constructor(
    private readonly registry: RegistryOptions,
    private readonly now: () => number,
    private readonly connectionsPerOrigin: number,
  ) {}

  current(): Session {
    if (this.closed) throw new Error('policy engine closed');
    if (this.registry.session) return this.registry.session;
    if (this.cur && this.now() - this.cur.born >= SESSION_MAX_AGE_MS) this.retire(this.cur.session);
    if (!this.cur) this.cur = { session: this.create(), born: this.now() };
    return this.cur.session;
  }

  isCurrent(session: Session): boolean {
    if (this.registry.session) return true;
    return this.cur?.session === session && this.now() - this.cur.born < SESSION_MAX_AGE_MS;
  }

  discard(session: Session): void {
    if (this.cur?.session === session) this.retire(session);
  }

  async use<T>(session: Session, fn: () => Promise<T>): Promise<T> {
    this.users.set(session, (this.users.get(session) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      const n = (this.users.get(session) ?? 1) - 1;
      if (n > 0) this.users.set(session, n);
      else {
        this.users.delete(session);
        if (this.retired.delete(session)) void session.close();
      }
    }
  }

  close(): void {
    this.closed = true;
    if (this.cur) this.retire(this.cur.session);
  }

  private retire(session: Session): void {
    if (this.registry.session === session) return;
    if (this.cur?.session === session) this.cur = null;
    if (this.users.has(session)) this.retired.add(session);
    else void session.close();
  }

  private create(): Session {
    const r = this.registry;
    return createSession({
      timeoutMs: r.timeoutMs,
      ca: r.ca,
      insecure: r.insecure,
      log: r.log,
      connectionsPerOrigin: this.connectionsPerOrigin,
    });
  }
}
