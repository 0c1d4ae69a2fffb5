// Docker Hub answers under several names. A policy decides on the image, not the spelling: every alias spelling of
// a Hub image matches exactly the same blockedImages/exemptImages patterns (whatever alias a pattern is written
// with) and gets the same allowedRegistries verdict. `registry-1.docker.io/library/nginx:1.27` slipped past
// `blockedImages: [nginx]` and `docker.io/**`.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compilePattern, matchesPattern } from '../../src/policy/glob.ts';
import { evaluate } from '../../src/policy/evaluate.ts';
import { parseImagePolicy } from '../../src/policy/model.ts';
import { HUB_HOSTS, parseReference } from '../../src/reference/index.ts';
import { pathComponent } from '../reference/arbitraries.ts';

const HOSTS = [...HUB_HOSTS];

/** Every way to write the Hub repository `repo` (`library/x` or `org/x[/…]`). */
function spellings(repo: string): string[] {
  const official = repo.startsWith('library/') && repo.split('/').length === 2;
  const short = official ? [repo.slice('library/'.length), repo] : [repo];
  const out: string[] = [];
  for (const host of HOSTS) for (const s of short) out.push(`${host}/${s}`);
  // Without a host only when the first component cannot read as one (`a.b/c` names the registry a.b).
  const first = repo.slice(0, repo.indexOf('/'));
  if (!/[.:]/.test(first) && first !== 'localhost') out.unshift(...short);
  return out;
}

const repo = fc.oneof(
  pathComponent.map((c) => `library/${c}`),
  fc.array(pathComponent, { minLength: 2, maxLength: 3 }).map((cs) => cs.join('/')),
);
const suffix = fc.constantFrom('', ':1.27', ':latest', `@sha256:${'a'.repeat(64)}`);

/** Patterns about a repository, written with any Hub spelling, globbed or not. */
function patternsFor(r: string): string[] {
  const last = r.slice(r.lastIndexOf('/') + 1);
  const first = r.slice(0, r.indexOf('/'));
  const out = ['**', '*', `**/${last}`, `${first}/*`, `${first}/**`, 'ghcr.io/**'];
  for (const s of spellings(r)) out.push(s, `${s}:*`, `${s}:1.*`);
  for (const host of HOSTS) out.push(`${host}/**`, `${host}/${first}/*`);
  return out;
}

describe('Docker Hub aliases', () => {
  test('the reported bypass: registry-1.docker.io/library/nginx:1.27', () => {
    const ref = parseReference('registry-1.docker.io/library/nginx:1.27');
    for (const p of ['nginx', 'docker.io/**', 'library/nginx:1.*', 'registry.hub.docker.com/library/*'])
      assert.equal(matchesPattern(compilePattern(p), ref), true, p);
  });

  test('every spelling of a Hub image matches exactly the same patterns', () => {
    fc.assert(
      fc.property(repo, suffix, (r, sfx) => {
        const patterns = patternsFor(r).map(compilePattern);
        const verdicts = spellings(r).map((s) => ({
          s,
          hits: patterns.map((p) => matchesPattern(p, parseReference(s + sfx))).join(''),
        }));
        for (const v of verdicts)
          assert.equal(v.hits, verdicts[0]!.hits, `${v.s}${sfx} vs ${verdicts[0]!.s}${sfx}`);
        assert.ok(verdicts[0]!.hits.includes('true'), 'some pattern names the repository');
      }),
      { numRuns: 300 },
    );
  });

  test('every spelling gets the same allowedRegistries and blockedImages verdict', () => {
    fc.assert(
      fc.property(repo, fc.constantFrom(...HOSTS), (r, allowedHost) => {
        const first = r.slice(0, r.indexOf('/'));
        const policy = parseImagePolicy(
          {
            apiVersion: 'regdoctor.dev/v1alpha1',
            kind: 'ImagePolicy',
            metadata: { name: 'p' },
            spec: {
              allowedRegistries: [`${allowedHost}/${first}`],
              blockedImages: [`${allowedHost}/${r}:bad`],
            },
          },
          't',
        );
        const rules = (image: string) =>
          evaluate([policy], {
            kind: 'Pod',
            metadata: { name: 'p', namespace: 'ns' },
            spec: { containers: [{ name: 'c', image }] },
          })
            .violations.map((v) => v.rule)
            .join(',');
        for (const s of spellings(r)) {
          assert.equal(rules(`${s}:ok`), '', `${s}:ok is allowed`);
          assert.equal(rules(`${s}:bad`), 'blockedImages', `${s}:bad is blocked`);
        }
        assert.equal(rules('quay.io/x/y:ok'), 'allowedRegistries');
      }),
      { numRuns: 200 },
    );
  });
});
