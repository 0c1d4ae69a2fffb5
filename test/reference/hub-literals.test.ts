// Docker Hub's names live in src/reference/hub.ts (issue 9, item 6): five ad-hoc alias lists with different
// contents are how `registry-1.docker.io/library/nginx` once walked past `blockedImages: [nginx]`. A string literal
// naming a Hub host anywhere else is a new list in the making; comments may name them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HUB_HOSTS } from '../../src/reference/index.ts';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/**
 * Files that still spell a Hub host, each with why. src/cause is a leaf module (test/architecture): it cannot import
 * reference/. The runtime planners are being reworked elsewhere; each entry here should go, none be added.
 */
const KNOWN: Record<string, string> = {
  'cause/remediation.ts': 'src/cause imports nothing (architecture test); its endpointOf mirrors apiHost',
  'runtime/containerd.ts': 'pending: apiHost / HUB_API_HOST',
  'runtime/crio.ts': 'pending: apiHost / DOCKER_HUB',
  'runtime/docker.ts': 'pending: HUB_API_HOST / DOCKER_HUB',
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The code of a line without its `//` comment or a `*` doc-comment line. */
const code = (line: string) => (/^\s*(\*|\/\*\*|\/\/)/.test(line) ? '' : line.replace(/\s\/\/ .*$/, ''));

/**
 * A Hub host as a whole string, template or regular expression (where its dots are escaped) — `'docker.io'`,
 * `/^registry-1\.docker\.io$/` — or as a URL's host: `` `https://index.docker.io/v1/` ``. Not inside a longer name
 * (`auth.docker.io`), nor a message that starts with an example reference (`docker.io/library/nginx`).
 */
const LITERAL = new RegExp(
  `['"\`^](?:${[...HUB_HOSTS].map((h) => h.split('.').join('\\\\?\\.')).join('|')})['"\`$:]|//(?:${[...HUB_HOSTS].map((h) => h.split('.').join('\\.')).join('|')})['"\`/]`,
);

test("Docker Hub's host names are spelled only in src/reference/hub.ts", () => {
  const found: string[] = [];
  for (const f of files(SRC)) {
    const rel = relative(SRC, f);
    if (rel === 'reference/hub.ts' || rel in KNOWN || rel.startsWith('classify/rules/')) continue;
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (LITERAL.test(code(line))) found.push(`src/${rel}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(found, []);
});

test('every known exception still spells one (take it out of KNOWN once it does not)', () => {
  for (const rel of Object.keys(KNOWN)) {
    const lines = readFileSync(join(SRC, rel), 'utf8').split('\n');
    assert.ok(
      lines.some((l) => LITERAL.test(code(l))),
      `src/${rel} no longer spells a Hub host: remove it from KNOWN`,
    );
  }
});

test('the check sees a Hub host written as a string, in a template and as a regular expression', () => {
  for (const line of [
    "return host === 'registry-1.docker.io' ? x : y;",
    'const u = `https://index.docker.io/v1/`;',
    "host.replace(/^registry-1\\.docker\\.io$/, 'x')",
    'if (r === "docker.io") {',
  ])
    assert.ok(LITERAL.test(code(line)), line);
  for (const line of ['// registry-1.docker.io is the API host', ' * docker.io/library/nginx', 'ghcr.io/x'])
    assert.ok(!LITERAL.test(code(line)), line);
});
