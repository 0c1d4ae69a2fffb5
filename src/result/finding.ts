// `Finding`: one container whose image does not pull, as `scan -o json` reports it — a public contract.
import type { Cause, Confidence } from '../cause/index.ts';
import type { ProbeResult } from './probe.ts';

export type ContainerType = 'init' | 'regular' | 'ephemeral';

/** The top-level workload a pod belongs to, e.g. {kind: 'Deployment', name: 'web'}. */
export interface Owner {
  kind: string;
  name: string;
}

export interface Finding {
  namespace: string;
  pod: string;
  container: string;
  containerType: ContainerType;
  owner: Owner | null;
  node: string | null;
  image: string;
  /** The kubelet reason the message came with: a waiting reason (ErrImagePull…) or an event reason (Failed…). */
  reason: string;
  message: string;
  cause: Cause;
  confidence: Confidence;
  alternatives: Cause[];
  /** The chain that led to `cause`, one line each, in the order it was established. */
  evidence: string[];
  remediation: string[];
  probe: ProbeResult | null;
}
