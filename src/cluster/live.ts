// The live source: lists every resource a scan needs through @kubernetes/client-node, page by page, a few
// resources at a time. A resource the user may not list (403) or the server does not serve (404) is skipped with
// the server's own message; bad credentials (401), an unreachable server or a timeout end the whole load, since
// nothing else the server says could be trusted or would arrive.
//
// The client library takes about a second to import, so it is loaded inside load(), never at module top level.
import type * as K8s from '@kubernetes/client-node';
import { ClusterError } from './errors.ts';
import { loadKubeConfig, type KubeconfigChoice, type LoadedConfig } from './kubeconfig.ts';
import { callList, NotAListError, RESPONSE_MAX_BYTES, StatusError, type ListBody } from './live-call.ts';
import { ResponseTooLargeError } from './live-http.ts';
import { SNAPSHOT_MAX_BYTES } from './snapshot-read.ts';
import { qualified, RESOURCES, type Apis, type ResourceDef } from './live-resources.ts';
import { listItems, normalize, type Skipped } from './normalize.ts';
import type { ClusterScope, ClusterSource, ClusterState } from './types.ts';

export interface LiveOptions extends KubeconfigChoice {
  /** Per request, including reading the body (default 30 s, kubectl's order of magnitude). */
  timeoutMs?: number;
  /** Items per page (`limit`); kubectl uses 500. */
  pageSize?: number;
  /** Resources listed at the same time (default 4). */
  concurrency?: number;
  /** First back-off before retrying a 429/5xx (default 500 ms, doubled per retry; Retry-After wins, ≤ 10 s). */
  retryDelayMs?: number;
  /** Bytes of answers for the whole load, every page of every resource (default: a snapshot's budget). */
  maxBytes?: number;
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);
const MAX_RETRIES = 2;
/** A continue token that expired (410) restarts the list from the top, this many times at most. */
const MAX_RESTARTS = 2;

let clientModule: Promise<typeof K8s> | undefined;
const loadClient = (): Promise<typeof K8s> => (clientModule ??= import('@kubernetes/client-node'));

const TRANSPORT_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused (nothing listens at that address and port)',
  ENOTFOUND: "the server's name does not resolve",
  EAI_AGAIN: "the server's name does not resolve (temporary DNS failure)",
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'connecting timed out',
  EPIPE: 'the connection was closed while sending',
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the server's certificate is self-signed and not trusted (check certificate-authority-data in the kubeconfig)",
  SELF_SIGNED_CERT_IN_CHAIN:
    "the server's certificate chain is not trusted (check certificate-authority-data in the kubeconfig)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "the server's certificate is not trusted (check certificate-authority-data in the kubeconfig)",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    "the server's certificate is not trusted (check certificate-authority-data in the kubeconfig)",
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  CERT_NOT_YET_VALID: "the server's certificate is not yet valid",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is for another name",
};

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; errno?: unknown; cause?: { code?: unknown } } | undefined;
  for (const c of [e?.code, e?.errno, e?.cause?.code]) if (typeof c === 'string') return c;
  return undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `tasks` with at most `limit` at once; settles when all have. */
async function pool(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++];
      await t?.();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
}

class Loader {
  private readonly abort = new AbortController();
  private fatal: ClusterError | undefined;
  readonly items: unknown[] = [];
  readonly skipped: Skipped[] = [];
  /** Bytes of answers read so far, against opts.maxBytes. */
  private bytes = 0;

  constructor(
    private readonly k8s: typeof K8s,
    private readonly apis: Apis,
    private readonly cfg: LoadedConfig,
    private readonly opts: Required<
      Pick<LiveOptions, 'timeoutMs' | 'pageSize' | 'retryDelayMs' | 'maxBytes'>
    >,
  ) {}

  private fail(err: ClusterError): void {
    this.fatal ??= err;
    this.abort.abort(err);
  }

  private unauthorized(status: StatusError): ClusterError {
    const said = status.status?.message ? `: ${status.status.message}` : '';
    return new ClusterError(
      'unauthorized',
      `${this.cfg.label}: the API server refused the credentials (401 Unauthorized${said}); ` +
        'log in again (an expired token is the usual reason) or check the user of this context',
    );
  }

  private transport(err: unknown, what: string, timedOut: boolean): ClusterError {
    if (timedOut) {
      return new ClusterError(
        'timeout',
        `${this.cfg.label}: no answer to listing ${what} within ${this.opts.timeoutMs / 1000} s`,
      );
    }
    if (err instanceof ResponseTooLargeError) {
      const budget = this.opts.maxBytes;
      const why =
        err.limit < RESPONSE_MAX_BYTES && this.bytes + err.limit >= budget
          ? `the answers add up to more than ${Math.round(budget / 1024 / 1024)} MiB`
          : err.message;
      return new ClusterError(
        'protocol',
        `${this.cfg.label}: listing ${what}: ${why}; list one namespace (-n), or save a snapshot with kubectl and read it with --snapshot`,
      );
    }
    if (err instanceof NotAListError) {
      const ct = err.contentType ? ` (content-type ${err.contentType})` : '';
      return new ClusterError(
        'protocol',
        `${this.cfg.label}: listing ${what}: ${err.message}${ct}; is the server address a Kubernetes API server?`,
      );
    }
    const code = errorCode(err);
    const message = firstLine(err instanceof Error ? err.message : String(err));
    if (code === undefined && (err as Error)?.name !== 'FetchError') {
      // Raised by the client before sending: an exec credential plugin that failed, plain http without
      // insecure-skip-tls-verify, an unreadable certificate file.
      return new ClusterError('config', `${this.cfg.label}: ${message}`);
    }
    const why = (code && TRANSPORT_CODES[code]) ?? message;
    return new ClusterError('unreachable', `cannot reach the Kubernetes API at ${this.cfg.server}: ${why}`);
  }

  /** One page, retried on 429/5xx. Throws StatusError for other HTTP failures, ClusterError for fatal ones. */
  private async page(def: ResourceDef, ns: string | null, cont: string | undefined): Promise<ListBody> {
    const what = ns === null || !def.namespaced ? qualified(def) : `${qualified(def)} in namespace ${ns}`;
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(this.opts.timeoutMs);
      const signal = AbortSignal.any([this.abort.signal, timeout]);
      try {
        return await callList(
          this.k8s,
          (o) =>
            def.list(
              this.apis,
              ns,
              { limit: this.opts.pageSize, ...(cont !== undefined ? { _continue: cont } : {}) },
              o,
            ),
          {
            signal,
            maxBytes: Math.max(0, Math.min(RESPONSE_MAX_BYTES, this.opts.maxBytes - this.bytes)),
            onBytes: (n) => (this.bytes += n),
          },
        );
      } catch (err) {
        if (this.abort.signal.aborted) throw this.abort.signal.reason;
        if (!(err instanceof StatusError)) throw this.transport(err, what, timeout.aborted);
        if (err.code === 401) throw this.unauthorized(err);
        if (!RETRYABLE.has(err.code) || attempt >= MAX_RETRIES) throw err;
        const delay = Math.min(err.retryAfterMs ?? this.opts.retryDelayMs * 2 ** attempt, 10_000);
        await sleep(delay, this.abort.signal);
      }
    }
  }

  /** Every page of one resource; a 403/404/other HTTP failure becomes a skipped entry. */
  async list(def: ResourceDef, namespace: string | null): Promise<void> {
    const ns = def.namespaced ? namespace : null;
    const collected: unknown[] = [];
    let cont: string | undefined;
    let restarts = 0;
    try {
      for (;;) {
        let body: ListBody;
        try {
          body = await this.page(def, ns, cont);
        } catch (err) {
          if (
            err instanceof StatusError &&
            err.code === 410 &&
            cont !== undefined &&
            restarts < MAX_RESTARTS
          ) {
            restarts++;
            collected.length = 0;
            cont = undefined;
            continue;
          }
          throw err;
        }
        collected.push(
          ...listItems({ kind: body.kind, apiVersion: body.apiVersion, items: body.items ?? [] }),
        );
        const next = body.metadata?.continue || undefined;
        if (next === undefined) break;
        if (next === cont) {
          throw new ClusterError(
            'protocol',
            `${this.cfg.label}: the server repeated a continue token for ${qualified(def)}`,
          );
        }
        cont = next;
      }
      this.items.push(...collected);
    } catch (err) {
      if (err instanceof StatusError) {
        this.skipped.push(this.skip(def, ns, err));
      } else if (err instanceof ClusterError) {
        this.fail(err);
      } else if (!this.abort.signal.aborted) {
        this.fail(this.transport(err, qualified(def), false));
      }
    }
  }

  private skip(def: ResourceDef, ns: string | null, err: StatusError): Skipped {
    const said = err.status?.message ?? (firstLine(err.bodyText.trim()).slice(0, 200) || `HTTP ${err.code}`);
    const what =
      err.code === 403
        ? 'forbidden'
        : err.code === 404
          ? 'not served by this cluster'
          : `HTTP ${err.code}${err.status?.reason ? ` ${err.status.reason}` : ''}`;
    return {
      resource: qualified(def),
      ...(ns !== null ? { namespace: ns } : {}),
      reason: `${what}: ${said}`,
    };
  }

  async run(defs: readonly ResourceDef[], namespace: string | null, concurrency: number): Promise<void> {
    await pool(
      defs.map((d) => () => this.list(d, namespace)),
      concurrency,
    );
    if (this.fatal) throw this.fatal;
  }
}

export function liveSource(opts: LiveOptions = {}): ClusterSource {
  let label: string | undefined;
  const initial = opts.inCluster
    ? 'in-cluster'
    : `kubeconfig ${opts.kubeconfig ?? '(default)'}${opts.context ? `, context "${opts.context}"` : ''}`;
  return {
    describe: () => label ?? initial,
    async defaultNamespace(): Promise<string> {
      return loadKubeConfig(await loadClient(), opts).namespace;
    },
    async load(scope: ClusterScope): Promise<ClusterState> {
      const k8s = await loadClient();
      const cfg = loadKubeConfig(k8s, opts);
      label = cfg.label;
      let apis: Apis;
      try {
        apis = {
          core: cfg.kc.makeApiClient(k8s.CoreV1Api),
          events: cfg.kc.makeApiClient(k8s.EventsV1Api),
          apps: cfg.kc.makeApiClient(k8s.AppsV1Api),
          batch: cfg.kc.makeApiClient(k8s.BatchV1Api),
        };
      } catch (err) {
        throw new ClusterError('config', `${cfg.label}: ${firstLine((err as Error).message)}`);
      }
      const loader = new Loader(k8s, apis, cfg, {
        timeoutMs: opts.timeoutMs ?? 30_000,
        pageSize: opts.pageSize ?? 500,
        retryDelayMs: opts.retryDelayMs ?? 500,
        maxBytes: opts.maxBytes ?? SNAPSHOT_MAX_BYTES,
      });
      const defs = RESOURCES.filter((d) => scope.secrets || !d.secret);
      await loader.run(defs, scope.namespace, opts.concurrency ?? 4);
      return normalize(loader.items, { source: cfg.label, scope, skipped: loader.skipped });
    },
  };
}
