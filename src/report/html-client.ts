// The HTML report's script, inlined into the page and allowed by its hash in the page's Content-Security-Policy
// (together with Trusted Types, so no string can ever become markup). It builds the page from the embedded JSON
// with createElement/textContent only: registry-provided text stays text. Big scans stay fast because groups
// and findings are built when they are first opened, never up front.
//
// Plain ES2020 in a string (no backticks, no `${`): it runs in the browser as written, whatever the bundler does
// to the TypeScript around it.
export const CLIENT_SCRIPT = String.raw`(function () {
'use strict';
var started = performance.now();
var R = JSON.parse(document.getElementById('regdoctor-data').textContent);
var main = document.getElementById('main');
var live = document.getElementById('live');
var PROBES = R.probes;
var TITLES = R.causeTitles;

function h(tag, attrs) {
  var el = document.createElement(tag);
  if (attrs) {
    for (var k in attrs) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = String(v);
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
  return el;
}
function add(el, kid) {
  if (kid === null || kid === undefined || kid === false) return;
  if (Array.isArray(kid)) { for (var i = 0; i < kid.length; i++) add(el, kid[i]); return; }
  el.append(typeof kid === 'object' ? kid : String(kid));
}
function num(n) { return Number(n).toLocaleString('en-US'); }
function plural(n, one, many) { return num(n) + ' ' + (n === 1 ? one : (many || one + 's')); }
function fmtMs(ms) { return ms >= 1000 ? (ms / 1000).toFixed(2) + 's' : ms.toFixed(ms < 10 ? 1 : 0) + 'ms'; }
function fmtBytes(n) {
  if (n >= 1073741824) return (n / 1073741824).toFixed(2) + ' GiB';
  if (n >= 1048576) return (n / 1048576).toFixed(1) + ' MiB';
  if (n >= 1024) return (n / 1024).toFixed(1) + ' KiB';
  return n + ' B';
}
function slug(s) { return String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60); }
var ids = 0;
function uid(prefix) { ids++; return prefix + '-' + ids; }
function icon(kind) {
  var c = { ok: '\u2714', bad: '\u2718', warn: '\u26A0', info: '\u2139' }[kind];
  return h('span', { class: 'icon ' + kind, 'aria-hidden': 'true', text: c });
}
function srOnly(t) { return h('span', { class: 'sr-only', text: t }); }
function announce(t) { live.textContent = ''; live.textContent = t; }
function setWidth(el, left, width) { el.style.left = left + '%'; el.style.width = width + '%'; }
function text(v) {
  if (v === null || v === undefined) return '\u2014';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every(function (x) { return typeof x !== 'object' || x === null; })) return v.join(', ');
  return JSON.stringify(v);
}
function facts(rows) {
  var dl = h('dl', { class: 'facts' });
  rows.forEach(function (r) { if (r && r[1] !== undefined) dl.append(h('dt', { text: r[0] }), h('dd', null, r[1])); });
  return dl;
}

// --- fixes: prose with commands, each with a copy button ---
function fixList(fix) {
  if (!fix || !fix.length) return null;
  return h('ol', { class: 'fix' }, fix.map(function (parts) {
    return h('li', null, parts.map(function (p, i) {
      // The command above is a block of its own: a list separator left at the start of the prose is noise.
      if (p.command === undefined) return i > 0 ? p.text.replace(/^[;,] /, '') : p.text;
      return h('div', { class: 'cmd' },
        h('code', { text: p.command }),
        h('button', { type: 'button', class: 'copy', 'aria-label': 'Copy command', text: 'Copy' }));
    }));
  }));
}
function copied(btn, ok) {
  btn.textContent = ok ? 'Copied \u2714' : 'Select + Ctrl+C';
  announce(ok ? 'Command copied to the clipboard' : 'Could not copy; the command is selected');
  setTimeout(function () { btn.textContent = 'Copy'; }, 2000);
}
function fallbackCopy(code, btn) {
  var range = document.createRange();
  range.selectNodeContents(code);
  var sel = getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  var ok = false;
  try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
  copied(btn, ok);
}
document.addEventListener('click', function (e) {
  var btn = e.target.closest && e.target.closest('button.copy');
  if (!btn) return;
  var code = btn.parentNode.querySelector('code');
  var cmd = code.textContent;
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(cmd).then(function () { copied(btn, true); }, function () { fallbackCopy(code, btn); });
  } else fallbackCopy(code, btn);
});

// --- the probe waterfall ---
function timeline(p) {
  var steps = p.steps || [];
  var total = steps.reduce(function (a, s) { return a + s.ms; }, 0);
  var scale = total || 1;
  var at = 0;
  var list = h('ol', { class: 'steps' });
  steps.forEach(function (s) {
    var bar = h('span', { class: 'st-bar', 'data-ms': s.ms });
    setWidth(bar, (at / scale) * 100, (s.ms / scale) * 100);
    at += s.ms;
    var keys = Object.keys(s.detail || {});
    var li = h('li', { class: 'step ' + (s.ok ? 'st-ok' : 'st-fail') + (s.detail && s.detail.reused ? ' st-reused' : ''), 'data-step': s.name },
      icon(s.ok ? 'ok' : 'bad'),
      h('span', { class: 'st-name mono' }, s.name, srOnly(s.ok ? ' ok' : ' failed')),
      h('span', { class: 'st-ms', text: fmtMs(s.ms) }),
      h('span', { class: 'st-track', 'aria-hidden': 'true' }, bar),
      h('span', { class: 'st-sum' }, s.detail && s.detail.endpoint ? h('span', { class: 'muted mono', text: String(s.detail.endpoint) + ' ' }) : null,
        s.summary, s.detail && s.detail.reused ? h('span', { class: 'muted', text: ' (reused)' }) : null));
    if (keys.length) {
      li.append(h('details', { class: 'st-detail' }, h('summary', { text: 'details' }),
        facts(keys.map(function (k) { return [k, text(s.detail[k])]; }))));
    }
    list.append(li);
  });
  return h('figure', { class: 'timeline' },
    h('figcaption', { text: 'Pull steps as a runtime performs them, ' + plural(steps.length, 'step') + ' in ' + fmtMs(total) + '; bars show when each step ran' }),
    h('div', { class: 'axis', 'aria-hidden': 'true' }, h('span'), h('span'), h('span'), h('span', null, h('span', { text: '0' }), h('span', { text: fmtMs(total) })), h('span')),
    list);
}
function verdict(p) {
  if (p.cause === null) {
    return h('p', { class: 'verdict' }, icon('ok'), h('strong', { class: 'ok', text: 'PULLABLE' }), ' \u2014 ', p.summary);
  }
  return h('p', { class: 'verdict' }, icon('bad'), h('strong', { class: 'bad', text: p.cause }),
    h('span', { class: 'badge', text: p.confidence }), ' \u2014 ', TITLES[p.cause] || '');
}
function probeFacts(p) {
  var m = p.manifest;
  var rl = p.rateLimit;
  return facts([
    ['platform', p.platform],
    p.reference ? ['reference', p.reference.registry + '/' + p.reference.repository + (p.reference.tag ? ':' + p.reference.tag : '') + (p.reference.digest ? '@' + p.reference.digest : '')] : null,
    p.credential ? ['credential', p.credential.source + ' (' + p.credential.key + (p.credential.username ? ', user ' + p.credential.username : '') + ')'] : ['credential', 'anonymous'],
    m ? ['manifest', m.mediaType + ' ' + m.digest + ' (' + fmtBytes(m.size) + ')'] : null,
    m && m.platforms.length ? ['platforms', m.platforms.join(', ')] : null,
    m && m.selected ? ['selected', m.selected.platform + ' ' + m.selected.digest] : null,
    rl ? ['rate limit', (rl.remaining === undefined ? '?' : rl.remaining) + ' of ' + (rl.limit === undefined ? '?' : rl.limit) + ' left' + (rl.windowSeconds ? ' per ' + rl.windowSeconds + 's' : '')] : null,
    p.suggestions && p.suggestions.length ? ['nearest tags', p.suggestions.join(', ')] : null,
  ].concat(runtimeFacts(p.runtime)));
}
// Through a node's runtime: the runtime, then each endpoint in its order with what happened there.
function runtimeFacts(rt) {
  if (!rt) return [];
  return [
    ['runtime', rt.name + (rt.version ? ' ' + rt.version : '') + (rt.configFiles.length ? ' (' + rt.configFiles.join(', ') + ')' : '')],
  ].concat(rt.endpoints.map(function (e) {
    return [e.role, h('span', null, icon(e.outcome === 'served' ? 'ok' : e.outcome === 'not-tried' ? 'info' : 'bad'), ' ',
      h('span', { class: 'mono', text: e.url }), ' \u2014 ' + e.outcome + ': ' + e.summary + ' (' + e.from + ')')];
  }), [
    ['served by', rt.servedBy || 'nothing'],
    rt.reported ? [rt.name + ' reports', rt.reported] : null,
  ], rt.findings.filter(function (f) { return f.severity !== 'info'; }).map(function (f) {
    return [f.code, f.message + ' (' + f.from + '); fix: ' + f.fix];
  }));
}
function probeSection(p, level) {
  var id = uid('probe');
  var head = h(level, { id: id }, p.image);
  return h('section', { class: 'probe', 'aria-labelledby': id }, head, verdict(p),
    p.cause !== null ? h('p', { text: p.summary }) : null,
    p.alternatives && p.alternatives.length ? h('p', { class: 'muted', text: 'Could also be: ' + p.alternatives.join(', ') }) : null,
    timeline(p),
    p.fix.length ? [h('h' + (Number(level.slice(1)) + 1), { text: 'How to fix' }), fixList(p.fix)] : null,
    probeFacts(p));
}
function banner(kind, strong, rest) {
  return h('p', { class: 'banner banner-' + kind, role: 'status' }, icon(kind), h('strong', { text: strong }), rest ? ' \u2014 ' + rest : '');
}

// --- findings ---
function ownerOf(f) { return f.owner ? f.owner.kind + ' ' + f.namespace + '/' + f.owner.name : 'Pod ' + f.namespace + '/' + f.pod; }
function findingBody(f) {
  var body = h('div', { class: 'body' });
  body.append(facts([
    ['pod', f.namespace + '/' + f.pod],
    ['container', f.container + (f.containerType !== 'regular' ? ' (' + f.containerType + ')' : '')],
    ['image', f.image],
    ['workload', f.owner ? f.owner.kind + '/' + f.owner.name : 'none (bare pod)'],
    ['node', f.node || 'not scheduled'],
    ['kubelet reason', f.reason],
    ['cause', f.cause + ' \u2014 ' + (TITLES[f.cause] || '')],
    ['confidence', f.confidence + (f.alternatives.length ? ' (could also be: ' + f.alternatives.join(', ') + ')' : '')],
  ]));
  if (f.message) body.append(h('h5', { text: 'Message' }), h('pre', { class: 'msg', text: f.message }));
  body.append(h('h5', { text: 'Evidence' }), h('ul', { class: 'evidence' }, f.evidence.map(function (e) { return h('li', { text: e }); })));
  if (f.fix.length) body.append(h('h5', { text: 'How to fix' }), fixList(f.fix));
  if (f.probe !== null && PROBES[f.probe]) {
    var p = PROBES[f.probe];
    body.append(h('h5', { text: 'Probe of ' + p.image + ' (' + p.platform + ')' }), verdict(p), timeline(p));
  }
  return body;
}
// A <details> whose content is made the first time it opens. open(d) builds at once: the toggle event of a
// programmatic open comes later, and "Expand all" must leave every finding in the page when it returns.
function lazyDetails(cls, summary, build, attrs) {
  var d = h('details', Object.assign({ class: cls }, attrs || {}), h('summary', null, summary));
  var built = false;
  d.fill = function () { if (!built) { built = true; d.append(build()); } };
  d.addEventListener('toggle', function () { if (d.open) d.fill(); });
  return d;
}
function open(d) { d.fill(); d.open = true; }
function findingRow(f) {
  return lazyDetails('finding', [
    icon('bad'), srOnly('failing: '),
    h('span', { class: 'mono', text: f.pod }), ' \u00b7 ', f.container,
    f.containerType !== 'regular' ? ' (' + f.containerType + ')' : '', ' \u00b7 ',
    h('span', { class: 'mono', text: f.image }),
    h('span', { class: 'badge', text: f.confidence }),
  ], function () { return findingBody(f); }, { id: 'f-' + f.i, 'data-finding': f.i });
}

function groupMap(items, key) {
  var m = new Map();
  items.forEach(function (it) { var k = key(it); var l = m.get(k); if (l) l.push(it); else m.set(k, [it]); });
  return Array.from(m.entries()).sort(function (a, b) { return b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1); });
}
function causeLabel(c) { return [icon('bad'), h('h3', { class: 'mono', text: c }), h('span', { class: 'title', text: TITLES[c] || '' })]; }
var GROUPINGS = {
  cause: { first: function (f) { return f.cause; }, second: ownerOf, label1: causeLabel, label2: function (o) { return h('h4', { text: o }); } },
  owner: { first: ownerOf, second: function (f) { return f.cause; }, label1: function (o) { return h('h3', { text: o }); }, label2: function (c) { return [h('h4', { class: 'mono', text: c }), h('span', { class: 'title', text: TITLES[c] || '' })]; } },
};
function groupsOf(findings, how, openAll) {
  var g = GROUPINGS[how];
  var box = h('div', { class: 'groups' });
  groupMap(findings, g.first).forEach(function (e1) {
    var d1 = lazyDetails('group', [g.label1(e1[0]), h('span', { class: 'count', text: plural(e1[1].length, 'container') })], function () {
      var kids = h('div', { class: 'kids' });
      groupMap(e1[1], g.second).forEach(function (e2) {
        var d2 = lazyDetails('sub', [g.label2(e2[0]), h('span', { class: 'count', text: plural(e2[1].length, 'container') })], function () {
          var rows = h('div', { class: 'kids' });
          e2[1].forEach(function (f) { rows.append(findingRow(f)); });
          return rows;
        });
        if (openAll || e1[1].length === e2[1].length) open(d2);
        kids.append(d2);
      });
      return kids;
    }, { id: 'g-' + how + '-' + slug(e1[0]), 'data-group': e1[0] });
    if (openAll) open(d1);
    box.append(d1);
  });
  return box;
}

function scanView() {
  var D = R.data;
  var S = D.summary;
  var findings = D.findings;
  findings.forEach(function (f, i) { f.i = i; });
  if (!findings.length) main.append(banner('ok', 'No image-pull problems found', 'every pod in ' + S.source + ' pulls its images'));
  else main.append(banner('bad', plural(S.findings, 'container') + ' cannot pull', 'in ' + plural(S.pods, 'pod') + '; ' + plural(Object.keys(S.byCause).length, 'cause') + '. Fixes below, grouped by cause and by workload.'));
  S.skipped.forEach(function (s) {
    main.append(h('p', { class: 'warn' }, icon('warn'), 'Skipped ' + s.resource + (s.namespace ? ' in ' + s.namespace : '') + ': ' + s.reason));
  });
  var sumId = uid('h');
  var stats = h('dl', { class: 'stats' });
  [['containers failing', S.findings], ['pods', S.pods], ['causes', Object.keys(S.byCause).length], ['unique images', S.uniqueImages], ['probes', S.probes], ['registry requests', S.registryRequests]]
    .forEach(function (r) { stats.append(h('div', null, h('dt', { text: r[0] }), h('dd', { text: num(r[1]) }))); });
  var sec = h('section', { 'aria-labelledby': sumId }, h('h2', { id: sumId, text: 'Summary' }), stats);
  main.append(sec);
  if (!findings.length) return;

  var causes = groupMap(findings, function (f) { return f.cause; });
  var max = causes[0][1].length;
  var ct = h('table', { class: 'counts' }, h('caption', { text: 'Containers by cause' }),
    h('thead', null, h('tr', null, h('th', { text: 'Cause' }), h('th', { text: 'What went wrong' }), h('th', { class: 'num', text: 'Containers' }), h('th', { class: 'share' }, srOnly('share')))));
  var tb = h('tbody');
  causes.forEach(function (e) {
    var m = h('span');
    setWidth(m, 0, (e[1].length / max) * 100);
    tb.append(h('tr', null,
      h('td', { class: 'code' }, h('a', { href: '#g-cause-' + slug(e[0]), class: 'mono', 'data-jump': e[0], text: e[0] })),
      h('td', { text: TITLES[e[0]] || '' }), h('td', { class: 'num', text: num(e[1].length) }),
      h('td', { class: 'share', 'aria-hidden': 'true' }, h('div', { class: 'meter' }, m))));
  });
  ct.append(tb);
  sec.append(ct);
  var owners = groupMap(findings, ownerOf);
  var ot = h('table', { class: 'counts' }, h('caption', { text: owners.length > 10 ? 'Most affected workloads (10 of ' + num(owners.length) + ')' : 'Workloads' }),
    h('thead', null, h('tr', null, h('th', { text: 'Workload' }), h('th', { text: 'Causes' }), h('th', { class: 'num', text: 'Containers' }))));
  var ob = h('tbody');
  owners.slice(0, 10).forEach(function (e) {
    var cs = Array.from(new Set(e[1].map(function (f) { return f.cause; })));
    ob.append(h('tr', null, h('td', { text: e[0] }), h('td', { class: 'mono code', text: cs.join(', ') }), h('td', { class: 'num', text: num(e[1].length) })));
  });
  ot.append(ob);
  sec.append(ot);

  var fid = uid('h');
  var how = 'cause';
  var shown = findings;
  var holder = h('div');
  var status = h('p', { class: 'muted', 'aria-live': 'polite' });
  var filter = h('input', { type: 'search', id: 'filter', 'aria-describedby': 'filter-help', placeholder: 'namespace, pod, image, cause, node\u2026', autocomplete: 'off' });
  function draw(openAll) {
    var t = performance.now();
    holder.replaceChildren(groupsOf(shown, how, openAll || shown.length <= 30));
    status.textContent = (shown.length === findings.length ? 'All ' + plural(findings.length, 'finding') : num(shown.length) + ' of ' + plural(findings.length, 'finding') + ' match') + ', grouped by ' + how + '.';
    return performance.now() - t;
  }
  function hay(f) {
    if (!f.hay) f.hay = [f.namespace, f.pod, f.container, f.image, f.cause, f.node || '', ownerOf(f), f.reason, f.message].join('\n').toLowerCase();
    return f.hay;
  }
  var timer = 0;
  filter.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean);
      shown = words.length ? findings.filter(function (f) { var s = hay(f); return words.every(function (w) { return s.indexOf(w) >= 0; }); }) : findings;
      draw(false);
    }, 120);
  });
  filter.addEventListener('keydown', function (e) { if (e.key === 'Escape') { filter.value = ''; shown = findings; draw(false); } });
  function radio(value, label) {
    return h('label', null, h('input', { type: 'radio', name: 'group', value: value, checked: value === how, onchange: function () { how = value; draw(false); } }), ' ' + label);
  }
  var toolbar = h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Findings controls' },
    h('fieldset', null, h('legend', { text: 'Group by' }), radio('cause', 'cause'), radio('owner', 'workload')),
    h('label', null, 'Filter ', filter),
    h('button', { type: 'button', id: 'expand-all', text: 'Expand all', onclick: function () { window.__expandMs = draw(true); } }),
    h('button', { type: 'button', id: 'collapse-all', text: 'Collapse all', onclick: function () { draw(false); } }),
    h('span', { class: 'keys', id: 'filter-help' }, h('kbd', { text: '/' }), ' filter \u00b7 ', h('kbd', { text: 'j' }), ' ', h('kbd', { text: 'k' }), ' next / previous finding \u00b7 ', h('kbd', { text: 'Enter' }), ' open'));
  main.append(h('section', { 'aria-labelledby': fid, id: 'findings' }, h('h2', { id: fid, text: 'Findings' }), toolbar, status, holder));
  draw(false);
  main.addEventListener('click', function (e) {
    var a = e.target.closest && e.target.closest('a[data-jump]');
    if (!a) return;
    e.preventDefault();
    if (how !== 'cause' || shown !== findings) { how = 'cause'; shown = findings; filter.value = ''; holder.parentNode.querySelector('input[value=cause]').checked = true; draw(false); }
    var g = document.getElementById('g-cause-' + slug(a.getAttribute('data-jump')));
    open(g);
    g.querySelector('summary').focus();
    g.scrollIntoView({ block: 'start' });
  });
}

function podView() {
  var D = R.data;
  if (!D.findings.length) main.append(banner('ok', 'No image-pull problems in this pod'));
  else main.append(banner('bad', plural(D.findings.length, 'container') + ' cannot pull', D.findings.map(function (f) { return f.container + ': ' + f.cause; }).join(', ')));
  var pid = uid('h');
  main.append(h('section', { 'aria-labelledby': pid }, h('h2', { id: pid, text: 'Pod' }), facts([
    ['pod', D.namespace + '/' + D.pod],
    ['phase', D.phase || 'unknown'],
    ['node', (D.node || 'not scheduled') + (D.platform ? ' (' + D.platform + ')' : '')],
    ['service account', D.serviceAccount],
    ['imagePullSecrets', D.imagePullSecrets.length ? D.imagePullSecrets.join(', ') : 'none'],
  ]),
  h('table', null, h('caption', { text: 'Containers' }), h('thead', null, h('tr', null, h('th', { text: 'Name' }), h('th', { text: 'Type' }), h('th', { text: 'Image' }), h('th', { text: 'State' }))),
    h('tbody', null, D.containers.map(function (c) { return h('tr', null, h('td', { text: c.name }), h('td', { text: c.type }), h('td', { class: 'mono', text: c.image }), h('td', { text: c.state })); }))),
  h('table', null, h('caption', { text: 'Events (' + D.events.length + ')' }), h('thead', null, h('tr', null, h('th', { text: 'Last seen' }), h('th', { text: 'Type' }), h('th', { text: 'Reason' }), h('th', { class: 'num', text: 'Count' }), h('th', { text: 'Message' }))),
    h('tbody', null, D.events.map(function (e) {
      return h('tr', null, h('td', { class: 'mono', text: e.lastSeen ? new Date(e.lastSeen).toISOString().replace('.000Z', 'Z') : '?' }),
        h('td', null, e.type === 'Warning' ? icon('warn') : icon('info'), e.type), h('td', { text: e.reason }), h('td', { class: 'num', text: num(e.count) }),
        h('td', null, e.involved && e.involved.fieldPath ? h('span', { class: 'muted', text: e.involved.fieldPath + ': ' }) : null, e.message));
    })))));
  if (!D.findings.length) return;
  var fid = uid('h');
  var sec = h('section', { 'aria-labelledby': fid, id: 'findings' }, h('h2', { id: fid, text: 'Findings' }));
  D.findings.forEach(function (f, i) {
    f.i = i;
    var row = findingRow(f);
    open(row);
    sec.append(row);
  });
  main.append(sec);
}

function probeView() {
  var bad = PROBES.filter(function (p) { return p.cause !== null; });
  if (PROBES.length > 1) {
    main.append(banner(bad.length ? 'bad' : 'ok', (PROBES.length - bad.length) + ' of ' + plural(PROBES.length, 'image') + ' pullable'));
    var t = h('table', null, h('caption', { text: 'Images' }), h('thead', null, h('tr', null, h('th', { text: 'Image' }), h('th', { text: 'Verdict' }), h('th', { class: 'num', text: 'Time' }))));
    t.append(h('tbody', null, PROBES.map(function (p, i) {
      var total = p.steps.reduce(function (a, s) { return a + s.ms; }, 0);
      return h('tr', null, h('td', null, h('a', { href: '#probe-' + i, class: 'mono', text: p.image })),
        h('td', null, icon(p.cause === null ? 'ok' : 'bad'), p.cause === null ? 'PULLABLE' : p.cause), h('td', { class: 'num', text: fmtMs(total) }));
    })));
    main.append(t);
  }
  PROBES.forEach(function (p, i) {
    var s = probeSection(p, 'h2');
    s.id = 'probe-' + i;
    main.append(s);
  });
}

function inspectView() {
  var D = R.data;
  var p = PROBES[D.probe];
  if (p.cause !== null) { main.append(probeSection(p, 'h2')); return; }
  main.append(banner('ok', 'PULLABLE', plural(D.platforms.length, 'platform') + ', ' + fmtBytes(D.platforms.reduce(function (a, x) { return a + x.totalSize; }, 0)) + ' compressed in all'));
  main.append(facts([['image', D.image], ['digest', D.digest], ['media type', D.mediaType], ['bandwidth', fmtBytes(D.bandwidthBytesPerSecond) + '/s (for the pull-time estimate)']]));
  D.warnings.forEach(function (w) { main.append(h('p', { class: 'warn' }, icon('warn'), w)); });
  D.platforms.forEach(function (pl) {
    var id = uid('h');
    var max = Math.max.apply(null, pl.layers.map(function (l) { return l.size; }).concat([1]));
    var c = pl.config;
    var sec = h('section', { 'aria-labelledby': id }, h('h2', { id: id, class: 'mono', text: pl.platform }),
      facts([['digest', pl.digest], ['size', fmtBytes(pl.totalSize) + ' compressed in ' + plural(pl.layers.length, 'layer')], ['pull time', '~' + pl.estimatedPullSeconds + 's at ' + fmtBytes(D.bandwidthBytesPerSecond) + '/s'],
        ['entrypoint', text(c.entrypoint)], ['cmd', text(c.cmd)], ['user', c.user || 'root (unset)'], ['working dir', c.workingDir || '\u2014'], ['created', c.created || '\u2014']]),
      pl.warnings.map(function (w) { return h('p', { class: 'warn' }, icon('warn'), w); }));
    var tb = h('tbody');
    pl.layers.forEach(function (l, i) {
      var m = h('span');
      setWidth(m, 0, (l.size / max) * 100);
      tb.append(h('tr', null, h('td', { class: 'num', text: String(i + 1) }), h('td', { class: 'digest', text: l.digest }),
        h('td', { class: 'num', text: fmtBytes(l.size) }), h('td', { class: 'share', 'aria-hidden': 'true' }, h('div', { class: 'meter' }, m)),
        h('td', { text: l.shared ? 'shared' : '' })));
    });
    sec.append(h('table', { class: 'layers' }, h('caption', { text: 'Layers' }), h('thead', null, h('tr', null, h('th', { class: 'num', text: '#' }), h('th', { text: 'Digest' }), h('th', { class: 'num', text: 'Size' }), h('th', { class: 'share' }, srOnly('relative size')), h('th', { text: 'Shared' }))), tb));
    main.append(sec);
  });
  if (D.sharedLayers.length) {
    main.append(h('p', { text: plural(D.sharedLayers.length, 'layer') + ' shared between platforms (' + fmtBytes(D.sharedLayers.reduce(function (a, l) { return a + l.size; }, 0)) + ')' }));
  }
}

// j / k move between findings, / goes to the filter: a long report is walked without a mouse.
document.addEventListener('keydown', function (e) {
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  var t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
  if (e.key === '/') {
    var f = document.getElementById('filter');
    if (f) { e.preventDefault(); f.focus(); }
    return;
  }
  if (e.key !== 'j' && e.key !== 'k') return;
  // Shown = no closed <details> around it; asked of the DOM, not of layout, which would cost a reflow each.
  var all = Array.prototype.filter.call(document.querySelectorAll('details.finding > summary'), function (s) { return !s.parentNode.parentNode.closest('details:not([open])'); });
  if (!all.length) return;
  var at = all.indexOf(document.activeElement);
  var next = e.key === 'j' ? (at < 0 ? 0 : Math.min(all.length - 1, at + 1)) : (at < 0 ? 0 : Math.max(0, at - 1));
  e.preventDefault();
  all[next].focus();
  all[next].scrollIntoView({ block: 'nearest' });
});

({ scan: scanView, pod: podView, probe: probeView, inspect: inspectView })[R.kind]();
main.setAttribute('aria-busy', 'false');
var ready = performance.now() - started;
// For tests and the bench: the script's own time, and the time since navigation started.
document.documentElement.setAttribute('data-ready-at', performance.now().toFixed(1));
document.documentElement.setAttribute('data-ready-ms', ready.toFixed(1));
})();`;
