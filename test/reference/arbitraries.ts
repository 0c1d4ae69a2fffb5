import fc from 'fast-check';

// Generators for the pieces of a valid reference, following distribution's grammar, and for references
// assembled from them. Kept small enough that normalized paths stay well under the 255-character limit.

const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const separator = fc.constantFrom('.', '_', '__', '-', '--', '---');

export const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));

export const path = fc.array(pathComponent, { minLength: 1, maxLength: 4 }).map((cs) => cs.join('/'));

const label = fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?$/);
const port = fc.integer({ min: 1, max: 65535 }).map(String);
const withPort = (host: fc.Arbitrary<string>) =>
  fc.tuple(host, fc.option(port, { nil: undefined })).map(([h, p]) => (p === undefined ? h : `${h}:${p}`));

const dottedName = fc.array(label, { minLength: 2, maxLength: 3 }).map((ls) => ls.join('.'));
const ipv4 = fc.ipV4();
const ipv6 = fc
  .ipV6()
  .filter((a) => /^[0-9a-fA-F:]+$/.test(a))
  .map((a) => `[${a}]`);

/** Domains that Docker recognises as such in first position (dotted, with a port, localhost, bracketed IPv6). */
export const explicitDomain = fc.oneof(
  withPort(dottedName),
  withPort(ipv4),
  withPort(ipv6),
  fc.tuple(label, port).map(([l, p]) => `${l}:${p}`),
  withPort(fc.constant('localhost')),
);

/** Also Docker Hub's names and uppercase single labels, which Docker takes for a registry too. */
export const domain = fc.oneof(
  explicitDomain,
  fc.constantFrom('docker.io', 'index.docker.io'),
  fc.stringMatching(/^[A-Z][a-zA-Z0-9]{0,5}$/),
);

export const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);

export const digest = fc.oneof(
  fc.stringMatching(/^[a-f0-9]{64}$/).map((h) => `sha256:${h}`),
  fc.stringMatching(/^[a-f0-9]{96}$/).map((h) => `sha384:${h}`),
  fc.stringMatching(/^[a-f0-9]{128}$/).map((h) => `sha512:${h}`),
);

export interface Parts {
  domain: string | undefined;
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

/**
 * Without an explicit domain, a dotted first path component is read as the registry; "a_b.c/x" then names a
 * host that cannot exist, which regdoctor rejects (see oracle.ts), so those are not valid references.
 */
function firstComponentIsUsable(p: Parts): boolean {
  const [first = '', ...rest] = p.path.split('/');
  return p.domain !== undefined || rest.length === 0 || !first.includes('.') || !first.includes('_');
}

export const parts: fc.Arbitrary<Parts> = fc
  .record({
    domain: fc.option(domain, { nil: undefined }),
    path,
    tag: fc.option(tag, { nil: undefined }),
    digest: fc.option(digest, { nil: undefined }),
  })
  .filter(firstComponentIsUsable);

export function assemble(p: Parts): string {
  return (
    (p.domain === undefined ? '' : `${p.domain}/`) +
    p.path +
    (p.tag === undefined ? '' : `:${p.tag}`) +
    (p.digest === undefined ? '' : `@${p.digest}`)
  );
}

export const validReference = parts.map(assemble);

/** Single-character edits of valid references: most of the interesting invalid inputs lie one edit away. */
export const nearMiss = fc
  .tuple(
    validReference,
    fc.nat(),
    fc.constantFrom('insert', 'delete', 'replace'),
    fc.constantFrom(...'aZ0_.-:/@[]%$ \u00e9\u200bF'.split('')),
  )
  .map(([s, i, op, c]) => {
    const at = i % (s.length + 1);
    if (op === 'insert') return s.slice(0, at) + c + s.slice(at);
    if (op === 'delete') return s.slice(0, at) + s.slice(at + 1);
    return s.slice(0, at) + c + s.slice(at + 1);
  });

/** Strings glued from the grammar's tokens: dense in boundary cases such as '-.' in a host or '@' after ':'. */
export const tokenSoup = fc
  .array(
    fc.constantFrom(
      ...['a', 'B', '0', '.', '-', '_', '__', ':', '5000', '/', '/', '@', '[', ']', '::1', 'localhost'],
      ...['docker.io', 'index.docker.io', 'library', 'sha256:', 'sha512:', 'f'.repeat(32), 'f'.repeat(64)],
    ),
    { maxLength: 12 },
  )
  .map((ts) => ts.join(''));
