import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromCoreEvent, fromEventsV1, normalize } from '../../src/cluster/index.ts';
import { classify, listItems, parseTime } from '../../src/cluster/normalize.ts';
import { coreEventSchema, eventsV1Schema } from '../../src/cluster/types.ts';
import { ALL } from './helpers.ts';

const pod = (name: string, ns: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, uid: `uid-${ns}-${name}` },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
  ...extra,
});

const involved = {
  apiVersion: 'v1',
  kind: 'Pod',
  name: 'web-1',
  namespace: 'shop',
  uid: 'pod-uid',
  fieldPath: 'spec.containers{web}',
};

/** A kubelet event as core/v1 shows it (old recorder: count and first/last timestamps). */
const kubeletCore = {
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name: 'web-1.17cf', namespace: 'shop', uid: 'ev-1', creationTimestamp: '2024-05-14T09:00:03Z' },
  involvedObject: involved,
  reason: 'Failed',
  message: 'Failed to pull image "x": not found',
  type: 'Warning',
  count: 4,
  firstTimestamp: '2024-05-14T09:00:03Z',
  lastTimestamp: '2024-05-14T09:01:32Z',
  eventTime: null,
  source: { component: 'kubelet', host: 'node-1' },
};

/** The same stored event through events.k8s.io/v1. */
const kubeletV1 = {
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: kubeletCore.metadata,
  regarding: involved,
  reason: 'Failed',
  note: 'Failed to pull image "x": not found',
  type: 'Warning',
  deprecatedCount: 4,
  deprecatedFirstTimestamp: '2024-05-14T09:00:03Z',
  deprecatedLastTimestamp: '2024-05-14T09:01:32Z',
  deprecatedSource: { component: 'kubelet', host: 'node-1' },
  eventTime: null,
  reportingController: 'kubelet',
  reportingInstance: 'node-1',
};

const t = (s: string) => Date.parse(s);

describe('event normalization', () => {
  test('core/v1 from the kubelet: count, first and last timestamps', () => {
    assert.deepEqual(fromCoreEvent(coreEventSchema.parse(kubeletCore)), {
      namespace: 'shop',
      involved: { kind: 'Pod', name: 'web-1', uid: 'pod-uid', fieldPath: 'spec.containers{web}' },
      reason: 'Failed',
      message: 'Failed to pull image "x": not found',
      type: 'Warning',
      count: 4,
      lastSeen: t('2024-05-14T09:01:32Z'),
      firstSeen: t('2024-05-14T09:00:03Z'),
    });
  });

  test('events.k8s.io/v1 view of the same event gives the same ClusterEvent', () => {
    assert.deepEqual(
      fromEventsV1(eventsV1Schema.parse(kubeletV1)),
      fromCoreEvent(coreEventSchema.parse(kubeletCore)),
    );
  });

  test('events.k8s.io/v1 with a series: count from series.count, last seen from lastObservedTime, microseconds kept', () => {
    const e = fromEventsV1(
      eventsV1Schema.parse({
        metadata: { name: 'x', namespace: 'ns', creationTimestamp: '2024-05-14T09:00:00Z' },
        regarding: { kind: 'Pod', name: 'p' },
        reason: 'BackOff',
        note: 'Back-off pulling image "x"',
        type: 'Normal',
        eventTime: '2024-05-14T09:00:00.250000Z',
        series: { count: 14, lastObservedTime: '2024-05-14T09:20:00.123456Z' },
      }),
    );
    assert.equal(e.count, 14);
    assert.equal(e.lastSeen, t('2024-05-14T09:20:00.123Z'));
    assert.equal(e.firstSeen, t('2024-05-14T09:00:00.250Z'));
    assert.equal(e.message, 'Back-off pulling image "x"');
  });

  test('core/v1 view of an event written through events.k8s.io: eventTime and series, no count', () => {
    const e = fromCoreEvent(
      coreEventSchema.parse({
        metadata: { name: 'x', namespace: 'ns' },
        involvedObject: { kind: 'Pod', name: 'p', namespace: 'ns' },
        reason: 'Scheduled',
        message: 'Successfully assigned ns/p to n',
        eventTime: '2024-05-14T09:00:00.412817Z',
        series: { count: 3, lastObservedTime: '2024-05-14T09:05:00Z' },
        firstTimestamp: null,
        lastTimestamp: null,
      }),
    );
    assert.equal(e.count, 3);
    assert.equal(e.firstSeen, t('2024-05-14T09:00:00.412Z'));
    assert.equal(e.lastSeen, t('2024-05-14T09:05:00Z'));
  });

  test('a bare event: count 1, times from creationTimestamp, namespace from the involved object', () => {
    const e = fromCoreEvent(
      coreEventSchema.parse({
        metadata: { name: 'x', creationTimestamp: '2024-05-14T10:00:00Z' },
        involvedObject: { kind: 'Node', name: 'n1', namespace: 'default' },
      }),
    );
    assert.deepEqual(e, {
      namespace: 'default',
      involved: { kind: 'Node', name: 'n1' },
      reason: '',
      message: '',
      type: '',
      count: 1,
      lastSeen: t('2024-05-14T10:00:00Z'),
      firstSeen: t('2024-05-14T10:00:00Z'),
    });
  });

  test('parseTime: unparsable or missing is 0', () => {
    assert.equal(parseTime(undefined), 0);
    assert.equal(parseTime(null), 0);
    assert.equal(parseTime('yesterday'), 0);
    assert.equal(parseTime('2024-05-14T09:00:00Z'), t('2024-05-14T09:00:00Z'));
  });
});

describe('normalize', () => {
  test('an event seen through both APIs (same uid) is kept once; distinct events stay apart', () => {
    const other = {
      ...kubeletCore,
      metadata: { ...kubeletCore.metadata, uid: 'ev-2', name: 'web-1.17d0' },
      reason: 'BackOff',
    };
    const s = normalize([kubeletCore, kubeletV1, other], { source: 't', scope: ALL });
    assert.equal(s.events.length, 2);
    assert.deepEqual(s.events.map((e) => e.reason).sort(), ['BackOff', 'Failed']);
  });

  test('two views that differ (a later read with a higher count) merge to the widest range and largest count', () => {
    const later = { ...kubeletV1, deprecatedCount: 9, deprecatedLastTimestamp: '2024-05-14T09:30:00Z' };
    const s = normalize([kubeletCore, later], { source: 't', scope: ALL });
    assert.equal(s.events.length, 1);
    assert.equal(s.events[0]?.count, 9);
    assert.equal(s.events[0]?.lastSeen, t('2024-05-14T09:30:00Z'));
    assert.equal(s.events[0]?.firstSeen, t('2024-05-14T09:00:03Z'));
  });

  test('a malformed object is skipped with kind/name, namespace and the bad field; the rest loads', () => {
    const bad = pod('broken', 'shop', { spec: { containers: [{ name: 7, image: 'x' }] } });
    const badNode = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1' },
      status: { nodeInfo: { architecture: 42 } },
    };
    const s = normalize([pod('ok', 'shop'), bad, badNode], { source: 't', scope: ALL });
    assert.deepEqual(
      s.pods.map((p) => p.metadata.name),
      ['ok'],
    );
    assert.equal(s.skipped.length, 2);
    const [node, p] = s.skipped;
    assert.equal(node?.resource, 'node/n1');
    assert.equal(node?.namespace, undefined);
    assert.match(node?.reason ?? '', /^invalid object: status\.nodeInfo\.architecture: .*string/);
    assert.equal(p?.resource, 'pod/broken');
    assert.equal(p?.namespace, 'shop');
    assert.match(p?.reason ?? '', /^invalid object: spec\.containers\[0\]\.name: .*string/);
  });

  test('a malformed secret is named without any of its values', () => {
    const s = normalize(
      [
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's', namespace: 'n' },
          data: { '.dockerconfigjson': 12345678 },
        },
      ],
      { source: 't', scope: ALL },
    );
    assert.equal(s.skipped.length, 1);
    assert.match(s.skipped[0]?.reason ?? '', /data\.\.dockerconfigjson/);
    assert.ok(!s.skipped[0]?.reason.includes('12345678'));
  });

  test('scope: namespace filters namespaced kinds and events but not nodes; secrets:false drops secrets', () => {
    const objs = [
      pod('a', 'one'),
      pod('b', 'two'),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'one' }, type: 'Opaque' },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } },
      { ...kubeletCore, metadata: { ...kubeletCore.metadata, namespace: 'two' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'two' } },
    ];
    const one = normalize(objs, { source: 't', scope: { namespace: 'one', secrets: false } });
    assert.deepEqual(
      one.pods.map((p) => p.metadata.name),
      ['a'],
    );
    assert.equal(one.secrets.size, 0);
    assert.equal(one.events.length, 0);
    assert.equal(one.workloads.size, 0);
    assert.deepEqual([...one.nodes.keys()], ['n1']);
    const two = normalize(objs, { source: 't', scope: { namespace: 'two', secrets: true } });
    assert.equal(two.events.length, 1);
    assert.deepEqual([...two.workloads.keys()], ['two/Deployment/d']);
  });

  test('keys: pods/secrets/service accounts namespace/name, workloads namespace/Kind/name, nodes by name', () => {
    const s = normalize(
      [
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'n' } },
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'reg', namespace: 'n' },
          type: 'kubernetes.io/dockerconfigjson',
        },
        { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'n' } },
        { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'n' } },
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a' } },
      ],
      { source: 't', scope: ALL },
    );
    assert.deepEqual([...s.serviceAccounts.keys()], ['n/default']);
    assert.deepEqual([...s.secrets.keys()], ['n/reg']);
    assert.deepEqual([...s.workloads.keys()], ['n/CronJob/c', 'n/StatefulSet/db']);
    assert.deepEqual([...s.nodes.keys()], ['node-a']);
  });

  test('input order does not show: pods sorted by namespace/name, maps by key, events by time', () => {
    const objs = [pod('z', 'b'), pod('a', 'b'), pod('m', 'a')];
    const s1 = normalize(objs, { source: 't', scope: ALL });
    const s2 = normalize([...objs].reverse(), { source: 't', scope: ALL });
    assert.deepEqual(s1, s2);
    assert.deepEqual(
      s1.pods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
      ['a/m', 'b/a', 'b/z'],
    );
  });

  test('managedFields are dropped, and on secrets the last-applied annotation that holds the data in clear', () => {
    const s = normalize(
      [
        pod('a', 'n', { metadata: { name: 'a', namespace: 'n', managedFields: [{ manager: 'kubectl' }] } }),
        {
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'Opaque',
          metadata: {
            name: 's',
            namespace: 'n',
            annotations: {
              'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"p":"c2VjcmV0"}}',
              team: 'x',
            },
          },
        },
      ],
      { source: 't', scope: ALL },
    );
    assert.equal('managedFields' in (s.pods[0]?.metadata ?? {}), false);
    assert.deepEqual(s.secrets.get('n/s')?.metadata.annotations, { team: 'x' });
  });

  test('kinds: other kinds and same-named kinds of other API groups are ignored', () => {
    assert.equal(classify({ kind: 'ConfigMap', apiVersion: 'v1' }), null);
    assert.equal(classify({ kind: 'Job', apiVersion: 'example.com/v1' }), null);
    assert.equal(classify({ kind: 'Pod', apiVersion: 'metrics.k8s.io/v1beta1' }), null);
    assert.equal(classify({ kind: 'Job', apiVersion: 'batch/v1' }), 'workload');
    assert.equal(classify({ kind: 'Deployment', apiVersion: 'extensions/v1beta1' }), 'workload');
    assert.equal(classify({ kind: 'Event', apiVersion: 'events.k8s.io/v1beta1' }), 'eventsV1');
    assert.equal(classify({ kind: 'Event', apiVersion: 'v1' }), 'coreEvent');
    assert.equal(classify({ kind: 'Event', note: 'x', regarding: {} }), 'eventsV1');
    assert.equal(classify({ kind: 'Event', message: 'x' }), 'coreEvent');
    assert.equal(classify({ kind: 'Pod' }), 'pod');
    const s = normalize(
      [
        { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } },
        { kind: 'Job', apiVersion: 'example.com/v1', metadata: {} },
      ],
      { source: 't', scope: ALL },
    );
    assert.equal(s.workloads.size, 0);
    assert.deepEqual(s.skipped, []);
  });

  test('listItems fills kind and apiVersion into typed-list items, and leaves generic List items alone', () => {
    assert.deepEqual(
      listItems({ kind: 'DeploymentList', apiVersion: 'apps/v1', items: [{ metadata: { name: 'd' } }] }),
      [{ kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'd' } }],
    );
    const generic = [{ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p' } }, { metadata: { name: 'x' } }];
    assert.deepEqual(listItems({ kind: 'List', apiVersion: 'v1', items: generic }), generic);
  });
});
