// The scale benchmark's cluster: a `kubectl get pods,events,secrets,serviceaccounts,nodes,replicasets,deployments
// -A -o json` List of 10,000 pods on amd64 nodes, a quarter of them failing to pull images of the bench registry
// (with the kubelet's events, as containerd words them), the rest running.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  clock,
  deployment,
  dockerConfigSecret,
  event,
  node,
  pod,
  replicaSet,
  serviceAccount,
  type Clock,
  type ContainerState,
  type PodTemplate,
} from './scan-objects.ts';
import { planFailures, type FailingImage, type PlanShape } from './scan-plan.ts';
import { K8S_ALPHANUMS, type Random } from './scan-random.ts';
import { TEAMS, teamName, type Repo } from './scan-registry.ts';

export interface SnapshotShape extends PlanShape {
  pods: number;
  nodes: number;
  /** Environment variables per container, to make the pod specs larger (default none). */
  env?: number;
}

export interface GeneratedSnapshot {
  path: string;
  bytes: number;
  pods: number;
  failingPods: number;
  events: number;
  images: FailingImage[];
}

const SIDECAR = { name: 'envoy', image: 'docker.io/envoyproxy/envoy:v1.31.2' };
/** Namespaces whose pods carry a pull secret for the bench registry (copied from their default service account). */
const TEAMS_WITH_SECRET = 10;
/** Of those, namespaces that also carry a Docker Hub secret, which never covers the bench registry. */
const TEAMS_WITH_HUB_SECRET = 2;
const HUB_KEY = 'https://index.docker.io/v1/';

function runtimeError(img: FailingImage, host: string): string {
  const r = img.ref;
  const prefix = `failed to pull and unpack image "${r}": failed to resolve reference "${r}"`;
  const head = `http://${host}/v2/${img.repo}/manifests/${img.tag}`;
  if (img.error === 'timeout')
    return `rpc error: code = Unknown desc = ${prefix}: failed to do request: Head "${head}": dial tcp ${host}: i/o timeout`;
  if (img.error === 'unavailable')
    return `rpc error: code = Unknown desc = ${prefix}: unexpected status from HEAD request to ${head}: 503 Service Unavailable`;
  return `rpc error: code = NotFound desc = ${prefix}: ${r}: not found`;
}

export async function generateSnapshot(
  rnd: Random,
  repos: Repo[],
  host: string,
  dir: string,
  shape: SnapshotShape,
): Promise<GeneratedSnapshot> {
  const c: Clock = clock(Date.now());
  const images = planFailures(rnd, repos, host, shape);
  const nodes = Array.from(
    { length: shape.nodes },
    (_, i) => `ip-10-0-${Math.floor(i / 4)}-${10 + (i % 4) * 37}.eu-west-1.compute.internal`,
  );
  const pods: object[] = [];
  const events: object[] = [];
  const workloads: object[] = [];
  const used = new Set<string>();
  let failingPods = 0;

  const secretsOf = (team: string) => {
    const i = Number(team.slice('team-'.length));
    if (i >= TEAMS_WITH_SECRET) return [];
    return i < TEAMS_WITH_HUB_SECRET ? ['regcred', 'dockerhub-pull'] : ['regcred'];
  };
  const appName = (team: string, repo: string) => {
    const base = repo.split('/').pop()!;
    for (let k = 0; ; k++) {
      const name =
        k === 0 ? base : `${base}-${['canary', 'worker', 'batch', 'admin', 'preview'][k - 1] ?? k}`;
      if (!used.has(`${team}/${name}`)) {
        used.add(`${team}/${name}`);
        return name;
      }
    }
  };
  const template = (team: string, repo: string, image: string, sidecar: boolean): PodTemplate => ({
    app: appName(team, repo),
    containers: [{ name: 'app', image }, ...(sidecar ? [SIDECAR] : [])],
    pullSecrets: secretsOf(team),
    ...(shape.env ? { env: shape.env } : {}),
  });
  const addPods = (
    team: string,
    t: PodTemplate,
    rs: ReturnType<typeof replicaSet>['ref'],
    n: number,
    failing: FailingImage | null,
  ) => {
    for (let i = 0; i < n; i++) {
      const name = `${rs.name}-${rnd.chars(5, K8S_ALPHANUMS)}`;
      const nodeName = rnd.pick(nodes);
      const startedAgo = failing ? rnd.int(300, 7200) : rnd.int(3600, 86400 * 20);
      const backoff = failing && rnd.chance(0.8);
      const detail = failing ? `Failed to pull image "${failing.ref}": ${runtimeError(failing, host)}` : '';
      const appState: ContainerState = !failing
        ? { running: true }
        : backoff
          ? { waiting: 'ImagePullBackOff', message: `Back-off pulling image "${failing.ref}"` }
          : { waiting: 'ErrImagePull', message: detail };
      const states = t.containers.map((_, k): ContainerState => (k === 0 ? appState : { running: true }));
      const p = pod(rnd, c, { ns: team, name, template: t, owner: rs, node: nodeName, startedAgo, states });
      pods.push(p.obj);
      if (!failing) continue;
      failingPods++;
      const pulls = Math.max(2, Math.floor(startedAgo / 300));
      const backoffs = pulls * rnd.int(8, 20);
      const e = (
        reason: string,
        type: 'Normal' | 'Warning',
        message: string,
        count: number,
        lastAgo: number,
      ) =>
        events.push(
          event(rnd, c, {
            ns: team,
            pod: { name, uid: p.uid },
            container: 'app',
            node: nodeName,
            reason,
            type,
            message,
            count,
            firstAgo: startedAgo - 2,
            lastAgo,
          }),
        );
      const lastPull = rnd.int(5, 290);
      e('Pulling', 'Normal', `Pulling image "${failing.ref}"`, pulls, lastPull);
      e('Failed', 'Warning', detail, pulls, lastPull - 1);
      e('Failed', 'Warning', 'Error: ErrImagePull', pulls, lastPull - 1);
      e('BackOff', 'Normal', `Back-off pulling image "${failing.ref}"`, backoffs, rnd.int(0, 4));
      e('Failed', 'Warning', 'Error: ImagePullBackOff', backoffs, rnd.int(0, 4));
    }
  };

  for (const img of images) {
    const sidecar = rnd.chance(0.2);
    const t = template(img.team, img.repo, img.ref, sidecar);
    const oldPods = img.previousTag ? rnd.int(1, 2) : 0;
    const d = deployment(rnd, c, img.team, t, img.pods + oldPods);
    workloads.push(d.obj);
    const rs = replicaSet(rnd, c, img.team, t, d.ref, img.pods);
    workloads.push(rs.obj);
    addPods(img.team, t, rs.ref, img.pods, img);
    if (img.previousTag) {
      // The rollout that brought the bad tag: the previous revision keeps running beside it.
      const prev = {
        ...t,
        containers: t.containers.map((k, i) =>
          i ? k : { ...k, image: `${host}/${img.repo}:${img.previousTag}` },
        ),
      };
      const old = replicaSet(rnd, c, img.team, prev, d.ref, oldPods);
      workloads.push(old.obj);
      addPods(img.team, prev, old.ref, oldPods, null);
    }
  }
  for (let i = 0; pods.length < shape.pods; i++) {
    const repo = repos[i % repos.length]!;
    const t = template(repo.team, repo.name, `${host}/${repo.name}:${rnd.pick(repo.tags)}`, rnd.chance(0.2));
    const n = Math.min(rnd.int(1, 8), shape.pods - pods.length);
    const d = deployment(rnd, c, repo.team, t, n);
    const rs = replicaSet(rnd, c, repo.team, t, d.ref, n);
    workloads.push(d.obj, rs.obj);
    addPods(repo.team, t, rs.ref, n, null);
  }

  const secrets: object[] = [];
  const accounts: object[] = [];
  for (let i = 0; i < TEAMS; i++) {
    const team = teamName(i);
    const names = secretsOf(team);
    if (names.includes('regcred')) secrets.push(dockerConfigSecret(rnd, c, team, 'regcred', host));
    if (names.includes('dockerhub-pull'))
      secrets.push(dockerConfigSecret(rnd, c, team, 'dockerhub-pull', HUB_KEY));
    accounts.push(serviceAccount(rnd, c, team, names));
  }
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    metadata: { resourceVersion: '' },
    items: [
      ...pods,
      ...events,
      ...secrets,
      ...accounts,
      ...nodes.map((n) => node(rnd, c, n)),
      // kubectl prints each kind in the order asked for: replicasets before deployments.
      ...workloads.filter((w) => (w as { kind: string }).kind === 'ReplicaSet'),
      ...workloads.filter((w) => (w as { kind: string }).kind === 'Deployment'),
    ],
  };
  const path = join(dir, 'cluster.json');
  // kubectl indents its JSON by four spaces; the scan has to read (and its size budget has to fit) the same bytes.
  const text = JSON.stringify(list, null, 4);
  await writeFile(path, text);
  return {
    path,
    bytes: Buffer.byteLength(text),
    pods: pods.length,
    failingPods,
    events: events.length,
    images,
  };
}
