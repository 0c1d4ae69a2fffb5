// Which kubeconfig and context a live load uses, in kubectl's order: --kubeconfig, then $KUBECONFIG (a list of
// files, merged), then ~/.kube/config, then the pod's service account when running inside a cluster.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type * as K8s from '@kubernetes/client-node';
import { registerSecret } from '../credentials/index.ts';
import { ClusterError } from './errors.ts';

export interface KubeconfigChoice {
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  /** Prefix for the service-account files of in-cluster config (tests point it at a temp dir). */
  inClusterRoot?: string;
}

export interface LoadedConfig {
  kc: K8s.KubeConfig;
  context: string;
  server: string;
  /** What the user sees in reports: `context "prod" (https://…)` or `in-cluster (https://…)`. */
  label: string;
  /** The context's namespace (in a pod: the service account's), as kubectl uses without -n; else `default`. */
  namespace: string;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The first line of an error from the client library or the YAML parser; those can run to many lines. */
function brief(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  return m.split('\n')[0] ?? m;
}

function loadInCluster(k8s: typeof K8s, root: string): K8s.KubeConfig {
  if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT) {
    throw new ClusterError(
      'config',
      'in-cluster config needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (set in every pod)',
    );
  }
  const token = `${root}${SA_DIR}/token`;
  if (!existsSync(token)) {
    throw new ClusterError(
      'config',
      `in-cluster config: no service-account token at ${token} (is automountServiceAccountToken off?)`,
    );
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromCluster(root);
  return kc;
}

export function loadKubeConfig(k8s: typeof K8s, choice: KubeconfigChoice): LoadedConfig {
  const root = choice.inClusterRoot ?? '';
  const envList = process.env.KUBECONFIG ?? '';
  const home = join(homedir(), '.kube', 'config');
  let kc: K8s.KubeConfig;
  let where: string;
  if (choice.inCluster) {
    if (choice.context) throw new ClusterError('config', '--context cannot be used with in-cluster config');
    kc = loadInCluster(k8s, root);
    where = 'in-cluster config';
  } else if (choice.kubeconfig || envList !== '' || existsSync(home)) {
    where = choice.kubeconfig ?? (envList !== '' ? `KUBECONFIG=${envList}` : home);
    kc = new k8s.KubeConfig();
    try {
      if (choice.kubeconfig) {
        if (!existsSync(choice.kubeconfig)) throw new Error('no such file');
        kc.loadFromFile(choice.kubeconfig);
      } else {
        kc.loadFromDefault();
      }
    } catch (err) {
      throw new ClusterError('config', `cannot load kubeconfig ${where}: ${brief(err)}`);
    }
  } else if (process.env.KUBERNETES_SERVICE_HOST && !choice.context) {
    kc = loadInCluster(k8s, root);
    where = 'in-cluster config';
  } else {
    throw new ClusterError(
      'config',
      'no kubeconfig found: pass --kubeconfig FILE, set KUBECONFIG, create ~/.kube/config, or read a --snapshot',
    );
  }

  if (choice.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(choice.context)) {
      const have = names.length > 0 ? `; it has ${names.map((n) => `"${n}"`).join(', ')}` : '';
      throw new ClusterError('config', `context "${choice.context}" is not in ${where}${have}`);
    }
    kc.setCurrentContext(choice.context);
  }
  const context = kc.getCurrentContext();
  if (!context) {
    throw new ClusterError('config', `${where} has no current-context; pass --context NAME`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ClusterError(
      'config',
      `context "${context}" in ${where} names no cluster that the file defines`,
    );
  }
  if (cluster.server.startsWith('http:') && !cluster.skipTLSVerify) {
    // The client library refuses to send credentials over plain HTTP unless the cluster is marked insecure; say
    // so before it does, with the way out (a local `kubectl proxy` is the usual reason for an http server).
    throw new ClusterError(
      'config',
      `context "${context}" points at plain-HTTP ${cluster.server}; use https, or mark the cluster ` +
        '`insecure-skip-tls-verify: true` in the kubeconfig to allow plain HTTP (e.g. for kubectl proxy)',
    );
  }
  const user = kc.getCurrentUser();
  for (const s of [user?.token, user?.password, user?.username && `${user.username}:${user.password ?? ''}`])
    registerSecret(s || undefined);
  const label =
    where === 'in-cluster config'
      ? `in-cluster (${cluster.server})`
      : `context "${context}" (${cluster.server})`;
  const namespace = kc.getContextObject(context)?.namespace?.trim() || 'default';
  return { kc, context, server: cluster.server, label, namespace };
}
