// probe -o html through a node's runtime, in Debian's headless Chromium: the page loads cleanly and shows the
// runtime, each endpoint in its order with what happened there, which one served, and the endpoint of each step.
/* eslint-disable @typescript-eslint/no-explicit-any -- the page function runs in the browser */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, show, type Cli } from '../cli/cli.ts';
import { startBrowser, type TestBrowser } from '../helpers/browser.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { CHROMIUM, needs } from '../helpers/tools.ts';
import { containerdMirror, nodeRoot } from './node-root.ts';

declare const document: any;

describe('probe -o html through the node runtime', needs(CHROMIUM), () => {
  const fx = useFixture();
  let cli: Cli;
  let browser: TestBrowser;
  let mirror: CountingProxy;
  let up: CountingProxy;
  let root: string;

  before(async () => {
    const [built, b, reg] = await Promise.all([buildCli(fx), startBrowser(fx), fx.registry()]);
    cli = built;
    browser = b;
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    mirror = await fx.start(countingProxy(reg.url));
    mirror.mode = 'fail';
    up = await fx.start(countingProxy(reg.url));
    root = await nodeRoot(
      fx,
      containerdMirror(`registry.test:${up.port}`, `http://${mirror.host}`, `http://${up.host}`),
    );
  });

  test('the endpoints, what served, and each step’s endpoint', async () => {
    const image = `registry.test:${up.port}/team/app:1`;
    const r = await cli.run(['probe', image, '--node-root', root, '--runtime', 'containerd', '-o', 'html']);
    assert.equal(r.code, 0, show({ ...r, stdout: r.stdout.slice(0, 2000) }));
    const file = join(await fx.subdir('report'), 'report.html');
    await writeFile(file, r.stdout);
    const opened = await browser.open(file);
    assert.deepEqual(opened.problems, []);
    assert.deepEqual(await opened.violations(), []);
    const text: string = await opened.page.locator('section.probe').innerText();
    assert.match(text, /runtime\s+containerd/);
    assert.match(text, new RegExp(`mirror\\s+.*http://${mirror.host.replace(/\./g, '\\.')}/v2 — failed: `));
    assert.match(text, new RegExp(`upstream\\s+.*http://${up.host.replace(/\./g, '\\.')}/v2 — served: `));
    assert.match(text, new RegExp(`served by\\s+http://${up.host.replace(/\./g, '\\.')}/v2`));
    const pingOfMirror = await opened.page.evaluate(
      () =>
        [...document.querySelectorAll('li.step[data-step="ping"] .st-sum')].map((e: any) => e.textContent)[0],
    );
    assert.match(String(pingOfMirror), new RegExp(`^http://${mirror.host.replace(/\./g, '\\.')}/v2 `));
  });
});
