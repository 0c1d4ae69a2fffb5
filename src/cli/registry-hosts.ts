// The per-registry flags, defined once for every command that talks to registries. A module of its own, with no
// heavy imports, so that the cluster commands can list the flags without loading the registry client.
import { UsageError } from '../cause/index.ts';
import type { Options } from './command.ts';

/**
 * The per-registry exceptions, by the registry's name as images write it (registry.local:5000): the one definition
 * every command that talks to registries takes (probe, inspect, verify, policy check, scan, pod, webhook, …).
 */
export const REGISTRY_HOST_FLAGS = {
  'insecure-skip-tls-verify-registry': { type: 'string', multiple: true },
  'plain-http-registry': { type: 'string', multiple: true },
} as const satisfies Options;

export const REGISTRY_HOST_FLAGS_HELP = `  --insecure-skip-tls-verify-registry HOST
                                 do not verify the TLS certificate of this registry (as images name it,
                                 e.g. registry.local:5000), repeatable
  --plain-http-registry HOST     talk to this registry over plain HTTP, repeatable`;

/** `registry.local:5000`, `10.0.0.5`, `[::1]:5000`: a registry as an image reference names it. */
const REGISTRY_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function hostList(flag: string, list: readonly string[] | undefined): string[] {
  return (list ?? []).map((h) => {
    if (!REGISTRY_HOST.test(h))
      throw new UsageError(
        `--${flag} ${JSON.stringify(h)}: expected a registry host as images name it, e.g. registry.local:5000`,
      );
    return h.toLowerCase();
  });
}

export interface RegistryHosts {
  /** Registries whose certificate is not verified (as images name them, lower case). */
  insecure: string[];
  /** Whether to talk plain HTTP to a registry. */
  plainHttp: (registry: string) => boolean;
}

/**
 * The registries the per-registry flags name, checked, plus `extra` (the images' own registries, for the
 * all-or-nothing --insecure-skip-tls-verify / --plain-http of the single-image commands).
 */
export function registryHosts(
  values: { [K in keyof typeof REGISTRY_HOST_FLAGS]?: string[] },
  extra: { insecure?: Iterable<string>; plain?: Iterable<string> } = {},
): RegistryHosts {
  const lower = (xs: Iterable<string> | undefined) => [...(xs ?? [])].map((x) => x.toLowerCase());
  const insecure = [
    ...new Set([
      ...hostList('insecure-skip-tls-verify-registry', values['insecure-skip-tls-verify-registry']),
      ...lower(extra.insecure),
    ]),
  ];
  const plain = new Set([
    ...hostList('plain-http-registry', values['plain-http-registry']),
    ...lower(extra.plain),
  ]);
  return { insecure, plainHttp: (r) => plain.has(r.toLowerCase()) };
}
