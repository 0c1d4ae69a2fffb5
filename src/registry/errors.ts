// How a registry says no: the distribution error body and the HTTP status, mapped to cause codes.
import * as z from 'zod/mini';
import type { Cause } from '../cause/index.ts';

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

/** The cause a status means at the manifest/blob stage, before any context (404 needs a tags lookup). */
export function statusCause(status: number, codes: string[]): Cause {
  if (codes.includes('TOOMANYREQUESTS') || status === 429) return 'RATE_LIMITED';
  if (status === 401 || codes.includes('UNAUTHORIZED')) return 'UNAUTHORIZED';
  if (status === 403 || codes.includes('DENIED')) return 'FORBIDDEN';
  if (codes.includes('NAME_UNKNOWN')) return 'REPOSITORY_NOT_FOUND';
  if (status === 404 || codes.includes('MANIFEST_UNKNOWN')) return 'MANIFEST_NOT_FOUND';
  if (status === 407) return 'PROXY_ERROR';
  return 'REGISTRY_ERROR';
}

export function describeStatus(status: number, info: RegistryErrorInfo): string {
  const parts = [`HTTP ${status}`];
  if (info.codes.length) parts.push(info.codes.join(', '));
  if (info.message) parts.push(info.html ? `HTML page "${info.message}"` : JSON.stringify(info.message));
  return parts.join(' ');
}
