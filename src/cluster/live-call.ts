// One request through @kubernetes/client-node, keeping the server's JSON as sent.
//
// The generated client would turn each answer into its model classes: timestamps become Date objects (losing
// MicroTime's microseconds) and fields its models do not know are dropped, so a live load would not equal a
// snapshot of the same objects. A per-call middleware therefore reads the raw body itself, hands the generated
// code an empty body to deserialize (no wasted work on large pages), and turns non-2xx answers into StatusError
// with the API server's `Status` object, which the generated code would otherwise throw away for a 401.
//
// Answers are read through live-http.ts, which stops at a byte limit, and parsed by the bounded JSON reader in
// slices, letting other work (an exporter's /metrics) run between them.
import * as z from 'zod/mini';
import type * as K8s from '@kubernetes/client-node';
import { registerAuthorization } from '../credentials/index.ts';
import { MAX_NESTING } from '../util/bounded-text.ts';
import { JsonSplitError, JsonSplitter, type JsonPart } from '../util/json-split.ts';
import { boundedHttpLibrary } from './live-http.ts';

/** One answer of the API server: a page of 500 objects is a few MB; only a broken or hostile server sends more. */
export const RESPONSE_MAX_BYTES = 64 * 1024 * 1024;
/** Slices parsed between yields to the event loop. */
const PARSE_SLICE_BYTES = 256 * 1024;

const statusSchema = z.looseObject({
  kind: z.literal('Status'),
  message: z.optional(z.string()),
  reason: z.optional(z.string()),
  code: z.optional(z.number()),
});
export type ApiStatus = z.infer<typeof statusSchema>;

export const listSchema = z.looseObject({
  kind: z.optional(z.string()),
  apiVersion: z.optional(z.string()),
  metadata: z.optional(z.nullable(z.looseObject({ continue: z.optional(z.string()) }))),
  items: z.nullable(z.array(z.unknown())),
});
export type ListBody = z.infer<typeof listSchema>;

/** A non-2xx answer. `status` is the API server's Status object when the body was one. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly status: ApiStatus | undefined,
    readonly bodyText: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(status?.message ?? `HTTP ${code}`);
    this.name = 'StatusError';
  }
}

/** A 2xx answer whose body is not JSON, or not the Kubernetes list asked for (a proxy's HTML page, a truncated body). */
export class NotAListError extends Error {
  constructor(
    message: string,
    readonly contentType: string,
  ) {
    super(message);
    this.name = 'NotAListError';
  }
}

const EMPTY_LIST = '{"kind":"List","apiVersion":"v1","metadata":{},"items":[]}';

function parseStatus(text: string): ApiStatus | undefined {
  try {
    const r = statusSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

function retryAfter(headers: Record<string, string>): number | undefined {
  const v = headers['retry-after'];
  if (v === undefined) return undefined;
  const s = Number(v);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

export interface CallOptions {
  /** Aborts this request: the per-request timeout combined with the whole load's cancellation. */
  signal: AbortSignal;
  /** Most bytes of answer to read (default RESPONSE_MAX_BYTES); past it, ResponseTooLargeError. */
  maxBytes?: number;
  /** Told the size of each 2xx answer (a load keeps one budget across its pages). */
  onBytes?: (bytes: number) => void;
  /** Sets the request's Content-Type (the generated patch methods default to JSON patch). */
  contentType?: string;
}

const EMPTY_OBJECT = '{}';

/**
 * Runs `send` (a generated method given per-call options) and returns the answer's JSON as the server sent it;
 * `empty` is what the generated code gets to deserialize instead. A non-2xx answer is a StatusError.
 */
export async function callJson(
  k8s: typeof K8s,
  send: (options: K8s.ConfigurationOptions) => Promise<unknown>,
  opts: CallOptions,
  empty = EMPTY_OBJECT,
): Promise<{ json: unknown; contentType: string; bytes: number }> {
  let raw: Buffer | undefined;
  let contentType = '';
  const middleware: K8s.ObservableMiddleware = {
    pre(ctx) {
      ctx.setSignal(opts.signal);
      if (opts.contentType) ctx.setHeaderParam('Content-Type', opts.contentType);
      // The kubeconfig's token (or an exec plugin's) can come back in a Status message or an error page.
      const headers = ctx.getHeaders();
      registerAuthorization(headers.Authorization ?? headers.authorization);
      return new k8s.Observable(Promise.resolve(ctx));
    },
    post(rsp) {
      const read = async (): Promise<K8s.ResponseContext> => {
        const body = await rsp.body.binary();
        contentType = rsp.headers['content-type'] ?? '';
        if (rsp.httpStatusCode < 200 || rsp.httpStatusCode > 299) {
          const text = body.toString('utf8');
          throw new StatusError(rsp.httpStatusCode, parseStatus(text), text, retryAfter(rsp.headers));
        }
        raw = body;
        rsp.body = { text: async () => empty, binary: async () => Buffer.from(empty) };
        return rsp;
      };
      return new k8s.Observable(read());
    },
  };
  // `append` keeps any middleware configured on the client; the array is fresh because the generated code
  // reverses it in place for the response side.
  await send({
    middleware: [middleware],
    middlewareMergeStrategy: 'append',
    httpApi: boundedHttpLibrary(k8s, opts.maxBytes ?? RESPONSE_MAX_BYTES),
  });
  if (raw === undefined) throw new NotAListError('no response body', contentType);
  opts.onBytes?.(raw.length);
  return { json: await parseAnswer(raw, contentType), contentType, bytes: raw.length };
}

/** The one JSON value of an answer, nesting bounded, parsed a slice at a time with yields in between. */
async function parseAnswer(body: Buffer, contentType: string): Promise<unknown> {
  const splitter = new JsonSplitter(MAX_NESTING);
  const parts: JsonPart[] = [];
  try {
    for (let at = 0; at < body.length; at += PARSE_SLICE_BYTES) {
      if (at > 0) await new Promise((r) => setImmediate(r));
      parts.push(...splitter.push(body.subarray(at, at + PARSE_SLICE_BYTES)));
    }
    parts.push(...splitter.end());
  } catch (err) {
    if (!(err instanceof JsonSplitError)) throw err;
    const why = err.kind === 'depth' ? err.message.replace(/^nested/, 'nests') : 'is not JSON';
    throw new NotAListError(`the answer ${why}`, contentType);
  }
  const ends = parts.filter((p) => p.type === 'end');
  if (ends.length !== 1) throw new NotAListError('the answer is not one JSON value', contentType);
  const end = ends[0]!;
  const elements = parts.flatMap((p) => (p.type === 'element' ? [p.value] : []));
  if (end.value === undefined) return elements;
  return end.elements === null ? end.value : { ...(end.value as object), items: elements };
}

/** Runs `send` (a generated list method given per-call options) and returns the page as the server sent it. */
export async function callList(
  k8s: typeof K8s,
  send: (options: K8s.ConfigurationOptions) => Promise<unknown>,
  opts: CallOptions,
): Promise<ListBody> {
  const { json, contentType } = await callJson(k8s, send, opts, EMPTY_LIST);
  const r = listSchema.safeParse(json);
  if (!r.success) throw new NotAListError('the answer is not a Kubernetes list', contentType);
  return r.data;
}
