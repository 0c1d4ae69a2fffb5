// ImagePullCheck (regdoctor.dev/v1alpha1, deploy/crds/imagepullcheck.yaml): "probe this image from that node".
// The creator (probe --node, scan --from-nodes) writes spec and the node label; the node's agent writes status
// through the status subresource. Checks are read from the API server, so every field is parsed at this edge.
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { describeIssue } from '../util/schema.ts';

export const CHECK_GROUP = 'regdoctor.dev';
export const CHECK_VERSION = 'v1alpha1';
export const CHECK_PLURAL = 'imagepullchecks';
export const CHECK_KIND = 'ImagePullCheck';
export const CHECK_API_VERSION = `${CHECK_GROUP}/${CHECK_VERSION}`;
/** Agents select their own node's checks by this label (a label selector works for custom resources everywhere). */
export const NODE_LABEL = 'regdoctor.dev/node';
/** Ties one run's checks together: its creator watches and deletes them by this label. */
export const RUN_LABEL = 'regdoctor.dev/run';

export const PHASES = ['Running', 'Completed', 'Refused', 'Failed'] as const;
export type CheckPhase = (typeof PHASES)[number];
const FINAL: ReadonlySet<CheckPhase> = new Set(['Completed', 'Refused', 'Failed']);

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * The node label's value: the node name when it is a valid label value (at most 63 characters), else
 * `sha256.` and 48 hex digits of its hash — node names may be DNS subdomains of up to 253 characters.
 */
export function nodeLabelValue(node: string): string {
  if (node.length <= 63 && LABEL_VALUE.test(node)) return node;
  return `sha256.${createHash('sha256').update(node).digest('hex').slice(0, 48)}`;
}

const name = z.string().check(z.minLength(1), z.maxLength(253));
const spec = z.object({
  image: z.string().check(z.minLength(1), z.maxLength(4096)),
  nodeName: name,
  platform: z.optional(z.string().check(z.maxLength(128))),
  namespace: z.optional(z.string().check(z.minLength(1), z.maxLength(63))),
  pullSecrets: z.optional(z.array(z.object({ name })).check(z.maxLength(32))),
  podRef: z.optional(z.object({ name })),
});
export type CheckSpec = z.infer<typeof spec>;

const status = z.object({
  phase: z.optional(z.enum(PHASES)),
  startedAt: z.optional(z.string()),
  finishedAt: z.optional(z.string()),
  agent: z.optional(z.string()),
  message: z.optional(z.string()),
  result: z.optional(z.unknown()),
});
export type CheckStatus = z.infer<typeof status>;

const document = z.object({
  metadata: z.object({
    name,
    uid: z.optional(z.string()),
    resourceVersion: z.optional(z.string()),
    creationTimestamp: z.optional(z.string()),
    labels: z.optional(z.nullable(z.record(z.string(), z.string()))),
  }),
  spec,
  status: z.optional(z.nullable(status)),
});

export interface ImagePullCheck {
  name: string;
  uid: string | undefined;
  resourceVersion: string | undefined;
  /** Milliseconds since the epoch; NaN when the server sent none. */
  created: number;
  labels: Record<string, string>;
  spec: CheckSpec;
  status: CheckStatus | null;
}

/** A check as read from the API server, or why it cannot be used. */
export function parseCheck(raw: unknown): ImagePullCheck | { error: string; name: string | undefined } {
  const r = document.safeParse(raw);
  if (!r.success) {
    const n = (raw as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    return { error: describeIssue(r.error.issues[0]), name: typeof n === 'string' ? n : undefined };
  }
  const { metadata: m } = r.data;
  if (r.data.spec.pullSecrets && r.data.spec.podRef)
    return { error: 'pullSecrets and podRef are exclusive', name: m.name };
  if ((r.data.spec.pullSecrets || r.data.spec.podRef) && !r.data.spec.namespace)
    return { error: 'pullSecrets and podRef need namespace', name: m.name };
  return {
    name: m.name,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    created: m.creationTimestamp ? Date.parse(m.creationTimestamp) : NaN,
    labels: m.labels ?? {},
    spec: r.data.spec,
    status: r.data.status ?? null,
  };
}

export const isFinished = (s: CheckStatus | null): boolean => !!s?.phase && FINAL.has(s.phase);

/** The object to create: a generated name, the node label, the run's label. */
export function newCheck(s: CheckSpec, run: string): Record<string, unknown> {
  return {
    apiVersion: CHECK_API_VERSION,
    kind: CHECK_KIND,
    metadata: {
      generateName: 'regdoctor-',
      labels: { [NODE_LABEL]: nodeLabelValue(s.nodeName), [RUN_LABEL]: run },
    },
    spec: s,
  };
}
