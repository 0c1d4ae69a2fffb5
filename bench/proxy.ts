// Bench side of the counting proxy: starts bench/proxy-server.ts as a child process in front of a registry and
// reads its counters over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { Counts } from './kinds.ts';

export interface CountingProxy {
  host: string;
  reset(): Promise<void>;
  snapshot(): Promise<Counts>;
  stop(): Promise<void>;
}

const countsSchema = z.object({
  requests: z.record(z.string(), z.number()),
  connections: z.number(),
  nonHttp: z.number(),
});
const reply = z.object({ id: z.number(), counts: countsSchema });
const ready = z.object({ ready: z.number().int().positive() });

const IPC_TIMEOUT_MS = 10_000;

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 2000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startCountingProxy(upstream: string): Promise<CountingProxy> {
  const child = fork(fileURLToPath(new URL('./proxy-server.ts', import.meta.url)), [upstream], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  // Without a listener, a send on a closed channel (the proxy was stopped, e.g. on Ctrl-C) would crash the bench
  // before its cleanup finished; send's callback reports the same error to the caller.
  child.on('error', () => undefined);
  const pending = new Map<number, (c: Counts) => void>();
  let nextId = 0;
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('counting proxy did not start within 10s')), IPC_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`counting proxy exited (${code}) before it was ready`)));
    child.on('message', (m) => {
      const r = ready.safeParse(m);
      if (r.success) {
        clearTimeout(t);
        resolve(r.data.ready);
        return;
      }
      const p = reply.safeParse(m);
      if (p.success) pending.get(p.data.id)?.(p.data.counts);
    });
  }).catch(async (e: unknown) => {
    await stopChild(child);
    throw e;
  });
  const ask = (op: 'reset' | 'snapshot') =>
    new Promise<Counts>((resolve, reject) => {
      const id = nextId++;
      const t = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`counting proxy did not answer ${op}`));
      }, IPC_TIMEOUT_MS);
      pending.set(id, (c) => {
        clearTimeout(t);
        pending.delete(id);
        resolve(c);
      });
      child.send({ id, op }, (err) => {
        if (!err) return;
        clearTimeout(t);
        pending.delete(id);
        reject(new Error(`counting proxy is gone (${op}): ${err.message}`));
      });
    });
  return {
    host: `127.0.0.1:${port}`,
    reset: async () => void (await ask('reset')),
    snapshot: () => ask('snapshot'),
    stop: () => stopChild(child),
  };
}
