// One whole `regdoctor scan` process: wall time from spawn to exit, peak RSS, CPU time, and the JSON it printed.
// Peak RSS and CPU come from GNU time when it is installed (the child's rusage), else from the process itself (a
// preload that reports process.resourceUsage() at exit).
import { spawn } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { cleanEnv } from './process.ts';

const GNU_TIME = '/usr/bin/time';
const FORMAT = '%M %U %S';
const KILL_AFTER_MS = 10 * 60_000;

export interface Timed {
  ms: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Like process.ts's timeProcess, with a kill limit for runs that take minutes. The child leads its own process
 * group so that a stop reaches what it started too: GNU time does not pass a SIGTERM on to the command it measures.
 */
export function runTimed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  killAfterMs = KILL_AFTER_MS,
  signal?: AbortSignal,
): Promise<Timed> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const start = performance.now();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => killGroup('SIGKILL'), killAfterMs);
    const onAbort = () => killGroup('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.once('error', (e) => {
      done();
      reject(e);
    });
    child.once('close', (code) => {
      const ms = performance.now() - start;
      done();
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      resolve({
        ms,
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

export interface Usage {
  /** Peak resident set, kB. */
  maxRssKb: number;
  /** User + system CPU time, ms. */
  cpuMs: number;
}

export interface RssMeter {
  how: string;
  wrap(cmd: string, args: string[]): { cmd: string; args: string[]; env: Record<string, string> };
  /** Peak RSS and CPU time of the last wrapped run. */
  read(): Promise<Usage | null>;
}

/**
 * GNU time (`-f '%M %U %S'`: kB, user and system seconds) when it works here; otherwise a preload inside the
 * measured Node process that writes the same three numbers.
 */
export async function rssMeter(dir: string): Promise<RssMeter> {
  const file = join(dir, 'maxrss.txt');
  const read = async (): Promise<Usage | null> => {
    const text = await readFile(file, 'utf8').catch(() => '');
    await rm(file, { force: true });
    // GNU time writes "Command exited with non-zero status 1" before its line when the command fails.
    const [kb, user, sys] = (text.trim().split('\n').pop() ?? '').split(' ').map(Number);
    if (!(kb! > 0) || !Number.isFinite(user) || !Number.isFinite(sys)) return null;
    return { maxRssKb: kb!, cpuMs: (user! + sys!) * 1000 };
  };
  const probe = await runTimed(GNU_TIME, ['-f', FORMAT, '-o', file, 'true'], cleanEnv(), 10_000).catch(
    () => null,
  );
  if (probe?.code === 0 && (await read()) !== null) {
    return {
      how: `${GNU_TIME} (maximum resident set size; user + system time)`,
      wrap: (cmd, args) => ({ cmd: GNU_TIME, args: ['-f', FORMAT, '-o', file, cmd, ...args], env: {} }),
      read,
    };
  }
  const preload = join(dir, 'maxrss.mjs');
  await writeFile(
    preload,
    "import { writeFileSync } from 'node:fs';\n" +
      "process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(process.env.REGDOCTOR_BENCH_MAXRSS, `${u.maxRSS} ${u.userCPUTime / 1e6} ${u.systemCPUTime / 1e6}`); });\n",
  );
  return {
    how: 'process.resourceUsage() at exit (GNU time not available)',
    wrap: (cmd, args) => ({
      cmd,
      args: ['--import', pathToFileURL(preload).href, ...args],
      env: { REGDOCTOR_BENCH_MAXRSS: file },
    }),
    read,
  };
}

const step = z.object({ name: z.string(), ok: z.boolean() });
const probe = z.object({ cause: z.string().nullable(), steps: z.array(step) });
export const scanOutput = z.object({
  findings: z.array(
    z.object({
      namespace: z.string(),
      pod: z.string(),
      container: z.string(),
      image: z.string(),
      cause: z.string(),
      confidence: z.string(),
      probe: probe.nullable(),
    }),
  ),
  summary: z.object({
    findings: z.number(),
    pods: z.number(),
    byCause: z.record(z.string(), z.number()),
    uniqueImages: z.number(),
    probes: z.number(),
    registryRequests: z.number(),
  }),
});
export type ScanOutput = z.infer<typeof scanOutput>;

export interface ScanRun extends Timed {
  maxRssKb: number | null;
  cpuMs: number | null;
  output: ScanOutput | null;
  /** Why the output could not be read, when it could not. */
  problem?: string;
}

/** Exit 1 is the scan's "findings" answer; anything but 0 or 1 is a failed run. */
export async function runScan(
  meter: RssMeter,
  node: string,
  args: string[],
  signal?: AbortSignal,
): Promise<ScanRun> {
  const w = meter.wrap(node, args);
  const run = await runTimed(w.cmd, w.args, cleanEnv(w.env), undefined, signal);
  const usage = await meter.read();
  const measured = { ...run, maxRssKb: usage?.maxRssKb ?? null, cpuMs: usage?.cpuMs ?? null };
  if (run.code !== 0 && run.code !== 1) {
    const tail = (run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ');
    return { ...measured, output: null, problem: `exit ${run.code}: ${tail}` };
  }
  try {
    const parsed = scanOutput.safeParse(JSON.parse(run.stdout));
    if (parsed.success) return { ...measured, output: parsed.data };
    return { ...measured, output: null, problem: `unexpected JSON: ${parsed.error.message.slice(0, 300)}` };
  } catch (e) {
    return { ...measured, output: null, problem: `not JSON: ${(e as Error).message}` };
  }
}
