// The second corpus: messages real runtimes print against real failures. Debian's containerd 1.6 (`ctr content
// fetch` with --hosts-dir, the resolver and fetcher the CRI plugin uses) and skopeo 1.9 (containers/image, the
// library CRI-O pulls with) are pointed at the real distribution registry and at the fault servers; each error is
// classified as printed, as the CRI plugin / CRI-O returns it over gRPC, and as the kubelet's event.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cause } from '../../src/cause/index.ts';
import { classify } from '../../src/classify/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout, buildIndexLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { closedPort } from '../helpers/ports.ts';
import { startContainerd, type CtrOptions, type RunningContainerd } from '../helpers/containerd.ts';
import { skopeoPull, type SkopeoPullOptions } from '../helpers/containers-image.ts';
import * as faults from '../helpers/faults.ts';
import { serve } from '../helpers/server.ts';
import { fakeImage, matchBlob } from '../helpers/fake-image.ts';
import { fakeRegistry, routeOf } from '../helpers/fake-registry.ts';
import type { Captured } from '../helpers/proc.ts';
import { containerdCri, crioCri, ctrError, kubeletEvent, skopeoError } from './runtime-messages.ts';

interface Target {
  ref: string;
  /** containerd: `ctr image pull` (fetch and unpack for the platform) instead of `ctr content fetch`. */
  unpack?: boolean;
  /** Options for ctr; omitted: containerd is not run for this case. */
  ctr?: CtrOptions;
  /** Options for skopeo; omitted: skopeo is not run for this case. */
  skopeo?: SkopeoPullOptions;
}

interface Case {
  name: string;
  expect: Cause;
  setup(): Promise<Target>;
}

interface Outcome {
  case: string;
  runtime: 'containerd' | 'cri-o';
  form: string;
  message: string;
  expected: Cause;
  got: Cause;
}

const outcomes: Outcome[] = [];

describe('runtime-generated corpus: containerd 1.6 and skopeo (containers/image) against real failures', () => {
  const fx = useFixture();
  let ctd: RunningContainerd;
  before(async () => {
    ctd = await fx.start(startContainerd());
  });

  /**
   * A hosts.toml tree (what /etc/containerd/certs.d holds on a node) that makes containerd speak HTTPS to `host`,
   * trusting `caPath` when given. Without one containerd 1.6 talks plain HTTP to loopback hosts.
   */
  async function httpsHosts(host: string, caPath?: string): Promise<string> {
    const dir = await fx.subdir('certs.d');
    await mkdir(join(dir, host));
    const ca = caPath ? `  ca = "${caPath}"\n` : '';
    await writeFile(
      join(dir, host, 'hosts.toml'),
      `server = "https://${host}"\n[host."https://${host}"]\n${ca}`,
    );
    return dir;
  }

  async function pushed(opts: { tls?: 'valid' | 'expired' | 'wrongHost' | 'untrusted' } = {}) {
    const pki = await fx.pki();
    const reg = await fx.registry(opts.tls ? { tls: pki[opts.tls] } : {});
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(
      layout,
      `docker://${reg.host}/team/app:1`,
      opts.tls ? { tlsVerify: false } : { tlsVerify: false },
    );
    return { reg, pki };
  }

  const plain = (): Pick<Target, 'ctr' | 'skopeo'> => ({ ctr: { plainHttp: true }, skopeo: {} });

  /** skopeo may use plain HTTP for this host (registries.conf `insecure = true`). */
  async function insecure(host: string): Promise<SkopeoPullOptions> {
    const dir = await fx.subdir('registries');
    const file = join(dir, 'registries.conf');
    await writeFile(file, `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
    return { registriesConf: file };
  }

  const CASES: Case[] = [
    {
      name: 'wrong tag',
      expect: 'MANIFEST_NOT_FOUND',
      async setup() {
        const { reg } = await pushed();
        return { ref: `${reg.host}/team/app:nope`, ...plain(), skopeo: await insecure(reg.host) };
      },
    },
    {
      name: 'missing repository',
      expect: 'MANIFEST_NOT_FOUND',
      async setup() {
        const { reg } = await pushed();
        return { ref: `${reg.host}/team/missing:1`, ...plain(), skopeo: await insecure(reg.host) };
      },
    },
    {
      name: '401 basic auth, no credentials',
      expect: 'UNAUTHORIZED',
      async setup() {
        const reg = await fx.registry({ htpasswd: { ci: 'pw' } });
        return { ref: `${reg.host}/team/app:1`, ...plain(), skopeo: await insecure(reg.host) };
      },
    },
    {
      name: '401 basic auth, wrong password',
      expect: 'UNAUTHORIZED',
      async setup() {
        const reg = await fx.registry({ htpasswd: { ci: 'pw' } });
        return {
          ref: `${reg.host}/team/app:1`,
          ctr: { plainHttp: true, user: 'ci:wrong' },
          skopeo: { ...(await insecure(reg.host)), creds: 'ci:wrong' },
        };
      },
    },
    {
      name: '401 token auth, anonymous without a grant',
      expect: 'UNAUTHORIZED',
      async setup() {
        const ts = await fx.tokenServer({ acl: { users: { ci: 'pw' }, grants: [] } });
        const reg = await fx.registry({ token: ts.registryAuth() });
        return { ref: `${reg.host}/team/app:1`, ...plain(), skopeo: await insecure(reg.host) };
      },
    },
    {
      name: '401 token auth, wrong password at the token endpoint',
      expect: 'UNAUTHORIZED',
      async setup() {
        const ts = await fx.tokenServer({ acl: { users: { ci: 'pw' }, grants: [] } });
        const reg = await fx.registry({ token: ts.registryAuth() });
        return {
          ref: `${reg.host}/team/app:1`,
          ctr: { plainHttp: true, user: 'ci:wrong' },
          skopeo: { ...(await insecure(reg.host)), creds: 'ci:wrong' },
        };
      },
    },
    {
      name: 'token endpoint refuses connections',
      expect: 'CONNECTION_REFUSED',
      async setup() {
        const ts = await fx.tokenServer({ acl: { users: {}, grants: [] } });
        const dead = await closedPort();
        const reg = await fx.registry({
          token: { ...ts.registryAuth(), realm: `http://127.0.0.1:${dead}/token` },
        });
        return { ref: `${reg.host}/team/app:1`, ...plain(), skopeo: await insecure(reg.host) };
      },
    },
    {
      name: 'token response cut off (unexpected EOF)',
      expect: 'NETWORK_TIMEOUT',
      async setup() {
        const ts = await fx.tokenServer({ acl: { users: {}, grants: [] } });
        const cut = await fx.start(
          serve((_req, res) => {
            res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
            res.write('{"token":"eyJhbGciOi');
            setTimeout(() => res.socket?.destroy(), 20);
          }),
        );
        const reg = await fx.registry({ token: { ...ts.registryAuth(), realm: `${cut.url}/token` } });
        return { ref: `${reg.host}/team/app:1`, ...plain(), skopeo: await insecure(reg.host) };
      },
    },
    {
      name: '403 denied',
      expect: 'FORBIDDEN',
      async setup() {
        const srv = await fx.start(faults.denied());
        return { ref: `${srv.host}/team/app:1`, ...plain(), skopeo: await insecure(srv.host) };
      },
    },
    {
      name: '429 rate limited',
      expect: 'RATE_LIMITED',
      async setup() {
        const srv = await fx.start(faults.rateLimited({ retryAfter: '1' }));
        return { ref: `${srv.host}/team/app:1`, ...plain(), skopeo: await insecure(srv.host) };
      },
    },
    {
      name: '503 from a load balancer',
      expect: 'REGISTRY_ERROR',
      async setup() {
        const srv = await fx.start(faults.serverError(503, { on: ['manifest'] }));
        return { ref: `${srv.host}/team/app:1`, ...plain(), skopeo: await insecure(srv.host) };
      },
    },
    {
      name: 'TLS: untrusted CA',
      expect: 'TLS_UNTRUSTED',
      async setup() {
        const { reg } = await pushed({ tls: 'untrusted' });
        return { ref: `${reg.host}/team/app:1`, ctr: { hostsDir: await httpsHosts(reg.host) }, skopeo: {} };
      },
    },
    {
      name: 'TLS: expired certificate',
      expect: 'TLS_EXPIRED',
      async setup() {
        const { reg, pki } = await pushed({ tls: 'expired' });
        return {
          ref: `${reg.host}/team/app:1`,
          ctr: { hostsDir: await httpsHosts(reg.host, pki.ca.certPath) },
          skopeo: { certDir: pki.ca.certDir },
        };
      },
    },
    {
      name: 'TLS: certificate for another host',
      expect: 'TLS_HOSTNAME_MISMATCH',
      async setup() {
        const { reg, pki } = await pushed({ tls: 'wrongHost' });
        return {
          ref: `${reg.host}/team/app:1`,
          ctr: { hostsDir: await httpsHosts(reg.host, pki.ca.certPath) },
          skopeo: { certDir: pki.ca.certDir },
        };
      },
    },
    {
      name: 'HTTPS client, plain-HTTP registry',
      expect: 'HTTP_HTTPS_MISMATCH',
      async setup() {
        const { reg } = await pushed();
        return { ref: `${reg.host}/team/app:1`, ctr: { hostsDir: await httpsHosts(reg.host) }, skopeo: {} };
      },
    },
    {
      name: 'plain-HTTP client, HTTPS registry',
      expect: 'HTTP_HTTPS_MISMATCH',
      async setup() {
        const { reg } = await pushed({ tls: 'valid' });
        return { ref: `${reg.host}/team/app:1`, ctr: { plainHttp: true } };
      },
    },
    {
      name: 'connection refused',
      expect: 'CONNECTION_REFUSED',
      async setup() {
        return { ref: `127.0.0.1:${await closedPort()}/team/app:1`, ctr: {}, skopeo: {} };
      },
    },
    {
      name: 'DNS: a name under .invalid',
      expect: 'DNS_FAILURE',
      async setup() {
        return { ref: 'registry.regdoctor.invalid/team/app:1', ctr: {}, skopeo: {} };
      },
    },
    {
      name: 'timeout: TLS handshake never answered',
      expect: 'NETWORK_TIMEOUT',
      async setup() {
        const pki = await fx.pki();
        const srv = await fx.start(faults.stall({ phase: 'accept', tls: pki.valid }));
        return {
          ref: `${srv.host}/team/app:1`,
          ctr: { hostsDir: await httpsHosts(srv.host, pki.ca.certPath), timeoutMs: 20_000 },
          skopeo: { certDir: pki.ca.certDir, timeoutMs: 30_000 },
        };
      },
    },
    {
      name: 'timeout: request never answered (the pull deadline ends it)',
      expect: 'NETWORK_TIMEOUT',
      async setup() {
        const srv = await fx.start(faults.stall({ phase: 'headers' }));
        return { ref: `${srv.host}/team/app:1`, ctr: { plainHttp: true, timeoutMs: 4000 } };
      },
    },
    {
      name: 'proxy refuses connections',
      expect: 'PROXY_ERROR',
      async setup() {
        const env = { HTTPS_PROXY: `http://127.0.0.1:${await closedPort()}` };
        return { ref: 'registry.regdoctor.invalid/team/app:1', ctr: { env }, skopeo: { env } };
      },
    },
    {
      name: 'proxy answers CONNECT with 502',
      expect: 'PROXY_ERROR',
      async setup() {
        const proxy = await fx.start(faults.proxy({ refuse: 502 }));
        const env = { HTTPS_PROXY: proxy.url };
        return { ref: 'registry.regdoctor.invalid/team/app:1', ctr: { env }, skopeo: { env } };
      },
    },
    {
      name: 'proxy wants credentials (407)',
      expect: 'PROXY_ERROR',
      async setup() {
        const proxy = await fx.start(faults.proxy({ auth: { username: 'u', password: 'p' } }));
        const env = { HTTPS_PROXY: proxy.url };
        return { ref: 'registry.regdoctor.invalid/team/app:1', ctr: { env }, skopeo: { env } };
      },
    },
    {
      name: 'platform: image only for linux/arm64',
      expect: 'PLATFORM_MISMATCH',
      async setup() {
        const reg = await fx.registry();
        const layout = await buildIndexLayout(await fx.subdir('img'), { images: ['linux/arm64/v8'] });
        await pushImage(layout, `docker://${reg.host}/team/arm:1`, { tlsVerify: false, format: 'oci' });
        return {
          ref: `${reg.host}/team/arm:1`,
          unpack: true,
          ctr: { plainHttp: true, platform: 'linux/amd64' },
          skopeo: await insecure(reg.host),
        };
      },
    },
    {
      name: 'TLS: certificate not yet valid',
      expect: 'TLS_EXPIRED',
      async setup() {
        const pki = await fx.pki();
        const reg = await fx.registry({ tls: pki.notYetValid });
        return {
          ref: `${reg.host}/team/app:1`,
          ctr: { hostsDir: await httpsHosts(reg.host, pki.ca.certPath) },
          skopeo: { certDir: pki.ca.certDir },
        };
      },
    },
    {
      name: 'TLS: self-signed certificate',
      expect: 'TLS_UNTRUSTED',
      async setup() {
        const pki = await fx.pki();
        const reg = await fx.registry({ tls: pki.selfSigned });
        return { ref: `${reg.host}/team/app:1`, ctr: { hostsDir: await httpsHosts(reg.host) }, skopeo: {} };
      },
    },
    {
      name: 'token endpoint fails with 500',
      expect: 'REGISTRY_ERROR',
      async setup() {
        const ts = await fx.tokenServer({
          acl: { users: {}, grants: [] },
          override: () => ({ status: 500, body: 'token service down' }),
        });
        const reg = await fx.registry({ token: ts.registryAuth() });
        return { ref: `${reg.host}/team/app:1`, ...plain(), skopeo: await insecure(reg.host) };
      },
    },
    {
      name: 'token endpoint answers an HTML page',
      expect: 'REGISTRY_ERROR',
      async setup() {
        const ts = await fx.tokenServer({ acl: { users: {}, grants: [] } });
        const html = await fx.start(
          serve((_req, res) => {
            res.writeHead(200, { 'content-type': 'text/html' });
            res.end('<html><body>Sign in to continue</body></html>');
          }),
        );
        const reg = await fx.registry({ token: { ...ts.registryAuth(), realm: `${html.url}/token` } });
        return { ref: `${reg.host}/team/app:1`, ...plain(), skopeo: await insecure(reg.host) };
      },
    },
    {
      name: 'layer: blob missing (404 BLOB_UNKNOWN)',
      expect: 'LAYER_DOWNLOAD_FAILED',
      async setup() {
        const srv = await fx.start(
          faults.status(404, {
            on: ['blob'],
            body: { errors: [{ code: 'BLOB_UNKNOWN', message: 'blob unknown to registry' }] },
          }),
        );
        return { ref: `${srv.host}/team/app:1`, ...plain(), skopeo: await insecure(srv.host) };
      },
    },
    {
      name: 'layer: blob storage fails with 500',
      expect: 'REGISTRY_ERROR',
      async setup() {
        const srv = await fx.start(faults.serverError(500, { on: ['blob'] }));
        return { ref: `${srv.host}/team/app:1`, ...plain(), skopeo: await insecure(srv.host) };
      },
    },
    {
      name: 'layer: blob content does not match its digest',
      expect: 'LAYER_DOWNLOAD_FAILED',
      async setup() {
        const image = fakeImage();
        const normal = fakeRegistry(image);
        const srv = await fx.start(
          serve((req, res) => {
            const path = new URL(req.url ?? '/', 'http://x').pathname;
            const blob = routeOf(req) === 'blob' ? matchBlob(path) : undefined;
            if (blob?.digest !== image.layerDigest || req.method === 'HEAD') return normal(req, res);
            const data = Buffer.from(image.blobs.get(image.layerDigest) ?? Buffer.alloc(0));
            data.writeUInt8(data.readUInt8(data.length - 1) ^ 0xff, data.length - 1);
            res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
            res.end(data);
          }),
        );
        return { ref: `${srv.host}/team/app:1`, ...plain(), skopeo: await insecure(srv.host) };
      },
    },
    {
      name: 'layer: blob download cut off',
      expect: 'LAYER_DOWNLOAD_FAILED',
      async setup() {
        const image = fakeImage();
        const normal = fakeRegistry(image);
        const srv = await fx.start(
          serve((req, res) => {
            const blob =
              routeOf(req) === 'blob' ? matchBlob(new URL(req.url ?? '/', 'http://x').pathname) : null;
            const data = blob ? image.blobs.get(blob.digest) : undefined;
            if (!data || req.method === 'HEAD' || blob?.digest === image.configDigest)
              return normal(req, res);
            res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
            res.write(data.subarray(0, Math.floor(data.length / 2)));
            setTimeout(() => res.socket?.destroy(), 20);
          }),
        );
        return { ref: `${srv.host}/team/app:1`, ...plain(), skopeo: await insecure(srv.host) };
      },
    },
  ];

  async function run(target: Target, runtime: 'containerd' | 'cri-o'): Promise<Captured | null> {
    if (runtime === 'containerd') {
      if (!target.ctr) return null;
      const opts = { timeoutMs: 15_000, ...target.ctr };
      return target.unpack ? ctd.pull(target.ref, opts) : ctd.fetch(target.ref, opts);
    }
    return target.skopeo ? skopeoPull(target.ref, { timeoutMs: 60_000, ...target.skopeo }) : null;
  }

  for (const c of CASES) {
    test(c.name, async (t) => {
      const target = await c.setup();
      for (const runtime of ['containerd', 'cri-o'] as const) {
        const res = await run(target, runtime);
        if (!res) continue;
        assert.notEqual(res.exitCode, 0, `${runtime} pulled ${target.ref}, expected a failure`);
        const err = runtime === 'containerd' ? ctrError(res) : skopeoError(res);
        assert.ok(err, `${runtime} printed no error:\n${res.stderr.slice(-2000)}`);
        const cri = runtime === 'containerd' ? containerdCri(target.ref, err) : crioCri(err);
        const forms: [string, string][] = [
          ['runtime', err],
          ['cri', cri],
          ['kubelet', kubeletEvent(target.ref, cri)],
        ];
        for (const [form, message] of forms) {
          const got = classify(message).cause;
          outcomes.push({ case: c.name, runtime, form, message, expected: c.expect, got });
          t.diagnostic(
            `${runtime}/${form}: ${got}${got === c.expect ? '' : ` (expected ${c.expect})`}: ${message}`,
          );
        }
      }
      const wrong = outcomes.filter((o) => o.case === c.name && o.got !== o.expected);
      assert.deepEqual(
        wrong.map((o) => `${o.runtime}/${o.form}: ${o.got} ← ${o.message}`),
        [],
      );
    });
  }

  after(() => {
    const right = outcomes.filter((o) => o.got === o.expected).length;
    const errors = outcomes.filter((o) => o.form === 'runtime').length;
    console.log(
      `# runtime corpus: ${errors} runtime errors, ${outcomes.length} messages (as printed, gRPC, kubelet event), ${right} classified right`,
    );
  });
});
