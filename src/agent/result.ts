// A check's result as it travels through the API server: the probe's JSON (report/probe.ts's contract) with the
// node's facts, written by the agent, read back by the CLI. Whoever may update a check's status can write
// anything there, so reading it back is parsing hostile input: shapes checked, sizes bounded.
import * as z from 'zod/mini';
import { CAUSES } from '../cause/index.ts';
import { probeJson } from '../report/probe.ts';
import { STEP_NAMES, type ProbeResult } from '../result/index.ts';
import type { ImageFs } from './disk.ts';

/** A status this large is cut down to its verdict (etcd's object limit is 1.5 MiB; checks should stay small). */
export const RESULT_MAX_BYTES = 256 * 1024;

export interface NodeFacts {
  name: string;
  /** The agent that probed (its pod name). */
  agent: string;
  /** The image filesystem, when the agent could stat one. */
  imageFs: ImageFs | null;
  /** Compressed bytes of the image's layers for the platform (when the probe got that far). */
  imageBytes: number | null;
}

/** What the agent writes into status.result. */
export function resultJson(r: ProbeResult, node: NodeFacts): Record<string, unknown> {
  const full = { ...probeJson(r), node };
  if (JSON.stringify(full).length <= RESULT_MAX_BYTES) return full;
  // Evidence is what gets long (a huge registry error body in a detail); the verdict and the steps' summaries stay.
  return {
    ...full,
    steps: r.steps.map((s) => ({
      name: s.name,
      ok: s.ok,
      ms: s.ms,
      summary: s.summary.slice(0, 1024),
      detail: {},
    })),
    truncated: true,
  };
}

const text = z.string().check(z.maxLength(64 * 1024));
const step = z.object({
  name: z.enum(STEP_NAMES),
  ok: z.boolean(),
  ms: z.number(),
  summary: text,
  detail: z.record(z.string(), z.unknown()),
});
const nodeFacts = z.object({
  name: text,
  agent: text,
  imageFs: z.nullable(z.object({ path: text, availableBytes: z.number(), totalBytes: z.number() })),
  imageBytes: z.nullable(z.number()),
});
const runtimeReport = z.object({
  name: z.enum(['containerd', 'crio', 'docker']),
  version: z.optional(text),
  configFiles: z.array(text).check(z.maxLength(256)),
  endpoints: z
    .array(
      z.object({
        url: text,
        role: z.enum(['mirror', 'upstream']),
        from: text,
        outcome: z.enum(['served', 'failed', 'refused', 'not-tried']),
        cause: z.nullable(z.enum(CAUSES)),
        summary: text,
      }),
    )
    .check(z.maxLength(64)),
  resolvedBy: z.nullable(text),
  servedBy: z.nullable(text),
  reported: z.nullable(text),
  findings: z
    .array(
      z.object({
        code: text,
        severity: z.enum(['error', 'warning', 'info']),
        cause: z.nullable(z.enum(CAUSES)),
        message: text,
        fix: text,
        from: text,
        stops: z.optional(z.enum(['before-request', 'after-manifest'])),
      }),
    )
    .check(z.maxLength(128)),
});
const result = z.looseObject({
  image: text,
  reference: z.nullable(
    z.object({
      registry: text,
      repository: text,
      tag: z.optional(z.nullable(text)),
      digest: z.optional(z.nullable(text)),
    }),
  ),
  platform: text,
  cause: z.nullable(z.enum(CAUSES)),
  confidence: z.enum(['certain', 'likely']),
  alternatives: z.optional(z.array(z.enum(CAUSES)).check(z.maxLength(32))),
  summary: text,
  remediation: z.array(text).check(z.maxLength(32)),
  // Through a node's runtime, every endpoint tried adds its own steps (at most 64 endpoints are followed).
  steps: z.array(step).check(z.maxLength(1024)),
  manifest: z.optional(z.nullable(z.looseObject({ digest: text }))),
  suggestions: z.optional(z.array(text).check(z.maxLength(32))),
  credential: z.optional(z.nullable(z.looseObject({ source: text, key: text }))),
  node: z.optional(nodeFacts),
  runtime: z.optional(runtimeReport),
});

/** A check's status.result as a ProbeResult and node facts, or why it cannot be read. */
export function parseResult(
  raw: unknown,
): { probe: ProbeResult; node: NodeFacts | null } | { error: string } {
  const r = result.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    return {
      error: `the check's result is malformed${issue?.path.length ? ` at ${issue.path.join('.')}` : ''}`,
    };
  }
  const d = r.data;
  const probe: ProbeResult = {
    image: d.image,
    reference: d.reference && {
      ...d.reference,
      tag: d.reference.tag ?? null,
      digest: d.reference.digest ?? null,
    },
    platform: d.platform,
    cause: d.cause,
    confidence: d.confidence,
    summary: d.summary,
    remediation: d.remediation,
    steps: d.steps,
    ...(d.manifest ? { manifest: d.manifest as unknown as NonNullable<ProbeResult['manifest']> } : {}),
    ...(d.alternatives?.length ? { alternatives: d.alternatives } : {}),
    ...(d.suggestions ? { suggestions: d.suggestions } : {}),
    ...(d.credential !== undefined ? { credential: d.credential as ProbeResult['credential'] } : {}),
    ...(d.runtime ? { runtime: { ...d.runtime, version: d.runtime.version ?? null } } : {}),
  };
  return { probe, node: d.node ?? null };
}
