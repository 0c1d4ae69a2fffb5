// The HTTP layer under @kubernetes/client-node for regdoctor's calls, with a byte limit. The client library's
// own layer (node-fetch) reads a body to its end whatever its size, so an API server (or whatever answers at its
// address) that sends without end filled 4.9 GB. This one stops at the limit and says so. It sends what the
// generated code prepared — URL, method, headers (the kubeconfig's credentials), body — through the agent the
// kubeconfig configured (TLS, client certificates, proxy), and honours the request's abort signal.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type * as K8s from '@kubernetes/client-node';

/** An answer (or, for a 2xx, its body) past the byte limit. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the answer is larger than ${Math.round(limit / 1024 / 1024)} MiB`);
    this.name = 'ResponseTooLargeError';
  }
}

/** Error answers are read this far: a Status is a few hundred bytes, and the rest is not worth holding. */
const ERROR_BODY_BYTES = 64 * 1024;

export interface BoundedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

function headersOf(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Sends `req` and reads its answer, at most `maxBytes` of body (an error answer: its first 64 KiB). */
export function sendBounded(req: K8s.RequestContext, maxBytes: number): Promise<BoundedAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const url = new URL(req.getUrl());
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = req.getBody() as string | Buffer | undefined;
    const r = send(
      url,
      {
        method: req.getHttpMethod().toString(),
        headers: req.getHeaders(),
        agent: req.getAgent(),
        signal: req.getSignal() ?? undefined,
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status <= 299;
        const limit = ok ? maxBytes : ERROR_BODY_BYTES;
        const chunks: Buffer[] = [];
        /** Settles once, then drops the connection; what the stream does after that is no news. */
        const settle = (f: () => void) => {
          if (settled) return;
          settled = true;
          f();
          res.destroy();
        };
        const answer = () => ({ status, headers: headersOf(res), body: Buffer.concat(chunks) });
        const declared = Number(res.headers['content-length']);
        if (ok && Number.isFinite(declared) && declared > limit)
          return settle(() => reject(new ResponseTooLargeError(limit)));
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= limit) return void chunks.push(c);
          // An error answer is judged by its start.
          settle(() => (ok ? reject(new ResponseTooLargeError(limit)) : resolve(answer())));
        });
        res.on('end', () => settle(() => resolve(answer())));
        res.on('error', (err) => settle(() => reject(err)));
        res.on('aborted', () =>
          settle(() => reject(Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' }))),
        );
      },
    );
    r.on('error', (err) => {
      // After an answer was settled (and its connection dropped on purpose) the request's errors are no news.
      if (!settled) reject(err);
    });
    r.end(body);
  });
}

/** An HttpLibrary for per-call options (`httpApi`) that reads at most `maxBytes` of each answer. */
export function boundedHttpLibrary(k8s: typeof K8s, maxBytes: number): K8s.HttpLibrary {
  return {
    send(req) {
      return new k8s.Observable(
        sendBounded(req, maxBytes).then(
          (a) =>
            new k8s.ResponseContext(a.status, a.headers, {
              text: async () => a.body.toString('utf8'),
              binary: async () => a.body,
            }),
        ),
      );
    },
  };
}
