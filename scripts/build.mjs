// Bundles the CLI with esbuild. Code splitting keeps heavy modules (undici, zod, yaml, the probe) out of the
// start-up path: src/cli/main.ts imports commands lazily, so `--help` loads only the small entry chunk.
//
// Splitting alone makes many small chunks (one per distinct set of lazy imports reaching a module): `probe` loaded
// 32 files, and Node 20's ESM loader spends ~0.5 ms on each (resolve, stat, package scope, read, compile), ~15 ms
// of a one-shot probe process (npm run bench -- startup). So a second pass merges two groups into one file each:
// what main.js loads (chunks/main-bundle.js) and what the probe command adds (chunks/probe-bundle.js). Each merged
// file is left behind as a one-line facade that re-exports its bindings from the bundle, so every other importer
// (another command, a lazy import) still gets the same module instances — classes, the process redactor — and the
// bundles import each other's bindings directly, not through facades.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';

const BANNER =
  "import { createRequire as __rdCreateRequire } from 'node:module'; const require = __rdCreateRequire(import.meta.url);";
const options = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minify: true,
  logLevel: 'warning',
  banner: { js: BANNER },
};

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const { metafile } = await build({
  ...options,
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
});
const outputs = metafile.outputs;
// By suffix: with src/ a symlink (test/cli builds a private copy), esbuild names the entry by its real path.
const probe = Object.keys(outputs).find((k) => outputs[k].entryPoint?.endsWith('src/cli/commands/probe.ts'));
if (!probe) throw new Error('build: no output for the probe command');
const atStart = staticClosure('dist/main.js');
/** Files that now only re-export from a bundle (absolute paths). */
const facades = new Set();
// main.js stays out of its bundle: the bundles hold no start-up side effects (running the CLI), so importing a
// chunk never starts a command. It is linked again afterwards to import its bundle instead of the facades.
await merge(
  [...atStart].filter((f) => f !== 'dist/main.js'),
  'dist/chunks/main-bundle.js',
);
await merge(
  [...staticClosure(probe)].filter((f) => !atStart.has(f)),
  'dist/chunks/probe-bundle.js',
);
await build({
  ...options,
  entryPoints: ['dist/main.js'],
  outfile: 'dist/main.js',
  allowOverwrite: true,
  plugins: [mergePlugin(new Set(), resolve('dist'))],
});

/** Output files statically imported from `file`, transitively (lazy imports stay separate). */
function staticClosure(file) {
  const seen = new Set();
  const queue = [file];
  while (queue.length) {
    const f = queue.pop();
    if (seen.has(f)) continue;
    seen.add(f);
    for (const i of outputs[f].imports) if (i.kind === 'import-statement' && !i.external) queue.push(i.path);
  }
  return seen;
}

/**
 * Bundles the files in `inMerge`, and what facades re-export (importing the bundle behind each facade directly).
 * Everything else stays a separate file, imported by its path from `outDir`: lazy imports, chunks of no group.
 */
function mergePlugin(inMerge, outDir) {
  return {
    name: 'merge-these-only',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const abs = resolve(args.resolveDir, args.path);
        if (args.kind === 'import-statement' && (inMerge.has(abs) || facades.has(abs))) return { path: abs };
        return { path: relativePath(outDir, abs), external: true };
      });
      // One banner for the bundle instead of one per merged file, where a file uses no `require` of its own.
      // The banner is line 1 alone: blanking it keeps the file's source map aligned.
      b.onLoad({ filter: /\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        const rest = text.startsWith(BANNER) ? text.slice(BANNER.length) : null;
        if (rest === null || /(?<![\w$.])require\b/.test(rest)) return undefined;
        return { contents: rest, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/** An import specifier for `abs` from a file in `dir`. */
function relativePath(dir, abs) {
  return relative(dir, abs).replace(/^(?!\.)/, './');
}

/** Merges the output `files` into `target` and turns each into a facade of it. */
async function merge(files, target) {
  const dir = dirname(resolve(target));
  // Each file's exports, renamed apart: `m3$a` is export `a` of the fourth file.
  const alias = (i, name) => `m${i}$${name}`;
  const names = files.map((f) => outputs[f].exports);
  const from = (f) => JSON.stringify(relativePath(dir, resolve(f)));
  const entry = files.map((f, i) =>
    names[i].length
      ? `export{${names[i].map((n) => `${n} as ${alias(i, n)}`).join(',')}}from${from(f)};`
      : `import${from(f)};`,
  );
  await build({
    ...options,
    stdin: { contents: entry.join('\n'), resolveDir: dir, sourcefile: '(merged chunks)' },
    outfile: target,
    plugins: [mergePlugin(new Set(files.map((f) => resolve(f))), dir)],
  });
  files.forEach((f, i) => {
    const abs = resolve(f);
    const back = JSON.stringify(relativePath(dirname(abs), resolve(target)));
    writeFileSync(
      abs,
      names[i].length
        ? `export{${names[i].map((n) => `${alias(i, n)} as ${n}`).join(',')}}from${back};\n`
        : `import${back};\n`,
    );
    rmSync(`${abs}.map`, { force: true });
    facades.add(abs);
  });
}
