// The CLI's credential source: flags first, then the user's Docker config matched with the kubelet's rules,
// then credential helpers — and a step detail that says which entry matched and why the others did not.
import { resolveCredentials, registerSecret, type CredentialEntry } from '../credentials/index.ts';
import { repositoryName, type Reference } from '../reference/index.ts';
import type { Credential, CredentialSource } from './auth.ts';

export interface DockerConfigOptions {
  dockerConfig?: string;
  username?: string;
  password?: string;
}

function toCredential(e: CredentialEntry): Credential {
  for (const s of [e.auth.password, e.auth.identityToken, e.auth.registryToken]) registerSecret(s);
  return {
    label: e.source === 'command line' ? 'command-line credentials' : `${e.key} (${e.source})`,
    username: e.auth.username,
    password: e.auth.password,
    identityToken: e.auth.identityToken,
    registryToken: e.auth.registryToken,
  };
}

export function dockerConfigSource(opts: DockerConfigOptions): CredentialSource {
  return async (ref: Reference) => {
    const r = await resolveCredentials({
      registry: ref.registry,
      repositoryName: repositoryName(ref),
      dockerConfig: opts.dockerConfig,
      username: opts.username,
      password: opts.password,
    });
    const candidates = r.candidates.map(toCredential);
    const verdicts = r.lookup?.verdicts ?? [];
    const summary = candidates.length
      ? `${candidates.length} credential${candidates.length > 1 ? 's' : ''} to try: ${candidates.map((c) => c.label).join('; ')}`
      : `no credential matches ${repositoryName(ref)}; pulling anonymously`;
    return {
      candidates,
      summary,
      detail: {
        matched: candidates.map((c) => c.label),
        verdicts: verdicts.map((v) => ({
          key: v.key,
          source: v.source,
          matched: v.matched,
          reason: v.reason,
        })),
        problems: r.candidates.flatMap((c) => c.problems.map((p) => `${c.key}: ${p}`)),
        notes: r.notes,
        fallback: r.lookup?.fallback ?? false,
      },
    };
  };
}
