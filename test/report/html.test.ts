// The HTML page as text: its CSP admits exactly its own script and stylesheet, the data block cannot be broken
// out of, nothing but textContent builds the DOM, and every string is redacted before it is embedded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { registerSecret, redact } from '../../src/credentials/index.ts';
import { CLIENT_SCRIPT } from '../../src/report/html-client.ts';
import { probeReport, redactDeep, type ReportMeta } from '../../src/report/html-model.ts';
import { CONTENT_SECURITY_POLICY, escapeHtml, renderHtml, scriptJson } from '../../src/report/html.ts';
import type { ProbeResult } from '../../src/result/index.ts';

const META: ReportMeta = {
  command: 'regdoctor probe x',
  generatedAt: '2026-01-01T00:00:00Z',
  version: '0.1.0',
};

function probe(summary: string, image = 'r.example.com/team/app:1'): ProbeResult {
  return {
    image,
    reference: { registry: 'r.example.com', repository: 'team/app', tag: '1', digest: null },
    platform: 'linux/amd64',
    cause: 'REGISTRY_ERROR',
    confidence: 'certain',
    summary,
    remediation: ['Confirm: regdoctor probe r.example.com/team/app:1'],
    steps: [{ name: 'manifest', ok: false, ms: 3, summary, detail: { message: summary } }],
  };
}

const sha = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

test('the CSP admits the page inline script and stylesheet by hash, loads nothing, and enforces Trusted Types', () => {
  const page = renderHtml(probeReport([probe('x')], META, (s) => s));
  const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
  assert.equal(scripts.length, 1);
  assert.equal(styles.length, 1);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/
    .exec(page)![1]!
    .replace(/&#39;/g, "'");
  assert.equal(csp, CONTENT_SECURITY_POLICY);
  const directives = new Map(csp.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1).join(' ')]));
  assert.equal(directives.get('default-src'), "'none'");
  assert.equal(directives.get('script-src'), sha(scripts[0]!));
  assert.equal(directives.get('style-src'), sha(styles[0]!));
  assert.equal(directives.get('require-trusted-types-for'), "'script'");
  assert.equal(directives.get('trusted-types'), "'none'");
  // The CSP comes before anything it must govern.
  assert.ok(page.indexOf('Content-Security-Policy') < page.indexOf('<style>'));
  assert.doesNotMatch(page, /\b(src|href)="(?!data:|#)/, 'no resource outside the file');
});

test('the client script never turns a string into markup or code', () => {
  for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'Function('])
    assert.ok(!CLIENT_SCRIPT.includes(sink), sink);
  assert.ok(!CLIENT_SCRIPT.includes('`'), 'no template literal: the script is a String.raw body');
  // Attributes set from data are never URLs or handlers: href only ever gets an in-page anchor.
  assert.doesNotMatch(CLIENT_SCRIPT, /href: (?!'#)/);
  new Function(CLIENT_SCRIPT); // parses
});

test('scriptJson: no "<" survives, so no data can close the block; it parses back to the same value', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.string(), (v, s) => {
      const value = { v, s: `${s}</script><!--<script>${s}` };
      const out = scriptJson(value);
      assert.ok(!out.includes('<'));
      assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(value)));
    }),
  );
  assert.equal(scriptJson('\u2028'), '"\\u2028"');
});

test('escapeHtml: text and attribute values', () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&amp;</a>`),
    '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
  );
  const page = renderHtml(
    probeReport([probe('x', 'r.example.com/<b>')], { ...META, command: '<i>"' }, (s) => s),
  );
  assert.ok(page.includes('<title>regdoctor: probe r.example.com/&lt;b&gt;</title>'));
  assert.ok(page.includes('&lt;i&gt;&quot;'));
  assert.ok(!page.includes('<b>') && !page.includes('<i>'));
});

test('every string of the report is redacted, keys and the fallback text included', () => {
  const secret = 'pw-8c1f0e6a-report';
  registerSecret(secret);
  const r = probeReport(
    [probe(`denied for ${secret}`)],
    { ...META, command: `regdoctor probe ${secret}` },
    redact,
  );
  const page = renderHtml(r, { fallbackText: redact(`text ${secret}`) });
  assert.ok(!page.includes(secret));
  assert.ok(!page.includes(Buffer.from(secret).toString('base64').slice(0, 16)));
  assert.ok(page.includes('denied for ***'));
  assert.deepEqual(redactDeep({ [secret]: [secret, 1, null, true, { x: secret }] }, redact), {
    '***': ['***', 1, null, true, { x: '***' }],
  });
});

test('probes shared by findings are stored once; remediation becomes prose and commands', () => {
  const p = probe('x');
  const r = probeReport([p, p], META, (s) => s);
  assert.equal(r.probes.length, 1);
  assert.deepEqual((r.probes[0] as { fix: unknown }).fix, [
    [{ text: 'Confirm: ' }, { command: 'regdoctor probe r.example.com/team/app:1' }],
  ]);
});

test('without scripts the page shows the text report, escaped', () => {
  const page = renderHtml(
    probeReport([probe('x')], META, (s) => s),
    { fallbackText: 'a <b> & "c"\nline 2' },
  );
  const noscript = /<noscript>([\s\S]*?)<\/noscript>/.exec(page)![1]!;
  assert.match(noscript, /<pre>a &lt;b&gt; &amp; &quot;c&quot;\nline 2<\/pre>/);
});
