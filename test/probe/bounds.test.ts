// Bounded work against hostile registries (issue 9, item 9): a probe ends within its one total deadline however the
// registry spreads its slowness (every answer just under the per-request timeout, slow redirects, a missing tag
// with slow tag pages), and a tag listing is bounded in bytes and pages, survives a page of 150,000 tags, and reads a
// self-linking `Link` once.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { LIMITS } from '../../src/registry/limits.ts';
import { probeImage } from '../../src/probe/probe.ts';
import { Session } from '../../src/registry/session.ts';
import { AMD64, assertFailure, plainHttp, probeOnce, step } from './support.ts';

const opts = { platform: AMD64, plainHttp };

const image = (host: string, tag = '1') => `${host}/team/app:${tag}`;

/** Runs `fn` and returns its result with the wall time it took. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}

describe('probe: one total deadline', () => {
  const fx = useFixture();

  test('every answer delayed just under the per-request timeout: the probe ends at its deadline', async () => {
    const s = await fx.start(faults.slow(700));
    const { value, ms } = await timed(() =>
      probeOnce(image(s.host), { plainHttp, budget: { deadlineMs: 2000 } }, { timeoutMs: 1000 }),
    );
    const st = assertFailure(
      value.result,
      'NETWORK_TIMEOUT',
      step(value.result, 'ping').ok ? 'manifest' : 'ping',
    );
    assert.match(st.summary, /deadline of 2 s for the whole operation ran out/);
    assert.equal(st.detail.deadlineMs, 2000);
    // Without a deadline the probe would take ping + HEAD + GET + config + blob ≈ 5 × 700 ms.
    assert.ok(ms < 2600, `took ${Math.round(ms)} ms`);
  });

  test("one probe's deadline running out during the dial and ping does not fail the next probe of the session", async () => {
    const s = await fx.start(faults.slow(300));
    const session = new Session({ timeoutMs: 2000 });
    try {
      const first = await probeImage(image(s.host), session, { ...opts, budget: { deadlineMs: 100 } });
      assert.equal(first.cause, 'NETWORK_TIMEOUT', first.summary);
      const second = await probeImage(image(s.host), session, { ...opts, budget: { deadlineMs: 10_000 } });
      assert.equal(second.cause, null, second.summary);
    } finally {
      await session.close();
    }
  });

  test('slow redirects on the way to a blob: the deadline, not the redirect count, ends the probe', async () => {
    const s = await fx.start(faults.slowRedirects(4, 400));
    const { value, ms } = await timed(() =>
      probeOnce(image(s.host), { plainHttp, budget: { deadlineMs: 1500 } }, { timeoutMs: 1000 }),
    );
    assertFailure(value.result, 'NETWORK_TIMEOUT', 'config');
    assert.ok(ms < 2100, `took ${Math.round(ms)} ms`);
    assert.ok(s.requests.filter((r) => r.url.startsWith('/hop/')).length <= 3);
  });

  test('the same redirects within a roomy deadline are followed and the image pulls', async () => {
    const s = await fx.start(faults.slowRedirects(2, 10));
    const { result } = await probeOnce(image(s.host), { plainHttp, budget: { deadlineMs: 10_000 } });
    assert.equal(result.cause, null, result.summary);
    assert.equal((step(result, 'blob').detail.redirects as string[]).length, 2);
  });

  test('a missing tag and ten slow tag pages: the deadline ends the listing and the probe', async () => {
    const s = await fx.start(faults.tagPages({ pages: 10, tagsPerPage: 100, delayMs: 500 }));
    const { value, ms } = await timed(() =>
      probeOnce(image(s.host, 'gone'), { plainHttp, budget: { deadlineMs: 1800 } }, { timeoutMs: 1000 }),
    );
    assert.ok(ms < 2400, `took ${Math.round(ms)} ms`);
    assert.ok(s.served.pages < 10, `${s.served.pages} pages`);
    // The manifest refusal stands; the listing that could not finish does not turn it into something else.
    assertFailure(value.result, 'MANIFEST_NOT_FOUND', 'manifest');
  });
});

describe('probe: tag listings are bounded', () => {
  const fx = useFixture();

  test('pages of 3 MiB stop at the byte cap (not ten pages), and the list is marked cut short', async () => {
    const s = await fx.start(faults.tagPages({ pages: 10, tagsPerPage: 1000, pageBytes: 3 * 1024 * 1024 }));
    const { result } = await probeOnce(image(s.host, 'gone'), { plainHttp });
    const st = assertFailure(result, 'MANIFEST_NOT_FOUND', 'manifest');
    assert.ok(s.served.bytes <= LIMITS.tagBytes + 3 * 1024 * 1024, `${s.served.bytes} bytes served`);
    assert.ok(s.served.pages <= 3, `${s.served.pages} pages`);
    assert.equal(st.detail.tagListCut, 'bytes');
    assert.match(st.summary, /exists \(\d+ tags\) but has no tag "gone"/);
  });

  test('one page of 150,000 tags is read whole (no stack overflow hidden behind a generic message)', async () => {
    const s = await fx.start(faults.tagPages({ pages: 1, tagsPerPage: 150_000 }));
    const { result } = await probeOnce(image(s.host, 'gone'), { plainHttp });
    const st = assertFailure(result, 'MANIFEST_NOT_FOUND', 'manifest');
    assert.equal(st.detail.tagCount, 150_000 > LIMITS.tags ? LIMITS.tags : 150_000);
    assert.match(st.summary, /team\/app exists \(1\d{5} tags\)/);
  });

  test('a Link that points at its own page is read once, and no tag is counted twice', async () => {
    const s = await fx.start(faults.tagPages({ pages: 1, tagsPerPage: 7, selfLink: true }));
    const { result } = await probeOnce(image(s.host, 'gone'), { plainHttp });
    const st = assertFailure(result, 'MANIFEST_NOT_FOUND', 'manifest');
    assert.equal(s.served.pages, 1);
    assert.equal(st.detail.tagCount, 7);
    assert.equal(st.detail.tagListCut, 'loop');
  });

  test('an endless chain of pages stops at the page cap', async () => {
    const s = await fx.start(faults.tagPages({ pages: Infinity, tagsPerPage: 3 }));
    const { result } = await probeOnce(image(s.host, 'gone'), { plainHttp });
    const st = assertFailure(result, 'MANIFEST_NOT_FOUND', 'manifest');
    assert.equal(s.served.pages, LIMITS.tagPages);
    assert.equal(st.detail.tagCount, 3 * LIMITS.tagPages);
    assert.equal(st.detail.tagListCut, 'pages');
  });
});
