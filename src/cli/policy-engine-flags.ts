// What `policy check` and `webhook` share around the policy engine: --vulns, --offline and what it rules out,
// whether any registry will be asked at all, and the registry options of a long-running engine (the webhook),
// which cannot scope TLS or plain-HTTP exceptions to "the images on the command line" and names hosts instead.
import { UsageError } from '../cause/index.ts';
import type { RegistryOptions } from '../policy/facts.ts';
import type { ImagePolicy } from '../policy/model.ts';
import { dockerConfigSource } from '../registry/credsource.ts';
import type { LoadedReports } from '../vuln/load.ts';
import type { VulnerabilityIndex } from '../vuln/types.ts';
import { checkDockerConfig, readCaFiles, timeoutFlag } from './registry-flags.ts';
import { REGISTRY_HOST_FLAGS, REGISTRY_HOST_FLAGS_HELP, registryHosts } from './registry-hosts.ts';

export const ENGINE_FLAGS = {
  vulns: { type: 'string', multiple: true },
  offline: { type: 'boolean' },
} as const;

/** The webhook's registry flags: the probe's, with TLS and plain-HTTP exceptions per registry host. */
export const ENGINE_REGISTRY_FLAGS = {
  'docker-config': { type: 'string' },
  'ca-file': { type: 'string', multiple: true },
  ...REGISTRY_HOST_FLAGS,
  timeout: { type: 'string' },
} as const;

export const ENGINE_REGISTRY_FLAGS_HELP = `Registry flags (for requiredSignatures, maxImageSize, allowedPlatforms, minimumSeverity of tagged images):
  --docker-config FILE           Docker config.json to take registry credentials from
                                 (default: $DOCKER_CONFIG/config.json, ~/.docker/config.json, ~/.dockercfg)
  --ca-file FILE                 extra CA certificate(s) (PEM) to trust, repeatable
${REGISTRY_HOST_FLAGS_HELP}
  --timeout DURATION             per registry request (default 10s)`;

/** Flags that only matter when registries are asked: named in the usage error --offline gives. */
export function rejectWithOffline(values: Record<string, unknown>, flags: readonly string[]): void {
  const useless = flags.filter((k) => values[k] !== undefined);
  if (useless.length)
    throw new UsageError(
      `--offline makes no registry requests: --${useless.join(', --')} would have no effect`,
    );
}

/** One index over every source; each source's warnings go to `warn`. Undefined when there is no source. */
export async function vulnerabilityIndex(
  sources: readonly LoadedReports[],
  warn: (line: string) => void,
): Promise<VulnerabilityIndex | undefined> {
  if (!sources.length) return undefined;
  for (const w of sources.flatMap((s) => s.warnings)) warn(w);
  const { createVulnerabilityIndex } = await import('../vuln/index.ts');
  return createVulnerabilityIndex(sources.flatMap((s) => s.reports));
}

/** Whether any rule will ask a registry: without one, no session (and no --password-stdin read) is needed. */
export function needsRegistry(
  policies: readonly ImagePolicy[],
  vulns: VulnerabilityIndex | undefined,
): boolean {
  return policies.some(
    (p) =>
      p.requiredSignatures !== null ||
      p.maxImageSize !== null ||
      p.allowedPlatforms !== null ||
      (p.minimumSeverity !== null && vulns !== undefined),
  );
}

type EngineRegistryValues = {
  'docker-config'?: string;
  'ca-file'?: string[];
  'insecure-skip-tls-verify-registry'?: string[];
  'plain-http-registry'?: string[];
  timeout?: string;
};

/**
 * Registry options for an engine that outlives one command: no session is handed over, so the engine makes its
 * own and renews it (registry tokens expire; a session keeps its tokens for good).
 */
export async function engineRegistryOptions(values: EngineRegistryValues): Promise<RegistryOptions> {
  const timeoutMs = timeoutFlag(values.timeout);
  const ca = await readCaFiles(values['ca-file'] ?? []);
  await checkDockerConfig(values['docker-config']);
  const hosts = registryHosts(values);
  return {
    credentials: dockerConfigSource({ dockerConfig: values['docker-config'] }),
    ca,
    insecure: hosts.insecure,
    plainHttp: hosts.plainHttp,
    timeoutMs,
  };
}
