// What a node's container runtime does with a pull, as a probe replayed it: the runtime and its configuration
// files, every endpoint in the runtime's order with what happened there, and the configuration problems found.
import type { Cause } from '../cause/index.ts';

export type RuntimeName = 'containerd' | 'crio' | 'docker';

export type Severity = 'error' | 'warning' | 'info';

/** A problem in the runtime's configuration. */
export interface RuntimeFinding {
  /** Stable identifier of the configuration problem, e.g. `HOSTS_TOML_INVALID`. */
  code: string;
  severity: Severity;
  /** The pull failure this problem leads to, when it leads to one (cause taxonomy). */
  cause: Cause | null;
  message: string;
  fix: string;
  /** File (relative to the node root) and line, or a config key. */
  from: string;
  /**
   * Whether the runtime refuses the pull because of it: before sending any request (a configuration it cannot
   * load, a short name it will not resolve), or after reading the manifest (a signature policy that rejects).
   * Absent: the pull goes on (perhaps differently).
   */
  stops?: 'before-request' | 'after-manifest';
  /** For one that stops the pull: the failure as the runtime words it for the kubelet, where regdoctor knows it. */
  reported?: string;
}

/** One endpoint the runtime goes through, and what it did there. */
export interface RuntimeEndpointResult {
  /** API root, e.g. `https://mirror.example:5000/v2`. */
  url: string;
  role: 'mirror' | 'upstream';
  /** Where the runtime's configuration names it (`etc/containerd/certs.d/…/hosts.toml:3`), or a default's name. */
  from: string;
  /**
   * served: it answered at least one request of the pull; failed: asked, and every request failed; refused: the
   * runtime gave it up without sending anything; not-tried: the pull was decided before its turn.
   */
  outcome: 'served' | 'failed' | 'refused' | 'not-tried';
  /** Why it failed (its first failure, also when it served something else); null when nothing failed there. */
  cause: Cause | null;
  summary: string;
}

export interface RuntimeReport {
  name: RuntimeName;
  /** As given (`--runtime-version`, or the node's containerRuntimeVersion); null when unknown. */
  version: string | null;
  /** Configuration files read, relative to the node root, in reading order. */
  configFiles: string[];
  endpoints: RuntimeEndpointResult[];
  /** The endpoint that resolved the tag to a digest; null when none did. */
  resolvedBy: string | null;
  /** The endpoint the image's content came from (its first layer, else its config or manifest); null: none. */
  servedBy: string | null;
  findings: RuntimeFinding[];
  /**
   * The failure as the runtime reports it to the kubelet (what `kubectl describe pod` shows after "Failed to pull
   * image"), in the runtime's wording; null when the image was served.
   */
  reported: string | null;
}
