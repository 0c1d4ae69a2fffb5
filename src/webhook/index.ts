// The webhook as one running thing: policies (from files, or watched in the cluster), their evaluator and the
// HTTPS server. The CLI adds flags and signals; tests and the benchmark start it in-process.
import type { KubeconfigChoice } from '../cluster/kubeconfig.ts';
import { loadPolicies } from '../policy/load.ts';
import {
  engineEvaluator,
  localEvaluator,
  PolicySet,
  type EngineEvaluatorOptions,
  type EvaluatorFactory,
} from './evaluator.ts';
import { DECISION_TIMEOUT_MS, startWebhookServer, type ServerLimits, type WebhookServer } from './server.ts';
import type { TlsFiles } from './tls.ts';
import { watchImagePolicies, type PolicyWatch } from './watch.ts';

export { BODY_LIMIT_BYTES } from './server.ts';
export { WORKLOAD_KINDS } from './review.ts';
export type { EngineEvaluatorOptions, Evaluator, EvaluatorFactory } from './evaluator.ts';

export interface WebhookOptions extends ServerLimits {
  host?: string;
  port?: number;
  tls: TlsFiles;
  /** ImagePolicy files or directories, read once at start (exactly one of policyFiles and cluster). */
  policyFiles?: string[];
  /** Watch ImagePolicy objects in this cluster. */
  cluster?: KubeconfigChoice & { retryDelayMs?: number; watchTimeoutSeconds?: number };
  /**
   * Evaluate with the policy engine (registry rules, vulnerabilities) over one registry cache that lives as long
   * as the webhook, across policy changes. Exclusive with `evaluator`.
   */
  engine?: EngineEvaluatorOptions;
  /** A custom evaluator; without it and without `engine`, the local evaluator (no registry lookups). */
  evaluator?: EvaluatorFactory;
  decisionTimeoutMs?: number;
  tlsReloadIntervalMs?: number;
  bodyLimitBytes?: number;
  log?: (line: string) => void;
}

export interface Webhook {
  url: string;
  port: number;
  policies: PolicySet;
  /** Policies loaded (for the cluster: the first list succeeded). */
  ready(): boolean;
  /** Resolves once ready. */
  readonly synced: Promise<void>;
  server: WebhookServer;
  watch: PolicyWatch | null;
  /** Graceful: stop accepting, finish requests in flight (up to graceMs), stop watching. */
  close(graceMs?: number): Promise<void>;
}

/**
 * Registry lookups end at twice the decision timeout. The review that started one has its 503 by then; the rest
 * lets a slow but working registry still fill the cache for the next review of the image, and the limit means an
 * attacker's stalled lookups cannot pile up sockets and memory.
 */
function withLookupDeadline(engine: EngineEvaluatorOptions, decisionMs: number): EngineEvaluatorOptions {
  const deadlineMs = engine.registry?.deadlineMs ?? 2 * decisionMs;
  return { ...engine, registry: { ...engine.registry, deadlineMs } };
}

export async function startWebhook(opts: WebhookOptions): Promise<Webhook> {
  const log = opts.log ?? (() => undefined);
  if ((opts.policyFiles?.length ? 1 : 0) + (opts.cluster ? 1 : 0) !== 1) {
    throw new Error('startWebhook needs exactly one of policyFiles and cluster');
  }
  if (opts.engine && opts.evaluator) throw new Error('startWebhook takes engine or evaluator, not both');
  const decisionTimeoutMs = opts.decisionTimeoutMs ?? DECISION_TIMEOUT_MS;
  const shared = opts.engine ? engineEvaluator(withLookupDeadline(opts.engine, decisionTimeoutMs)) : null;
  const policies = new PolicySet(shared?.factory ?? opts.evaluator ?? localEvaluator);
  const closeEvaluation = async () => {
    await policies.close();
    shared?.close();
  };
  let watch: PolicyWatch | null = null;
  let synced: Promise<void>;
  if (opts.policyFiles?.length) {
    try {
      policies.set(await loadPolicies(opts.policyFiles));
    } catch (err) {
      await closeEvaluation();
      throw err;
    }
    synced = Promise.resolve();
  } else {
    try {
      watch = await watchImagePolicies({
        ...opts.cluster,
        log,
        onChange: (list) => {
          policies.set(list);
          log(
            `${list.length} ImagePolic${list.length === 1 ? 'y' : 'ies'} in force: ${list.map((p) => p.name).join(', ') || '(none)'}`,
          );
        },
      });
    } catch (err) {
      await closeEvaluation();
      throw err;
    }
    synced = watch.synced;
  }
  const ready = () => policies.policies !== null && (watch?.isSynced() ?? true);
  let server: WebhookServer;
  try {
    server = await startWebhookServer({
      tls: opts.tls,
      policies,
      ready,
      port: opts.port,
      host: opts.host,
      decisionTimeoutMs,
      requestTimeoutMs: opts.requestTimeoutMs,
      headersTimeoutMs: opts.headersTimeoutMs,
      handshakeTimeoutMs: opts.handshakeTimeoutMs,
      maxConnections: opts.maxConnections,
      maxConnectionsPerAddress: opts.maxConnectionsPerAddress,
      bodyBudgetBytes: opts.bodyBudgetBytes,
      largeBodyBytes: opts.largeBodyBytes,
      tlsReloadIntervalMs: opts.tlsReloadIntervalMs,
      bodyLimitBytes: opts.bodyLimitBytes,
      log,
    });
  } catch (err) {
    watch?.stop();
    await closeEvaluation();
    throw err;
  }
  return {
    url: server.url,
    port: server.port,
    policies,
    ready,
    synced,
    server,
    watch,
    async close(graceMs) {
      await server.close(graceMs);
      watch?.stop();
      await closeEvaluation();
    },
  };
}
