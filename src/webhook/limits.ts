// What one webhook process holds at once, sized to the 256 Mi memory limit of its Deployment (measured: ~100 MB
// at rest; ~45 KB per open TLS connection; a 3 MiB review costs its bytes several times over once parsed). Anyone
// who can reach the port can open connections and send bodies, so every one of these is bounded by the server,
// not by the client's good manners.
import type { Server } from 'node:net';
import type { Socket } from 'node:net';

export const DEFAULT_LIMITS = {
  /** Open connections in all: ~23 MB of TLS state. */
  maxConnections: 512,
  /** From one address: an attacker's pod cannot take the API server's share. */
  maxConnectionsPerAddress: 128,
  /** A TCP connection must finish its TLS handshake within this. */
  handshakeTimeoutMs: 5_000,
  /** Request headers must be complete within this (slowloris). */
  headersTimeoutMs: 5_000,
  /** The whole request, body included. */
  requestTimeoutMs: 10_000,
  /** Bytes of ordinary request bodies read and being decided at once (hundreds of typical few-KB reviews). */
  bodyBudgetBytes: 16 * 1024 * 1024,
  /**
   * Bodies larger than this are decided one at a time, in their own queue: parsing a 3 MiB review takes tens of
   * milliseconds of the only thread, and ordinary reviews must not wait behind a line of them.
   */
  largeBodyBytes: 256 * 1024,
};

/** Drops connections past the total or the per-address cap as they arrive, before any TLS work. */
export function limitConnections(server: Server, max: number, perAddress: number): void {
  server.maxConnections = max;
  const byAddress = new Map<string, number>();
  server.on('connection', (s: Socket) => {
    const a = s.remoteAddress ?? '';
    const n = byAddress.get(a) ?? 0;
    if (n >= perAddress) {
      s.destroy();
      return;
    }
    byAddress.set(a, n + 1);
    s.once('close', () => {
      const left = (byAddress.get(a) ?? 1) - 1;
      if (left > 0) byAddress.set(a, left);
      else byAddress.delete(a);
    });
  });
}

/**
 * Bytes that may be in flight at once. Requests wait their turn in arrival order (a large body is not starved by
 * small ones); a body is only read once its bytes are granted, so a waiting request holds a socket, not memory.
 */
export class ByteBudget {
  private used = 0;
  private readonly queue: { n: number; grant: () => void }[] = [];

  constructor(readonly capacity: number) {}

  /** Bytes granted now, and requests waiting. */
  state(): { used: number; waiting: number } {
    return { used: this.used, waiting: this.queue.length };
  }

  /**
   * Resolves with a release function once `n` bytes (at most the capacity) are granted, or with null when
   * `waitMs` passes first.
   */
  acquire(n: number, waitMs: number): Promise<(() => void) | null> {
    const need = Math.min(n, this.capacity);
    return new Promise((resolve) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.used -= need;
        this.pump();
      };
      const entry = {
        n: need,
        grant: () => {
          clearTimeout(timer);
          resolve(release);
        },
      };
      const timer = setTimeout(() => {
        const at = this.queue.indexOf(entry);
        if (at >= 0) this.queue.splice(at, 1);
        resolve(null);
        this.pump();
      }, waitMs);
      this.queue.push(entry);
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0 && this.used + this.queue[0]!.n <= this.capacity) {
      const next = this.queue.shift()!;
      this.used += next.n;
      next.grant();
    }
  }
}
