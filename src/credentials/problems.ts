// Human notes about a credential entry: things that parse fine but make the kubelet (or a registry) do something
// the author of the secret did not intend. They never quote a secret.

import { HUB_API_HOST, LEGACY_HUB } from '../reference/index.ts';
import { fromBytes, toBytes } from './bytes.ts';
import { splitHostPortOrWhole } from './gourl.ts';
import { normalizeKey } from './keyring.ts';

export function keyProblems(key: string): string[] {
  const out: string[] = [];
  const current = normalizeKey(key, { urlRules: 'current' });
  const legacy = normalizeKey(key, { urlRules: 'legacy' });
  const legacyText = 'error' in legacy ? 'ignore it' : `read it as '${legacy.key}'`;
  if ('error' in current) {
    out.push(`the kubelet ignores this key: it is not a valid URL (${current.error})`);
    if (!('error' in legacy)) out.push(`kubelets built with Go releases before 1.25.8/1.26 ${legacyText}`);
    return out;
  }
  if ('error' in legacy || legacy.key !== current.key) {
    out.push(
      `how the kubelet reads this key depends on the Go release it was built with: current kubelets read it as ` +
        `'${current.key}', ones built with Go before 1.25.8/1.26 ${legacyText}`,
    );
  }
  const host = current.key.split('/')[0] ?? '';
  const hostname = fromBytes(splitHostPortOrWhole(toBytes(host)).host);
  if (host === '') out.push('key has no host, so it can never match an image');
  if (hostname === HUB_API_HOST) {
    out.push(
      `key ${HUB_API_HOST} never matches Docker Hub images: the kubelet compares keys with names like ` +
        `docker.io/library/nginx; use https://${LEGACY_HUB}/v1/ or docker.io`,
    );
  }
  if (hostname === LEGACY_HUB && current.key !== LEGACY_HUB) {
    out.push(
      `key ${current.key} never matches Docker Hub images: the kubelet sees them as docker.io/…, and only a key ` +
        `that normalizes to exactly index.docker.io gets the Docker Hub fallback`,
    );
  }
  if (/[A-Z]/.test(host)) {
    out.push('key host has upper-case letters; the kubelet compares hosts case-sensitively');
  }
  const cut = /[?#]/.exec(key)?.[0];
  if (cut) {
    const what = cut === '?' ? 'a URL query' : 'a URL fragment';
    out.push(`key contains '${cut}', which starts ${what}: the kubelet reads the key as '${current.key}'`);
  }
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(key)?.[0];
  if (scheme && scheme !== 'https://' && scheme !== 'http://') {
    out.push(
      `key starts with '${scheme}', which the kubelet does not strip: it reads the key as '${current.key}'`,
    );
  }
  return out;
}

function whitespaceProblems(what: string, value: string, fromAuth: boolean): string[] {
  const out: string[] = [];
  if (/[\r\n]$/.test(value)) {
    out.push(
      `${what} ends with a newline` +
        (fromAuth ? ' (was auth encoded with `echo` instead of `echo -n`?)' : ''),
    );
  } else if (/\s$/.test(value)) {
    out.push(`${what} ends with whitespace`);
  }
  if (/^\s/.test(value)) out.push(`${what} starts with whitespace`);
  return out;
}

export interface EntryFacts {
  username: string;
  password: string;
  /** username/password as written next to auth, when auth was used. */
  written?: { username: string; password: string };
  identityToken: string;
  registryToken: string;
}

export function credentialProblems(f: EntryFacts): string[] {
  const out: string[] = [];
  const fromAuth = f.written !== undefined;
  if (
    f.written &&
    ((f.written.username !== '' && f.written.username !== f.username) ||
      (f.written.password !== '' && f.written.password !== f.password))
  ) {
    out.push('auth does not match username/password (the kubelet uses auth)');
  }
  out.push(...whitespaceProblems('username', f.username, fromAuth));
  out.push(...whitespaceProblems('password', f.password, fromAuth));
  if (!fromAuth && f.username.includes(':')) {
    out.push('username contains a colon, which Basic authentication cannot carry');
  }
  const tokens = f.identityToken !== '' || f.registryToken !== '';
  if (f.username === '' && f.password === '') {
    out.push(
      tokens
        ? 'only identitytoken/registrytoken is set; the kubelet ignores both, so this entry gives it no credentials'
        : 'entry has no username or password',
    );
  } else {
    if (f.username === '') out.push('username is empty');
    if (f.password === '') out.push('password is empty');
    if (tokens)
      out.push('identitytoken/registrytoken is set; the kubelet ignores it and uses username/password');
  }
  return out;
}
