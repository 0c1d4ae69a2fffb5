// The probe through a node's runtime, against real registries behind logging proxies: which endpoints see which
// requests, which one serves, which failure the runtime would report, and that the probe's request economy and
// deadline hold across endpoints.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { closedPort } from '../helpers/ports.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { probeImage, type ProbeOptions } from '../../src/probe/probe.ts';
import { Session } from '../../src/registry/session.ts';
import type { ProbeResult } from '../../src/result/index.ts';
import { AMD64 } from '../probe/support.ts';
import { CONFIG_TOML, nodeRoot } from './node-root.ts';
const POLICY_ANY = '{"default":[{"type":"insecureAcceptAnything"}]}';

const show = (r: ProbeResult) =>
  `${r.cause ?? 'pullable'}: ${r.summary}\n${r.steps.map((s) => `  ${s.ok ? 'ok ' : 'ERR'} ${s.name} ${String(s.detail.endpoint ?? '')}: ${s.summary}`).join('\n')}\nendpoints: ${JSON.stringify(r.runtime?.endpoints, null, 1)}\nreported: ${r.runtime?.reported}`;

describe('probe through the node runtime', () => {
  const fx = useFixture();
  let backend: string;
  let empty: string;

  before(async () => {
    const reg = await fx.registry();
    const none = await fx.registry();
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${reg.host}/team/app:1`, { tlsVerify: false });
    backend = reg.url;
    empty = none.url;
  });

  const node = (files: Record<string, string>) => nodeRoot(fx, files);

  async function proxies(states: Record<string, 'ok' | 'fail' | 'empty'>) {
    const out: Record<string, CountingProxy> = {};
    for (const [name, state] of Object.entries(states)) {
      out[name] = await fx.start(countingProxy(state === 'empty' ? empty : backend));
      if (state === 'fail') out[name].mode = 'fail';
    }
    return out;
  }

  async function probe(image: string, opts: Partial<ProbeOptions>, session?: Session) {
    const s = session ?? new Session({ timeoutMs: 5000 });
    try {
      return await probeImage(image, s, { platform: AMD64, ...opts });
    } finally {
      if (!session) await s.close();
    }
  }

  /** containerd: the image's hosts.toml with `[host]` tables for the mirrors before the server. */
  const hostsToml = (server: string, mirrors: string[], extra = '') =>
    `server = "${server}"\n${mirrors.map((m) => `[host."${m}"]\n  capabilities = ["pull", "resolve"]\n${extra}`).join('')}`;

  test('containerd: a mirror that fails (503) → the server serves; each endpoint says what it did', async () => {
    const p = await proxies({ mirror: 'fail', up: 'ok' });
    const image = `registry.test:${p.up!.port}/team/app:1`;
    const root = await node({
      'etc/containerd/config.toml': CONFIG_TOML,
      [`etc/containerd/certs.d/registry.test_${p.up!.port}_/hosts.toml`]: hostsToml(`http://${p.up!.host}`, [
        `http://${p.mirror!.host}`,
      ]),
    });
    const r = await probe(image, { runtime: 'containerd', nodeRoot: root, runtimeVersion: '1.6.20' });
    assert.equal(r.cause, null, show(r));
    const rt = r.runtime!;
    assert.equal(rt.name, 'containerd');
    assert.equal(rt.servedBy, `http://${p.up!.host}/v2`);
    assert.equal(rt.resolvedBy, `http://${p.up!.host}/v2`);
    assert.deepEqual(
      rt.endpoints.map((e) => [e.role, e.outcome, e.cause]),
      [
        ['mirror', 'failed', 'REGISTRY_ERROR'],
        ['upstream', 'served', null],
      ],
      show(r),
    );
    assert.equal(rt.reported, null);
    assert.ok(p.mirror!.requests.length > 0 && p.up!.requests.length > 0);
    // Every network step names its endpoint.
    for (const s of r.steps.filter((x) => ['dns', 'connect', 'ping', 'manifest', 'blob'].includes(x.name)))
      assert.ok(typeof s.detail.endpoint === 'string', `${s.name} without endpoint\n${show(r)}`);
  });

  test('containerd 1.6 reports the first failure that is not a 404; 2.0 the one furthest along', async () => {
    const p = await proxies({ up: 'empty' });
    const refused = await closedPort();
    const image = `registry.test:${p.up!.port}/team/app:1`;
    const root = await node({
      'etc/containerd/config.toml': CONFIG_TOML,
      [`etc/containerd/certs.d/registry.test_${p.up!.port}_/hosts.toml`]: hostsToml(`http://${p.up!.host}`, [
        `http://127.0.0.1:${refused}`,
      ]),
    });
    const old = await probe(image, { runtime: 'containerd', nodeRoot: root, runtimeVersion: '1.6.20' });
    assert.equal(old.cause, 'CONNECTION_REFUSED', show(old));
    assert.match(old.runtime!.reported ?? '', new RegExp(`127\\.0\\.0\\.1:${refused}`));
    assert.deepEqual(
      old.runtime!.endpoints.map((e) => e.outcome),
      ['failed', 'failed'],
    );
    const fresh = await probe(image, { runtime: 'containerd', nodeRoot: root, runtimeVersion: '2.0.0' });
    assert.equal(fresh.cause, 'REPOSITORY_NOT_FOUND', show(fresh));
    assert.match(fresh.runtime!.reported ?? '', /: not found$/);
  });

  test('CRI-O: every mirror failed → the registry’s own failure is reported, the mirrors’ as “also failed”', async () => {
    const p = await proxies({ mirror: 'fail', up: 'empty' });
    const root = await node({
      'etc/containers/registries.conf': `[[registry]]\nprefix = "registry.test"\nlocation = "${p.up!.host}"\ninsecure = true\n[[registry.mirror]]\nlocation = "${p.mirror!.host}"\ninsecure = true\n`,
      'etc/containers/policy.json': POLICY_ANY,
    });
    const r = await probe('registry.test/team/app:1', { runtime: 'crio', nodeRoot: root });
    assert.equal(r.cause, 'REPOSITORY_NOT_FOUND', show(r));
    assert.match(
      r.runtime!.reported ?? '',
      /^initializing source docker:\/\/registry\.test\/team\/app:1: \(Mirrors also failed: \[/,
    );
    assert.deepEqual(
      r.runtime!.endpoints.map((e) => [e.outcome, e.cause]),
      [
        ['failed', 'REGISTRY_ERROR'],
        ['failed', 'MANIFEST_NOT_FOUND'],
      ],
      show(r),
    );
  });

  test('a configuration that stops the pull: no request is sent, the verdict is the finding with its fix', async () => {
    const p = await proxies({ up: 'ok' });
    const root = await node({
      'etc/containerd/config.toml': CONFIG_TOML,
      [`etc/containerd/certs.d/${p.up!.host.replace(':', '_')}_/hosts.toml`]: `server = "https://${p.up!.host}"\n[host."https://${p.up!.host}"]\n  ca = "missing-ca.crt"\n`,
    });
    const r = await probe(`${p.up!.host}/team/app:1`, { runtime: 'containerd', nodeRoot: root });
    assert.equal(r.cause, 'TLS_UNTRUSTED', show(r));
    assert.equal(p.up!.requests.length, 0);
    assert.match(r.remediation[0] ?? '', /put the file at .*missing-ca\.crt/);
    assert.ok(r.runtime!.endpoints.every((e) => e.outcome === 'not-tried'));
    assert.equal(r.steps.at(-1)?.name, 'runtime');
  });

  test('CRI-O policy.json rejects: the manifest is read, no blob, POLICY_REJECTED with the policy fix', async () => {
    const p = await proxies({ up: 'ok' });
    const root = await node({
      'etc/containers/registries.conf': `[[registry]]\nprefix = "registry.test"\nlocation = "${p.up!.host}"\ninsecure = true\n`,
      'etc/containers/policy.json':
        '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"registry.test/team":[{"type":"reject"}]}}}',
    });
    const r = await probe('registry.test/team/app:1', { runtime: 'crio', nodeRoot: root });
    assert.equal(r.cause, 'POLICY_REJECTED', show(r));
    assert.ok(p.up!.lines().some((l) => l.includes('/manifests/')));
    assert.ok(!p.up!.lines().some((l) => l.includes('/blobs/')), p.up!.lines().join('\n'));
    assert.match(r.runtime!.reported ?? '', /rejected by policy/);
  });

  test('request economy: two images through the runtime share one ping per endpoint', async () => {
    const p = await proxies({ mirror: 'ok' });
    const root = await node({
      'etc/containerd/config.toml': CONFIG_TOML,
      'etc/containerd/certs.d/registry.test/hosts.toml': hostsToml('https://registry.test', [
        `http://${p.mirror!.host}`,
      ]),
    });
    const session = new Session({ timeoutMs: 5000 });
    try {
      const opts = { runtime: 'containerd' as const, nodeRoot: root };
      const a = await probe('registry.test/team/app:1', opts, session);
      const b = await probe(`registry.test/team/app@${a.manifest!.digest}`, opts, session);
      assert.equal(a.cause, null, show(a));
      assert.equal(b.cause, null, show(b));
      const pings = p.mirror!.lines().filter((l) => /^GET \/v2\/?(\?|$)/.test(l));
      assert.equal(pings.length, 1, p.mirror!.lines().join('\n'));
      // Requests to the mirror carry containerd's `ns`, naming the image's registry.
      const api = p.mirror!.lines().filter((l) => l.includes('/team/app/'));
      assert.ok(api.length > 0 && api.every((l) => l.includes('ns=registry.test')), api.join('\n'));
    } finally {
      await session.close();
    }
  });
});
