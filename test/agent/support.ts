// Shared set-up for the agent's tests: a kube-api test server serving the CRDs as written in deploy/crds, a kubeconfig
// for it, agents started in-process, and images pushed to real registries.
import { join } from 'node:path';
import { startAgent, type Agent, type AgentOptions } from '../../src/agent/agent.ts';
import { openCheckApi, type CheckApi } from '../../src/agent/api.ts';
import { Session } from '../../src/registry/session.ts';
import type { Fixture } from '../helpers/fixture.ts';
import {
  crdResource,
  startKubeApi,
  writeKubeconfig,
  type KubeApi,
  type KubeApiOptions,
} from '../helpers/kube-api.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';

export const CHECKS = crdResource(new URL('../../deploy/crds/imagepullcheck.yaml', import.meta.url));
export const POLICIES = crdResource(new URL('../../deploy/crds/imagepolicy.yaml', import.meta.url));
export const AMD64 = { os: 'linux', architecture: 'amd64' } as const;

export const node = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/arch': 'amd64', 'kubernetes.io/os': 'linux' } },
  status: { nodeInfo: { architecture: 'amd64', operatingSystem: 'linux' }, ...extra },
});

/** A pod on `nodeName` whose one container waits in ImagePullBackOff for `image`. */
export const waitingPod = (name: string, nodeName: string, image: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'shop', uid: `uid-${name}` },
  spec: { nodeName, containers: [{ name: 'app', image }] },
  status: {
    phase: 'Pending',
    containerStatuses: [
      {
        name: 'app',
        image,
        ready: false,
        restartCount: 0,
        state: { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } },
      },
    ],
  },
});

export const policy = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'regdoctor.dev/v1alpha1',
  kind: 'ImagePolicy',
  metadata: { name, uid: `uid-${name}` },
  spec,
});

export interface Cluster {
  api: KubeApi;
  kubeconfig: string;
}

export async function cluster(fx: Fixture, opts: Partial<KubeApiOptions> = {}): Promise<Cluster> {
  const api = await fx.start(startKubeApi({ objects: [], resources: [CHECKS, POLICIES], ...opts }));
  const kubeconfig = await writeKubeconfig(await fx.subdir('kube'), {
    server: api.url,
    token: api.token,
  });
  return { api, kubeconfig };
}

/** An agent in this process; stopped at clean-up. */
export async function agentFor(
  fx: Fixture,
  c: Cluster,
  nodeName: string,
  opts: Partial<AgentOptions> = {},
): Promise<{ agent: Agent; logs: string[] }> {
  const logs: string[] = [];
  const agent = await startAgent({
    node: nodeName,
    agentName: `agent-${nodeName}`,
    kubeconfig: c.kubeconfig,
    platform: AMD64,
    nodeRoot: join(fx.dir, 'no-node-root'),
    session: () => new Session({ timeoutMs: 5000 }),
    plainHttp: () => true,
    retryDelayMs: 20,
    watchTimeoutSeconds: 60,
    log: (l) => logs.push(l),
    ...opts,
  });
  fx.onCleanup(() => agent.stop(0));
  return { agent, logs };
}

export async function checkApi(c: Cluster): Promise<CheckApi> {
  return openCheckApi({ kubeconfig: c.kubeconfig, timeoutMs: 5000 });
}

/** Pushes a small linux/amd64 image to `registry` as `repo:tag`; returns the reference. */
export async function pushSmall(
  fx: Fixture,
  registry: string,
  repo = 'team/app',
  tag = '1',
  creds?: { username: string; password: string },
): Promise<string> {
  const layout = await buildImageLayout(await fx.subdir('img'), { tag });
  await pushImage(layout, `docker://${registry}/${repo}:${tag}`, {
    tlsVerify: false,
    ...(creds ? { creds } : {}),
  });
  return `${registry}/${repo}:${tag}`;
}

export async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 15_000,
): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`not seen in time: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
