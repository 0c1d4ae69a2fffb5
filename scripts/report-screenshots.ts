// Screenshots of the HTML report for the README (docs/img/report-*.png), light and dark: a probe of two images
// and a scan of the demo cluster, both against throwaway local docker-registry instances (the demo's).
// Run after `npm run build`: node --import tsx scripts/report-screenshots.ts
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportMeta } from '../src/cli/output.ts';
import { redact, registerSecret } from '../src/credentials/index.ts';
import { demoCluster } from '../src/demo/cluster.ts';
import { buildIndex } from '../src/demo/image.ts';
import { pushImage } from '../src/demo/push.ts';
import { findRegistryBinary, startRegistry, type DemoRegistry } from '../src/demo/registry.ts';
import { parsePlatform } from '../src/platform/index.ts';
import { createSession } from '../src/registry/session.ts';
import { scanReport } from '../src/report/html-model.ts';
import { renderHtml } from '../src/report/html.ts';
import { renderScanText } from '../src/report/scan.ts';
import { scanCluster } from '../src/scan/index.ts';
import type { Page } from 'playwright-core';
import { startBrowser } from '../test/helpers/browser.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'docs/img');
const USER = 'demo';
const PASSWORD = 'demo-password-not-secret';
const WIDTH = 1180;

function cli(args: string[], home: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/regdoctor'), ...args], {
      env: { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(out).toString('utf8')));
  });
}

const tmp = await mkdtemp(join(tmpdir(), 'regdoctor-shots-'));
const cleanups: (() => Promise<void>)[] = [];
try {
  const binary = await findRegistryBinary();
  if (!binary) throw new Error('docker-registry is not installed (scripts/install-system-deps.sh)');
  const bcrypt = (await import('bcryptjs')).default;
  const registries: DemoRegistry[] = await Promise.all([
    startRegistry(binary),
    startRegistry(binary, { htpasswd: `${USER}:${bcrypt.hashSync(PASSWORD, 4)}\n` }),
  ]);
  cleanups.push(() => Promise.all(registries.map((r) => r.stop())).then(() => undefined));
  const [open, locked] = registries as [DemoRegistry, DemoRegistry];
  const multi = await buildIndex(
    [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ],
    'multi-platform',
  );
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  await pushImage(open.url, 'team/app', '1.0', multi);
  await pushImage(open.url, 'team/app', '1.0.1', multi);
  await pushImage(locked.url, 'private/app', '2.0', multi, basic);

  const home = join(tmp, 'home');
  await mkdir(home);
  const probe = await cli(
    ['probe', `${open.host}/team/app:1.0`, `${locked.host}/private/app:2.0`, '--plain-http'].concat([
      '--platform',
      'linux/amd64',
      '-o',
      'html',
    ]),
    home,
  );
  // The scan runs in-process (the demo cluster is objects, not a snapshot file) through the CLI's own renderer.
  registerSecret(PASSWORD);
  const session = createSession({ timeoutMs: 5000 });
  const scan = await scanCluster(
    demoCluster({ open: open.host, locked: locked.host, user: USER, password: PASSWORD }),
    {
      session,
      defaultPlatform: parsePlatform('linux/amd64'),
      plainHttp: (h) => h === open.host || h === locked.host,
    },
  );
  await session.close();
  const scanPage = renderHtml(scanReport(scan, reportMeta(['scan', '--context', 'demo']), redact), {
    fallbackText: redact(renderScanText(scan, { colour: false })),
  });
  const files = { probe: join(tmp, 'probe.html'), scan: join(tmp, 'scan.html') };
  await writeFile(files.probe, probe);
  await writeFile(files.scan, scanPage);

  const browser = await startBrowser(
    { subdir: (name) => mkdtemp(join(tmp, `${name}-`)), onCleanup: (fn) => cleanups.push(fn) },
    { viewport: { width: WIDTH, height: 900 } },
  );
  await mkdir(OUT, { recursive: true });
  // The whole page in the viewport: groups off screen are not drawn (content-visibility), so a full-page
  // capture of a short viewport would show them empty.
  const shoot = async (page: Page, file: string) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: WIDTH, height });
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(OUT, file) });
  };
  for (const scheme of ['light', 'dark'] as const) {
    const p = await browser.open(files.probe, { colorScheme: scheme });
    await shoot(p.page, `report-probe-${scheme}.png`);
    const s = await browser.open(files.scan, { colorScheme: scheme });
    // One finding opened: its evidence, the fix with copy buttons and the probe waterfall.
    const invoicer = await s.page.locator('details.finding', { hasText: 'invoicer' }).getAttribute('id');
    await s.page.click(`#${invoicer} > summary`);
    await shoot(s.page, `report-scan-${scheme}.png`);
    for (const o of [p, s]) if (o.problems.length) throw new Error(`page problems: ${o.problems.join('; ')}`);
  }
  process.stdout.write(`wrote ${OUT}/report-{probe,scan}-{light,dark}.png\n`);
} finally {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  await rm(tmp, { recursive: true, force: true });
}

declare const window: { scrollTo(x: number, y: number): void };
declare const document: { documentElement: { scrollHeight: number } };
