// Bundles the CLI with esbuild. Code splitting keeps heavy modules (undici, zod, yaml, the probe) out of the
// start-up path: src/cli/main.ts imports commands lazily, so `--help` loads only the small entry chunk.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { main: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minify: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __rdCreateRequire } from 'node:module'; const require = __rdCreateRequire(import.meta.url);",
  },
});
