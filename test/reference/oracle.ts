// An independent model of what Docker accepts, for differential tests: distribution's regular expressions
// (regexp.go) assembled as written, plus normalize.go's domain split, go-digest's algorithm table and
// TagNameOnly. The production parser is hand-written; this is the regex-based definition it must agree with.

const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const optionalPort = '(?::[0-9]+)?';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const domainAndPort = `(?:${domainName}|${ipv6address})${optionalPort}`;
const tag = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const REFERENCE = new RegExp(`^(${namePat})(?::(${tag}))?(?:@(${digestPat}))?$`);
const ANCHORED_NAME = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;
const GO_DIGEST: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha384: /^[a-f0-9]{96}$/,
  sha512: /^[a-f0-9]{128}$/,
};

export interface OracleResult {
  registry: string;
  repository: string;
  tag: string | null;
  digest: string | null;
}

function splitDockerDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  if (slash < 0) return ['docker.io', `library/${name}`];
  const first = name.slice(0, slash);
  let rest = name.slice(slash + 1);
  let domain: string;
  if (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first) {
    domain = first === 'index.docker.io' ? 'docker.io' : first;
  } else {
    domain = 'docker.io';
    rest = name;
  }
  if (domain === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  return [domain, rest];
}

export function oracleParse(s: string): OracleResult | null {
  if (s === '' || IDENTIFIER.test(s)) return null;
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon < 0 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) return null;
  const m = REFERENCE.exec(`${domain}/${remainder}`);
  if (!m) return null;
  const n = ANCHORED_NAME.exec(m[1] as string);
  if (!n) return null;
  const [, capturedDomain = '', path = ''] = n;
  if (path.length > 255) return null;
  const digest = m[3] ?? null;
  if (digest !== null) {
    const [alg = '', hex = ''] = digest.split(':');
    if (!GO_DIGEST[alg]?.test(hex)) return null;
  }
  // Deliberate difference: distribution accepts a first component that Docker's split calls a domain but the
  // domain grammar does not (e.g. "a_b.com/x"), and then silently treats it as part of the path with no domain.
  // regdoctor rejects those, because every runtime would then dial that non-host.
  if (capturedDomain !== domain) return null;
  return {
    registry: capturedDomain,
    repository: path,
    tag: m[2] ?? (digest === null ? 'latest' : null),
    digest,
  };
}
