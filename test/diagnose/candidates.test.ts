import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bestMessage, findCandidates, isPullWaitingReason, podCandidates } from '../../src/diagnose/index.ts';
import {
  MSG,
  NOW,
  clusterState,
  creating,
  event,
  minutes,
  pod,
  runningState,
  waitingState,
} from './objects.ts';

const IMG = 'registry.example.com/team/app:1.0';

describe('candidates from waiting states', () => {
  for (const reason of [
    'ErrImagePull',
    'ImagePullBackOff',
    'ErrImageNeverPull',
    'InvalidImageName',
    'ImageInspectError',
    'RegistryUnavailable',
    'ErrImagePullBackOff',
  ]) {
    test(`${reason} is pull-related`, () => assert.equal(isPullWaitingReason(reason), true));
  }
  for (const reason of [
    'ContainerCreating',
    'PodInitializing',
    'CrashLoopBackOff',
    'CreateContainerConfigError',
  ]) {
    test(`${reason} is not`, () => assert.equal(isPullWaitingReason(reason), false));
  }

  test('regular, init and ephemeral containers are each found with their type', () => {
    const p = pod('web-1', {
      initContainers: [{ name: 'migrate', image: 'registry.example.com/team/migrate:2' }],
      containers: [
        { name: 'app', image: IMG },
        { name: 'sidecar', image: 'registry.example.com/team/proxy:1' },
      ],
      ephemeralContainers: [{ name: 'debugger', image: 'busybox:does-not-exist' }],
      states: {
        migrate: waitingState(
          'ErrImagePull',
          'rpc error: code = NotFound desc = failed to pull and unpack image "registry.example.com/team/migrate:2": not found',
        ),
        app: waitingState('PodInitializing'),
        sidecar: waitingState('PodInitializing'),
        debugger: waitingState('ImagePullBackOff', MSG.backoff('busybox:does-not-exist')),
      },
    });
    const found = podCandidates(clusterState({ pods: [p] }), p, { now: NOW });
    assert.deepEqual(
      found.map((c) => [c.container, c.containerType, c.image, c.best.reason]),
      [
        ['migrate', 'init', 'registry.example.com/team/migrate:2', 'ErrImagePull'],
        ['debugger', 'ephemeral', 'busybox:does-not-exist', 'ImagePullBackOff'],
      ],
    );
    assert.equal(found[0]!.node, 'node-a');
    assert.equal(found[0]!.namespace, 'shop');
  });

  test('running containers and non-pull waiting reasons are not candidates', () => {
    const p = pod('ok', {
      containers: [
        { name: 'a', image: IMG },
        { name: 'b', image: IMG },
      ],
      states: {
        a: runningState(),
        b: waitingState('CrashLoopBackOff', 'back-off 5m0s restarting failed container'),
      },
    });
    assert.deepEqual(podCandidates(clusterState({ pods: [p] }), p, { now: NOW }), []);
  });

  test('InvalidImageName and ErrImageNeverPull keep their reason and message', () => {
    const bad = 'Registry.example.com/Team/App:1';
    const p = pod('x', {
      containers: [
        { name: 'a', image: bad },
        { name: 'b', image: IMG, imagePullPolicy: 'Never' },
      ],
      states: {
        a: waitingState('InvalidImageName', MSG.invalidName(bad)),
        b: waitingState('ErrImageNeverPull', MSG.neverPull(IMG)),
      },
    });
    const [a, b] = podCandidates(clusterState({ pods: [p] }), p, { now: NOW });
    assert.equal(a!.best.reason, 'InvalidImageName');
    assert.equal(a!.best.message, MSG.invalidName(bad));
    assert.equal(b!.best.reason, 'ErrImageNeverPull');
    assert.equal(b!.imagePullPolicy, 'Never');
  });
});

describe('candidates from events', () => {
  test('events are matched to the container by fieldPath, including init and ephemeral containers', () => {
    const p = pod('web-2', {
      initContainers: [{ name: 'init', image: IMG }],
      containers: [{ name: 'app', image: IMG }],
      ephemeralContainers: [{ name: 'dbg', image: 'busybox:1.36' }],
      states: { init: creating(), app: creating(), dbg: creating() },
    });
    const events = [
      event('web-2', 'Failed', MSG.notFound(IMG), {
        fieldPath: 'spec.initContainers{init}',
        ago: minutes(2),
      }),
      event('web-2', 'Failed', MSG.dns('busybox:1.36'), {
        fieldPath: 'spec.ephemeralContainers{dbg}',
        ago: minutes(2),
      }),
    ];
    const found = podCandidates(clusterState({ pods: [p], events }), p, { now: NOW });
    assert.deepEqual(
      found.map((c) => [c.container, c.containerType, c.best.message]),
      [
        ['init', 'init', MSG.notFound(IMG)],
        ['dbg', 'ephemeral', MSG.dns('busybox:1.36')],
      ],
    );
  });

  test('an event without fieldPath is matched by the image it names, in any spelling of the reference', () => {
    const p = pod('web-3', {
      containers: [
        { name: 'app', image: 'nginx:1.99' },
        { name: 'other', image: IMG },
      ],
      states: { app: creating(), other: creating() },
    });
    const events = [event('web-3', 'Failed', MSG.notFound('docker.io/library/nginx:1.99'))];
    const found = podCandidates(clusterState({ pods: [p], events }), p, { now: NOW });
    assert.deepEqual(
      found.map((c) => c.container),
      ['app'],
    );
  });

  test('events of another pod with the same name (other uid) and of other pods are ignored', () => {
    const p = pod('web-4', { states: { app: creating() } });
    const events = [
      event('web-4', 'Failed', MSG.notFound(IMG), { fieldPath: 'spec.containers{app}', uid: 'uid-old' }),
      event('web-5', 'Failed', MSG.notFound(IMG), { fieldPath: 'spec.containers{app}' }),
    ];
    assert.deepEqual(podCandidates(clusterState({ pods: [p], events }), p, { now: NOW }), []);
  });

  test('a pull that succeeded after the failures is not a candidate', () => {
    const p = pod('web-6', { states: { app: creating() } });
    const fp = { fieldPath: 'spec.containers{app}' };
    const events = [
      event('web-6', 'Failed', MSG.notFound(IMG), { ...fp, ago: minutes(5) }),
      event('web-6', 'Pulled', MSG.pulled(IMG), { ...fp, ago: minutes(1) }),
    ];
    assert.deepEqual(podCandidates(clusterState({ pods: [p], events }), p, { now: NOW }), []);
  });

  test('non-pull Failed and BackOff events do not make candidates', () => {
    const p = pod('web-7', { states: { app: creating() } });
    const fp = { fieldPath: 'spec.containers{app}' };
    const events = [
      event('web-7', 'Failed', 'Error: CreateContainerConfigError', fp),
      event('web-7', 'BackOff', 'Back-off restarting failed container app in pod web-7_shop', fp),
    ];
    assert.deepEqual(podCandidates(clusterState({ pods: [p], events }), p, { now: NOW }), []);
  });

  test('FailedToRetrieveImagePullSecret applies to the pod and is kept with the candidate', () => {
    const p = pod('web-8', {
      imagePullSecrets: ['regcred'],
      states: { app: waitingState('ImagePullBackOff', MSG.backoff(IMG)) },
    });
    const events = [event('web-8', 'FailedToRetrieveImagePullSecret', MSG.retrieveSecrets(['regcred']))];
    const [c] = podCandidates(clusterState({ pods: [p], events }), p, { now: NOW });
    assert.equal(c!.best.reason, 'FailedToRetrieveImagePullSecret');
    assert.equal(c!.events.length, 1);
  });
});

describe('the most specific message', () => {
  const fp = { fieldPath: 'spec.containers{app}' };

  test('the last detailed Failed event beats a waiting back-off and bare events', () => {
    const p = pod('w', { states: { app: waitingState('ImagePullBackOff', MSG.backoff(IMG)) } });
    const events = [
      event('w', 'Failed', MSG.unauthorized(IMG), { ...fp, ago: minutes(9) }),
      event('w', 'Failed', MSG.notFound(IMG), { ...fp, ago: minutes(4) }),
      event('w', 'Failed', MSG.errImagePull, { ...fp, ago: minutes(4) }),
      event('w', 'BackOff', MSG.backoff(IMG), { ...fp, ago: minutes(1), count: 12 }),
      event('w', 'Failed', MSG.imagePullBackOff, { ...fp, ago: minutes(1), count: 12 }),
    ];
    const [c] = podCandidates(clusterState({ pods: [p], events }), p, { now: NOW });
    assert.equal(c!.best.source, 'event');
    assert.equal(c!.best.message, MSG.notFound(IMG));
    assert.equal(c!.waiting?.reason, 'ImagePullBackOff');
    assert.equal(c!.events.length, 5);
  });

  test('a detailed waiting message beats events of the same tier', () => {
    const waitingMsg =
      'failed to pull and unpack image "registry.example.com/team/app:1.0": failed to resolve reference "registry.example.com/team/app:1.0": registry.example.com/team/app:1.0: not found';
    const p = pod('w2', { states: { app: waitingState('ErrImagePull', waitingMsg) } });
    const events = [event('w2', 'Failed', MSG.unauthorized(IMG), { ...fp, ago: minutes(1) })];
    const [c] = podCandidates(clusterState({ pods: [p], events }), p, { now: NOW });
    assert.equal(c!.best.source, 'waiting');
    assert.equal(c!.best.message, waitingMsg);
  });

  test('with only back-offs, the waiting back-off is used', () => {
    const p = pod('w3', { states: { app: waitingState('ImagePullBackOff', MSG.backoff(IMG)) } });
    const events = [event('w3', 'BackOff', MSG.backoff(IMG), fp)];
    const [c] = podCandidates(clusterState({ pods: [p], events }), p, { now: NOW });
    assert.equal(c!.best.source, 'waiting');
    assert.equal(c!.best.reason, 'ImagePullBackOff');
  });

  test('bestMessage ranks a pull-secret event between detailed and bare messages', () => {
    const secretEv = event('w', 'FailedToRetrieveImagePullSecret', MSG.retrieveSecrets(['a']));
    const bare = { source: 'waiting' as const, reason: 'ImagePullBackOff', message: MSG.backoff(IMG) };
    const secretMsg = {
      source: 'event' as const,
      reason: secretEv.reason,
      message: secretEv.message,
      event: secretEv,
    };
    const failedEv = event('w', 'Failed', MSG.notFound(IMG), { ago: minutes(30) });
    const detailed = {
      source: 'event' as const,
      reason: 'Failed',
      message: failedEv.message,
      event: failedEv,
    };
    assert.equal(bestMessage([bare, secretMsg]), secretMsg);
    assert.equal(bestMessage([bare, secretMsg, detailed]), detailed);
    assert.equal(bestMessage([]), null);
  });
});

describe('stuck pulls', () => {
  const fp = { fieldPath: 'spec.containers{app}' };

  test('a Pulling event with no outcome older than the threshold is a candidate', () => {
    const p = pod('slow', { states: { app: creating() } });
    const events = [event('slow', 'Pulling', MSG.pulling(IMG), { ...fp, ago: minutes(25) })];
    const [c] = podCandidates(clusterState({ pods: [p], events }), p, { now: NOW });
    assert.equal(c!.best.reason, 'Pulling');
    assert.deepEqual(c!.stuckPulling, { since: NOW - minutes(25), ms: minutes(25) });
  });

  test('a recent Pulling event is a pull in progress, not a finding', () => {
    const p = pod('slow2', { states: { app: creating() } });
    const events = [event('slow2', 'Pulling', MSG.pulling(IMG), { ...fp, ago: minutes(3) })];
    assert.deepEqual(podCandidates(clusterState({ pods: [p], events }), p, { now: NOW }), []);
  });

  test('the threshold is configurable and relative to opts.now', () => {
    const p = pod('slow3', { states: { app: creating() } });
    const events = [event('slow3', 'Pulling', MSG.pulling(IMG), { ...fp, ago: minutes(3) })];
    const st = clusterState({ pods: [p], events });
    assert.equal(podCandidates(st, p, { now: NOW, stuckPullingMs: minutes(2) }).length, 1);
    assert.equal(podCandidates(st, p, { now: NOW - minutes(2), stuckPullingMs: minutes(2) }).length, 0);
  });

  test('a Pulling event followed by Pulled is not stuck', () => {
    const p = pod('slow4', { states: { app: creating() } });
    const events = [
      event('slow4', 'Pulling', MSG.pulling(IMG), { ...fp, ago: minutes(30) }),
      event('slow4', 'Pulled', MSG.pulled(IMG), { ...fp, ago: minutes(29) }),
    ];
    assert.deepEqual(podCandidates(clusterState({ pods: [p], events }), p, { now: NOW }), []);
  });

  test('a failure after the Pulling event makes a failure candidate, not a stuck one', () => {
    const p = pod('slow5', { states: { app: creating() } });
    const events = [
      event('slow5', 'Pulling', MSG.pulling(IMG), { ...fp, ago: minutes(30) }),
      event('slow5', 'Failed', MSG.notFound(IMG), { ...fp, ago: minutes(29) }),
    ];
    const [c] = podCandidates(clusterState({ pods: [p], events }), p, { now: NOW });
    assert.equal(c!.stuckPulling, null);
    assert.equal(c!.best.message, MSG.notFound(IMG));
  });
});

test('findCandidates covers every pod of the state', () => {
  const a = pod('a', { states: { app: waitingState('ErrImagePull', MSG.notFound(IMG)) } });
  const b = pod('b', {
    namespace: 'other',
    states: { app: waitingState('ImagePullBackOff', MSG.backoff(IMG)) },
  });
  const c = pod('c', { states: { app: runningState() } });
  const found = findCandidates(clusterState({ pods: [a, b, c] }), { now: NOW });
  assert.deepEqual(
    found.map((x) => `${x.namespace}/${x.pod}`),
    ['shop/a', 'other/b'],
  );
});
