// The HTML report's stylesheet, inlined into the page (allowed by its hash in the page's Content-Security-Policy).
// Light and dark follow prefers-color-scheme; every state is also carried by an icon and a word, never by
// colour alone.
export const STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa; --panel2: #eef1f4;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --bar: #0969da; --bar-bg: #e7ecf0; --focus: #0969da;
  --code-bg: #eef1f4; --link: #0550ae;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23; --panel2: #1f2630;
    --ok: #3fb950; --bad: #ff7b72; --warn: #d29922; --bar: #4493f8; --bar-bg: #262c36; --focus: #4493f8;
    --code-bg: #1f2630; --link: #79c0ff;
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; padding-bottom: 8px; border-bottom: 1px solid var(--border); }
h1 { font-size: 1.5rem; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 1.25rem; margin: 28px 0 10px; overflow-wrap: anywhere; }
h3, h4 { font-size: 1rem; margin: 0; display: inline; }
a { color: var(--link); }
code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.875rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
.meta { color: var(--muted); margin: 0; font-size: 0.875rem; overflow-wrap: anywhere; }
.skip { position: absolute; left: 8px; top: -60px; background: var(--bg); color: var(--link); padding: 8px 12px; border: 2px solid var(--focus); z-index: 10; }
.skip:focus { top: 8px; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
/* Inside the groups' paint containment (content-visibility) an outline must not reach past the group's box. */
summary:focus-visible { outline-offset: -3px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); } .muted { color: var(--muted); }
.icon { display: inline-block; width: 1.2em; text-align: center; font-weight: 700; }
.banner { margin: 16px 0 0; padding: 12px 16px; border: 1px solid var(--border); border-left: 6px solid var(--muted); border-radius: 6px; background: var(--panel); font-size: 1.05rem; }
.banner-ok { border-left-color: var(--ok); } .banner-bad { border-left-color: var(--bad); }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 12px 0; }
.stats div { border: 1px solid var(--border); border-radius: 6px; padding: 8px 12px; background: var(--panel); }
.stats dt { color: var(--muted); font-size: 0.8rem; }
.stats dd { margin: 0; font-size: 1.35rem; font-weight: 600; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--border); vertical-align: top; overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; font-size: 0.85rem; }
td.code { white-space: nowrap; overflow-wrap: normal; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.share { width: 30%; }
.meter { height: 0.7em; background: var(--bar-bg); border-radius: 3px; position: relative; margin-top: 0.45em; }
.meter > span { position: absolute; left: 0; top: 0; bottom: 0; background: var(--bar); border-radius: 3px; min-width: 2px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.toolbar { display: flex; flex-wrap: wrap; gap: 10px 18px; align-items: center; padding: 10px 12px; margin: 8px 0 12px; border: 1px solid var(--border); border-radius: 6px; background: var(--panel); position: sticky; top: 0; z-index: 2; }
.toolbar fieldset { border: 0; margin: 0; padding: 0; display: flex; gap: 10px; align-items: center; }
.toolbar legend { float: left; margin-right: 6px; color: var(--muted); }
.toolbar input[type=search] { font: inherit; padding: 4px 8px; min-width: 18em; border: 1px solid var(--border); border-radius: 4px; background: var(--bg); color: var(--fg); }
button { font: inherit; font-size: 0.85rem; padding: 3px 10px; border: 1px solid var(--border); border-radius: 4px; background: var(--panel2); color: var(--fg); cursor: pointer; }
button:hover { border-color: var(--muted); }
.keys { color: var(--muted); font-size: 0.8rem; }
kbd { font-family: inherit; border: 1px solid var(--border); border-bottom-width: 2px; border-radius: 3px; padding: 0 4px; }
details > summary { cursor: pointer; list-style: none; }
details > summary::-webkit-details-marker { display: none; }
details > summary::before { content: "\\25B8"; display: inline-block; width: 1.1em; color: var(--muted); }
details[open] > summary::before { content: "\\25BE"; }
details.group { border: 1px solid var(--border); border-radius: 6px; margin: 8px 0; background: var(--bg); }
details.group > summary { padding: 8px 12px; background: var(--panel); border-radius: 6px; }
details.group[open] > summary { border-bottom: 1px solid var(--border); border-radius: 6px 6px 0 0; }
details.group > .kids { padding: 4px 12px 8px 20px; }
details.sub { margin: 6px 0; }
/* A group off screen is not laid out: Expand all of 2,500 findings costs what is on screen (bench section 7). */
details.group, details.sub { content-visibility: auto; contain-intrinsic-size: auto 2.4em; }
details.sub > summary { padding: 4px 0; }
details.sub > .kids { padding-left: 18px; border-left: 2px solid var(--border); margin-left: 4px; }
.count { color: var(--muted); font-variant-numeric: tabular-nums; margin-left: 8px; }
.title { color: var(--muted); margin-left: 6px; }
details.finding > summary { padding: 2px 4px; border-radius: 4px; overflow-wrap: anywhere; }
details.finding > summary:hover { background: var(--panel); }
details.finding[open] { border: 1px solid var(--border); border-radius: 6px; margin: 6px 0; }
details.finding[open] > summary { background: var(--panel); }
.body { padding: 8px 12px 12px; }
.body h5 { font-size: 0.9rem; margin: 12px 0 4px; }
.msg { background: var(--code-bg); padding: 6px 8px; border-radius: 4px; }
ul.evidence, ol.fix { margin: 4px 0; padding-left: 1.6em; }
ul.evidence li, ol.fix li { margin: 3px 0; overflow-wrap: anywhere; }
.cmd { display: flex; gap: 8px; align-items: flex-start; margin: 4px 0; }
.cmd code { flex: 1; background: var(--code-bg); padding: 5px 8px; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; border-left: 3px solid var(--bar); }
.cmd button { flex: none; }
.badge { display: inline-block; padding: 0 6px; border-radius: 10px; border: 1px solid var(--border); font-size: 0.8rem; color: var(--muted); margin-left: 6px; white-space: nowrap; }
section.probe { border: 1px solid var(--border); border-radius: 8px; padding: 4px 16px 12px; margin: 16px 0; }
section.probe > h2, section.probe > h3 { margin-top: 12px; display: block; overflow-wrap: anywhere; }
.verdict { font-size: 1.05rem; margin: 8px 0; }
.verdict strong { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
figure.timeline { margin: 10px 0; }
figure.timeline figcaption { color: var(--muted); font-size: 0.85rem; margin-bottom: 4px; }
ol.steps { list-style: none; margin: 0; padding: 0; }
ol.steps > li { display: grid; grid-template-columns: 1.4rem 6.5rem 4.8rem minmax(140px, 1.6fr) minmax(0, 3fr); gap: 0 10px; align-items: start; padding: 3px 0; border-bottom: 1px dashed var(--border); }
ol.steps > li > details { grid-column: 2 / -1; }
ol.steps > li.st-fail .st-name, ol.steps > li.st-fail .st-sum { color: var(--bad); font-weight: 600; }
.st-ms { text-align: right; font-variant-numeric: tabular-nums; }
.st-track { position: relative; height: 1.1em; margin-top: 0.2em; background: var(--bar-bg); border-radius: 2px; }
.st-bar { position: absolute; top: 0; bottom: 0; min-width: 2px; background: var(--bar); border-radius: 2px; }
li.st-fail .st-bar { background: repeating-linear-gradient(135deg, var(--bad) 0 5px, transparent 5px 8px); border: 1px solid var(--bad); }
li.st-reused .st-bar { opacity: 0.45; }
.st-sum { overflow-wrap: anywhere; }
.st-detail summary { color: var(--muted); font-size: 0.8rem; }
.st-detail dl { font-size: 0.85rem; }
.axis { display: grid; grid-template-columns: 1.4rem 6.5rem 4.8rem minmax(140px, 1.6fr) minmax(0, 3fr); gap: 0 10px; color: var(--muted); font-size: 0.75rem; }
.axis span:nth-child(4) { display: flex; justify-content: space-between; }
.layers td.digest { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.8rem; }
footer { color: var(--muted); font-size: 0.8rem; padding-top: 24px; padding-bottom: 24px; }
@media (max-width: 700px) {
  ol.steps > li, .axis { grid-template-columns: 1.4rem 5.5rem 4.5rem 1fr; }
  .st-sum { grid-column: 2 / -1; }
}
@media print { .toolbar, .copy, .skip { display: none; } }
`;
