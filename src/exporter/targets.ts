// How the exporter talks to each registry: the config's per-registry TLS, plain-HTTP and credential settings, read
// once at start (a missing CA or Docker config is a start-up error, not a failing check every interval).
import type { CredentialSource } from '../registry/auth.ts';
import { dockerConfigSource } from '../registry/credsource.ts';
import { createSession, type Session } from '../registry/session.ts';
import { proxyEnvFrom } from '../transport/proxy.ts';
import { checkRegularFile, readCaFile } from '../util/files.ts';
import type { ExporterConfig, RegistryConfig } from './config.ts';

export interface Targets {
  /** The config entry for a registry as image references name it (`docker.io`, `host:5000`). */
  settings(registry: string): RegistryConfig | undefined;
  /** The credentials for images on `registry`: its dockerConfig, or none (anonymous). */
  credentials(registry: string): CredentialSource | undefined;
  plainHttp(registry: string): boolean;
  /** A fresh session: nothing cached, so every check dials, pings and authenticates anew. */
  session(): Session;
}

export async function loadTargets(
  config: ExporterConfig,
  opts: { env?: NodeJS.ProcessEnv } = {},
): Promise<Targets> {
  const byRegistry = new Map<string, RegistryConfig>();
  const ca: string[] = [];
  const insecure: string[] = [];
  const credentials = new Map<string, CredentialSource>();
  for (const [i, r] of config.registries.entries()) {
    byRegistry.set(r.registry, r);
    // All configured CAs are trusted for every host, as --ca-file does: a token realm on another host of the same
    // private PKI must verify too.
    if (r.caFile) ca.push(await readCaFile(r.caFile, `registries[${i}].caFile`));
    if (r.insecureSkipTlsVerify) insecure.push(r.registry);
    if (r.dockerConfig) {
      await checkRegularFile(r.dockerConfig, `registries[${i}].dockerConfig`);
      // Read at every check, so a rotated credential is picked up without a restart.
      credentials.set(r.registry, dockerConfigSource({ dockerConfig: r.dockerConfig }));
    }
  }
  const proxyEnv = proxyEnvFrom(opts.env ?? process.env);
  return {
    settings: (registry) => byRegistry.get(registry),
    credentials: (registry) => credentials.get(registry),
    plainHttp: (registry) => byRegistry.get(registry)?.plainHttp ?? false,
    session: () => createSession({ timeoutMs: config.timeoutMs, proxyEnv, ca, insecure }),
  };
}
