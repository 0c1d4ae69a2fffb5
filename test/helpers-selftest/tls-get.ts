// A bare node:https GET that reports the TLS error code, for checking what each test certificate does to a client.
import { request } from 'node:https';

export function tlsGet(
  url: string,
  ca?: string,
  servername?: string,
): Promise<{ status?: number; code?: string }> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { ...(ca ? { ca } : {}), ...(servername ? { servername } : {}), timeout: 5000 },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ code: err.code ?? err.message }));
    req.end();
  });
}
