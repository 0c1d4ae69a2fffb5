export interface AuthConfig {
  username?: string;
  password?: string;
  identityToken?: string;
  registryToken?: string;
}

export interface CredentialEntry {
  /** The key as written, e.g. 'https://index.docker.io/v1/'. */
  key: string;
  /** The kubelet's reading of the key, e.g. 'index.docker.io' or 'myreg:5000/team'; '' when the kubelet ignores it. */
  normalized: string;
  /** A file path, 'secret ns/name', 'command line' or 'credential helper docker-credential-x'. */
  source: string;
  auth: AuthConfig;
  /** Human notes found while parsing, e.g. 'password ends with a newline'. */
  problems: string[];
}

export interface KeyVerdict {
  key: string;
  source: string;
  matched: boolean;
  /** e.g. 'port differs (5000 vs none)', 'matched', 'matched via the index.docker.io fallback for Docker Hub'. */
  reason: string;
}

export interface KeyringLookup {
  /** Credentials in the order the kubelet tries them. */
  matches: CredentialEntry[];
  /** One per entry, in the kubelet's key order (reverse-sorted normalized keys); keys it ignores come last. */
  verdicts: KeyVerdict[];
  /** True when nothing matched directly and the index.docker.io entries were used for a Docker Hub image. */
  fallback: boolean;
}

export interface DockerConfigFile {
  entries: CredentialEntry[];
  credHelpers: Record<string, string>;
  credsStore?: string;
}
