// A private copy of the built CLI (package.json, bin/, dist/). Other engineers rebuild dist/ in the same checkout
// while the bench runs; a copy taken right after `npm run bench` built it keeps every run on the same bytes.
import { access, cp, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Relative imports of one bundled file (`import "./x.js"`, `from "./x.js"`, `import("./x.js")`). */
export function relativeImports(source: string): { specifier: string; dynamic: boolean }[] {
  const out: { specifier: string; dynamic: boolean }[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*(\()?\s*)"(\.{1,2}\/[^"]+\.js)"/g)) {
    out.push({ specifier: m[2]!, dynamic: Boolean(m[1]) });
  }
  return out;
}

async function missingImports(dist: string): Promise<string[]> {
  const files = [
    join(dist, 'main.js'),
    ...(await readdir(join(dist, 'chunks'))).map((f) => join(dist, 'chunks', f)),
  ];
  const missing: string[] = [];
  for (const f of files.filter((x) => x.endsWith('.js'))) {
    for (const { specifier } of relativeImports(await readFile(f, 'utf8'))) {
      const target = resolve(dirname(f), specifier);
      await access(target).catch(() => missing.push(`${f} → ${specifier}`));
    }
  }
  return missing;
}

/** Copies the CLI into `dir` and returns the path of its launcher; retries while a concurrent build is midway. */
export async function snapshotCli(dir: string): Promise<string> {
  let last = '';
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      await mkdir(dir, { recursive: true });
      await cp(join(ROOT, 'package.json'), join(dir, 'package.json'));
      await cp(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
      await cp(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true, force: true });
      const missing = await missingImports(join(dir, 'dist'));
      if (missing.length === 0) return join(dir, 'bin', 'regdoctor');
      last = `incomplete dist/: ${missing.slice(0, 3).join('; ')}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 1000));
    await rm(dir, { recursive: true, force: true });
  }
  throw new Error(`could not take a consistent copy of dist/ (run \`npm run build\`): ${last}`);
}
