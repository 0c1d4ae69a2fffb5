// In-process measurements: probeImage on a Session, timed with performance.now(), requests counted both by
// the session itself (requestCount) and by the counting proxy in front of the registry.
import type { CredentialSource } from '../src/registry/auth.ts';
import { probeImage } from '../src/probe/probe.ts';
import { Session } from '../src/registry/session.ts';
import { sameCounts, type Counts } from './kinds.ts';
import type { CountingProxy } from './proxy.ts';
import { summarize, type Summary } from './stats.ts';

export interface SessionCase {
  label: string;
  proxy: CountingProxy;
  /** Full references; all probed in one new session per run. */
  images: string[];
  concurrency: number;
  credentials: CredentialSource;
}

export interface SessionResult {
  label: string;
  images: number;
  time: Summary;
  /** session.requestCount of the first measured run. */
  requestCount: number;
  counts?: Counts;
  stable: boolean;
  failures: number;
  firstFailure?: string;
}

const PLATFORM = { os: 'linux', architecture: 'amd64' };
const TIMEOUT_MS = 10_000;

async function oneRun(c: SessionCase): Promise<{ ms: number; requests: number; failure?: string }> {
  const session = new Session({ timeoutMs: TIMEOUT_MS });
  try {
    let next = 0;
    let failure: string | undefined;
    const start = performance.now();
    const worker = async () => {
      while (next < c.images.length) {
        const image = c.images[next++]!;
        const r = await probeImage(image, session, {
          platform: PLATFORM,
          credentials: c.credentials,
          plainHttp: () => true,
        });
        if (r.cause !== null) failure ??= `${image}: ${r.cause} ${r.summary}`;
      }
    };
    await Promise.all(Array.from({ length: Math.min(c.concurrency, c.images.length) }, worker));
    return { ms: performance.now() - start, requests: session.requestCount, failure };
  } finally {
    await session.close();
  }
}

export async function measureSession(
  c: SessionCase,
  opts: { runs: number; warmups: number },
): Promise<SessionResult> {
  const times: number[] = [];
  const res: SessionResult = {
    label: c.label,
    images: c.images.length,
    time: summarize([]),
    requestCount: Number.NaN,
    stable: true,
    failures: 0,
  };
  for (let i = 0; i < opts.warmups + opts.runs; i++) {
    await c.proxy.reset();
    const run = await oneRun(c);
    const counts = await c.proxy.snapshot();
    if (run.failure) {
      res.failures++;
      res.firstFailure ??= run.failure;
      continue;
    }
    if (i < opts.warmups) continue;
    times.push(run.ms);
    if (!res.counts) {
      res.counts = counts;
      res.requestCount = run.requests;
    } else if (!sameCounts(res.counts, counts) || res.requestCount !== run.requests) {
      res.stable = false;
    }
  }
  res.time = summarize(times);
  return res;
}
