import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { platformSteps, type PlatformFixContext } from '../../src/platform/index.ts';

const IMG = 'harbor.corp.example/team/api:1.4.2';
const steps = (ctx: Omit<PlatformFixContext, 'wanted'> & { platform: string }) =>
  platformSteps({ ...ctx, wanted: ctx.platform });
const text = (ctx: Parameters<typeof steps>[0]) => steps(ctx).join('\n');

describe('PLATFORM_MISMATCH remediation', () => {
  test('the nodeSelector names an architecture the image has, never the node platform it lacks', () => {
    const t = text({ image: IMG, platform: 'linux/amd64', available: ['linux/arm64'] });
    assert.match(t, /kubernetes\.io\/arch: arm64/);
    assert.doesNotMatch(t, /kubernetes\.io\/arch: amd64/);
    // The node list is unknown here: say so and how to check, rather than promise nodes exist.
    assert.match(
      t,
      /the node list was not read, so first check that such nodes exist: kubectl get nodes -l kubernetes\.io\/arch=arm64/,
    );
  });

  test('the build list is the image’s own platforms plus the missing one', () => {
    const t = text({ image: IMG, platform: 'linux/amd64', available: ['linux/arm64', 'linux/arm/v7'] });
    assert.match(
      t,
      /docker buildx build --platform linux\/arm64,linux\/arm\/v7,linux\/amd64 -t harbor\.corp\.example\/team\/api:1\.4\.2 --push \./,
    );
    assert.doesNotMatch(t, /linux\/amd64,linux\/arm64 /);
  });

  test('without the image’s platforms, placeholders say what is unknown; no node platform is offered as the fix', () => {
    const t = text({ image: IMG, platform: 'linux/arm64' });
    assert.match(t, /regdoctor inspect harbor\.corp\.example\/team\/api:1\.4\.2/);
    assert.match(t, /--platform <platforms the image has>,linux\/arm64 /);
    assert.match(t, /kubernetes\.io\/arch: <arch the image has>/);
    assert.doesNotMatch(t, /kubernetes\.io\/arch: arm64/);
  });

  test('Windows: selected by kubernetes.io/os, and the build list drops the OS version', () => {
    const t = text({
      image: IMG,
      platform: 'linux/amd64',
      available: ['windows(10.0.17763)/amd64'],
      nodes: [
        { name: 'lin-1', platform: 'linux/amd64' },
        { name: 'win-1', platform: 'windows/amd64' },
      ],
    });
    assert.match(t, /nodeSelector: \{kubernetes\.io\/os: windows, kubernetes\.io\/arch: amd64\}/);
    assert.match(t, /1 of the cluster's 2 nodes are windows\/amd64 \(win-1\)/);
    assert.match(t, /--platform windows\/amd64,linux\/amd64 /);
  });

  test('with no node able to run the image, no nodeSelector is offered: it would leave the pod Pending', () => {
    const s = steps({
      image: IMG,
      platform: 'linux/amd64',
      available: ['linux/arm64'],
      nodes: [
        { name: 'a', platform: 'linux/amd64' },
        { name: 'b', platform: 'linux/amd64' },
      ],
    });
    assert.ok(s[0]!.startsWith('If you build the image'), s.join('\n'));
    assert.match(
      s.join('\n'),
      /No node of this cluster can run linux\/arm64 \(its nodes: 2 linux\/amd64\), so a nodeSelector would leave the pod Pending/,
    );
    assert.doesNotMatch(s.join('\n'), /nodeSelector: \{/);
  });

  test('nodes that can run a build through containerd compatibility count (arm64 runs arm/v7), selected by their own arch', () => {
    const t = text({
      image: IMG,
      platform: 'linux/amd64',
      available: ['linux/arm/v7'],
      nodes: [
        { name: 'amd', platform: 'linux/amd64' },
        { name: 'graviton', platform: 'linux/arm64' },
      ],
    });
    assert.match(t, /1 of the cluster's 2 nodes are linux\/arm64 \(graviton\)/);
    assert.match(t, /kubernetes\.io\/arch: arm64/);
  });

  test('a digest reference is not re-pushed under its digest', () => {
    const digest = `harbor.corp.example/team/api@sha256:${'a'.repeat(64)}`;
    const t = text({ image: digest, platform: 'linux/amd64', available: ['linux/arm64'] });
    assert.match(
      t,
      /-t harbor\.corp\.example\/team\/api:<new tag> --push \., then point the pod at the new digest/,
    );
    assert.doesNotMatch(t, /-t [^ ]*@sha256/);
  });

  test('the owner’s pod template is patched when it has one that may change', () => {
    const ctx = { image: IMG, platform: 'linux/amd64', available: ['linux/arm64'] };
    const dep = text({ ...ctx, owner: { kind: 'Deployment', name: 'web', namespace: 'shop' } });
    assert.match(
      dep,
      /kubectl patch deployment web -n shop -p '\{"spec":\{"template":\{"spec":\{"nodeSelector":\{"kubernetes\.io\/arch":"arm64"\}\}\}\}\}'/,
    );
    const cron = text({ ...ctx, owner: { kind: 'CronJob', name: 'nightly', namespace: 'shop' } });
    assert.match(
      cron,
      /kubectl patch cronjob nightly -n shop -p '\{"spec":\{"jobTemplate":\{"spec":\{"template":\{"spec":\{"nodeSelector"/,
    );
    const job = text({ ...ctx, owner: { kind: 'Job', name: 'once', namespace: 'shop' } });
    assert.match(job, /in the pod template of Job once and recreate the Job \(its template cannot change\)/);
    const sts = text({ ...ctx, owner: { kind: 'StatefulSet', name: 'db', namespace: 'shop', pod: 'db-0' } });
    assert.match(sts, /then delete the stuck pod so that it is recreated: kubectl delete pod db-0 -n shop/);
  });
});
