// `-o html`: one self-contained page (no external resource of any kind, works offline). The report's data rides
// in a JSON block; the inline script draws it with textContent only. A strict Content-Security-Policy admits
// exactly this page's one script and one stylesheet by hash, loads nothing, and turns on Trusted Types, so
// markup injected through a registry's error text could never run even if it reached the DOM as markup.
import { createHash } from 'node:crypto';
import { CAUSE_TITLES } from '../cause/index.ts';
import { CLIENT_SCRIPT } from './html-client.ts';
import type { HtmlReport } from './html-model.ts';
import { STYLE } from './html-style.ts';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for an HTML text node or a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/**
 * JSON safe inside <script type="application/json">: no "<" at all, so neither "</script" nor "<!--" can end or
 * change the block; U+2028/2029 escaped for old parsers.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${hash(CLIENT_SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** Cause titles for the codes the report mentions (the page shows "MANIFEST_NOT_FOUND — the repository …"). */
function causeTitles(r: HtmlReport): Record<string, string> {
  const text = JSON.stringify([r.probes, r.data]);
  const out: Record<string, string> = {};
  for (const [code, title] of Object.entries(CAUSE_TITLES)) if (text.includes(`"${code}"`)) out[code] = title;
  return out;
}

export interface HtmlOptions {
  /** The plain-text report, shown when scripts cannot run (a viewer that strips them). */
  fallbackText?: string;
}

export function renderHtml(r: HtmlReport, opts: HtmlOptions = {}): string {
  const payload = scriptJson({ ...r, causeTitles: causeTitles(r) });
  const when = r.meta.generatedAt;
  const fallback = opts.fallbackText
    ? `<p>Scripts are off, so here is the text report:</p><pre>${escapeHtml(opts.fallbackText)}</pre>`
    : '<p>Scripts are off; the report data is in the JSON block of this file.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CONTENT_SECURITY_POLICY)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="regdoctor ${escapeHtml(r.meta.version)}">
<title>regdoctor: ${escapeHtml(r.title)}</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the report</a>
<header>
<h1>regdoctor <span class="muted">·</span> ${escapeHtml(r.title)}</h1>
<p class="meta"><span class="mono">${escapeHtml(r.meta.command)}</span> · <time datetime="${escapeHtml(when)}">${escapeHtml(when)}</time> · regdoctor ${escapeHtml(r.meta.version)}</p>
</header>
<main id="main" tabindex="-1" aria-busy="true">
<noscript>${fallback}</noscript>
</main>
<footer>Made by regdoctor ${escapeHtml(r.meta.version)}. Secrets are shown as ***. This file loads nothing from the network.</footer>
<div id="live" class="sr-only" aria-live="polite"></div>
<script type="application/json" id="regdoctor-data">${payload}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
