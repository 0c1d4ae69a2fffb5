// `-o html` in Debian's headless Chromium: the page loads with no console error and no CSP violation, the
// waterfall's bars follow the step timings, copy buttons copy exactly the command, text a registry or the
// cluster sends stays inert text, the keyboard reaches every finding, and a 2,500-finding scan is all there.
/* eslint-disable @typescript-eslint/no-explicit-any -- the page functions run in the browser; the test program
   has no DOM types (lib "dom" would change Node's fetch and Buffer types for the whole project) */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { generateSnapshot } from '../../bench/scan-snapshot.ts';
import { planRepos } from '../../bench/scan-registry.ts';
import { seeded } from '../../bench/scan-random.ts';
import { stepParts } from '../../src/report/commands.ts';
import { buildCli, ROOT, show, type Cli } from '../cli/cli.ts';
import { startBrowser, type OpenedPage, type TestBrowser } from '../helpers/browser.ts';
import * as faults from '../helpers/faults.ts';
import { useFixture } from '../helpers/fixture.ts';
import { buildIndexLayout } from '../helpers/oci.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { CHROMIUM, needs } from '../helpers/tools.ts';

declare const window: any;
declare const document: any;
declare const navigator: any;
declare const getComputedStyle: any;

const SNAPSHOT = join(ROOT, 'test/fixtures/cluster/snapshot.json');
const AMD = ['--platform', 'linux/amd64'];
/** Markup a hostile registry or cluster object could send. Each part would set window.__pwned if it ever ran. */
const INJECT = `<img src=x onerror="window.__pwned='img'"><script>window.__pwned='script'</script></script><svg onload="window.__pwned='svg'">`;

interface StepData {
  name: string;
  ms: number;
}

/** Nothing went wrong while the page loaded and was used. */
async function assertClean(o: OpenedPage, what: string): Promise<void> {
  assert.deepEqual(o.problems, [], `${what}: console errors or failed requests`);
  assert.deepEqual(await o.violations(), [], `${what}: CSP violations`);
  assert.equal(await o.page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned), undefined);
}

/** Each step's bar against its track, in pixels, with the step's duration from the embedded data. */
async function bars(page: Page, section: number) {
  return page.evaluate((i) => {
    const sec = document.querySelectorAll('section.probe')[i]!;
    return [...sec.querySelectorAll('li.step')].map((li: any) => {
      const track = li.querySelector('.st-track')!.getBoundingClientRect();
      const bar = li.querySelector('.st-bar')!.getBoundingClientRect();
      return {
        name: li.getAttribute('data-step')!,
        left: bar.left - track.left,
        width: bar.width,
        track: track.width,
        shown: li.querySelector('.st-ms')!.textContent,
      };
    });
  }, section);
}

describe('HTML reports in headless Chromium', needs(CHROMIUM), () => {
  const fx = useFixture();
  let cli: Cli;
  let browser: TestBrowser;
  let reg: RunningRegistry;

  before(async () => {
    const [built, b, registry] = await Promise.all([buildCli(fx), startBrowser(fx), fx.registry()]);
    cli = built;
    browser = b;
    reg = registry;
    const img = await buildIndexLayout(await fx.subdir('img'), { images: ['linux/amd64', 'linux/arm64'] });
    await pushImage(img, `docker://${reg.host}/team/app:1.0`, { tlsVerify: false });
  });

  /** Runs the CLI, checks the exit code, writes the page to a file and opens it. */
  async function report(args: string[], code: number, scheme: 'light' | 'dark' = 'light') {
    const r = await cli.run([...args, '-o', 'html'], { killAfterMs: 60_000 });
    assert.equal(r.code, code, show({ ...r, stdout: r.stdout.slice(0, 2000) }));
    assert.equal(r.stderr, '');
    const file = join(await fx.subdir('report'), 'report.html');
    await writeFile(file, r.stdout);
    return { html: r.stdout, file, opened: await browser.open(file, { colorScheme: scheme }) };
  }

  test('probe: clean load, a section per image, and bars that follow the step timings', async () => {
    const images = [`${reg.host}/team/app:1.0`, `${reg.host}/team/app:1.4`];
    const { html, opened } = await report(['probe', ...images, '--plain-http', ...AMD], 1);
    const { page } = opened;
    await assertClean(opened, 'probe report');
    assert.doesNotMatch(
      html,
      /<(link|img|iframe|object)[^>]+(src|href)="(https?:)?\/\//,
      'no external resource',
    );
    const data = await page.evaluate(
      () =>
        JSON.parse(document.getElementById('regdoctor-data')!.textContent!) as {
          probes: { image: string; cause: string | null; steps: StepData[] }[];
        },
    );
    assert.deepEqual(
      data.probes.map((p) => [p.image, p.cause]),
      [
        [images[0], null],
        [images[1], 'MANIFEST_NOT_FOUND'],
      ],
    );
    const headings = await page.locator('section.probe h2').allTextContents();
    assert.deepEqual(headings, images);
    assert.match(await page.locator('section.probe').nth(0).innerText(), /PULLABLE/);
    assert.match(await page.locator('section.probe').nth(1).innerText(), /MANIFEST_NOT_FOUND/);

    for (const [i, probe] of data.probes.entries()) {
      const measured = await bars(page, i);
      assert.deepEqual(
        measured.map((b) => b.name),
        probe.steps.map((s) => s.name),
      );
      const total = probe.steps.reduce((a, s) => a + s.ms, 0);
      let at = 0;
      for (const [k, s] of probe.steps.entries()) {
        const b = measured[k]!;
        const width = (s.ms / total) * b.track;
        const left = (at / total) * b.track;
        at += s.ms;
        // 2px is the least a bar is drawn with, so that a 0.1ms step is still seen.
        assert.ok(Math.abs(b.width - Math.max(width, 2)) <= 1.5, `${s.name}: ${b.width}px for ${width}px`);
        assert.ok(Math.abs(b.left - left) <= 1.5, `${s.name} starts at ${b.left}px, not ${left}px`);
        assert.match(b.shown!, /^\d+(\.\d)?ms$|^\d+\.\d\ds$/);
      }
      // The longest step has the widest bar: the chart is not uniform.
      const longest = probe.steps.reduce((m, s, k) => (s.ms > probe.steps[m]!.ms ? k : m), 0);
      assert.equal(Math.max(...measured.map((b) => b.width)), measured[longest]!.width);
    }
  });

  test('scan: copy buttons put exactly the command on the clipboard, a substring of the JSON remediation', async () => {
    const args = ['scan', '--snapshot', SNAPSHOT, '--no-probe'];
    const json = await cli.run([...args, '-o', 'json']);
    const findings = (
      JSON.parse(json.stdout) as {
        findings: { namespace: string; pod: string; container: string; remediation: string[] }[];
      }
    ).findings;
    const { opened } = await report(args, 1);
    const { page } = opened;
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.click('#expand-all');
    const ids = await page.locator('details.finding').evaluateAll((els) => els.map((e) => e.id));
    assert.equal(ids.length, findings.length);
    let copied = 0;
    for (const id of ids) {
      const f = findings[Number(id.slice(2))]!;
      await page.click(`#${id} > summary`);
      await page.waitForSelector(`#${id} > .body`);
      const buttons = page.locator(`#${id} button.copy`);
      for (let k = 0; k < (await buttons.count()); k++) {
        const shown = await buttons
          .nth(k)
          .evaluate((b) => b.parentElement!.querySelector('code')!.textContent);
        await page.evaluate(() => navigator.clipboard.writeText('(nothing copied)'));
        await buttons.nth(k).click();
        await page.waitForFunction(
          (b) => b.textContent!.startsWith('Copied'),
          await buttons.nth(k).elementHandle(),
        );
        const clip = await page.evaluate(() => navigator.clipboard.readText());
        assert.equal(clip, shown);
        assert.ok(
          f.remediation.some((step) => step.includes(clip)),
          `${f.namespace}/${f.pod}: ${clip} is not in the remediation`,
        );
        assert.match(clip, /^[a-z][\w.-]* \S/, 'a program and its arguments, no prose before it');
        copied++;
      }
    }
    // One button per command the remediation holds (stepParts is tested on its own in commands.test.ts).
    const expected = findings.flatMap((f) => f.remediation.flatMap((step) => stepParts(step)));
    assert.equal(copied, expected.filter((p) => 'command' in p).length);
    assert.ok(copied >= findings.length, `${copied} commands copied for ${findings.length} findings`);
    // The secret fix of the Opaque pull secret, whole, quotes and && included.
    await page.click('#expand-all');
    const legacy = findings.findIndex((f) => f.pod === 'legacy-app');
    await page.click(`#f-${legacy} > summary`);
    await page.waitForSelector(`#f-${legacy} > .body`);
    const codes = await page.locator(`#f-${legacy} .cmd code`).allTextContents();
    assert.ok(
      codes.includes(
        'kubectl delete secret docker-creds -n tools && kubectl create secret docker-registry docker-creds --docker-server=registry.example.com --docker-username=<user> --docker-password=<password> -n tools',
      ),
      codes.join('\n'),
    );
    await assertClean(opened, 'scan report');
  });

  test('markup in a registry error stays visible, inert text', async () => {
    const fault = await fx.start(
      faults.status(500, { on: ['manifest'], body: { errors: [{ code: 'UNKNOWN', message: INJECT }] } }),
    );
    const { html, opened } = await report(['probe', `${fault.host}/team/app:1`, '--plain-http', ...AMD], 1);
    const { page } = opened;
    assert.ok(!html.includes('<img src=x'), 'the raw markup is not in the file as markup');
    await assertClean(opened, 'injected probe report');
    const text = await page.locator('main').innerText();
    const data = await page.evaluate(
      () => JSON.parse(document.getElementById('regdoctor-data').textContent).probes[0],
    );
    // The summary quotes the registry's message as a JSON string (its quotes escaped); all of it is on screen.
    assert.ok(data.summary.includes(JSON.stringify(INJECT)), data.summary);
    assert.ok(text.includes(data.summary), `the markup shows literally:\n${text}`);
    assert.equal(await page.locator('img, svg, iframe').count(), 0);
    assert.equal(await page.locator('script').count(), 2, 'only the data block and the report script');
    // Defence in depth: even markup assigned on purpose is refused (Trusted Types), and reported.
    const refused = await page.evaluate(() => {
      try {
        document.body.insertAdjacentHTML('beforeend', '<b id=x>x</b>');
        return 'inserted';
      } catch (e) {
        return (e as Error).name;
      }
    });
    assert.equal(refused, 'TypeError');
    assert.match((await opened.violations()).join('\n'), /require-trusted-types-for/);
  });

  test('markup in a pod message (the cluster, not a registry) stays text too, even a </script>', async () => {
    const snap = JSON.parse(await readFile(SNAPSHOT, 'utf8')) as { items: Record<string, unknown>[] };
    const pod = snap.items.find(
      (o) => o.kind === 'Pod' && (o.metadata as { name: string }).name === 'legacy-app',
    ) as { status: { containerStatuses: { state: { waiting: { message: string } } }[] } };
    pod.status.containerStatuses[0]!.state.waiting.message += ` ${INJECT}`;
    const file = join(await fx.subdir('snap'), 'snap.json');
    await writeFile(file, JSON.stringify(snap));
    const { opened } = await report(['scan', '--snapshot', file, '--no-probe'], 1);
    const { page } = opened;
    await page.fill('#filter', 'legacy-app');
    await page.waitForFunction(() => document.querySelectorAll('details.finding').length === 1);
    await page.click('details.finding > summary');
    assert.ok((await page.locator('details.finding .msg').innerText()).endsWith(INJECT));
    assert.equal(await page.locator('img, svg').count(), 0);
    await assertClean(opened, 'injected scan report');
  });

  test('secrets are *** in the page: the password and its base64 never reach the file', async () => {
    const password = 'hunter2-Secret-Pass';
    const fault = await fx.start(
      faults.status(401, {
        on: ['manifest'],
        body: { errors: [{ code: 'UNAUTHORIZED', message: `bad password ${password} for ci` }] },
      }),
    );
    const r = await cli.run(
      ['probe', `${fault.host}/team/app:1`, '--plain-http', '-u', 'ci', '--password-stdin', '-o', 'html'],
      { input: `${password}\n` },
    );
    assert.equal(r.code, 1, show(r));
    assert.ok(r.stdout.includes('bad password *** for ci'), 'the message is kept, the secret is not');
    for (const form of [password, Buffer.from(password).toString('base64').slice(0, 20)])
      assert.ok(!r.stdout.includes(form), `${form} leaked`);
  });

  test('keyboard: skip link, then j/k through findings, Enter opens one, / filters', async () => {
    const { opened } = await report(['scan', '--snapshot', SNAPSHOT, '--no-probe'], 1);
    const { page } = opened;
    const focused = () =>
      page.evaluate(() => {
        const a = document.activeElement!;
        return { tag: a.tagName, id: a.id, text: a.textContent ?? '', finding: a.parentElement?.id ?? '' };
      });
    await page.keyboard.press('Tab');
    assert.equal((await focused()).text, 'Skip to the report');
    await page.keyboard.press('Enter');
    assert.equal((await focused()).id, 'main');
    await page.keyboard.press('j');
    const first = await focused();
    assert.equal(first.tag, 'SUMMARY');
    assert.match(first.finding, /^f-\d+$/);
    await page.keyboard.press('Enter');
    assert.ok(await page.locator(`#${first.finding}`).evaluate((d: any) => d.open));
    assert.match(await page.locator(`#${first.finding} .body`).innerText(), /Evidence/);
    await page.keyboard.press('j');
    const second = await focused();
    assert.notEqual(second.finding, first.finding);
    await page.keyboard.press('k');
    assert.equal((await focused()).finding, first.finding);
    // Tab alone gets there too: every finding is a native, focusable <summary>.
    await page.keyboard.press('/');
    assert.equal((await focused()).id, 'filter');
    await page.keyboard.type('toolbox');
    await page.waitForFunction(() => document.querySelectorAll('details.finding').length === 1);
    let reached = '';
    for (let i = 0; i < 20 && !reached.startsWith('f-'); i++) {
      await page.keyboard.press('Tab');
      reached = (await focused()).finding;
    }
    assert.match(reached, /^f-\d+$/, 'Tab reaches the finding');
    await assertClean(opened, 'keyboard');
  });

  test('pod and inspect reports load clean; dark mode is dark, light is light', async () => {
    const pod = await report(['pod', 'db-0', '-n', 'data', '--snapshot', SNAPSHOT, '--no-probe'], 1, 'dark');
    await assertClean(pod.opened, 'pod report');
    assert.match(await pod.opened.page.locator('main').innerText(), /Events \(\d+\)[\s\S]*UNAUTHORIZED/);
    const inspect = await report(['inspect', `${reg.host}/team/app:1.0`, '--plain-http'], 0);
    await assertClean(inspect.opened, 'inspect report');
    assert.deepEqual(await inspect.opened.page.locator('main h2').allTextContents(), [
      'linux/amd64',
      'linux/arm64',
    ]);
    const luminance = (o: OpenedPage) =>
      o.page.evaluate(() => {
        const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\d+/g)!.map(Number);
        return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
      });
    assert.ok((await luminance(pod.opened)) < 0.2);
    assert.ok((await luminance(inspect.opened)) > 0.8);
  });

  test('2,500 findings: every one is in the page and reachable, filtering finds one', async () => {
    const dir = await fx.subdir('big');
    const snap = await generateSnapshot(seeded(7), planRepos(seeded(6), 300), '127.0.0.1:9', dir, {
      pods: 2500,
      nodes: 20,
      failingPods: 2500,
      uniqueImages: 900,
      missingRepoShare: 0.1,
      transientShare: 0.1,
    });
    const { opened } = await report(['scan', '--snapshot', snap.path, '--no-probe'], 1);
    const { page } = opened;
    const data = await page.evaluate(
      () =>
        (
          JSON.parse(document.getElementById('regdoctor-data')!.textContent!) as {
            data: { findings: { pod: string; container: string }[] };
          }
        ).data.findings,
    );
    assert.equal(data.length, 2500);
    // Collapsed at first: the page does not build what nobody opened.
    assert.equal(await page.locator('details.finding').count(), 0);
    await page.click('#expand-all');
    // Shown: no closed <details> around it (groups off screen skip layout, so rects would say nothing).
    const rows = await page.locator('details.finding').evaluateAll((els) =>
      els.map((d: any) => ({
        i: Number(d.getAttribute('data-finding')),
        text: d.querySelector('summary').textContent,
        visible: !d.parentElement.closest('details:not([open])'),
        focusable: d.querySelector('summary').tabIndex >= 0,
      })),
    );
    assert.equal(rows.length, 2500);
    assert.deepEqual(
      rows.map((r) => r.i).sort((a, b) => a - b),
      data.map((_, i) => i),
    );
    for (const r of rows) {
      assert.ok(r.visible && r.focusable, `finding ${r.i} is not reachable`);
      assert.ok(r.text.includes(data[r.i]!.pod), `finding ${r.i} does not name its pod`);
    }
    // Focus really lands on them, wherever they are in the page.
    for (let k = 0; k < rows.length; k += 250) {
      const id = `f-${rows[k]!.i}`;
      await page.focus(`#${id} > summary`);
      assert.equal(await page.evaluate(() => document.activeElement.parentElement.id), id);
    }
    // Every finding opens to its evidence (built on demand).
    const last = rows.at(-1)!.i;
    await page.click(`#f-${last} > summary`);
    await page.waitForSelector(`#f-${last} > .body`);
    assert.match(await page.locator(`#f-${last} .body`).innerText(), /Evidence/);
    await page.fill('#filter', data[1234]!.pod);
    await page.waitForFunction(() => document.querySelectorAll('details.finding').length === 1);
    assert.equal(await page.locator('details.finding').getAttribute('data-finding'), '1234');
    await assertClean(opened, '2,500 findings');
  });
});
