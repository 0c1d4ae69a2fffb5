import { RegdoctorError, type Cause } from '../cause/index.ts';
import type { StepName } from '../result/index.ts';

/** A network failure at a named step. `detail` holds what was seen (addresses, codes), never credentials. */
export class TransportError extends RegdoctorError {
  readonly step: StepName;
  constructor(cause: Cause, step: StepName, message: string, detail: Record<string, unknown> = {}) {
    super(cause, message, { step, ...detail });
    this.name = 'TransportError';
    this.step = step;
  }
}

const SOCKET_CAUSES: Record<string, Cause> = {
  ECONNREFUSED: 'CONNECTION_REFUSED',
  EHOSTUNREACH: 'NETWORK_UNREACHABLE',
  ENETUNREACH: 'NETWORK_UNREACHABLE',
  EHOSTDOWN: 'NETWORK_UNREACHABLE',
  EADDRNOTAVAIL: 'NETWORK_UNREACHABLE',
  ETIMEDOUT: 'NETWORK_TIMEOUT',
  ECONNRESET: 'REGISTRY_ERROR',
  EPIPE: 'REGISTRY_ERROR',
  ENOTFOUND: 'DNS_FAILURE',
  EAI_AGAIN: 'DNS_FAILURE',
  EAI_FAIL: 'DNS_FAILURE',
  EAI_NODATA: 'DNS_FAILURE',
  ENODATA: 'DNS_FAILURE',
  ESERVFAIL: 'DNS_FAILURE',
  UND_ERR_CONNECT_TIMEOUT: 'NETWORK_TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'NETWORK_TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'NETWORK_TIMEOUT',
  UND_ERR_SOCKET: 'REGISTRY_ERROR',
  UND_ERR_CLOSED: 'REGISTRY_ERROR',
  ABORT_ERR: 'NETWORK_TIMEOUT',
};

/** Maps a Node/undici error to a TransportError, keeping one already mapped as it is. */
export function fromSystemError(err: unknown, step: StepName, what: string): TransportError {
  if (err instanceof TransportError) return err;
  if (err instanceof RegdoctorError) return new TransportError(err.cause, step, err.message, err.detail);
  const e = err as NodeJS.ErrnoException & { name?: string };
  const code = e?.code ?? (e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'ABORT_ERR' : undefined);
  // An answer the HTTP parser cannot read (headers past its limit, a malformed status line) is the server's fault.
  const cause =
    (code && (SOCKET_CAUSES[code] ?? (code.startsWith('HPE_') ? 'REGISTRY_ERROR' : undefined))) || 'UNKNOWN';
  const text = code === 'ABORT_ERR' ? 'timed out' : (e?.message ?? String(err));
  return new TransportError(cause, step, `${what}: ${text}`, code ? { code } : {});
}

/** Runs `fn` with a deadline; on expiry calls `onTimeout` (to destroy sockets) and rejects with NETWORK_TIMEOUT. */
export function withDeadline<T>(
  ms: number,
  step: StepName,
  what: string,
  fn: () => Promise<T>,
  onTimeout?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout?.();
      reject(
        new TransportError('NETWORK_TIMEOUT', step, `${what}: no answer within ${ms} ms`, { timeoutMs: ms }),
      );
    }, ms);
    fn().then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
