// The cluster the CLI tests scan: two namespaces of broken workloads whose images live on the lab's registries,
// plus a healthy pod. What each pod should come out as is listed beside it.
import type { Cause } from '../../src/cause/index.ts';
import { kubelet } from './kubelet.ts';
import { USER, type Lab } from './lab.ts';
import { msg, pullFailure, world, type World } from './world.ts';

export interface Expected {
  namespace: string;
  pod: string;
  container: string;
  cause: Cause;
  owner: { kind: string; name: string } | null;
}

export const WEB_PODS = ['web-7c9f8d6b5d-2xk4p', 'web-7c9f8d6b5d-8mq7r', 'web-7c9f8d6b5d-tz6wd'];

export function shopWorld(lab: Lab): { world: World; expected: Expected[] } {
  const host = lab.auth.host;
  const w = world()
    .dockerSecret('shop', 'regcred', { [host]: { username: USER, password: lab.password } })
    .dockerSecret('shop', 'stale', { [host]: { username: USER, password: lab.wrongPassword } })
    .serviceAccount('shop', 'default', ['regcred'])
    .serviceAccount('tools', 'default')
    .secret('tools', 'docker-creds', 'Opaque', {
      '.dockerconfigjson': Buffer.from(
        JSON.stringify({ auths: { [host]: { username: USER, password: lab.password } } }),
      ).toString('base64'),
    });
  const expected: Expected[] = [];

  const web = w.deployment('shop', 'web');
  const missing = lab.img.app('1.0.2');
  for (const name of WEB_PODS) {
    w.pod({
      namespace: 'shop',
      name,
      owner: web,
      image: missing,
      secrets: ['regcred'],
      events: pullFailure(missing, kubelet.notFound(missing)),
    });
    expected.push({
      namespace: 'shop',
      pod: name,
      container: 'app',
      cause: 'MANIFEST_NOT_FOUND',
      owner: { kind: 'Deployment', name: 'web' },
    });
  }

  const api = w.deployment('shop', 'api', '6f7d9c8b7');
  const present = lab.img.app('1.0.0');
  w.pod({
    namespace: 'shop',
    name: 'api-6f7d9c8b7-4kq9s',
    owner: api,
    image: present,
    secrets: ['stale'],
    events: pullFailure(present, kubelet.unauthorized(present)),
  });
  expected.push({
    namespace: 'shop',
    pod: 'api-6f7d9c8b7-4kq9s',
    container: 'app',
    cause: 'UNAUTHORIZED',
    owner: { kind: 'Deployment', name: 'api' },
  });

  // An init container on the arm64 node whose image has no arm64 build; the kubelet only says back-off.
  w.pod({
    namespace: 'shop',
    name: 'checkout',
    type: 'init',
    container: 'migrate',
    node: 'node-arm64',
    image: lab.img.amd64only,
    secrets: ['regcred'],
    events: [['BackOff', msg.backoff(lab.img.amd64only), 30, 1]],
  });
  expected.push({
    namespace: 'shop',
    pod: 'checkout',
    container: 'migrate',
    cause: 'PLATFORM_MISMATCH',
    owner: null,
  });

  w.pod({ namespace: 'shop', name: 'cache-0', image: present, secrets: ['regcred'], waiting: null });

  const toolbox = w.pod({
    namespace: 'tools',
    name: 'toolbox',
    image: present,
    secrets: ['regcred-old'],
    events: pullFailure(present, kubelet.unauthorized(present)),
  });
  w.event(toolbox, {
    reason: 'FailedToRetrieveImagePullSecret',
    message: kubelet.missingSecrets(['regcred-old']),
    count: 25,
  });
  expected.push({
    namespace: 'tools',
    pod: 'toolbox',
    container: 'app',
    cause: 'PULL_SECRET_MISSING',
    owner: null,
  });
  w.pod({
    namespace: 'tools',
    name: 'legacy-app',
    image: present,
    secrets: ['docker-creds'],
    events: pullFailure(present, kubelet.unauthorized(present)),
  });
  expected.push({
    namespace: 'tools',
    pod: 'legacy-app',
    container: 'app',
    cause: 'PULL_SECRET_INVALID',
    owner: null,
  });
  return { world: w, expected };
}

/** A cluster where every image pulled: nothing to report. */
export function healthyWorld(lab: Lab): World {
  const w = world().dockerSecret('shop', 'regcred', {
    [lab.auth.host]: { username: USER, password: lab.password },
  });
  const web = w.deployment('shop', 'web');
  const image = lab.img.app('1.0.0');
  const pod = w.pod({
    namespace: 'shop',
    name: 'web-7c9f8d6b5d-2xk4p',
    owner: web,
    image,
    secrets: ['regcred'],
    waiting: null,
  });
  w.event(pod, {
    reason: 'Pulled',
    message: `Successfully pulled image "${image}" in 1.2s (1.2s including waiting)`,
    fieldPath: 'spec.containers{app}',
    minutesAgo: 10,
  });
  return w;
}
