// Token scopes and the ACL that answers them. Grammar from distribution's docs/spec/auth/scope.md: the name may
// itself hold ':' (a registry host with a port), so type is up to the first ':' and actions after the last.
import type { AccessEntry } from './jwt.ts';

export interface Scope {
  type: string;
  name: string;
  actions: string[];
}

/** `*anonymous*` = requests without credentials (and, like a public repository, everyone else too); `*` = any authenticated user. */
export interface TokenGrant {
  user: string;
  /** Glob: `*` matches within one path segment, `**` across segments. */
  repository: string;
  /** e.g. ['pull'], ['pull', 'push'], ['*'] for everything. */
  actions: string[];
}

export interface TokenAcl {
  users: Record<string, string>;
  grants: TokenGrant[];
}

export const ANONYMOUS = '*anonymous*';

export function parseScope(raw: string): Scope | undefined {
  const first = raw.indexOf(':');
  const last = raw.lastIndexOf(':');
  if (first < 0 || last === first) return undefined;
  // `repository(plugin)` is a deprecated resource class: ignored, as the spec says.
  const type = raw.slice(0, first).replace(/\(.*\)$/, '');
  return {
    type,
    name: raw.slice(first + 1, last),
    actions: raw
      .slice(last + 1)
      .split(',')
      .filter(Boolean),
  };
}

/** Every `scope` query parameter may hold several space-separated scopes. */
export function parseScopes(params: string[]): Scope[] {
  return params
    .flatMap((p) => p.split(' '))
    .filter(Boolean)
    .map(parseScope)
    .filter((s): s is Scope => s !== undefined);
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function appliesTo(grantUser: string, user: string | null): boolean {
  if (grantUser === ANONYMOUS) return true;
  if (user === null) return false;
  return grantUser === '*' || grantUser === user;
}

/** The granted intersection of the requested scopes; scopes with nothing granted are left out. */
export function grantedAccess(acl: TokenAcl, user: string | null, scopes: Scope[]): AccessEntry[] {
  const out: AccessEntry[] = [];
  for (const scope of scopes) {
    const allowed = new Set<string>();
    for (const g of acl.grants) {
      if (
        scope.type !== 'repository' ||
        !appliesTo(g.user, user) ||
        !globToRegExp(g.repository).test(scope.name)
      )
        continue;
      for (const a of g.actions) allowed.add(a);
    }
    const actions = scope.actions.filter((a) => allowed.has(a) || allowed.has('*'));
    if (actions.length > 0) out.push({ type: scope.type, name: scope.name, actions });
  }
  return out;
}
