// State shared by every probe in one process: connections, the per-registry dial + ping, and tokens. This is
// what makes probing many images cost one ping and one token per registry/scope, not one per image.
import { Transport, type StageReport, type TransportOptions } from '../transport/http.ts';
import { TransportError, fromSystemError } from '../transport/errors.ts';
import { Authenticator, type PingResult } from '../registry/auth.ts';
import { ping, type listTags } from '../registry/api.ts';
import type { HttpResponse } from '../transport/http.ts';

export interface OriginState {
  stages: StageReport[];
  /** The dial or ping failure, if any; every probe of this origin reports it. */
  error?: TransportError;
  ping?: PingResult & { response: HttpResponse };
}

export class ProbeSession {
  readonly transport: Transport;
  readonly auth: Authenticator;
  private readonly origins = new Map<string, Promise<OriginState>>();
  private readonly tagLists = new Map<string, Promise<Awaited<ReturnType<typeof listTags>>>>();

  constructor(options: TransportOptions) {
    this.transport = new Transport(options);
    this.auth = new Authenticator(this.transport);
  }

  /** Dials and pings `base` once per session; later callers get the same state (and the same failure). */
  origin(base: URL): { state: Promise<OriginState>; reused: boolean } {
    const key = base.href;
    const existing = this.origins.get(key);
    if (existing) return { state: existing, reused: true };
    const state = this.connect(base);
    this.origins.set(key, state);
    return { state, reused: false };
  }

  private async connect(base: URL): Promise<OriginState> {
    const stages: StageReport[] = [];
    try {
      await this.transport.prime(base, (r) => stages.push(r));
    } catch (err) {
      return { stages, error: fromSystemError(err, stages.at(-1)?.stage ?? 'connect', 'connect') };
    }
    try {
      return { stages, ping: await ping(this.transport, base) };
    } catch (err) {
      return { stages, error: fromSystemError(err, 'ping', `GET ${base.href}`) };
    }
  }

  /**
   * A repository's tag list, fetched once per session and identity: a scan of many missing tags in one
   * repository lists its tags once.
   */
  tags(
    base: URL,
    repository: string,
    identity: string,
    fetch: () => ReturnType<typeof listTags>,
  ): ReturnType<typeof listTags> {
    const key = JSON.stringify([base.href, repository, identity]);
    let p = this.tagLists.get(key);
    if (!p) {
      p = fetch();
      this.tagLists.set(key, p);
      p.catch(() => this.tagLists.delete(key));
    }
    return p;
  }

  get requestCount(): number {
    return this.transport.requestCount;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
