import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IMAGE_SIZE_LABELS,
  imageSizeBucket,
  parseGoDuration,
  parsePulledEvent,
  PulledEventTracker,
  type TrackedEvent,
} from '../../src/monitor/kubelet.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('parsePulledEvent', () => {
  test('current kubelet form: queue-inclusive time and image size', () => {
    assert.deepEqual(
      parsePulledEvent(
        'Successfully pulled image "g1g1/py-kube" in 15.981s (15.981s including waiting). Image size: 129338587 bytes.',
      ),
      { image: 'g1g1/py-kube', seconds: 15.981, bytes: 129338587 },
    );
  });

  test('the waiting time is the one measured, like kubelet_image_pull_duration_seconds', () => {
    assert.deepEqual(
      parsePulledEvent(
        'Successfully pulled image "registry.local:5000/team/app@sha256:' +
          'a'.repeat(64) +
          '" in 1m2.5s (1m10.25s including waiting). Image size: 2147483648 bytes.',
      ),
      { image: `registry.local:5000/team/app@sha256:${'a'.repeat(64)}`, seconds: 70.25, bytes: 2147483648 },
    );
  });

  test('form without image size (kubelets before the size was added)', () => {
    assert.deepEqual(
      parsePulledEvent(
        'Successfully pulled image "registry.k8s.io/pause:3.9" in 523ms (523ms including waiting)',
      ),
      { image: 'registry.k8s.io/pause:3.9', seconds: 0.523, bytes: null },
    );
  });

  test('oldest form: one Go duration, nothing else', () => {
    const e = parsePulledEvent('Successfully pulled image "busybox" in 1.870293871s');
    assert.equal(e?.image, 'busybox');
    assert.equal(e?.bytes, null);
    assert.ok(Math.abs(e!.seconds - 1.870293871) < 1e-9);
  });

  test('"already present" shares the Pulled reason but measured no pull', () => {
    assert.equal(parsePulledEvent('Container image "nginx:1.25" already present on machine'), null);
  });

  test('malformed durations and other messages are not pulls', () => {
    assert.equal(parsePulledEvent('Successfully pulled image "x" in soon'), null);
    assert.equal(parsePulledEvent('Pulling image "nginx:1.25"'), null);
    assert.equal(parsePulledEvent(''), null);
  });
});

describe('parseGoDuration', () => {
  test('units of time.Duration.String()', () => {
    assert.equal(parseGoDuration('1h2m3s'), 3723);
    assert.equal(parseGoDuration('850ms'), 0.85);
    assert.equal(parseGoDuration('0s'), 0);
    assert.ok(Math.abs(parseGoDuration('1.5µs')! - 1.5e-6) < 1e-15);
    assert.equal(parseGoDuration('3'), null);
    assert.equal(parseGoDuration('3x'), null);
  });
});

describe('imageSizeBucket (kubelet imageSizeBuckets)', () => {
  test('binary bounds, a size belongs to the last bound it exceeds', () => {
    assert.equal(imageSizeBucket(1), '0-10MB');
    assert.equal(imageSizeBucket(10 * MiB), '0-10MB');
    assert.equal(imageSizeBucket(10 * MiB + 1), '10MB-100MB');
    assert.equal(imageSizeBucket(70520497), '10MB-100MB');
    assert.equal(imageSizeBucket(129338587), '100MB-500MB');
    assert.equal(imageSizeBucket(2 * GiB), '1GB-5GB');
    assert.equal(imageSizeBucket(200 * GiB), 'GT100GB');
  });

  test('unknown or zero size is N/A, as in the kubelet', () => {
    assert.equal(imageSizeBucket(null), 'N/A');
    assert.equal(imageSizeBucket(0), 'N/A');
  });

  test('the label set is the kubelet one: 12 ranges and N/A', () => {
    assert.deepEqual(IMAGE_SIZE_LABELS, [
      '0-10MB',
      '10MB-100MB',
      '100MB-500MB',
      '500MB-1GB',
      '1GB-5GB',
      '5GB-10GB',
      '10GB-20GB',
      '20GB-30GB',
      '30GB-40GB',
      '40GB-60GB',
      '60GB-100GB',
      'GT100GB',
      'N/A',
    ]);
  });
});

describe('PulledEventTracker', () => {
  const pulled = (name: string, message: string, count = 1, firstSeen = 1000): TrackedEvent => ({
    namespace: 'shop',
    involved: { kind: 'Pod', name, uid: `uid-${name}`, fieldPath: 'spec.containers{main}' },
    reason: 'Pulled',
    message,
    count,
    firstSeen,
  });
  const A = 'Successfully pulled image "a:1" in 1s (1s including waiting). Image size: 10 bytes.';
  const B = 'Successfully pulled image "b:1" in 2s (2s including waiting). Image size: 20 bytes.';

  test('an event listed by several polls counts once; a recurrence folded into it counts again', () => {
    const t = new PulledEventTracker();
    assert.deepEqual(t.newOccurrences([pulled('p1', A)], 0), [A]);
    assert.deepEqual(t.newOccurrences([pulled('p1', A)], 1), []);
    assert.deepEqual(t.newOccurrences([pulled('p1', A, 3), pulled('p2', B)], 2), [A, A, B]);
    assert.deepEqual(t.newOccurrences([pulled('p1', A, 3), pulled('p2', B)], 3), []);
  });

  test('only Pulled events; the same message for another pod or a later first occurrence is another event', () => {
    const t = new PulledEventTracker();
    const other = { ...pulled('p1', A), reason: 'Pulling' };
    assert.deepEqual(
      t.newOccurrences([other, pulled('p1', A), pulled('p9', A), pulled('p1', A, 1, 5000)], 0),
      [A, A, A],
    );
  });

  test('events gone for longer than the memory are forgotten: memory stays bounded', () => {
    const t = new PulledEventTracker(1000);
    t.newOccurrences([pulled('p1', A), pulled('p2', B)], 0);
    assert.equal(t.size, 2);
    t.newOccurrences([pulled('p2', B)], 900);
    assert.equal(t.size, 2);
    t.newOccurrences([pulled('p2', B)], 1500);
    assert.equal(t.size, 1);
  });
});
