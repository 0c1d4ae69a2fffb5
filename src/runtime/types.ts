// What a node's container runtime would do to pull one image: the endpoints it tries, in order, each with the
// settings it would use, plus the configuration problems found on the way. Plain data; no network.
import type { RuntimeFinding, RuntimeName } from '../result/index.ts';

export type { RuntimeName };

export type Capability = 'pull' | 'resolve' | 'push';

export interface EndpointTls {
  /** CA bundles added to the system pool (absolute paths on the node). */
  caFiles: string[];
  clientCert?: string;
  clientKey?: string;
  skipVerify: boolean;
}

export interface Endpoint {
  /** Scheme, host and API root: `https://mirror.example:5000/v2`. */
  url: string;
  role: 'mirror' | 'upstream';
  /** Where this endpoint comes from: `etc/containerd/certs.d/docker.io/hosts.toml:3`, or a default's name. */
  from: string;
  /** The repository path asked for at this endpoint (a registries.conf location can rewrite it). */
  repository: string;
  tls: EndpointTls;
  /** Plain HTTP is used for this endpoint (never TLS). */
  plainHttp: boolean;
  /** HTTPS is tried first and plain HTTP after a TLS failure (insecure registries, ambiguous localhost ports). */
  httpFallback: boolean;
  headers: Record<string, string[]>;
  /** containerd `override_path`: the URL path is the API root as given (no `/v2` appended). */
  overridePath: boolean;
  capabilities: Capability[];
  /** The steps this endpoint takes part in for this reference: tag → digest (`resolve`), content (`fetch`). */
  steps: ('resolve' | 'fetch')[];
  /** The HTTP(S) proxy the runtime's environment sends this endpoint's traffic through, or null. */
  proxy: string | null;
  /** containerd adds `?ns=<registry>` to requests sent to a host other than the reference's registry. */
  namespaceQuery: string | null;
  /**
   * Why the runtime gives this endpoint up before sending it anything (CRI-O: the registry it lands in is
   * `blocked`), as the runtime says it; null when it is tried.
   */
  refused: string | null;
}

export type Severity = RuntimeFinding['severity'];
export type Finding = RuntimeFinding;

export interface ProxyEnvironment {
  /** Where each variable was set: `etc/systemd/system/containerd.service.d/http-proxy.conf:2`. */
  vars: Record<string, { value: string; from: string }>;
  /** The unit and drop-ins read, in the order systemd applies them. */
  files: string[];
}

export interface PullPlan {
  runtime: RuntimeName;
  /** The runtime version assumed (as given, or what the configuration implies). */
  version: string | null;
  /** The image as the runtime names it (short names resolved, registries.conf rewrites not applied). */
  image: string;
  /** Every configuration file read, relative to the node root, in reading order. */
  configFiles: string[];
  /**
   * The endpoints the runtime goes through, in order (a `refused` one is given up without a request). Empty when
   * the configuration stops the pull before any request.
   */
  endpoints: Endpoint[];
  findings: Finding[];
  environment: ProxyEnvironment;
}
