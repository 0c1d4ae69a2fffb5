// The policy engine: the pure, synchronous rules of evaluate.ts plus the rules that need registry facts
// (requiredSignatures, maxImageSize, allowedPlatforms) and vulnerability data (minimumSeverity). The CLI and the
// admission webhook both use it; facts are cached per image (facts.ts), so a warm webhook answers from memory.
//
// Outcomes that are not a plain pass or fail, decided here once for every caller (docs/policy.md):
//   - a registry failure while looking a fact up is a violation of the rule that needed it, in the policy's mode,
//     carrying the failure's cause code (`cause`): an unverifiable requirement is an unmet one;
//   - no vulnerability report for the image: `spec.noVulnerabilityData` (allow: nothing; warn: a warn-mode
//     violation; deny: a violation in the policy's mode);
//   - no vulnerability data given at all (`vulnerabilities` undefined): minimumSeverity stays a note;
//   - offline: no registry lookups; the registry rules stay notes, as `evaluate` reports them;
//   - an image that an applying policy's allowedRegistries refuse (in either mode) is never looked up: that
//     policy's own registry rules add nothing to its allowedRegistries violation, and another policy's registry
//     rules are unmet (a violation in that policy's mode, cause POLICY_REJECTED) — unverifiable, as above. So a
//     pod creator cannot make the engine connect to a host:port of their choosing past an allow-list.
//   - in the webhook, an image past the review's budget of new images (lookups.ts) is never looked up either:
//     its registry rules are unmet, cause POLICY_REJECTED, and the message says why (LookupRefused).
import { RegdoctorError, type Cause } from '../cause/index.ts';
import { fmtBytes } from '../inspect/index.ts';
import { formatPlatform, parsePlatform, selectPlatform, type IndexEntry } from '../platform/index.ts';
import { formatReference, type Reference } from '../reference/index.ts';
import {
  SEVERITIES,
  type Severity,
  type Vulnerability,
  type VulnerabilityIndex,
  type VulnerabilityReport,
} from '../vuln/types.ts';
import {
  evaluateLocal,
  pending,
  type EvaluateOptions,
  type Evaluation,
  type Note,
  type PolicyObject,
  type Rule,
  type Target,
  type Violation,
} from './evaluate.ts';
import { RegistryFacts, type PlatformManifest, type RegistryOptions } from './facts.ts';
import { matchesPattern } from './glob.ts';
import { LookupRefused, type LookupLimits } from './lookups.ts';
import type { ImagePolicy } from './model.ts';

export { RegistryFacts, type RegistryOptions } from './facts.ts';

export interface PolicyEngineOptions {
  policies: readonly ImagePolicy[];
  /** How to reach registries (credentials, CA, insecure, plain HTTP, timeout). */
  registry?: RegistryOptions;
  /** Vulnerability reports; without them minimumSeverity is reported as a note. */
  vulnerabilities?: VulnerabilityIndex;
  /** How long registry facts are reused. Default 5 minutes. */
  cacheTtlMs?: number;
  /** No registry lookups: registry rules stay notes. */
  offline?: boolean;
  /** Clock for cache expiry (tests); default Date.now. */
  now?: () => number;
  /** How many images reviews may look up, and at once (lookups.ts); default DEFAULT_LOOKUP_LIMITS. */
  lookups?: Partial<LookupLimits>;
  /**
   * A cache the caller owns and shares between engines (the webhook keeps one across policy changes): used
   * instead of one built from registry/cacheTtlMs/now, and never closed by close().
   */
  facts?: RegistryFacts;
}

export interface PolicyEngine {
  evaluate(obj: PolicyObject, options?: EvaluateOptions): Promise<Evaluation>;
  close(): void;
}

export const DEFAULT_CACHE_TTL_MS = 5 * 60_000;
/** Vulnerabilities named in a message; the count says how many more there are. */
const LISTED_VULNERABILITIES = 5;

/** The registry cache an engine builds for itself, or a caller builds to share between engines. */
export function createFacts(
  opts: Pick<PolicyEngineOptions, 'registry' | 'cacheTtlMs' | 'now' | 'lookups'>,
): RegistryFacts {
  return new RegistryFacts({
    registry: opts.registry ?? {},
    ttlMs: opts.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS,
    now: opts.now ?? Date.now,
    ...(opts.lookups ? { lookups: opts.lookups } : {}),
  });
}

export function createPolicyEngine(opts: PolicyEngineOptions): PolicyEngine {
  const policies = [...opts.policies];
  const offline = opts.offline ?? false;
  const owned = !offline && opts.facts === undefined;
  const facts = offline ? null : (opts.facts ?? createFacts(opts));
  const vulns = opts.vulnerabilities;

  return {
    async evaluate(obj, options = {}) {
      const { evaluation, targets } = evaluateLocal(policies, obj, options);
      const applied = [...new Set(targets.map((t) => t.policy))];
      for (const policy of applied) evaluation.notes.push(...notesFor(policy, facts === null, vulns));
      if (facts === null && vulns !== undefined) {
        const unpinned = new Set(
          targets
            .filter((t) => t.policy.minimumSeverity !== null && t.ref?.digest === null)
            .map((t) => t.policy),
        );
        for (const policy of unpinned)
          evaluation.notes.push({
            policy: policy.name,
            rule: 'minimumSeverity',
            message: 'not evaluated for images without a digest: offline, their tags cannot be resolved',
          });
      }
      const found = await Promise.all(targets.map((t) => checkTarget(t, facts, vulns)));
      for (const list of found) evaluation.violations.push(...list);
      return evaluation;
    },
    close() {
      if (owned) facts?.close();
    },
  };
}

/** What stays undecided for a policy, given what this engine can look up. */
function notesFor(policy: ImagePolicy, offline: boolean, vulns: VulnerabilityIndex | undefined): Note[] {
  const notes = pending(policy);
  return notes.filter((n) => {
    if (n.rule === 'minimumSeverity') return vulns === undefined;
    return offline;
  });
}

type Add = (rule: Rule, message: string, extra?: Partial<Violation>) => void;

async function checkTarget(
  t: Target,
  facts: RegistryFacts | null,
  vulns: VulnerabilityIndex | undefined,
): Promise<Violation[]> {
  const out: Violation[] = [];
  const ref = t.ref;
  if (ref === null) return out;
  const p = t.policy;
  const add: Add = (rule, message, extra = {}) => out.push({ ...t.base, rule, message, ...extra });
  const shown = describe(ref);
  /** Runs one rule; a registry failure becomes that rule's violation, naming the cause. */
  const guarded = async (rule: Rule, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      const cause: Cause = err instanceof RegdoctorError ? err.cause : 'UNKNOWN';
      const why = err instanceof Error ? err.message : String(err);
      // Over the review's budget of new images the registry was never asked: say so, not "lookup failed".
      const what = err instanceof LookupRefused ? '' : `registry lookup failed (${cause}): `;
      add(rule, `${rule} could not be checked for image ${shown}: ${what}${why}`, { cause });
    }
  };
  if (t.refusedBy.length > 0 && facts !== null) {
    // Never contacted; the own policy already says why, another policy's lookups are unmet (offline they stay
    // notes, as every lookup does).
    if (!t.refusedBy.includes(p.name)) outsideAllowList(t, vulns !== undefined, add);
    return out;
  }
  const jobs: Promise<void>[] = [];
  if (facts !== null) {
    if (p.allowedPlatforms !== null)
      jobs.push(guarded('allowedPlatforms', () => platforms(p, ref, facts, add)));
    if (p.maxImageSize !== null) jobs.push(guarded('maxImageSize', () => size(p, ref, facts, add)));
    for (const req of p.requiredSignatures ?? []) {
      if (req.images !== null && !req.images.some((pat) => matchesPattern(pat, ref))) continue;
      jobs.push(
        guarded('requiredSignatures', async () => {
          const s = await facts.signatures(ref, req.keys);
          if (s.verified) return;
          const keys = req.keys.length === 1 ? 'the trusted key' : `any of ${req.keys.length} trusted keys`;
          add(
            'requiredSignatures',
            `image ${shown} (${s.digest}) is not signed by ${keys}: ${s.reason}: ${s.message}`,
          );
        }),
      );
    }
  }
  if (p.minimumSeverity !== null && vulns !== undefined) {
    const min = p.minimumSeverity;
    // A digest-pinned reference needs no registry to be matched (offline too); a tag needs resolving.
    if (facts !== null || ref.digest !== null)
      jobs.push(guarded('minimumSeverity', () => severity(p, min, ref, facts, vulns, add)));
  }
  await Promise.all(jobs);
  // Rules run concurrently; report them in a stable order.
  const order: Rule[] = [
    'requiredSignatures',
    'minimumSeverity',
    'noVulnerabilityData',
    'maxImageSize',
    'allowedPlatforms',
  ];
  return out.sort((a, b) => order.indexOf(a.rule) - order.indexOf(b.rule));
}

/** The registry rules of `t.policy` that would look its image up, each reported as unmet and why. */
function outsideAllowList(t: Target, withVulns: boolean, add: Add): void {
  const p = t.policy;
  const ref = t.ref!;
  const needed: Rule[] = [];
  if (
    p.requiredSignatures?.some((r) => r.images === null || r.images.some((pat) => matchesPattern(pat, ref)))
  )
    needed.push('requiredSignatures');
  if (p.minimumSeverity !== null && withVulns) needed.push('minimumSeverity');
  if (p.maxImageSize !== null) needed.push('maxImageSize');
  if (p.allowedPlatforms !== null) needed.push('allowedPlatforms');
  const refusing = t.refusedBy.map((n) => JSON.stringify(n)).join(', ');
  for (const rule of needed)
    add(
      rule,
      `${rule} could not be checked for image ${describe(ref)}: its registry is outside the allowedRegistries of policy ${refusing}; it is not contacted`,
      { cause: 'POLICY_REJECTED' },
    );
}

function describe(ref: Reference): string {
  const normalized = formatReference(ref);
  return normalized === ref.original
    ? JSON.stringify(ref.original)
    : `${JSON.stringify(ref.original)} (${normalized})`;
}

function entriesOf(list: PlatformManifest[]): IndexEntry[] {
  return list.map((m) => ({ digest: m.digest, mediaType: '', size: 0, platform: m.platform }));
}

/**
 * The platform manifests a node of each allowed platform would pull (containerd's selection, so linux/amd64
 * accepts a linux/386-only image, as such a node runs it).
 */
function pulledFor(allowed: readonly string[], offered: PlatformManifest[]): PlatformManifest[] {
  const entries = entriesOf(offered);
  const picked = new Map<string, PlatformManifest>();
  for (const a of allowed) {
    const pick = selectPlatform(entries, parsePlatform(a));
    if (pick)
      picked.set(
        pick.entry.digest,
        offered.find((o) => o.digest === pick.entry.digest)!,
      );
  }
  return [...picked.values()];
}

async function platforms(p: ImagePolicy, ref: Reference, facts: RegistryFacts, add: Add): Promise<void> {
  const offered = await facts.platforms(ref);
  if (pulledFor(p.allowedPlatforms!, offered).length > 0) return;
  const list = offered.map((o) => formatPlatform(o.platform));
  add(
    'allowedPlatforms',
    `image ${describe(ref)} offers ${list.length ? list.join(', ') : 'no platform'}; none of the allowed platforms ${p.allowedPlatforms!.join(', ')}`,
  );
}

/**
 * Sizes per platform: those a node of an allowed platform would pull when allowedPlatforms is set (the others
 * are never pulled), otherwise every platform of the image (any node may pull any of them).
 */
async function size(p: ImagePolicy, ref: Reference, facts: RegistryFacts, add: Add): Promise<void> {
  const offered = await facts.platforms(ref);
  const checked = p.allowedPlatforms !== null ? pulledFor(p.allowedPlatforms, offered) : offered;
  const sizes = await Promise.all(
    checked.map(async (m) => ({
      platform: formatPlatform(m.platform),
      bytes: await facts.size(ref, m.digest),
    })),
  );
  const over = sizes.filter((s) => s.bytes > p.maxImageSize!);
  if (!over.length) return;
  const list = over.map((s) => `${s.platform} is ${fmtBytes(s.bytes)} (${s.bytes} bytes)`).join(', ');
  add(
    'maxImageSize',
    `image ${describe(ref)} is over the size limit of ${fmtBytes(p.maxImageSize!)} (${p.maxImageSize} bytes): ${list} compressed`,
  );
}

const rank = (s: Severity) => SEVERITIES.indexOf(s);

async function severity(
  p: ImagePolicy,
  min: Severity,
  ref: Reference,
  facts: RegistryFacts | null,
  vulns: VulnerabilityIndex,
  add: Add,
): Promise<void> {
  let digests: string[];
  let reports: VulnerabilityReport[];
  if (facts === null) {
    digests = [ref.digest!];
    reports = vulns.byDigest(digests);
  } else {
    const r = await facts.resolve(ref);
    // The index digest (what the kubelet reports as imageID) and the platform manifest digests (what a scan of
    // one platform records) both identify this image.
    digests = [r.digest, ...r.children];
    reports = vulns.byDigest(digests);
    if (!reports.length && vulns.hasConfigOnly) {
      const offered = await facts.platforms(ref);
      const configs = await Promise.all(
        offered.map(async (m) => (await facts.manifest(ref, m.digest)).config.digest),
      );
      reports = vulns.byConfigDigest(configs);
    }
  }
  if (!reports.length) {
    if (p.noVulnerabilityData === 'allow') return;
    add(
      'noVulnerabilityData',
      `no vulnerability report for image ${describe(ref)} (${digests[0]}${digests.length > 1 ? ` or its ${digests.length - 1} platform manifests` : ''}); minimumSeverity ${min} cannot be checked`,
      p.noVulnerabilityData === 'warn' ? { mode: 'warn' } : {},
    );
    return;
  }
  const found = atOrAbove(reports, min);
  if (!found.length) return;
  const listed = found
    .slice(0, LISTED_VULNERABILITIES)
    .map((v) => `${v.id} (${v.severity}, ${v.pkg} ${v.installed}${v.fixed ? ` → ${v.fixed}` : ', no fix'})`)
    .join(', ');
  const more =
    found.length > LISTED_VULNERABILITIES ? ` and ${found.length - LISTED_VULNERABILITIES} more` : '';
  add(
    'minimumSeverity',
    `image ${describe(ref)} has ${found.length} vulnerabilit${found.length === 1 ? 'y' : 'ies'} at or above ${min}: ${listed}${more} (from ${reports.map((r) => r.source).join(', ')})`,
  );
}

/** Distinct findings at or above `min`, most severe first, then by ID. */
function atOrAbove(reports: VulnerabilityReport[], min: Severity): Vulnerability[] {
  const seen = new Map<string, Vulnerability>();
  for (const r of reports)
    for (const v of r.vulnerabilities) {
      if (rank(v.severity) < rank(min)) continue;
      const k = `${v.id}\0${v.pkg}\0${v.installed}`;
      if (!seen.has(k)) seen.set(k, v);
    }
  return [...seen.values()].sort(
    (a, b) => rank(b.severity) - rank(a.severity) || a.id.localeCompare(b.id) || a.pkg.localeCompare(b.pkg),
  );
}
