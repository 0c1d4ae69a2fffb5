// The credentials module: Docker config files and pull secrets, credential helpers, the kubelet's keyring matching
// rules, and redaction of every secret seen.

export type { AuthConfig, CredentialEntry, KeyVerdict, KeyringLookup, DockerConfigFile } from './types.ts';
export { parseDockerConfigJson, parseDockercfg } from './dockerconfig.ts';
export {
  lookup,
  urlsMatch,
  normalizeKey,
  isDefaultRegistryMatch,
  DEFAULT_REGISTRY_KEY,
  type KeyringOptions,
  type MatchResult,
} from './keyring.ts';
export { defaultDockerConfigPaths, loadDockerConfig } from './files.ts';
export { runCredentialHelper } from './helper.ts';
export {
  resolveCredentials,
  DOCKER_HUB_SERVER,
  type ResolveOptions,
  type ResolvedCredentials,
} from './resolve.ts';
export {
  redact,
  registerSecret,
  Redactor,
  currentRedactor,
  newRunRedactor,
  runWithRedactor,
  captureSecrets,
  registerAuthorization,
} from './redact.ts';
export type { GoUrlRules } from './gourl.ts';
