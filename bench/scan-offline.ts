// `scan --snapshot --no-probe` against the floor of any reader of the same file: a Node process that reads it and
// JSON.parses it whole. Both are whole processes measured the same way (peak RSS and user + system CPU from the
// meter); issue 9 asks for peak RSS ≤ 2× the snapshot's bytes and CPU ≤ 3× the JSON.parse process.
//
// The CPU comparison is made pair by pair: each pair is one scan and one parse run back to back (the order
// alternating, so neither side always runs first), its ratio taken within the pair, and the target judged on the
// median of those ratios, with their spread and the load average of each pair shown. A median of each side over
// all runs compared scans and parses made under different loads; the JSON.parse process's CPU time moves with the
// machine's load (0.58–0.91 s seen at load 1–6, the scan's 2.1–2.3 s) because part of it is V8's background GC
// threads, which get CPU when a core is free.
import { loadavg } from 'node:os';
import { runScan, runTimed, type RssMeter, type ScanRun, type Usage } from './scan-run.ts';
import { cleanEnv } from './process.ts';
import { median, ratio } from './stats.ts';
import { table, type Target } from './table.ts';

export const TARGET_RSS_RATIO = 2;
export const TARGET_CPU_RATIO = 3;

/** Reads and parses the file named by argv[1]; prints the CPU time of just that, in ms. */
const PARSE_SCRIPT =
  "const { readFileSync } = require('node:fs'); const t = process.cpuUsage();" +
  " const v = JSON.parse(readFileSync(process.argv[1], 'utf8')); const u = process.cpuUsage(t);" +
  ' process.stdout.write(`${(u.user + u.system) / 1000} ${Array.isArray(v.items) ? v.items.length : -1}\\n`);';

export interface ParseRun extends Usage {
  /** CPU time of readFileSync + JSON.parse inside the process, without Node's start-up. */
  inProcessMs: number;
}

/** One scan and one parse run back to back, and the 1-minute load average when the pair began. */
export interface Pair {
  scan: ScanRun;
  parse: ParseRun;
  load: number;
  /** Scan CPU over parse CPU within the pair. */
  ratio: number;
}

export interface Offline {
  label: string;
  bytes: number;
  scans: ScanRun[];
  parses: ParseRun[];
  /** The pairs in which both runs succeeded. */
  pairs: Pair[];
  failures: string[];
  /** The 1-minute load average before and after the runs. */
  load: [number, number];
}

async function parseOnce(meter: RssMeter, path: string, signal?: AbortSignal): Promise<ParseRun | string> {
  const w = meter.wrap(process.execPath, ['-e', PARSE_SCRIPT, path]);
  const run = await runTimed(w.cmd, w.args, cleanEnv(w.env), undefined, signal);
  const usage = await meter.read();
  const [ms, items] = run.stdout.trim().split(' ').map(Number);
  if (run.code !== 0 || !usage || !Number.isFinite(ms) || !(items! >= 0))
    return `JSON.parse process: exit ${run.code}: ${run.stderr.trim().split('\n').at(-1) ?? ''}`;
  return { ...usage, inProcessMs: ms! };
}

/**
 * `runs` pairs of one `scan --no-probe` (args given) and one JSON.parse process, back to back; even pairs start
 * with the scan, odd ones with the parse.
 */
export async function measureOffline(
  label: string,
  meter: RssMeter,
  args: string[],
  snapshot: { path: string; bytes: number },
  runs: number,
  signal?: AbortSignal,
): Promise<Offline> {
  const o: Offline = {
    label,
    bytes: snapshot.bytes,
    scans: [],
    parses: [],
    pairs: [],
    failures: [],
    load: [0, 0],
  };
  o.load[0] = loadavg()[0]!;
  const scanOnce = async () => {
    const scan = await runScan(meter, process.execPath, args, signal);
    if (scan.output && scan.cpuMs !== null) return scan;
    o.failures.push(`${label} scan --no-probe: ${scan.problem ?? 'no CPU time measured'}`);
    return null;
  };
  const parseRun = async () => {
    const parse = await parseOnce(meter, snapshot.path, signal);
    if (typeof parse !== 'string') return parse;
    o.failures.push(`${label} ${parse}`);
    return null;
  };
  for (let i = 0; i < runs; i++) {
    signal?.throwIfAborted();
    const load = loadavg()[0]!;
    let scan: ScanRun | null;
    let parse: ParseRun | null;
    if (i % 2 === 0) {
      scan = await scanOnce();
      parse = await parseRun();
    } else {
      parse = await parseRun();
      scan = await scanOnce();
    }
    if (scan) o.scans.push(scan);
    if (parse) o.parses.push(parse);
    if (scan && parse) o.pairs.push({ scan, parse, load, ratio: scan.cpuMs! / parse.cpuMs });
  }
  o.load[1] = loadavg()[0]!;
  return o;
}

const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function renderOffline(list: Offline[]): { text: string; targets: Target[] } {
  const rows: string[][] = [];
  const pairRows: string[][] = [];
  const targets: Target[] = [];
  for (const o of list) {
    const size = `${(o.bytes / 1024 / 1024).toFixed(0)} MiB`;
    const scanRss = Math.max(...o.scans.map((s) => s.maxRssKb!));
    const scanCpu = median(o.scans.map((s) => s.cpuMs!));
    const parseCpu = median(o.parses.map((p) => p.cpuMs));
    const n = `${o.scans.length}/${o.parses.length}`;
    if (o.scans.length)
      rows.push([
        `${o.label}: scan --no-probe`,
        size,
        secs(median(o.scans.map((s) => s.ms))),
        secs(scanCpu),
        mib(scanRss),
        (scanRss / (o.bytes / 1024)).toFixed(2),
      ]);
    if (o.parses.length)
      rows.push([
        `${o.label}: node reads + JSON.parse (in-process ${secs(median(o.parses.map((p) => p.inProcessMs)))})`,
        size,
        '—',
        secs(parseCpu),
        mib(Math.max(...o.parses.map((p) => p.maxRssKb))),
        (Math.max(...o.parses.map((p) => p.maxRssKb)) / (o.bytes / 1024)).toFixed(2),
      ]);
    const ratios = o.pairs.map((p) => p.ratio);
    const cpuRatio = median(ratios);
    const loads = o.pairs.map((p) => p.load);
    const load =
      `load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} ` +
      `(${o.load[0].toFixed(1)} → ${o.load[1].toFixed(1)}), ${n} runs`;
    targets.push(
      {
        what: `${o.label}: scan --no-probe peak RSS ≤ ${TARGET_RSS_RATIO}× the snapshot's ${size}`,
        measured: o.scans.length ? `${mib(scanRss)} (max) = ${ratio(scanRss * 1024, o.bytes)}` : 'no run',
        met: o.scans.length > 0 && scanRss * 1024 <= TARGET_RSS_RATIO * o.bytes,
      },
      {
        what: `${o.label}: scan --no-probe CPU ≤ ${TARGET_CPU_RATIO}× a node process that reads + JSON.parses it`,
        measured: o.pairs.length
          ? `median of ${o.pairs.length} pairs' ratios ${cpuRatio.toFixed(2)}× ` +
            `(spread ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×, ` +
            `${o.pairs.filter((p) => p.ratio <= TARGET_CPU_RATIO).length}/${o.pairs.length} pairs within); ` +
            `${secs(scanCpu)} vs ${secs(parseCpu)} (medians, user + system); ${load}`
          : 'no run',
        met: o.pairs.length > 0 && cpuRatio <= TARGET_CPU_RATIO,
      },
    );
    pairRows.push(
      ...o.pairs.map((p, i) => [
        `${o.label}: pair ${i + 1} (${i % 2 ? 'parse first' : 'scan first'})`,
        p.load.toFixed(1),
        secs(p.scan.cpuMs!),
        secs(p.parse.cpuMs),
        `${p.ratio.toFixed(2)}×`,
      ]),
    );
  }
  const text =
    table(['process', 'snapshot', 'wall (median)', 'CPU (median)', 'peak RSS (max)', 'RSS/bytes'], rows) +
    'CPU is user + system time of the whole process (Node start-up included on both sides); wall time on a shared ' +
    'machine depends on its load, CPU time much less.\n' +
    table(['pair', 'load (1 min)', 'scan CPU', 'parse CPU', 'ratio'], pairRows);
  return { text, targets };
}
