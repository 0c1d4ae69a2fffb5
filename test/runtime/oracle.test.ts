// src/runtime's endpoint order and regdoctor's probe through it against what the real runtimes do with the same
// node files: containerd 1.6 (ctr content fetch --hosts-dir) and containers/image 5.23 (skopeo over the node's
// /etc/containers). Each row: which registries' logs saw requests, in what order — from the real runtime, in
// src/runtime's plan, from regdoctor's probe — and the outcome: the registry the image came from, or the failure
// (the real runtime's message, classified, against the probe's cause, and the endpoint each names).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LOOPBACK_DNS, startContainerd, type RunningContainerd } from '../helpers/containerd.ts';
import { startProxy, type TestProxy } from '../helpers/proxy.ts';
import {
  lastError,
  runCase,
  sameOutcome,
  table,
  type OracleCase,
  type OracleRow,
  type OracleWorld,
} from './oracle-harness.ts';

const HOSTS = 'etc/containerd/certs.d';
const CONFIG_TOML = `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n`;
const ctd = (files: Record<string, string>) => ({ 'etc/containerd/config.toml': CONFIG_TOML, ...files });
const hostsToml = (dir: string, text: string) => ({ [`${HOSTS}/${dir}/hosts.toml`]: text });
const POLICY_ANY = '{"default":[{"type":"insecureAcceptAnything"}]}';
const crio = (conf: string, policy = POLICY_ANY) => ({
  'etc/containers/registries.conf': conf,
  'etc/containers/policy.json': policy,
});

const REF = 'registry.test:{{up.port}}/team/app:1';
const UP_DIR = 'registry.test_{{up.port}}_';

/** containerd: REF's hosts.toml with one [host] table before `server`. */
function mirrored(
  name: string,
  servers: OracleCase['servers'],
  host: string,
  o: { extra?: string; server?: string; image?: string; more?: Record<string, string> } = {},
): OracleCase {
  const text = `server = "${o.server ?? 'http://{{up}}'}"\n[host."${host}"]\n${o.extra ?? ''}`;
  return {
    name,
    runtime: 'containerd',
    image: o.image ?? REF,
    servers,
    files: ctd({ ...hostsToml(UP_DIR, text), ...o.more }),
  };
}

/** CRI-O: registry.test → up (insecure), with one mirror. */
function crioMirrored(
  name: string,
  image: string,
  servers: OracleCase['servers'],
  o: { reg?: string; mirror?: string } = {},
): OracleCase {
  const conf = `[[registry]]\nprefix = "registry.test"\nlocation = "{{up}}"\ninsecure = true\n${o.reg ?? ''}[[registry.mirror]]\nlocation = "{{mirror}}"\ninsecure = true\n${o.mirror ?? ''}`;
  return { name, runtime: 'crio', image, servers, files: crio(conf) };
}

const PR = '  capabilities = ["pull", "resolve"]\n';
const CA = {
  extra: '  ca = "mirror-ca.crt"\n',
  server: 'https://{{up}}',
  more: { [`${HOSTS}/${UP_DIR}/mirror-ca.crt`]: '@CA@' },
};
/** The mirror's CA and a client certificate (a leaf of the test CA) in the host directory. */
const CLIENT = {
  extra: '  ca = "mirror-ca.crt"\n  client = [["node.cert", "node.key"]]\n',
  more: {
    [`${HOSTS}/${UP_DIR}/mirror-ca.crt`]: '@CA@',
    [`${HOSTS}/${UP_DIR}/node.cert`]: '@CLIENT_CERT@',
    [`${HOSTS}/${UP_DIR}/node.key`]: '@CLIENT_KEY@',
  },
};

function cases(digest: string, proxyHost: () => string): OracleCase[] {
  const tls = (state: 'ok' | 'fail' | 'untrusted', t: 'trusted' | 'untrusted') => ({ state, tls: t });
  return [
    mirrored('mirror first', { mirror: 'ok', up: 'ok' }, 'http://{{mirror}}', { extra: PR }),
    mirrored('mirror down (503) → fallback to server', { mirror: 'fail', up: 'ok' }, 'http://{{mirror}}', {
      extra: PR,
    }),
    mirrored('stale mirror (404) → fallback', { mirror: 'empty', up: 'ok' }, 'http://{{mirror}}'),
    {
      name: 'server only, no [host] table (1.6 ignores the file)',
      runtime: 'containerd',
      image: REF,
      servers: { up: 'ok' },
      files: ctd(hostsToml(UP_DIR, 'server = "http://{{up}}"\n')),
      expect: { finding: 'HOSTS_TOML_INVALID', stderr: /failed to decode hosts.toml.*invalid `host` tree/ },
    },
    {
      name: 'server override with a host',
      runtime: 'containerd',
      image: 'registry.test:{{other.port}}/team/app:1',
      servers: { mirror: 'empty', up: 'ok', other: 'ok' },
      files: ctd(
        hostsToml('registry.test_{{other.port}}_', 'server = "http://{{up}}"\n[host."http://{{mirror}}"]\n'),
      ),
    },
    {
      name: '_default hosts.toml',
      runtime: 'containerd',
      image: 'registry.test:{{other.port}}/team/app:1',
      servers: { mirror: 'ok', other: 'ok' },
      files: ctd(hostsToml('_default', `[host."http://{{mirror}}"]\n${PR}`)),
    },
    mirrored(
      'skip_verify on an untrusted HTTPS mirror',
      { mirror: tls('ok', 'untrusted'), up: 'ok' },
      'https://{{mirror}}',
      {
        extra: '  skip_verify = true\n',
      },
    ),
    mirrored(
      'CA on the mirror only',
      { mirror: tls('ok', 'trusted'), up: tls('untrusted', 'trusted') },
      'https://{{mirror}}',
      CA,
    ),
    mirrored(
      'CA on the mirror only, mirror down → upstream untrusted',
      { mirror: tls('fail', 'trusted'), up: tls('untrusted', 'trusted') },
      'https://{{mirror}}',
      CA,
    ),
    {
      ...mirrored(
        'CA file that does not exist',
        { mirror: tls('ok', 'trusted'), up: 'ok' },
        'https://{{mirror}}',
        {
          extra: '  ca = "missing.crt"\n',
        },
      ),
      expect: { finding: 'CA_FILE_MISSING', stderr: /unable to read CA cert/ },
    },
    mirrored(
      'plain-HTTP mirror before an HTTPS server',
      { mirror: 'ok', up: tls('untrusted', 'trusted') },
      'http://{{mirror}}',
      {
        server: 'https://{{up}}',
      },
    ),
    mirrored(
      'mirror without resolve: tag resolved upstream, content from the mirror',
      { mirror: 'ok', up: 'ok' },
      'http://{{mirror}}',
      {
        extra: '  capabilities = ["pull"]\n',
      },
    ),
    mirrored('mirror without resolve, pulled by digest', { mirror: 'ok', up: 'ok' }, 'http://{{mirror}}', {
      extra: '  capabilities = ["pull"]\n',
      image: `registry.test:{{up.port}}/team/app@${digest}`,
    }),
    mirrored(
      'mirror without pull: not for resolving, still for content',
      { mirror: 'ok', up: 'ok' },
      'http://{{mirror}}',
      {
        extra: '  capabilities = ["resolve"]\n',
      },
    ),
    {
      name: 'two mirrors in file order: the first down (503), the second serves',
      runtime: 'containerd',
      image: REF,
      servers: { mirror: 'fail', other: 'ok', up: 'ok' },
      files: ctd(
        hostsToml(
          UP_DIR,
          `server = "http://{{up}}"\n[host."http://{{mirror}}"]\n${PR}[host."http://{{other}}"]\n${PR}`,
        ),
      ),
    },
    mirrored(
      'client certificate for a mirror that requires one',
      { mirror: { state: 'ok', tls: 'trusted', clientAuth: true }, up: 'ok' },
      'https://{{mirror}}',
      { ...CLIENT, extra: `${PR}${CLIENT.extra}` },
    ),
    mirrored(
      'mirror requires a client certificate the node does not have → server',
      { mirror: { state: 'ok', tls: 'trusted', clientAuth: true }, up: 'ok' },
      'https://{{mirror}}',
      { extra: `${PR}${CA.extra}`, more: CA.more },
    ),
    {
      ...mirrored('header on the mirror', { mirror: 'ok', up: 'ok' }, 'http://{{mirror}}', {
        extra: `${PR}  [host."http://{{mirror}}".header]\n    x-node-pool = "gpu"\n`,
      }),
      header: 'x-node-pool',
    },
    {
      name: 'no host can resolve a tag: "no resolve hosts"',
      runtime: 'containerd',
      image: REF,
      servers: { mirror: 'ok', up: 'ok' },
      files: ctd(
        hostsToml(
          UP_DIR,
          'server = "http://{{up}}"\ncapabilities = ["pull"]\n[host."http://{{mirror}}"]\n  capabilities = ["pull"]\n',
        ),
      ),
      expect: { finding: 'NO_RESOLVE_HOSTS', stderr: /no resolve hosts/ },
    },
    {
      name: 'docker.io mirror (docker.io pointed at a local upstream)',
      runtime: 'containerd',
      image: 'docker.io/library/app:1',
      servers: { mirror: 'empty', hub: 'ok' },
      files: ctd(hostsToml('docker.io', 'server = "http://{{hub}}"\n[host."http://{{mirror}}"]\n')),
    },
    {
      ...mirrored(
        'proxy from a systemd drop-in: loopback mirror direct, upstream through the proxy',
        { mirror: 'fail', up: 'ok' },
        'http://{{mirror}}',
        {
          server: 'http://registry.test:{{up.port}}',
          more: {
            'etc/systemd/system/containerd.service.d/http-proxy.conf': `[Service]\nEnvironment="HTTP_PROXY=http://${proxyHost()}" "NO_PROXY=internal.example"\n`,
            'lib/systemd/system/containerd.service': '[Service]\nExecStart=/usr/bin/containerd\n',
          },
        },
      ),
      env: { HTTP_PROXY: `http://${proxyHost()}`, NO_PROXY: 'internal.example' },
    },
    {
      name: 'CRI-O prefix with a location rewrite',
      runtime: 'crio',
      image: 'registry.test/team/app:1',
      servers: { up: 'ok' },
      files: crio(
        '[[registry]]\nprefix = "registry.test/team"\nlocation = "{{up}}/rewritten"\ninsecure = true\n',
      ),
    },
    crioMirrored('CRI-O mirror down (503) → location', 'registry.test/team/app:1', {
      mirror: 'fail',
      up: 'ok',
    }),
    {
      name: 'CRI-O blocked registry',
      runtime: 'crio',
      image: '{{up}}/team/app:1',
      servers: { up: 'ok' },
      files: crio('[[registry]]\nlocation = "{{up}}"\ninsecure = true\nblocked = true\n'),
      expect: { finding: 'REGISTRY_BLOCKED', stderr: /is blocked in/ },
    },
    {
      name: 'CRI-O blocked prefix rewritten elsewhere (the location is not blocked)',
      runtime: 'crio',
      image: 'registry.test/team/app:1',
      servers: { up: 'ok' },
      files: crio(
        '[[registry]]\nprefix = "registry.test"\nlocation = "{{up}}"\ninsecure = true\nblocked = true\n',
      ),
    },
    crioMirrored(
      'CRI-O blocked registry with a mirror (the mirror still serves)',
      'registry.test/team/app:1',
      { mirror: 'ok', up: 'ok' },
      {
        reg: 'blocked = true\n',
      },
    ),
    ...(['digest-only', 'tag-only'] as const).flatMap((mode) =>
      (
        [
          ['tag', 'registry.test/team/app:1'],
          ['digest', `registry.test/team/app@${digest}`],
        ] as const
      ).map(([by, image]) =>
        crioMirrored(
          `CRI-O ${mode} mirror, pulled by ${by}`,
          image,
          { mirror: 'ok', up: 'ok' },
          { mirror: `pull-from-mirror = "${mode}"\n` },
        ),
      ),
    ),
    crioMirrored(
      'CRI-O mirror-by-digest-only (older key), pulled by tag',
      'registry.test/team/app:1',
      { mirror: 'ok', up: 'ok' },
      {
        reg: 'mirror-by-digest-only = true\n',
      },
    ),
    {
      name: 'CRI-O docker.io mirror',
      runtime: 'crio',
      image: 'docker.io/library/app:1',
      servers: { mirror: 'empty', hub: 'ok' },
      files: crio(
        '[[registry]]\nprefix = "docker.io"\nlocation = "{{hub}}"\ninsecure = true\n[[registry.mirror]]\nlocation = "{{mirror}}"\ninsecure = true\n',
      ),
    },
    {
      name: 'CRI-O drop-in replaces the main file’s registry',
      runtime: 'crio',
      image: 'registry.test/team/app:1',
      servers: { old: 'ok', new: 'ok' },
      files: {
        ...crio('[[registry]]\nprefix = "registry.test"\nlocation = "{{old}}"\ninsecure = true\n'),
        'etc/containers/registries.conf.d/50-new.conf':
          '[[registry]]\nprefix = "registry.test"\nlocation = "{{new}}"\ninsecure = true\n',
      },
    },
    // Failures: which one the runtime reports when every endpoint failed.
    mirrored(
      'mirror down (503), server without the image: 1.6 reports the first failure that is not a 404',
      { mirror: 'fail', up: 'empty' },
      'http://{{mirror}}',
      { extra: PR },
    ),
    mirrored('no endpoint has the image: not found', { mirror: 'empty', up: 'empty' }, 'http://{{mirror}}', {
      extra: PR,
    }),
    mirrored(
      'mirror refuses connections, server without the image: the refused connection is reported',
      { mirror: 'down', up: 'empty' },
      'http://{{mirror}}',
      { extra: PR },
    ),
    mirrored(
      'content-only mirror without the image: content from the server after the mirror’s 404',
      { mirror: 'empty', up: 'ok' },
      'http://{{mirror}}',
      { extra: '  capabilities = ["pull"]\n' },
    ),
    crioMirrored(
      'CRI-O mirror down (503), location without the image: the location’s failure is reported',
      'registry.test/team/app:1',
      { mirror: 'fail', up: 'empty' },
    ),
    crioMirrored('CRI-O mirror without the image, location down (503)', 'registry.test/team/app:1', {
      mirror: 'empty',
      up: 'fail',
    }),
    {
      name: 'CRI-O blocked registry, its mirror down: the block is reported, the mirror as also failed',
      runtime: 'crio',
      image: '{{up}}/team/app:1',
      servers: { mirror: 'fail', up: 'ok' },
      files: crio(
        '[[registry]]\nlocation = "{{up}}"\ninsecure = true\nblocked = true\n[[registry.mirror]]\nlocation = "{{mirror}}"\ninsecure = true\n',
      ),
      expect: { finding: 'REGISTRY_BLOCKED', stderr: /Mirrors also failed: .*\n?.*is blocked in/ },
    },
    {
      name: 'CRI-O policy.json rejects the registry',
      runtime: 'crio',
      image: 'registry.test/team/app:1',
      servers: { up: 'ok' },
      files: crio(
        '[[registry]]\nprefix = "registry.test"\nlocation = "{{up}}"\ninsecure = true\n',
        '{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker":{"registry.test/team":[{"type":"reject"}]}}}',
      ),
      expect: { finding: 'POLICY_REJECTS', stderr: /rejected/ },
    },
  ];
}

test('docs/runtime.md lists every oracle configuration, in the order the test runs them', async () => {
  const doc = await readFile(new URL('../../docs/runtime.md', import.meta.url), 'utf8');
  const lines = doc.split('\n');
  const at = lines.findIndex((l) => /^All \d+ configurations match/.test(l));
  const rows = lines.slice(at + 4).filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('|')));
  const names = cases('sha256:' + '0'.repeat(64), () => '').map((c) => c.name);
  assert.deepEqual(
    rows.map((r) => r.split('|')[1]?.trim()),
    names,
  );
  assert.match(lines[at] ?? '', new RegExp(`^All ${names.length} configurations`));
});

describe('runtime oracle: src/runtime vs containerd 1.6 and containers/image', () => {
  const fx = useFixture();
  let containerd: RunningContainerd;
  let proxy: TestProxy;
  let world: OracleWorld;
  const rows: OracleRow[] = [];

  before(async () => {
    containerd = await fx.start(startContainerd());
    proxy = await fx.start(startProxy({ resolve: { 'registry.test': '127.0.0.1' } }));
    const backend = await fx.registry();
    const empty = await fx.registry();
    const layout = await buildImageLayout(await fx.subdir('img'));
    for (const repo of ['team/app', 'library/app', 'rewritten/app'])
      await pushImage(layout, `docker://${backend.host}/${repo}:1`, { tlsVerify: false });
    const pki = await fx.pki();
    const resolvConf = join(await fx.subdir('dns'), 'resolv.conf');
    await writeFile(resolvConf, LOOPBACK_DNS);
    world = { resolvConf, backend: backend.url, empty: empty.url, pki, digest: layout.top.digest };
  });
  after(() => {
    if (rows.length) console.log(`\n${table(rows)}\n`);
  });

  const all = cases('sha256:' + '0'.repeat(64), () => '');
  for (const [i, shape] of all.entries()) {
    test(`${shape.runtime}: ${shape.name}`, async () => {
      const c = cases(world.digest, () => proxy.host)[i] as OracleCase;
      for (const k of Object.keys(c.files))
        c.files[k] = (c.files[k] ?? '')
          .replace('@CA@', world.pki.ca.certPem)
          .replace('@CLIENT_CERT@', world.pki.valid.certPem)
          .replace('@CLIENT_KEY@', world.pki.valid.keyPem);
      const row = await runCase(fx, world, containerd, c);
      rows.push(row);
      const why = `\nlog:\n${row.log.join('\n')}\n${row.run.stderr.split('\n').slice(-15).join('\n')}\nplan: ${JSON.stringify(row.plan.endpoints.map((e) => [e.url, e.steps]))}\nfindings: ${row.plan.findings.map((f) => f.code).join(', ')}`;
      assert.deepEqual(row.predictedOrder, row.realOrder, `order${why}`);
      assert.equal(row.predictedOk, row.realOk, `outcome${why}`);
      const probed = `\nprobe: ${row.probe.cause ?? 'pullable'}: ${row.probe.summary}\nreported: ${row.probe.runtime?.reported}\nreal: ${lastError(row.run.stderr)} → ${JSON.stringify(row.realCause)}\nsteps:\n${row.probe.steps.map((x) => `  ${x.ok ? 'ok ' : 'ERR'} ${x.name} ${String(x.detail.endpoint ?? '')} ${x.summary}`).join('\n')}`;
      assert.deepEqual(row.probeOrder, row.realOrder, `probe order${why}${probed}`);
      assert.ok(sameOutcome(row), `probe outcome${why}${probed}`);
      // The endpoint the runtime's message names is the one regdoctor says the runtime names.
      for (const host of row.probe.runtime?.reported?.match(/127\.0\.0\.1:\d+/g) ?? [])
        assert.ok(lastError(row.run.stderr).includes(host), `${host} in the real error${why}${probed}`);
      // A configuration that stops containerd before any request: regdoctor words it as containerd does.
      const stop = row.plan.findings.find((f) => f.stops === 'before-request' && f.reported);
      if (stop && c.runtime === 'containerd') {
        const real = lastError(row.run.stderr)
          .replace(/^ctr: /, '')
          .replace(/\/\S*?(?=\/etc\/containerd\/)/g, '');
        assert.ok(
          row.probe.runtime?.reported?.endsWith(real),
          `reported: ${row.probe.runtime?.reported}\nreal: ${real}`,
        );
      }
      if (c.expect) {
        assert.ok(
          row.plan.findings.some((f) => f.code === c.expect?.finding),
          `finding ${c.expect.finding}${why}`,
        );
        assert.match(row.run.stderr, c.expect.stderr);
      }
      if (c.header) {
        const { mirror, up } = row.headers;
        assert.ok(mirror?.real.length && mirror.real.every((v) => v === 'gpu'), `ctr's header${why}`);
        assert.ok(
          mirror.probe.length && mirror.probe.every((v) => v === 'gpu'),
          `the probe's header: ${JSON.stringify(mirror.probe)}${why}`,
        );
        assert.ok(
          [...(up?.real ?? []), ...(up?.probe ?? [])].every((v) => v === undefined),
          'not to the server',
        );
      }
      if (c.name.startsWith('proxy')) {
        const [mirror, up] = row.plan.endpoints;
        assert.equal(mirror?.proxy, null, 'loopback is never proxied');
        assert.equal(up?.proxy, `http://${proxy.host}`);
        assert.ok(
          proxy.requests.some((r) => r.url.startsWith('http://registry.test:')),
          'the upstream went through the proxy',
        );
        assert.ok(!proxy.requests.some((r) => r.url.includes('127.0.0.1')), 'the loopback mirror did not');
      }
    });
  }
});
