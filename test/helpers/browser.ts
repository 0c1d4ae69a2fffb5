// Debian's headless Chromium driven by playwright-core (no browser download): for the HTML reports. Suites that
// use it declare needs(CHROMIUM) (tools.ts), so a missing /usr/bin/chromium fails them.
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM } from './tools.ts';

// The page functions below run in the browser; the test program has no DOM types (see html-browser.test.ts).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface OpenedPage {
  page: Page;
  /** Console errors and warnings, uncaught exceptions, and failed requests, as they happened. */
  problems: string[];
  /** Content-Security-Policy violations the page reported (directive and what was blocked). */
  violations(): Promise<string[]>;
  /** What the report's script measured from its start to the finished first render. */
  readyMs: number;
  /** Milliseconds from navigation start to the finished first render (parsing the page and its data included). */
  readyAt: number;
}

export interface TestBrowser {
  context: BrowserContext;
  /** Opens an HTML file (file://) and waits until the report has drawn itself. */
  open(path: string, opts?: { colorScheme?: 'light' | 'dark' }): Promise<OpenedPage>;
}

/** Where the browser's profile goes and who closes it: a test Fixture, or the bench's temp dir and cleanup. */
export interface BrowserHost {
  subdir(name: string): Promise<string>;
  onCleanup(fn: () => Promise<void>): void;
}

/** A browser with a fresh profile in the host's temp dir, closed at the host's cleanup. */
export async function startBrowser(
  fx: BrowserHost,
  opts: { viewport?: { width: number; height: number } } = {},
): Promise<TestBrowser> {
  const missing = CHROMIUM.missing();
  if (missing) throw new Error(missing);
  const context = await chromium.launchPersistentContext(await fx.subdir('chromium-profile'), {
    executablePath: CHROMIUM.path,
    headless: true,
    args: ARGS,
    viewport: opts.viewport ?? { width: 1200, height: 900 },
    timeout: 30_000,
  });
  fx.onCleanup(() => context.close());
  // Runs before any page script (injected through the DevTools protocol, so the page's CSP does not apply).
  await context.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e: any) =>
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`),
    );
  });
  return {
    context,
    async open(path, o = {}) {
      const page = await context.newPage();
      await page.emulateMedia({ colorScheme: o.colorScheme ?? 'light' });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
      await page.goto(pathToFileURL(path).href);
      await page.waitForSelector('html[data-ready-ms]', { timeout: 30_000 });
      const readyMs = Number(await page.getAttribute('html', 'data-ready-ms'));
      const readyAt = Number(await page.getAttribute('html', 'data-ready-at'));
      return {
        page,
        problems,
        readyMs,
        readyAt,
        violations: () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations),
      };
    },
  };
}
