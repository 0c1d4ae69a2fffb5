import { createServer } from 'node:net';

/**
 * A TCP port the kernel just handed out and released on `host`. Another process may grab it before the caller
 * binds it (the kernel hands out ephemeral ports round-robin, so this is rare); startRegistry retries on that.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => {
        if (addr && typeof addr === 'object') resolve(addr.port);
        else reject(new Error('listen gave no port'));
      });
    });
  });
}

/** A port that was bound and released, so a connect to it is refused (nothing listens). */
export function closedPort(host = '127.0.0.1'): Promise<number> {
  return freePort(host);
}
