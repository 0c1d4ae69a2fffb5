// How a registry says no: the distribution error body and the HTTP status, mapped to cause codes. This is the one
// status → cause mapping; every caller (probe, policy facts, signatures, the exporter) gets its errors from here.
import * as z from 'zod/mini';
import { RegdoctorError, type Cause } from '../cause/index.ts';
import type { StepName } from '../result/index.ts';
import { header, type HttpResponse } from '../transport/http.ts';
import { parseRetryAfter } from './ratelimit.ts';

const errorBody = z.object({
  errors: z.array(
    z.object({ code: z.string(), message: z.optional(z.string()), detail: z.optional(z.unknown()) }),
  ),
});

export interface RegistryErrorInfo {
  codes: string[];
  message?: string;
  /** The body looked like an HTML page (a proxy or load balancer answered, not the registry). */
  html: boolean;
}

/**
 * A registry's code, title or text is one line of evidence: a newline in it could only forge a line of a report or
 * a log. (Control characters are escaped at the output boundary; this keeps the line a line.)
 */
const oneLine = (s: string, max: number) => s.replace(/\s+/g, ' ').trim().slice(0, max);

export function parseErrorBody(body: Buffer, contentType?: string): RegistryErrorInfo {
  const text = body.subarray(0, 64 * 1024).toString('utf8');
  const html = /html/i.test(contentType ?? '') || /^\s*<(!doctype|html)/i.test(text);
  try {
    const parsed = errorBody.safeParse(JSON.parse(text));
    if (parsed.success) {
      const first = parsed.data.errors[0];
      return {
        codes: parsed.data.errors.map((e) => oneLine(e.code, 100).toUpperCase()),
        message: first?.message,
        html: false,
      };
    }
  } catch {
    // not JSON: fall through
  }
  const title = /<title>([^<]{1,200})<\/title>/i.exec(text)?.[1];
  return { codes: [], message: oneLine(title ?? text, 200) || undefined, html };
}

/** What was asked when the answer came: the same status means different things at each. */
export type Operation = 'ping' | 'token' | 'manifest' | 'blob' | 'tags' | 'referrers';

/** The cause a status (and the registry's error codes) means for an operation, before any context. */
export function statusCause(status: number, codes: string[], op: Operation = 'manifest'): Cause {
  if (codes.includes('TOOMANYREQUESTS') || status === 429) return 'RATE_LIMITED';
  if (status === 407) return 'PROXY_ERROR';
  // /v2/ answers 200 or 401 on a working registry; anything else is not a registry API here.
  if (op === 'ping') return 'REGISTRY_ERROR';
  // The token endpoint refusing is the credentials' fault, whatever it calls it.
  if (op === 'token') return status === 401 || status === 403 ? 'UNAUTHORIZED' : 'REGISTRY_ERROR';
  if (status === 401 || codes.includes('UNAUTHORIZED')) return 'UNAUTHORIZED';
  if (status === 403 || codes.includes('DENIED')) return 'FORBIDDEN';
  // A blob the manifest names but the registry does not have is a broken download, not a missing image.
  if (op === 'blob' && (status === 404 || codes.includes('BLOB_UNKNOWN'))) return 'LAYER_DOWNLOAD_FAILED';
  // A tag list that is not there is a repository that is not there, whatever the body says.
  if (op === 'tags' && status === 404) return 'REPOSITORY_NOT_FOUND';
  if (codes.includes('NAME_UNKNOWN')) return 'REPOSITORY_NOT_FOUND';
  if (status === 404 || codes.includes('MANIFEST_UNKNOWN')) return 'MANIFEST_NOT_FOUND';
  return 'REGISTRY_ERROR';
}

export function describeStatus(status: number, info: RegistryErrorInfo): string {
  const parts = [`HTTP ${status}`];
  if (info.codes.length) parts.push(info.codes.join(', '));
  if (info.message) parts.push(info.html ? `HTML page "${info.message}"` : JSON.stringify(info.message));
  return parts.join(' ');
}

/** A registry answer that is not the object asked for, with the cause it means and what was seen. */
export class RegistryError extends RegdoctorError {
  constructor(
    cause: Cause,
    message: string,
    readonly op: Operation,
    readonly status: number,
    readonly info: RegistryErrorInfo,
    /** The answer itself, for callers that look further (Retry-After, WWW-Authenticate, redirects). */
    readonly response: HttpResponse,
    detail: Record<string, unknown>,
  ) {
    super(cause, message, detail);
    this.name = 'RegistryError';
    // Not enumerable: the answer's body must not ride along when an error is serialized.
    Object.defineProperty(this, 'response', { enumerable: false });
  }
}

/** The error a non-success answer to `op` means; `what` names the object (`nginx:1.27`, `config blob sha256:…`). */
export function responseError(res: HttpResponse, op: Operation, what: string, step: StepName): RegistryError {
  const info = parseErrorBody(res.body, header(res.headers, 'content-type'));
  const detail: Record<string, unknown> = { step, status: res.status, codes: info.codes };
  if (op === 'ping' && res.status === 400) {
    const text = res.body.subarray(0, 512).toString('utf8').trim();
    if (/HTTP request to an HTTPS server/i.test(text))
      return new RegistryError(
        'HTTP_HTTPS_MISMATCH',
        `${res.url.host} speaks HTTPS but was asked in plain HTTP ("${text}")`,
        op,
        res.status,
        info,
        res,
        detail,
      );
  }
  const cause = statusCause(res.status, info.codes, op);
  let message = `${what}: ${describeStatus(res.status, info)}`;
  if (op === 'ping')
    message +=
      res.status === 404 ? ' — no registry API at this address' : ' — registry API answered with an error';
  if (cause === 'RATE_LIMITED') {
    const retry = parseRetryAfter(header(res.headers, 'retry-after'));
    if (retry !== undefined) {
      detail.retryAfterSeconds = retry;
      message += `; retry after ${retry}s`;
    }
  }
  if (res.redirects.length) {
    detail.redirects = res.redirects;
    if (op === 'blob') message += ` (after redirect to ${res.redirects.at(-1)})`;
  }
  return new RegistryError(cause, message, op, res.status, info, res, detail);
}

/** Why a /v2/ answer is not a working registry API, or null for 200 and 401. */
export function pingProblem(res: HttpResponse): RegistryError | null {
  if (res.status === 200 || res.status === 401) return null;
  return responseError(res, 'ping', `GET ${res.url.href}`, 'ping');
}

/** 404, or a distribution error body that says the manifest is unknown (some registries answer 400 or 200-less). */
export function isMissing(err: RegistryError): boolean {
  return err.status === 404 || err.info.codes.includes('MANIFEST_UNKNOWN');
}
