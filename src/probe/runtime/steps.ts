// The probe as a node's container runtime pulls: its configuration read from the node root (the endpoints in its
// order, the problems that stop it), its endpoints walked for the manifest and content through the proxy of its
// own service, its signature policy applied once the manifest is in; and at the end, what happened at each
// endpoint and the failure as the runtime reports it.
import type { Cause } from '../../cause/index.ts';
import type { ProbeResult, RuntimeEndpointResult, RuntimeReport } from '../../result/index.ts';
import { envOf, planPull, proxyEnvOf, rootedFs, type PullPlan } from '../../runtime/index.ts';
import { before, parseVersion } from '../../runtime/version.ts';
import { failWith, now, refOf, Stop, type ProbeContext } from '../context.ts';
import { blob } from '../steps/blob.ts';
import { config } from '../steps/config.ts';
import { manifest } from '../steps/manifest.ts';
import { platform } from '../steps/platform.ts';
import { credentials, reference } from '../steps/reference.ts';
import { hostsOf } from './hosts.ts';
import { reportedFailure } from './reported.ts';
import { Walk, type HostRecord } from './walk.ts';

/** containerd before 2.0 reports the first failure that is not a 404; 2.0 the one furthest along. */
function versionOf(plan: PullPlan) {
  const v = parseVersion(plan.version);
  return {
    // Unknown versions are taken as the newest behaviour.
    priorityPick: plan.runtime === 'containerd' && (!v || !before(v, [2, 0, 0])),
    statusWording: !v || !before(v, [1, 7, 0]),
  };
}

export async function runtimePlan(ctx: ProbeContext): Promise<void> {
  const t = now();
  const ref = refOf(ctx);
  const fs = rootedFs(ctx.opts.nodeRoot ?? '/');
  let plan: PullPlan;
  try {
    plan = await planPull(fs, ctx.image, {
      runtime: ctx.opts.runtime,
      version: ctx.opts.runtimeVersion ?? null,
    });
  } catch (err) {
    throw failWith(ctx, 'runtime', t, err);
  }
  ctx.node = { plan, reported: null };
  const name = `${plan.runtime}${plan.version ? ` ${plan.version}` : ''}`;
  const detail = { runtime: plan.runtime, version: plan.version, configFiles: plan.configFiles };
  const stop = plan.findings.find((f) => f.stops === 'before-request');
  if (stop || !plan.endpoints.length) {
    const msg = stop
      ? `${name} refuses the pull before any request: ${stop.message}`
      : `${name} has no endpoint to pull ${plan.image} from`;
    ctx.node.reported = stop?.reported ?? stop?.message ?? msg;
    ctx.record('runtime', false, now() - t, msg, { cause: stop?.cause ?? 'UNKNOWN', ...detail });
    throw new Stop(stop?.cause ?? 'UNKNOWN', msg, { remediation: stop ? [stop.fix] : [] });
  }
  const mirrors = plan.endpoints.filter((e) => e.role === 'mirror').length;
  ctx.record(
    'runtime',
    true,
    now() - t,
    `${name}: ${plan.endpoints.length} endpoint${plan.endpoints.length === 1 ? '' : 's'} for ${ref.registry}${mirrors ? ` (${mirrors} mirror${mirrors === 1 ? '' : 's'} first)` : ''}`,
    { ...detail, endpoints: plan.endpoints.map((e) => e.url) },
  );
  const { priorityPick } = versionOf(plan);
  ctx.source = new Walk(ctx, await hostsOf(plan.endpoints, fs), {
    runtime: plan.runtime,
    newResolver: priorityPick,
    // The runtime's service environment decides which hops its requests take, not this process's.
    session: ctx.session.withProxyEnv(proxyEnvOf(envOf(plan.environment))),
  });
}

/** A signature policy (CRI-O's policy.json) is applied once the manifest is read, before any layer. */
export async function runtimePolicy(ctx: ProbeContext): Promise<void> {
  const plan = ctx.node?.plan;
  const stop = plan?.findings.find((f) => f.stops === 'after-manifest');
  if (!plan || !stop) return;
  const t = now();
  ctx.node!.reported = `Source image rejected: Running image docker://${plan.image} is rejected by policy.`;
  const msg = `${plan.runtime} downloads the manifest, then refuses the image: ${stop.message}`;
  ctx.record('runtime', false, now() - t, msg, { cause: stop.cause ?? 'POLICY_REJECTED', from: stop.from });
  throw new Stop(stop.cause ?? 'POLICY_REJECTED', msg, { remediation: [stop.fix] });
}

export const RUNTIME_STEPS: readonly ((ctx: ProbeContext) => Promise<void>)[] = [
  reference,
  credentials,
  runtimePlan,
  manifest,
  runtimePolicy,
  platform,
  config,
  blob,
];

/** `sha256:` and 12 hex digits are enough to tell digests apart in a one-line summary. */
const short = (what: string) => what.replace(/(sha256:[0-9a-f]{12})[0-9a-f]{52}/g, '$1…');

/** Reads that failed the same way, said once: `manifest sha256:…, layer sha256:…: HTTP 503 …`. */
function failures(rec: HostRecord): string {
  const byMessage = new Map<string, string[]>();
  for (const f of rec.failures)
    byMessage.set(f.err.message, [...(byMessage.get(f.err.message) ?? []), short(f.what)]);
  return [...byMessage].map(([msg, whats]) => `${whats.join(', ')}: ${msg}`).join('; ');
}

function endpointResult(
  e: PullPlan['endpoints'][number],
  rec: HostRecord | undefined,
  servedBy: string | null,
  runtime: string,
): RuntimeEndpointResult {
  const base = { url: e.url, role: e.role, from: e.from };
  const cause: Cause | null = rec?.failures[0]?.err.cause ?? null;
  if (e.refused) return { ...base, outcome: 'refused', cause: 'POLICY_REJECTED', summary: e.refused };
  if (rec?.served.length)
    return {
      ...base,
      outcome: 'served',
      cause,
      summary: `served ${rec.served.map(short).join(', ')}${rec.failures.length ? `; failed ${failures(rec)}` : ''}`,
    };
  if (rec?.failures.length) return { ...base, outcome: 'failed', cause, summary: failures(rec) };
  return {
    ...base,
    outcome: 'not-tried',
    cause: null,
    summary: servedBy
      ? `not needed: ${servedBy} answered first`
      : `not reached: ${runtime} stopped before its turn`,
  };
}

/** What happened at each endpoint, and the failure as the runtime reports it. */
export function runtimeReport(ctx: ProbeContext, result: ProbeResult): RuntimeReport | undefined {
  const node = ctx.node;
  if (!node) return undefined;
  const { plan } = node;
  const walk = ctx.source instanceof Walk ? ctx.source : null;
  if (walk?.decision && result.cause !== null && node.reported === null)
    node.reported = reportedFailure(walk.decision, {
      runtime: plan.runtime,
      newResolver: versionOf(plan).statusWording,
      image: plan.image,
    });
  const servedBy = result.cause === null ? (walk?.servedBy?.plan.url ?? null) : null;
  return {
    name: plan.runtime,
    version: plan.version,
    configFiles: plan.configFiles,
    endpoints: plan.endpoints.map((e, i) =>
      endpointResult(e, walk?.records[i], walk?.servedBy?.plan.url ?? null, plan.runtime),
    ),
    resolvedBy: walk?.resolvedBy?.plan.url ?? null,
    servedBy,
    findings: plan.findings,
    reported: result.cause === null ? null : (node.reported ?? result.summary),
  };
}

/** The fixes of configuration problems that lead to the cause the probe found, first. */
export function configFixes(ctx: ProbeContext, cause: Cause): string[] {
  return (ctx.node?.plan.findings ?? []).filter((f) => f.cause === cause && !f.stops).map((f) => f.fix);
}
