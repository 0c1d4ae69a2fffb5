import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { applyStyles, escapeControls, styleMark } from '../../src/output/escape.ts';
import { cleanLine, cleanStrings, cleanText } from '../../src/output/index.ts';
import { style } from '../../src/report/style.ts';

// eslint-disable-next-line no-control-regex -- what must never reach a sink
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('escapeControls', () => {
  test('ESC, BEL, CR, C1 and bidirectional overrides are shown escaped, not dropped', () => {
    const hostile = 'MANIFEST\x1b]0;pwned\x07\x1b[2J\r\x9b31m\u202egnp.exe';
    assert.equal(
      escapeControls(hostile, true),
      'MANIFEST\\u001b]0;pwned\\u0007\\u001b[2J\\u000d\\u009b31m\\u202egnp.exe',
    );
  });

  test('multi-line text keeps LF and TAB; a single line escapes LF too', () => {
    assert.equal(escapeControls('a\tb\nc', true), 'a\tb\nc');
    assert.equal(
      escapeControls('denied\n2025-01-01T00:00:00Z webhook: allowed', false),
      'denied\\u000a2025-01-01T00:00:00Z webhook: allowed',
    );
  });

  test('nothing that is a control character survives, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const line = escapeControls(s, false);
        assert.ok(!CONTROL.test(line) && !line.includes('\n'), JSON.stringify(line));
        assert.ok(!CONTROL.test(escapeControls(s, true)));
      }),
    );
  });
});

describe('style marks', () => {
  test('become SGR at the boundary; text from outside cannot forge one', () => {
    const s = style(true);
    assert.equal(cleanText(`${s.red('DENY')} x`), '\x1b[31mDENY\x1b[39m x');
    // The mark's key is random per process: a registry cannot guess it, and a raw ESC is escaped.
    assert.equal(cleanText('\x1b[31mfake'), '\\u001b[31mfake');
    assert.equal(applyStyles('\ue000\ue0011\ue000'), '\ue000\ue0011\ue000');
    assert.equal(applyStyles(styleMark('1;33')), '\x1b[1;33m');
    assert.equal(style(false).red('x'), 'x');
  });
});

describe('the boundary', () => {
  test('cleanLine and cleanStrings redact and escape every string of a structure', () => {
    const answer = cleanStrings({
      uid: 'u-1',
      allowed: false,
      status: { code: 403, message: 'denied: registry said Bearer abcdef.123456\n\x1b]0;x\x07' },
      warnings: ['one\r\ntwo'],
    });
    assert.deepEqual(answer, {
      uid: 'u-1',
      allowed: false,
      status: { code: 403, message: 'denied: registry said Bearer ***\\u000a\\u001b]0;x\\u0007' },
      warnings: ['one\\u000d\\u000atwo'],
    });
    assert.equal(cleanLine('a\u2028b'), 'a\\u2028b');
  });
});
