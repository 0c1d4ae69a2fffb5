import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { lookup, urlsMatch } from '../../src/credentials/index.ts';
import { entriesFor } from './helpers.ts';

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
const port = fc.integer({ min: 1, max: 65535 }).map(String);
// Paths starting /v1/ or /v2/ are rewritten by the kubelet when a key is added, so they are kept out here.
const path = fc
  .array(fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,8}$/), { maxLength: 3 })
  .map((segs) => segs.map((s) => `/${s}`).join(''))
  .filter((p) => !/^\/v[12]\//.test(`${p}/`));

/** The host with the labels picked by mask replaced by '*', which still matches the original. */
const globbed = (h: string, mask: boolean[]): string =>
  h
    .split('.')
    .map((l, i) => (mask[i] ? '*' : l))
    .join('.');

describe('keyring properties', () => {
  test('a key always matches itself, and the images under it', () => {
    fc.assert(
      fc.property(
        host,
        fc.option(port),
        path,
        fc.array(fc.boolean(), { maxLength: 4 }),
        (h, p, pth, mask) => {
          const key = `${h}${p === null ? '' : `:${p}`}${pth}`;
          assert.equal(urlsMatch(key, key).matched, true);
          const image = `${key}/app`;
          assert.equal(lookup(entriesFor({ [key]: 'u:p' }), image).matches.length, 1);
          const glob = `${globbed(h, mask)}${p === null ? '' : `:${p}`}${pth}`;
          assert.equal(urlsMatch(glob, image).matched, true);
        },
      ),
    );
  });

  test('adding a port to only one side never matches', () => {
    fc.assert(
      fc.property(host, port, path, fc.array(fc.boolean(), { maxLength: 4 }), (h, p, pth, mask) => {
        const keys = [`${h}${pth}`, `${globbed(h, mask)}${pth}`];
        for (const key of keys) {
          assert.equal(urlsMatch(key, `${h}:${p}${pth}/app`).matched, false);
          const keyWithPort = key.replace(/^[^/]*/, (x) => `${x}:${p}`);
          assert.equal(urlsMatch(keyWithPort, `${h}${pth}/app`).matched, false);
        }
      }),
    );
  });

  test('a different number of host labels never matches, whatever the globs', () => {
    fc.assert(
      fc.property(host, label, path, (h, extra, pth) => {
        const key = h
          .split('.')
          .map(() => '*')
          .join('.');
        assert.equal(urlsMatch(key, `${extra}.${h}${pth}/app`).matched, false);
      }),
    );
  });
});
