// The kubelet's credential keyring (kubernetes/kubernetes pkg/credentialprovider/keyring.go): how a key from
// .dockerconfigjson/.dockercfg is normalised (BasicDockerKeyring.Add), how it is compared with an image's repository
// name (URLsMatch) and in which order credentials come out (Lookup). Pure: no I/O.

import { DOCKER_HUB_NAMES, LEGACY_HUB } from '../reference/index.ts';
import { compareBytes, fromBytes, toBytes } from './bytes.ts';
import { goFilepathMatch } from './goglob.ts';
import { goUrlParse, splitHostPortOrWhole, type GoUrlRules } from './gourl.ts';
import type { CredentialEntry, KeyringLookup, KeyVerdict } from './types.ts';

export interface KeyringOptions {
  /** How Go's url.Parse reads odd keys; see gourl.ts. Default 'current'. */
  urlRules?: GoUrlRules;
}

/** The host the kubelet falls back to for Docker Hub images when no key matched. */
export const DEFAULT_REGISTRY_KEY = LEGACY_HUB;

/**
 * Add()'s key: https:// is prepended unless the key starts with http:// or https://, a leading /v1/ or /v2/ is cut,
 * and the key is host plus path (path dropped when empty or '/'). Byte strings in and out.
 */
function kubeletKeyBytes(loc: string, rules: GoUrlRules): { key: string } | { error: string } {
  const value = loc.startsWith('https://') || loc.startsWith('http://') ? loc : `https://${loc}`;
  const parsed = goUrlParse(value, rules);
  if ('error' in parsed) return parsed;
  let path = parsed.path;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  return { key: path.length > 0 && path !== '/' ? parsed.host + path : parsed.host };
}

/** The kubelet's normalised form of a key, or the reason it ignores the key. */
export function normalizeKey(loc: string, opts: KeyringOptions = {}): { key: string } | { error: string } {
  const r = kubeletKeyBytes(toBytes(loc), opts.urlRules ?? 'current');
  return 'error' in r ? r : { key: fromBytes(r.key) };
}

function splitURL(host: string): { labels: string[]; port: string } {
  const hp = splitHostPortOrWhole(host);
  return { labels: hp.host.split('.'), port: hp.port };
}

export interface MatchResult {
  matched: boolean;
  reason: string;
}

/** URLsMatchStr(glob, target) with the first failing check as the reason. Arguments are display strings. */
export function urlsMatch(glob: string, target: string, opts: KeyringOptions = {}): MatchResult {
  const rules = opts.urlRules ?? 'current';
  const g = goUrlParse(`https://${toBytes(glob)}`, rules);
  if ('error' in g) return { matched: false, reason: `key is not a valid URL (${g.error})` };
  const t = goUrlParse(`https://${toBytes(target)}`, rules);
  if ('error' in t) return { matched: false, reason: `image name is not a valid URL (${t.error})` };
  const gu = splitURL(g.host);
  const tu = splitURL(t.host);
  if (gu.port !== tu.port) {
    return { matched: false, reason: `port differs (${gu.port || 'none'} vs ${tu.port || 'none'})` };
  }
  if (gu.labels.length !== tu.labels.length) {
    return {
      matched: false,
      reason: `host has ${gu.labels.length} labels, image has ${tu.labels.length}`,
    };
  }
  if (!t.path.startsWith(g.path)) {
    return {
      matched: false,
      reason: `path ${fromBytes(g.path)} is not a prefix of ${fromBytes(t.path) || '(no path)'}`,
    };
  }
  for (let i = 0; i < gu.labels.length; i++) {
    const pattern = gu.labels[i] as string;
    const label = tu.labels[i] as string;
    const m = goFilepathMatch(pattern, label);
    if (m === 'bad') {
      return { matched: false, reason: `label ${i + 1} pattern '${fromBytes(pattern)}' is malformed` };
    }
    if (m === 'nomatch') {
      return {
        matched: false,
        reason: `label ${i + 1} '${fromBytes(label)}' does not match '${fromBytes(pattern)}'`,
      };
    }
  }
  return { matched: true, reason: 'matched' };
}

/** isDefaultRegistryMatch: whether an image name will be pulled from Docker Hub. */
export function isDefaultRegistryMatch(image: string): boolean {
  const slash = image.indexOf('/');
  const first = slash < 0 ? image : image.slice(0, slash);
  if (first.length === 0) return false;
  if (slash < 0) return true;
  if (DOCKER_HUB_NAMES.has(first)) return true;
  return !/[.:]/.test(first);
}

/**
 * BasicDockerKeyring.Lookup over one keyring. Call it once per keyring the kubelet builds: all of a pod's pull
 * secrets together form one keyring and the node's own config another, and the Docker Hub fallback applies within
 * each separately.
 */
export function lookup(entries: CredentialEntry[], image: string, opts: KeyringOptions = {}): KeyringLookup {
  const rules = opts.urlRules ?? 'current';
  const byKey = new Map<string, CredentialEntry[]>();
  const ignored: KeyVerdict[] = [];
  for (const entry of entries) {
    const k = kubeletKeyBytes(toBytes(entry.key), rules);
    if ('error' in k) {
      ignored.push({
        key: entry.key,
        source: entry.source,
        matched: false,
        reason: `the kubelet ignores this key: not a valid URL (${k.error})`,
      });
      continue;
    }
    const group = byKey.get(k.key) ?? [];
    group.push(entry);
    byKey.set(k.key, group);
  }
  const index = [...byKey.keys()].sort((a, b) => compareBytes(b, a));

  const matches: CredentialEntry[] = [];
  const verdicts = new Map<CredentialEntry, KeyVerdict>();
  for (const k of index) {
    const r = urlsMatch(fromBytes(k), image, { urlRules: rules });
    for (const entry of byKey.get(k) ?? []) {
      verdicts.set(entry, { key: entry.key, source: entry.source, matched: r.matched, reason: r.reason });
      if (r.matched) matches.push(entry);
    }
  }

  let fallback = false;
  const hub = byKey.get(DEFAULT_REGISTRY_KEY);
  if (matches.length === 0 && hub && isDefaultRegistryMatch(image)) {
    fallback = true;
    matches.push(...hub);
    for (const entry of hub) {
      const v = verdicts.get(entry);
      if (v)
        Object.assign(v, {
          matched: true,
          reason: 'matched via the index.docker.io fallback for Docker Hub',
        });
    }
  }
  return { matches, verdicts: [...verdicts.values(), ...ignored], fallback };
}
