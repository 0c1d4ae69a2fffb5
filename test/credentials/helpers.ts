// Builders shared by the credentials tests (not a test file itself).

import { parseDockerConfigJson, type CredentialEntry } from '../../src/credentials/index.ts';

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Entries for {key: "user:pass"} as a .dockerconfigjson with `auth` fields, the way kubectl writes them. */
export function entriesFor(keys: Record<string, string>, source = 'secret test/pull'): CredentialEntry[] {
  const auths = Object.fromEntries(Object.entries(keys).map(([k, up]) => [k, { auth: b64(up) }]));
  return parseDockerConfigJson(JSON.stringify({ auths }), source).entries;
}

export const usernames = (entries: CredentialEntry[]): (string | undefined)[] =>
  entries.map((e) => e.auth.username);
