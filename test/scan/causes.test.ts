// Every cause in causes.md that a cluster can show, produced by `scan` from realistic objects. Causes a registry
// shows are confirmed by a probe against a real registry, a fault server, a proxy or a network namespace; causes
// only a node can see come from the kubelet's messages, and the probe then shows the registry serves the image.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CAUSES, type Cause } from '../../src/cause/index.ts';
import type { Finding } from '../../src/result/index.ts';
import { scanCluster, type ScanResult } from '../../src/scan/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import * as faults from '../helpers/faults.ts';
import { closedPort } from '../helpers/ports.ts';
import { needs, skipsMissingTools, UNSHARE } from '../helpers/tools.ts';
import { kubelet } from './kubelet.ts';
import { session, startLab, USER, type Lab } from './lab.ts';
import { assertVerdict, describeResult, evidenceMatches, findingOf } from './support.ts';
import { msg, NOW, pullFailure, world, type PodSpec, type World } from './world.ts';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const NS = 'apps';

/**
 * probe: 'confirms' — the probe failed with this very cause; 'pullable' — the probe pulled the image, so the cause
 * is the node's; 'skipped' — the kubelet decided before contacting a registry, so nothing was probed.
 */
interface Case {
  pod: string;
  cause: Cause;
  confidence: 'certain' | 'likely';
  probe: 'confirms' | 'pullable' | 'skipped';
}

const produced = new Map<Cause, string[]>();
function record(cause: Cause, where: string) {
  produced.set(cause, [...(produced.get(cause) ?? []), where]);
}

describe('scan: every cause a cluster can show', () => {
  const fx = useFixture();
  let lab: Lab;
  let result: ScanResult;
  const cases: Case[] = [];

  before(async () => {
    lab = await startLab(fx);
    const pki = await fx.pki();
    const tlsServer = (tls: typeof pki.valid) => fx.start(faults.status(200, { tls, on: [] }));
    const [untrusted, expired, wrongHost, denied, limited, broken, stalled, refusedPort] = await Promise.all([
      tlsServer(pki.untrusted),
      tlsServer(pki.expired),
      tlsServer(pki.wrongHost),
      fx.start(faults.denied()),
      fx.start(faults.rateLimited()),
      fx.start(faults.serverError(503)),
      fx.start(faults.stall({ phase: 'headers' })),
      closedPort(),
    ]);
    const host = lab.auth.host;
    const good = lab.img.app('1.0.0');
    const w = world()
      .dockerSecret(NS, 'regcred', { [host]: { username: USER, password: lab.password } })
      .dockerSecret(NS, 'stale', { [host]: { username: USER, password: lab.wrongPassword } })
      .secret(NS, 'opaque-creds', 'Opaque', {
        '.dockerconfigjson': Buffer.from(
          JSON.stringify({ auths: { [host]: { username: USER, password: lab.password } } }),
        ).toString('base64'),
      })
      .secret(NS, 'damaged', 'kubernetes.io/dockerconfigjson', {
        '.dockerconfigjson': Buffer.from('{"auths": {"' + host + '": {"auth": ').toString('base64'),
      })
      .serviceAccount(NS, 'default');
    const app = w.deployment(NS, 'storefront');

    const add = (c: Case, spec: Omit<PodSpec, 'namespace' | 'name'>) => {
      cases.push(c);
      w.pod({ namespace: NS, name: c.pod, owner: app, ...spec });
    };
    const failing = (image: string, message: string, secrets = ['regcred']) => ({
      image,
      secrets,
      events: pullFailure(image, message),
    });
    const tls = (s: { host: string }) => `${s.host}/team/app:1`;

    // Registry-side causes, each confirmed by the probe.
    add(
      { pod: 'manifest-not-found', cause: 'MANIFEST_NOT_FOUND', confidence: 'certain', probe: 'confirms' },
      failing(lab.img.app('9.9.9'), kubelet.notFound(lab.img.app('9.9.9'))),
    );
    const nope = `${host}/team/nope:1`;
    add(
      {
        pod: 'repository-not-found',
        cause: 'REPOSITORY_NOT_FOUND',
        confidence: 'certain',
        probe: 'confirms',
      },
      failing(nope, kubelet.notFound(nope)),
    );
    add(
      { pod: 'unauthorized', cause: 'UNAUTHORIZED', confidence: 'certain', probe: 'confirms' },
      failing(good, kubelet.unauthorized(good), ['stale']),
    );
    add(
      { pod: 'forbidden', cause: 'FORBIDDEN', confidence: 'certain', probe: 'confirms' },
      failing(tls(denied), kubelet.forbidden(tls(denied)), []),
    );
    add(
      { pod: 'rate-limited', cause: 'RATE_LIMITED', confidence: 'certain', probe: 'confirms' },
      failing(tls(limited), kubelet.rateLimited(tls(limited)), []),
    );
    add(
      { pod: 'registry-error', cause: 'REGISTRY_ERROR', confidence: 'certain', probe: 'confirms' },
      failing(tls(broken), kubelet.serverError(tls(broken)), []),
    );
    add(
      { pod: 'platform-mismatch', cause: 'PLATFORM_MISMATCH', confidence: 'certain', probe: 'confirms' },
      { ...failing(lab.img.amd64only, kubelet.platform(lab.img.amd64only)), node: 'node-arm64' },
    );
    const nxdomain = 'registry.regdoctor-test.invalid/team/app:1';
    add(
      { pod: 'dns-failure', cause: 'DNS_FAILURE', confidence: 'certain', probe: 'confirms' },
      failing(nxdomain, kubelet.dns(nxdomain), []),
    );
    const refused = `127.0.0.1:${refusedPort}/team/app:1`;
    add(
      { pod: 'connection-refused', cause: 'CONNECTION_REFUSED', confidence: 'certain', probe: 'confirms' },
      failing(refused, kubelet.refused(refused), []),
    );
    add(
      { pod: 'network-timeout', cause: 'NETWORK_TIMEOUT', confidence: 'certain', probe: 'confirms' },
      failing(tls(stalled), kubelet.ioTimeout(tls(stalled)), []),
    );
    add(
      { pod: 'tls-untrusted', cause: 'TLS_UNTRUSTED', confidence: 'certain', probe: 'confirms' },
      failing(tls(untrusted), kubelet.tlsUntrusted(tls(untrusted)), []),
    );
    add(
      { pod: 'tls-expired', cause: 'TLS_EXPIRED', confidence: 'certain', probe: 'confirms' },
      failing(tls(expired), kubelet.tlsExpired(tls(expired)), []),
    );
    add(
      { pod: 'tls-hostname', cause: 'TLS_HOSTNAME_MISMATCH', confidence: 'certain', probe: 'confirms' },
      failing(tls(wrongHost), kubelet.tlsHostname(tls(wrongHost)), []),
    );
    add(
      { pod: 'http-https', cause: 'HTTP_HTTPS_MISMATCH', confidence: 'certain', probe: 'confirms' },
      failing(lab.img.openApp, kubelet.httpToHttps(lab.img.openApp), []),
    );
    add(
      { pod: 'layer-download', cause: 'LAYER_DOWNLOAD_FAILED', confidence: 'certain', probe: 'confirms' },
      failing(lab.img.broken, kubelet.layer(lab.img.broken)),
    );
    const missing = w.pod({
      namespace: NS,
      name: 'pull-secret-missing',
      owner: app,
      ...failing(good, kubelet.unauthorized(good), ['regcred-old']),
    });
    w.event(missing, {
      reason: 'FailedToRetrieveImagePullSecret',
      message: kubelet.missingSecrets(['regcred-old']),
    });
    cases.push({
      pod: 'pull-secret-missing',
      cause: 'PULL_SECRET_MISSING',
      confidence: 'certain',
      probe: 'confirms',
    });
    add(
      { pod: 'pull-secret-opaque', cause: 'PULL_SECRET_INVALID', confidence: 'certain', probe: 'confirms' },
      failing(good, kubelet.unauthorized(good), ['opaque-creds']),
    );
    // A damaged secret stops the kubelet before any request; the probe, using the pod's keyring, stops there too.
    add(
      { pod: 'pull-secret-damaged', cause: 'PULL_SECRET_INVALID', confidence: 'certain', probe: 'confirms' },
      failing(good, kubelet.unauthorized(good), ['damaged']),
    );

    // Node-side causes: the message names them; the registry serves the image to the pod's credentials.
    const nodeSide: [string, Cause, string][] = [
      ['node-disk-full', 'NODE_DISK_FULL', kubelet.noSpace(good)],
      ['pull-qps', 'PULL_QPS_EXCEEDED', kubelet.qps(good)],
      ['pull-timeout', 'PULL_TIMEOUT', kubelet.deadline(good)],
      ['credential-provider', 'CREDENTIAL_PROVIDER_ERROR', kubelet.credentialProvider(good)],
      ['policy-rejected', 'POLICY_REJECTED', kubelet.policy(good)],
      ['signature-invalid', 'SIGNATURE_INVALID', kubelet.signature(good)],
      ['backoff-no-detail', 'BACKOFF_NO_DETAIL', msg.backoff(good)],
      ['unknown', 'UNKNOWN', kubelet.unknown(good)],
    ];
    for (const [pod, cause, message] of nodeSide) {
      const confidence = cause === 'PULL_QPS_EXCEEDED' ? 'certain' : 'likely';
      add({ pod, cause, confidence, probe: 'pullable' }, failing(good, message));
    }
    // A pull that started 25 minutes ago and never finished: no Failed event at all.
    add(
      { pod: 'stuck-pulling', cause: 'PULL_TIMEOUT', confidence: 'likely', probe: 'pullable' },
      {
        image: good,
        secrets: ['regcred'],
        waiting: { reason: 'ContainerCreating' },
        events: [['Pulling', msg.pulling(good), 1, 25]],
      },
    );
    add(
      { pod: 'never-pull', cause: 'NEVER_PULL', confidence: 'certain', probe: 'skipped' },
      {
        image: good,
        pullPolicy: 'Never',
        waiting: { reason: 'ErrImageNeverPull', message: kubelet.neverPull(good) },
        events: [['ErrImageNeverPull', kubelet.neverPull(good), 6, 1]],
      },
    );
    const upper = `${host}/Team/App:1`;
    add(
      { pod: 'invalid-reference', cause: 'INVALID_REFERENCE', confidence: 'certain', probe: 'skipped' },
      {
        image: upper,
        waiting: { reason: 'InvalidImageName', message: kubelet.invalidName(upper) },
        events: [['InspectFailed', kubelet.invalidName(upper), 6, 1]],
      },
    );
    // CRI-O never resolved the short name to any registry: probing docker.io would test another image.
    add(
      { pod: 'short-name', cause: 'SHORT_NAME_UNRESOLVED', confidence: 'likely', probe: 'skipped' },
      {
        image: 'postgres:17-alpine',
        waiting: { reason: 'ErrImagePull', message: kubelet.shortName('postgres:17-alpine') },
        events: [['Failed', kubelet.shortName('postgres:17-alpine'), 3, 1]],
      },
    );

    const s = session({
      timeoutMs: 1500,
      tlsFor: () => ({ ca: [pki.ca.certPem], insecure: false }),
    });
    const plain = new Set([
      host,
      denied.host,
      limited.host,
      broken.host,
      stalled.host,
      `127.0.0.1:${refusedPort}`,
    ]);
    try {
      result = await scanCluster(w.state(), {
        session: s.session,
        defaultPlatform: AMD64,
        plainHttp: (r) => plain.has(r),
        now: NOW,
      });
    } finally {
      await s.session.close();
    }
  });

  test('each pod gets its cause, with the probe confirming it, pulling fine, or not run', async (t) => {
    assert.equal(result.findings.length, cases.length, describeResult(result));
    for (const c of cases) {
      await t.test(`${c.pod} → ${c.cause}`, () => {
        const f = findingOf(result, NS, c.pod);
        assertVerdict(f, c.cause, c.confidence);
        if (c.probe === 'confirms') {
          // A refusal the pod's secrets explain: the probe saw the registry's refusal, the finding names the secret.
          const refused = c.cause === 'PULL_SECRET_MISSING' || c.pod === 'pull-secret-opaque';
          assert.equal(f.probe?.cause, refused ? 'UNAUTHORIZED' : c.cause, `${c.pod}: ${f.probe?.summary}`);
        } else if (c.probe === 'pullable') {
          assert.ok(f.probe, `${c.pod} was probed`);
          assert.equal(f.probe.cause, null, `${c.pod}: ${f.probe.summary}`);
        } else {
          assert.equal(f.probe, null, `${c.pod} needs no registry`);
        }
        assert.ok(f.remediation.length > 0, `${c.pod} has a fix`);
        record(f.cause, `${c.pod} (probe ${c.probe})`);
      });
    }
  });

  test('a node-side cause is kept when the registry serves the image, and says so', () => {
    for (const pod of [
      'node-disk-full',
      'pull-qps',
      'policy-rejected',
      'signature-invalid',
      'credential-provider',
    ]) {
      evidenceMatches(
        findingOf(result, NS, pod),
        /the registry serves .* consistent with [A-Z_]+, a problem on the node's side/,
      );
    }
    const stuck = findingOf(result, NS, 'stuck-pulling');
    assert.equal(stuck.reason, 'Pulling');
    evidenceMatches(stuck, /^Pulling since .* \(25 min\) with no Pulled or Failed event/);
  });

  test('the damaged secret is blamed before any request: the probe stops at its credentials step', () => {
    const f = findingOf(result, NS, 'pull-secret-damaged');
    assert.equal(f.probe?.steps.at(-1)?.name, 'credentials');
    assert.ok(!f.probe?.steps.some((s) => s.name === 'connect'));
  });

  describe('PROXY_ERROR: the proxy the scan goes through refuses', () => {
    let proxied: ScanResult;
    before(async () => {
      const proxy = await fx.start(faults.proxy({ refuse: 502 }));
      // Go and Node never proxy loopback, so the registry is a name only the proxy would resolve.
      const image = 'registry.regdoctor-test.example:5000/team/app:1';
      const w: World = world();
      w.pod({
        namespace: NS,
        name: 'proxy-error',
        ...{ image, events: pullFailure(image, kubelet.proxy(image)) },
      });
      const s = session({ proxyEnv: { httpsProxy: proxy.url } });
      try {
        proxied = await scanCluster(w.state(), { session: s.session, defaultPlatform: AMD64, now: NOW });
      } finally {
        await s.session.close();
      }
    });
    test('PROXY_ERROR (certain), confirmed at the connect step', () => {
      const f = findingOf(proxied, NS, 'proxy-error');
      assertVerdict(f, 'PROXY_ERROR', 'certain');
      assert.equal(f.probe?.cause, 'PROXY_ERROR');
      assert.equal(f.probe?.steps.at(-1)?.name, 'connect');
      record(f.cause, 'proxy-error (probe confirms, through a refusing HTTPS_PROXY)');
    });
  });

  describe('NETWORK_UNREACHABLE: a scan run where no route exists', () => {
    test('NETWORK_UNREACHABLE (certain), confirmed at the connect step', needs(UNSHARE), async () => {
      const image = '127.0.0.1:5000/team/app:1';
      const w = world();
      w.pod({
        namespace: NS,
        name: 'no-route',
        image,
        events: pullFailure(image, kubelet.unreachable(image)),
      });
      const snapshot = await w.writeSnapshot(await fx.subdir('netns'));
      const script = fileURLToPath(new URL('./netns-scan.ts', import.meta.url));
      const run = spawnSync('unshare', ['-rn', process.execPath, '--import', 'tsx', script, snapshot], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(run.status, 0, run.stderr);
      const r = JSON.parse(run.stdout) as ScanResult;
      const f: Finding = findingOf(r, NS, 'no-route');
      assertVerdict(f, 'NETWORK_UNREACHABLE', 'certain');
      assert.equal(f.probe?.cause, 'NETWORK_UNREACHABLE');
      record(f.cause, 'no-route (probe confirms, in a network namespace)');
    });
  });
});

describe('coverage', () => {
  test('every cause code was produced by a scan', (t) => {
    const missing = CAUSES.filter((c) => !produced.has(c));
    if (
      missing.length === 1 &&
      missing[0] === 'NETWORK_UNREACHABLE' &&
      UNSHARE.missing() !== false &&
      skipsMissingTools()
    ) {
      t.skip('NETWORK_UNREACHABLE needs a network namespace');
      return;
    }
    for (const cause of CAUSES) t.diagnostic(`${cause}: ${(produced.get(cause) ?? ['-']).join('; ')}`);
    assert.deepEqual(missing, []);
  });
});
