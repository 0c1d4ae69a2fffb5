import { UsageError } from '../cause/index.ts';

/** Why a whole cluster load failed. */
export type ClusterErrorKind =
  | 'config' // no usable kubeconfig, unknown context, unreadable snapshot
  | 'input' // snapshot content that is not Kubernetes objects
  | 'unauthorized' // the API server refused the credentials (401)
  | 'unreachable' // connection refused, DNS, TLS, reset
  | 'timeout'
  | 'protocol'; // the server answered something that is not the Kubernetes API

/**
 * A cluster that cannot be read at all. It extends UsageError on purpose: the CLI's fatal-error path prints a
 * UsageError as one line and exits 2 ("error"), which is what a scan that never saw the cluster must do; a
 * RegdoctorError would exit 1 ("findings") and carry an image-pull cause that does not apply to the API server.
 */
export class ClusterError extends UsageError {
  readonly kind: ClusterErrorKind;
  constructor(kind: ClusterErrorKind, message: string) {
    super(message);
    this.name = 'ClusterError';
    this.kind = kind;
  }
}
