// AdmissionReview v1 (admission.k8s.io/v1) as the API server sends it to a validating webhook, and the answer it
// expects: HTTP 200, the same apiVersion/kind, `response.uid` = `request.uid`, `allowed`, and for a denial a
// `status` whose message kubectl prints after "admission webhook … denied the request:".
import * as z from 'zod/mini';
import { describeIssue } from '../util/schema.ts';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';
export const ADMISSION_KIND = 'AdmissionReview';

const gvk = z.looseObject({ group: z.string(), version: z.string(), kind: z.string() });
const gvr = z.looseObject({ group: z.string(), version: z.string(), resource: z.string() });

const request = z.looseObject({
  uid: z.string().check(z.minLength(1, 'must not be empty')),
  kind: gvk,
  resource: z.optional(gvr),
  subResource: z.optional(z.string()),
  requestKind: z.optional(gvk),
  name: z.optional(z.string()),
  namespace: z.optional(z.string()),
  operation: z.enum(['CREATE', 'UPDATE', 'DELETE', 'CONNECT']),
  userInfo: z.optional(z.unknown()),
  object: z.optional(z.nullable(z.unknown())),
  oldObject: z.optional(z.nullable(z.unknown())),
  dryRun: z.optional(z.nullable(z.boolean())),
  options: z.optional(z.nullable(z.unknown())),
});
export type AdmissionRequest = z.infer<typeof request>;

const review = z.looseObject({
  apiVersion: z.literal(ADMISSION_API_VERSION),
  kind: z.literal(ADMISSION_KIND),
  request,
});

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  warnings?: string[];
}

/** What the webhook answers: always the v1 envelope, whatever else the request carried. */
export interface AdmissionReviewResponse {
  apiVersion: typeof ADMISSION_API_VERSION;
  kind: typeof ADMISSION_KIND;
  response: AdmissionResponse;
}

/** A request that cannot be reviewed: the server answers 400 with this message. */
export class BadReview extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadReview';
  }
}

/** Checks the envelope of a decoded body; the object inside is checked later, by kind. */
export function parseAdmissionReview(body: unknown): AdmissionRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadReview('expected an AdmissionReview object');
  }
  const { apiVersion, kind } = body as { apiVersion?: unknown; kind?: unknown };
  if (apiVersion !== ADMISSION_API_VERSION || kind !== ADMISSION_KIND) {
    // v1beta1 is the usual mistake: the ValidatingWebhookConfiguration must list admissionReviewVersions [v1].
    throw new BadReview(
      `expected apiVersion ${ADMISSION_API_VERSION}, kind ${ADMISSION_KIND}; got ${show(apiVersion)}, ${show(kind)}`,
    );
  }
  const parsed = z.safeParse(review, body);
  if (!parsed.success)
    throw new BadReview(`not a valid AdmissionReview: ${describeIssue(parsed.error.issues[0])}`);
  return parsed.data.request;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
  return v === undefined ? 'nothing' : v === null ? 'null' : `a ${Array.isArray(v) ? 'array' : typeof v}`;
}

export function reviewResponse(response: AdmissionResponse): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response };
}

/** The API server asks webhooks to keep each warning to 120 characters; longer ones may be cut at 256. */
export const WARNING_MAX_CHARS = 120;
/** Beyond this many warnings the rest are summarised in one line (the API server drops past 4 KiB in total). */
export const WARNINGS_MAX = 20;
/** kubectl prints the whole denial message; a workload with dozens of containers should not fill a screen. */
export const MESSAGE_MAX_CHARS = 1024;

/** Cuts to `max` characters (code points, not UTF-16 units), ending with '…' when something was cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Each line cut to 120 characters; past 20 lines, one line says how many more there were. */
export function boundedWarnings(lines: readonly string[]): string[] {
  const unique = [...new Set(lines)];
  const cut = unique.map((l) => truncate(l, WARNING_MAX_CHARS));
  if (cut.length <= WARNINGS_MAX) return cut;
  const shown = cut.slice(0, WARNINGS_MAX - 1);
  return [...shown, `… and ${cut.length - shown.length} more warnings`];
}

/** `head` and the reasons joined with '; ', within MESSAGE_MAX_CHARS; reasons that do not fit are counted. */
export function boundedMessage(head: string, reasons: readonly string[]): string {
  const len = (s: string) => Array.from(s).length;
  const more = (k: number) => (k < reasons.length ? `; and ${reasons.length - k} more` : '');
  let message = head;
  let size = len(head);
  let k = 0;
  // Forward and incremental: a request can carry thousands of containers, so no re-joining per step.
  for (; k < reasons.length; k++) {
    const next = `${k === 0 ? ' ' : '; '}${reasons[k]!}`;
    const grown = size + len(next);
    if (grown + len(more(k + 1)) > MESSAGE_MAX_CHARS) break;
    message += next;
    size = grown;
  }
  if (k > 0 || reasons.length === 0) return message + more(k);
  // Not even one reason fits whole: the first one is cut rather than left out.
  return truncate(`${head} ${reasons[0]!}`, MESSAGE_MAX_CHARS - len(more(1))) + more(1);
}
