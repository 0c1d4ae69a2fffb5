// The cluster module's public face. Importing it is cheap: the Kubernetes client library is loaded only when a
// live source actually loads.
import { UsageError } from '../cause/index.ts';
import { liveSource } from './live.ts';
import { snapshotSource } from './snapshot.ts';
import type { ClusterSource } from './types.ts';

export * from './types.ts';
export { ClusterError, type ClusterErrorKind } from './errors.ts';
export { liveSource, type LiveOptions } from './live.ts';
export { snapshotSource, SNAPSHOT_MAX_BYTES, type SnapshotOptions } from './snapshot.ts';
export { normalize, fromCoreEvent, fromEventsV1, type NormalizeOptions, type Skipped } from './normalize.ts';

export interface SourceFlags {
  snapshot?: string;
  kubeconfig?: string;
  context?: string;
}

/** `--snapshot` reads files; otherwise the live cluster from kubeconfig (or in-cluster config). */
export function chooseSource(flags: SourceFlags): ClusterSource {
  if (flags.snapshot !== undefined) {
    if (flags.snapshot === '') throw new UsageError('--snapshot needs a file, a directory, or - for stdin');
    const clash = [
      flags.kubeconfig !== undefined && '--kubeconfig',
      flags.context !== undefined && '--context',
    ].filter(Boolean);
    if (clash.length > 0) {
      throw new UsageError(
        `--snapshot reads files, not a cluster: it cannot be combined with ${clash.join(' or ')}`,
      );
    }
    return snapshotSource(flags.snapshot);
  }
  return liveSource({
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
  });
}
