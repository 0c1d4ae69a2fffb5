// What a one-shot process loads before it can answer (issue 9: a whole `probe` ≤ 2× `node -e 0`, `--help` ≤ 1.3×).
// Node 20's ESM loader costs ~0.5 ms per file and a built-in module a few ms, so the properties checked here are
// the ones the start-up time rests on: how many of the bundle's files a command loads, and which built-ins. No
// timing here (that is `npm run bench -- startup`); a regression shows up as a file count or a module name.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { useFixture } from '../helpers/fixture.ts';
import { run } from '../helpers/proc.ts';
import { buildIndexLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { buildCli, show, type Cli, type CliResult } from './cli.ts';

// Preloaded with --import: at exit, the built-in modules the process loaded.
const BUILTINS = `import { appendFileSync } from 'node:fs';
process.on('exit', () => {
  const names = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
  appendFileSync(process.env.RD_LOAD_LOG, JSON.stringify({ builtins: names }) + '\\n');
});
`;
// Preloaded with --import: every file the ESM loader loads (module hooks run on their own thread).
const FILES = `import { register } from 'node:module';
register(new URL('./files-hooks.mjs', import.meta.url));
`;
const FILES_HOOKS = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.RD_LOAD_LOG, JSON.stringify({ file: url }) + '\\n');
  return next(url, context);
}
`;

describe('what a CLI process loads', () => {
  const fx = useFixture();
  let cli: Cli;
  let image: string;
  let dir: string;
  let dist: string;

  before(async () => {
    const [built, reg] = await Promise.all([buildCli(fx), fx.registry()]);
    cli = built;
    dist = pathToFileURL(join(dirname(cli.bin), '..', 'dist')).href + '/';
    const img = await buildIndexLayout(await fx.subdir('img'), { images: ['linux/amd64', 'linux/arm64'] });
    image = `${reg.host}/team/app:1`;
    await pushImage(img, `docker://${image}`, { tlsVerify: false });
    dir = await fx.subdir('preload');
    await Promise.all([
      writeFile(join(dir, 'builtins.mjs'), BUILTINS),
      writeFile(join(dir, 'files.mjs'), FILES),
      writeFile(join(dir, 'files-hooks.mjs'), FILES_HOOKS),
    ]);
  });

  let runs = 0;
  /** Runs the CLI with `preload`; returns its result and what the preload logged. */
  async function traced(preload: string, args: string[]): Promise<{ r: CliResult; log: unknown[] }> {
    const log = join(dir, `log-${runs++}.jsonl`);
    await writeFile(log, '');
    const r = await cli.run(args, {
      env: { NODE_OPTIONS: `--import=${pathToFileURL(join(dir, preload)).href}`, RD_LOAD_LOG: log },
    });
    const lines = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    return { r, log: lines.map((l) => JSON.parse(l) as unknown) };
  }

  const probeArgs = () => ['probe', image, '--plain-http', '--platform', 'linux/amd64', '-o', 'json'];

  const builtins = (log: unknown[]) =>
    (log.find((e) => 'builtins' in (e as object)) as { builtins: string[] }).builtins;
  const distFiles = (log: unknown[]) =>
    log
      .map((e) => (e as { file?: string }).file)
      .filter((f): f is string => f?.startsWith(dist) ?? false)
      .map((f) => f.slice(dist.length));

  test('a probe of a plain-HTTP registry loads neither node:tls nor node:child_process', async () => {
    const { r, log } = await traced('builtins.mjs', probeArgs());
    assert.equal(r.code, 0, show(r));
    assert.equal((JSON.parse(r.stdout) as { cause: unknown }).cause, null, show(r));
    const names = builtins(log);
    assert.ok(names.includes('http'), `the probe spoke HTTP: ${names.join(' ')}`);
    // TLS only for an https:// registry; a credential helper's process only when one is configured.
    for (const unused of ['tls', '_tls_wrap', 'child_process'])
      assert.ok(!names.includes(unused), `${unused} loaded (with ${names.length} other built-ins)`);
  });

  test('a probe loads four of the bundle files: main, its bundle, the probe command and its bundle', async () => {
    const { r, log } = await traced('files.mjs', probeArgs());
    assert.equal(r.code, 0, show(r));
    const files = distFiles(log);
    // esbuild alone splits the probe's code into ~30 chunks; scripts/build.mjs merges them.
    assert.ok(files.includes('chunks/probe-bundle.js'), files.join(' '));
    assert.ok(files.length <= 4, `${files.length} files: ${files.join(' ')}`);
  });

  test('importing a merged bundle on its own starts no command (main.js alone runs the CLI)', async () => {
    for (const bundle of ['main-bundle.js', 'probe-bundle.js']) {
      const url = new URL(`chunks/${bundle}`, dist).href;
      const r = await run(process.execPath, ['-e', `import(${JSON.stringify(url)})`], { env: { PATH: '' } });
      assert.equal(r.stdout, '', `${bundle}: ${r.stdout}`);
    }
  });

  test('--help loads main and its bundle only, and not node:crypto', async () => {
    const files = await traced('files.mjs', ['--help']);
    assert.equal(files.r.code, 0, show(files.r));
    assert.deepEqual(distFiles(files.log).sort(), ['chunks/main-bundle.js', 'main.js']);
    const mods = await traced('builtins.mjs', ['--help']);
    assert.ok(!builtins(mods.log).includes('crypto'), 'node:crypto loaded');
  });
});
