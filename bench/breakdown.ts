// Where a probe process's start-up goes: the chunks the probe command statically loads, what each contains
// (esbuild's `// path` module markers, summed by package or src/ folder), and how long importing each takes.
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { relativeImports } from './cli.ts';
import { measureProcesses, type ProcessCase } from './measure.ts';
import { cleanEnv } from './process.ts';
import { ms } from './stats.ts';
import { table } from './table.ts';

/** Bytes per package (node_modules/x) or src/ folder inside one bundled chunk, largest first. */
export function contents(source: string): { what: string; bytes: number }[] {
  const bytes = new Map<string, number>();
  let current = '(glue)';
  for (const line of source.split('\n')) {
    const m = /^\/\/ ((?:node_modules\/(?:@[^/]+\/)?[^/]+)|src\/[^/]+)\//.exec(line);
    if (m) current = m[1]!.replace(/^node_modules\//, '');
    bytes.set(current, (bytes.get(current) ?? 0) + line.length + 1);
  }
  return [...bytes].map(([what, n]) => ({ what, bytes: n })).sort((a, b) => b.bytes - a.bytes);
}

function kb(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MB` : `${(n / 1024).toFixed(1)} kB`;
}

async function staticClosure(entry: string): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length && seen.size < 1000) {
    const f = queue.shift()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const i of relativeImports(await readFile(f, 'utf8'))) {
      if (!i.dynamic) queue.push(resolve(dirname(f), i.specifier));
    }
  }
  return [...seen];
}

/** `probe` is the whole probe process (args after `node`), measured beside the imports of its chunks. */
export async function probeLoadBreakdown(
  cli: string,
  runs: number,
  probe?: Omit<ProcessCase, 'label' | 'cmd'>,
): Promise<{ text: string; heaviest: string }> {
  const chunks = join(dirname(cli), '..', 'dist', 'chunks');
  // The file holding the probe command's code (its usage text): scripts/build.mjs merges it into a bundle, and a
  // name match alone would also find other lazily loaded modules called probe (report/probe.ts).
  let probeChunk: string | undefined;
  for (const f of (await readdir(chunks)).filter((x) => x.endsWith('.js'))) {
    if ((await readFile(join(chunks, f), 'utf8')).includes('Usage: regdoctor probe IMAGE')) probeChunk = f;
  }
  if (!probeChunk) return { text: '(no probe chunk found in dist/chunks)\n', heaviest: '' };
  const closure = await staticClosure(join(chunks, probeChunk));
  const info = await Promise.all(
    closure.map(async (f) => {
      const src = await readFile(f, 'utf8');
      return { file: f, size: src.length, contents: contents(src) };
    }),
  );
  const big = info.filter((c) => c.size >= 10 * 1024).sort((a, b) => b.size - a.size);
  const env = cleanEnv();
  const importCase = (label: string, file: string): ProcessCase => ({
    label,
    cmd: process.execPath,
    args: ['-e', `import(${JSON.stringify(pathToFileURL(file).href)})`],
    env,
    ok: (r) => r.code === 0,
  });
  const probes: ProcessCase[] = probe
    ? [{ ...probe, label: 'whole probe process', cmd: process.execPath }]
    : [];
  const all = await measureProcesses(
    [
      { label: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], env, ok: (r) => r.code === 0 },
      ...probes,
      importCase(`import ${probeChunk} (+ its ${closure.length - 1} static deps)`, join(chunks, probeChunk)),
      ...big.map((c) => importCase(`import ${basename(c.file)} alone (+ deps)`, c.file)),
    ],
    { runs, warmups: 1 },
  );
  const base = all[0]!.time.median;
  const probeRows = all
    .slice(1, 1 + probes.length)
    .map((r) => [
      r.label,
      ms(r.time.median),
      ms(r.time.median - base),
      '—',
      `${r.time.n}${r.failures ? ` (+${r.failures} failed)` : ''}`,
      '',
    ]);
  const results = [all[0]!, ...all.slice(1 + probes.length)];
  const describeChunk = (file: string) => {
    const c = info.find((x) => x.file === file);
    if (!c) return '';
    return `${kb(c.size)}: ${c.contents
      .slice(0, 4)
      .map((x) => `${x.what} ${kb(x.bytes)}`)
      .join(', ')}`;
  };
  const files = [join(chunks, probeChunk), ...big.map((c) => c.file)];
  const cost = new Map(files.map((f, i) => [f, results[i + 1]!.time.median - base]));
  // Importing a chunk also evaluates its dependencies; its own share is roughly what it adds on top of the
  // costliest measured chunk it depends on.
  const own = new Map<string, number>();
  for (const c of big) {
    const deps = (await staticClosure(c.file)).filter((d) => d !== c.file && cost.has(d));
    own.set(c.file, cost.get(c.file)! - Math.max(0, ...deps.map((d) => cost.get(d)!)));
  }
  const rows = results.map((r, i) => {
    const file = files[i - 1];
    return [
      r.label,
      ms(r.time.median),
      i === 0 ? '—' : ms(r.time.median - base),
      file && own.has(file) ? ms(own.get(file)!) : '—',
      `${r.time.n}`,
      file ? describeChunk(file) : '',
    ];
  });
  const top = [...own].sort((a, b) => b[1] - a[1])[0];
  const heaviest = top
    ? `${basename(top[0])} (${describeChunk(top[0])}) adds ≈ ${ms(top[1])} on its own`
    : '';
  return {
    text: table(
      ['what runs', 'median', 'over node -e 0', 'own (approx.)', 'runs', 'chunk size: largest contents'],
      [rows[0]!, ...probeRows, ...rows.slice(1)],
    ),
    heaviest,
  };
}
