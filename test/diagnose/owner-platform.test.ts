import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodePlatform, podPlatform, resolveOwner } from '../../src/diagnose/index.ts';
import { clusterState, node, pod, workload } from './objects.ts';

const ref = (kind: string, name: string, controller = true) => ({
  apiVersion: 'apps/v1',
  kind,
  name,
  uid: `uid-${kind}-${name}`,
  controller,
});

describe('resolveOwner', () => {
  test('Pod → ReplicaSet → Deployment', () => {
    const p = pod('web-7d9f8-abcde', { ownerReferences: [ref('ReplicaSet', 'web-7d9f8')] });
    const st = clusterState({
      pods: [p],
      workloads: [
        workload('ReplicaSet', 'web-7d9f8', { kind: 'Deployment', name: 'web' }),
        workload('Deployment', 'web'),
      ],
    });
    assert.deepEqual(resolveOwner(st, p), { kind: 'Deployment', name: 'web' });
  });

  test('Pod → Job → CronJob', () => {
    const p = pod('nightly-28970000-xyz', { ownerReferences: [ref('Job', 'nightly-28970000')] });
    const st = clusterState({
      workloads: [
        workload('Job', 'nightly-28970000', { kind: 'CronJob', name: 'nightly' }),
        workload('CronJob', 'nightly'),
      ],
    });
    assert.deepEqual(resolveOwner(st, p), { kind: 'CronJob', name: 'nightly' });
  });

  test('StatefulSet and DaemonSet own their pods directly', () => {
    const st = clusterState({ workloads: [workload('StatefulSet', 'db'), workload('DaemonSet', 'agent')] });
    assert.deepEqual(resolveOwner(st, pod('db-0', { ownerReferences: [ref('StatefulSet', 'db')] })), {
      kind: 'StatefulSet',
      name: 'db',
    });
    assert.deepEqual(resolveOwner(st, pod('agent-x', { ownerReferences: [ref('DaemonSet', 'agent')] })), {
      kind: 'DaemonSet',
      name: 'agent',
    });
  });

  test('a missing owner object falls back to the ownerReference itself', () => {
    const p = pod('web-1', { ownerReferences: [ref('ReplicaSet', 'web-abc')] });
    assert.deepEqual(resolveOwner(clusterState(), p), { kind: 'ReplicaSet', name: 'web-abc' });
  });

  test('an owner of a kind that was not read (a custom controller) ends the chain', () => {
    const p = pod('r-1', { ownerReferences: [ref('ReplicaSet', 'r-abc')] });
    const st = clusterState({ workloads: [workload('ReplicaSet', 'r-abc', { kind: 'Rollout', name: 'r' })] });
    assert.deepEqual(resolveOwner(st, p), { kind: 'Rollout', name: 'r' });
  });

  test('the controller reference wins over others; a pod without owners has none', () => {
    const p = pod('x', { ownerReferences: [ref('ConfigMap', 'cm', false), ref('StatefulSet', 'db')] });
    assert.deepEqual(resolveOwner(clusterState(), p), { kind: 'StatefulSet', name: 'db' });
    assert.equal(resolveOwner(clusterState(), pod('bare')), null);
  });

  test('a workload recreated under the same name (other uid) is not followed', () => {
    const p = pod('web-1', { ownerReferences: [{ ...ref('ReplicaSet', 'web-abc'), uid: 'uid-old' }] });
    const st = clusterState({
      workloads: [workload('ReplicaSet', 'web-abc', { kind: 'Deployment', name: 'web' })],
    });
    assert.deepEqual(resolveOwner(st, p), { kind: 'ReplicaSet', name: 'web-abc' });
  });

  test('an ownerReference cycle in a hand-edited snapshot ends', () => {
    const p = pod('c-1', { ownerReferences: [ref('ReplicaSet', 'a')] });
    const st = clusterState({
      workloads: [
        workload('ReplicaSet', 'a', { kind: 'Deployment', name: 'b' }),
        workload('Deployment', 'b', { kind: 'ReplicaSet', name: 'a' }),
      ],
    });
    assert.ok(resolveOwner(st, p));
  });
});

describe('node platforms', () => {
  test('status.nodeInfo gives os and architecture', () => {
    assert.deepEqual(nodePlatform(node('n', { operatingSystem: 'linux', architecture: 'arm64' })), {
      os: 'linux',
      architecture: 'arm64',
    });
  });

  test('32-bit arm gets its default variant; windows nodes are windows', () => {
    assert.deepEqual(nodePlatform(node('n', { operatingSystem: 'linux', architecture: 'arm' })), {
      os: 'linux',
      architecture: 'arm',
      variant: 'v7',
    });
    assert.equal(
      nodePlatform(node('w', { operatingSystem: 'windows', architecture: 'amd64' }))?.os,
      'windows',
    );
  });

  test('without nodeInfo the kubernetes.io labels are used', () => {
    const n = node('n', null, { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 's390x' });
    assert.deepEqual(nodePlatform(n), { os: 'linux', architecture: 's390x' });
  });

  test('nothing known → null; the pod platform comes from its node', () => {
    assert.equal(nodePlatform(node('n', null)), null);
    assert.equal(nodePlatform(undefined), null);
    const st = clusterState({ nodes: [node('node-a', { operatingSystem: 'linux', architecture: 'amd64' })] });
    assert.deepEqual(podPlatform(st, pod('p')), { os: 'linux', architecture: 'amd64' });
    assert.equal(podPlatform(st, pod('q', { nodeName: 'gone' })), null);
  });
});
