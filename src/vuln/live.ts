// trivy-operator VulnerabilityReports read from a live cluster. A cluster without the operator, or a user who may
// not list its reports, is not an error: the policy then has no data for those images and says so
// (noVulnerabilityData), and the reason is returned as a warning.
import type * as K8s from '@kubernetes/client-node';
import { loadKubeConfig, type KubeconfigChoice } from '../cluster/kubeconfig.ts';
import { callList, StatusError } from '../cluster/live-call.ts';
import { OPERATOR_API_VERSION } from './parse.ts';
import { reportsFromObjects, type LoadedReports } from './load.ts';

const GROUP = OPERATOR_API_VERSION.split('/')[0]!;
const VERSION = OPERATOR_API_VERSION.split('/')[1]!;
const PLURAL = 'vulnerabilityreports';
const PAGE = 500;
const MAX_PAGES = 200;

export interface LiveReportOptions extends KubeconfigChoice {
  /** null = every namespace. */
  namespace: string | null;
  timeoutMs?: number;
}

export async function listVulnerabilityReports(opts: LiveReportOptions): Promise<LoadedReports> {
  const k8s: typeof K8s = await import('@kubernetes/client-node');
  const cfg = loadKubeConfig(k8s, opts);
  const api = cfg.kc.makeApiClient(k8s.CustomObjectsApi);
  const items: unknown[] = [];
  let cont: string | undefined;
  const scope = opts.namespace === null ? 'all namespaces' : `namespace ${opts.namespace}`;
  try {
    for (let page = 0; page < MAX_PAGES; page++) {
      const signal = AbortSignal.timeout(opts.timeoutMs ?? 30_000);
      const params = { group: GROUP, version: VERSION, plural: PLURAL, limit: PAGE, _continue: cont };
      const body = await callList(
        k8s,
        (o) =>
          opts.namespace === null
            ? api.listClusterCustomObject(params, o)
            : api.listNamespacedCustomObject({ ...params, namespace: opts.namespace }, o),
        { signal },
      );
      items.push(...(body.items ?? []));
      cont = body.metadata?.continue || undefined;
      if (!cont) break;
    }
  } catch (err) {
    if (err instanceof StatusError && (err.code === 404 || err.code === 403)) {
      const why =
        err.code === 404
          ? `${PLURAL}.${GROUP} is not served (trivy-operator not installed?)`
          : `not allowed to list ${PLURAL}.${GROUP} in ${scope}: ${err.message}`;
      return { reports: [], warnings: [`cluster: ${why}; no vulnerability reports from the cluster`] };
    }
    throw err;
  }
  const docs = items.map((value, i) => ({ where: `cluster ${PLURAL}[${i}]`, value }));
  return reportsFromObjects(docs);
}
