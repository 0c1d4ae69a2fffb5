// The node and the scanning machine disagree, for real: agents run as their own processes (the bundled CLI) in a
// network namespace of their own — the "node" — whose resolver, hosts file, proxy and firewall differ from those of
// the namespace the CLI runs in — the "scanning machine". One real registry sits behind four front doors, one per
// case; from the scanning machine every image pulls. From the node:
//   dns.test     the node's resolver does not know the name (its nameserver does not answer)  → DNS_FAILURE
//   proxy.test   the node's runtime proxy refuses (407)                                        → PROXY_ERROR
//   fw.test      the node's firewall drops packets to the registry                             → NETWORK_TIMEOUT
//   mirror.test  the node's mirror is down (503), and its DNS sends the name there too          → REGISTRY_ERROR
// Two agents share that network. node-1's agent finds containerd's configuration under its node root and pulls as
// containerd would: hosts.toml per registry (plain HTTP, and a mirror for mirror.test), the proxy from containerd's
// systemd drop-in — its own environment has none. node-3's agent has no runtime configuration: it probes straight,
// with the proxy of its own environment. `scan --from-nodes` follows the node; a plain `scan` from the same
// machine cannot see any of it; a pod on a node without an agent is probed from here, and the report says so.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { buildCli, type Cli } from '../cli/cli.ts';
import { countingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { useFixture } from '../helpers/fixture.ts';
import { startKubeApi, writeKubeconfig, type KubeApi } from '../helpers/kube-api.ts';
import { createNetns, type Netns } from '../helpers/netns.ts';
import { startProxy } from '../helpers/proxy.ts';
import { NETNS, needs } from '../helpers/tools.ts';
import { CHECKS, node, POLICIES, pushSmall, until, waitingPod } from './support.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- CLI JSON output

const CASES = ['dns', 'proxy', 'fw', 'mirror'] as const;
type Case = (typeof CASES)[number];
const WANT: Record<Case, string> = {
  dns: 'DNS_FAILURE',
  proxy: 'PROXY_ERROR',
  fw: 'NETWORK_TIMEOUT',
  mirror: 'REGISTRY_ERROR',
};

describe('from the node: the scanning machine and the node disagree', needs(NETNS), () => {
  const fx = useFixture();
  let cli: Cli;
  let scanner: Netns;
  let nodeNs: Netns;
  let api: KubeApi;
  let kubeconfig: string;
  const agents: Record<string, { child: ChildProcess; log: string }> = {};
  const doors = {} as Record<Case, CountingProxy>;
  const image = {} as Record<Case, string>;
  let mirrorDown: CountingProxy;

  before(async () => {
    cli = await buildCli(fx);
    scanner = fx.track(await createNetns('scan'));
    nodeNs = fx.track(await createNetns('node'));
    const S = scanner.hostAddr;
    const N = nodeNs.hostAddr;
    const reg = await fx.registry({ hostname: S });
    await pushSmall(fx, reg.host);
    for (const c of CASES) {
      doors[c] = await fx.start(countingProxy(reg.url, { hostname: S }));
      image[c] = `${c}.test:${doors[c].port}/team/app:1`;
    }
    // The mirror the node's DNS points mirror.test at: same port, the node side's address, and down.
    mirrorDown = await fx.start(countingProxy(reg.url, { hostname: N, port: doors.mirror.port }));
    mirrorDown.mode = 'fail';
    const refusing = await fx.start(startProxy({ hostname: N, refuse: 407 }));

    await scanner.hosts(CASES.map((c) => `${S} ${c}.test`).join('\n') + '\n');
    await nodeNs.hosts(`${S} proxy.test\n${S} fw.test\n${N} mirror.test\n`);
    await nodeNs.resolvConf(`nameserver ${N}\noptions timeout:1 attempts:1\n`);
    await nodeNs.iptables(
      '-A',
      'OUTPUT',
      '-p',
      'tcp',
      '-d',
      S,
      '--dport',
      String(doors.fw.port),
      '-j',
      'DROP',
    );

    api = await fx.start(
      startKubeApi({
        hostname: S,
        resources: [CHECKS, POLICIES],
        objects: [
          node('node-1'),
          node('node-2'),
          ...CASES.map((c) => waitingPod(`${c}-pod`, 'node-1', image[c])),
          ...CASES.map((c) => waitingPod(`${c}-direct`, 'node-3', image[c])),
          node('node-3'),
          waitingPod('elsewhere', 'node-2', image.dns),
        ],
        configz: { 'node-1': { serializeImagePulls: true, registryPullQPS: 5, registryBurst: 10 } },
      }),
    );
    kubeconfig = await writeKubeconfig(await fx.subdir('kube'), { server: api.url, token: api.token });

    // node-1's root: containerd as the node has it configured.
    const runtimeRoot = await fx.subdir('host-containerd');
    const files: Record<string, string> = {
      'etc/containerd/config.toml': `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n`,
      'etc/systemd/system/containerd.service.d/http-proxy.conf': `[Service]\nEnvironment="HTTP_PROXY=${refusing.url}" "NO_PROXY=dns.test,fw.test,mirror.test,${N}"\n`,
    };
    for (const c of CASES) {
      const host = `${c}.test:${doors[c].port}`;
      files[`etc/containerd/certs.d/${host}/hosts.toml`] =
        c === 'mirror'
          ? `server = "http://${host}"\n[host."http://${N}:${mirrorDown.port}"]\n  capabilities = ["pull", "resolve"]\n`
          : `server = "http://${host}"\n`;
    }
    for (const [path, text] of Object.entries(files)) {
      await mkdir(dirname(join(runtimeRoot, path)), { recursive: true });
      await writeFile(join(runtimeRoot, path), text);
    }
    await mkdir(join(runtimeRoot, 'var/lib/containerd'), { recursive: true });
    // node-3's root: nothing the agent recognises as a runtime's configuration.
    const bareRoot = await fx.subdir('host-bare');
    await mkdir(join(bareRoot, 'var/lib/containerd'), { recursive: true });

    const start = (nodeName: string, root: string, env: Record<string, string>, extra: string[]) => {
      const child = nodeNs.spawn(
        cli.bin,
        [
          'agent',
          '--node',
          nodeName,
          '--agent-name',
          `agent-${nodeName}`,
          '--kubeconfig',
          kubeconfig,
          '--node-root',
          root,
          '--timeout',
          '2s',
          ...extra,
        ],
        { env: { PATH: process.env.PATH ?? '', HOME: cli.home, ...env } },
      );
      const a = { child, log: '' };
      child.stdout?.on('data', (d: Buffer) => (a.log += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (a.log += d.toString()));
      agents[nodeName] = a;
      return a;
    };
    start('node-1', runtimeRoot, {}, []);
    start(
      'node-3',
      bareRoot,
      { HTTP_PROXY: refusing.url, HTTPS_PROXY: refusing.url, NO_PROXY: `${S},dns.test,fw.test,mirror.test` },
      CASES.flatMap((c) => ['--plain-http-registry', `${c}.test:${doors[c].port}`]),
    );
    for (const [n, a] of Object.entries(agents)) {
      await until(
        `the agent on ${n} lists its checks`,
        () => /checks and ImagePolicies listed/.test(a.log),
        20_000,
      );
    }
    assert.match(agents['node-1']!.log, /probing through containerd as configured under/);
    assert.match(
      agents['node-3']!.log,
      /no container runtime configuration under .*: probing the registries directly/,
    );
  });

  after(async () => {
    for (const a of Object.values(agents)) {
      if (a.child.exitCode === null) {
        a.child.kill('SIGTERM');
        await new Promise((r) => a.child.once('exit', r));
      }
    }
  });

  /** The CLI, run in the scanning machine's namespace. */
  const fromScanner = (args: string[]) =>
    scanner.run(cli.bin, args, { env: { PATH: process.env.PATH, HOME: cli.home }, timeoutMs: 120_000 });
  const plain = () => CASES.flatMap((c) => ['--plain-http-registry', `${c}.test:${doors[c].port}`]);
  const scanJson = async (...extra: string[]): Promise<Obj> => {
    const r = await fromScanner([
      'scan',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
      '--timeout',
      '2s',
      ...plain(),
      ...extra,
    ]);
    assert.equal(r.exitCode, 1, r.stderr);
    return JSON.parse(r.stdout) as Obj;
  };

  test('from the scanning machine every image pulls; the plain scan cannot name a cause', async () => {
    const r = await scanJson();
    for (const c of CASES) {
      for (const pod of [`${c}-pod`, `${c}-direct`]) {
        const f = (r.findings as Obj[]).find((x) => x.pod === pod)!;
        assert.equal(f.probe.cause, null, `${pod}: ${f.probe.summary}`);
        assert.equal(f.cause, 'BACKOFF_NO_DETAIL');
      }
    }
  });

  test('scan --from-nodes follows the node: DNS, proxy, firewall, mirror; a node without an agent is probed here', async () => {
    const r = await scanJson('--from-nodes', '--node-wait', '8s');
    for (const [suffix, n] of [
      ['pod', 'node-1'],
      ['direct', 'node-3'],
    ] as const) {
      for (const c of CASES) {
        const f = (r.findings as Obj[]).find((x) => x.pod === `${c}-${suffix}`)!;
        assert.equal(f.cause, WANT[c], `${c} on ${n}: ${JSON.stringify(f.evidence)}`);
        assert.equal(f.confidence, 'certain', c);
        assert.ok(
          (f.evidence as string[]).some((e) => e.includes(`from node ${n} (agent agent-${n})`)),
          `${c}: ${JSON.stringify(f.evidence)}`,
        );
        assert.ok((f.evidence as string[]).some((e) => e.startsWith(`seen from node ${n} itself`)));
        // node-1 pulled as containerd does: its endpoints, in containerd's order.
        assert.equal(f.probe.runtime?.name, n === 'node-1' ? 'containerd' : undefined, c);
      }
    }
    const mirrored = (r.findings as Obj[]).find((x) => x.pod === 'mirror-pod')!.probe.runtime;
    assert.deepEqual(
      mirrored.endpoints.map((e: Obj) => [e.role, e.outcome]),
      [
        ['mirror', 'failed'],
        ['upstream', 'failed'],
      ],
      JSON.stringify(mirrored),
    );
    // The registry saw the node's traffic only where the node's network let it through.
    const fromNode = (p: CountingProxy) => p.requests.filter((q) => q.remoteAddress === nodeNs.nsAddr).length;
    assert.equal(fromNode(doors.dns), 0, 'the node never resolved dns.test');
    assert.equal(fromNode(doors.fw), 0, 'the firewall dropped every packet');
    assert.equal(fromNode(doors.proxy), 0, 'the proxy refused before the registry');
    assert.ok(fromNode(mirrorDown) > 0, 'the node asked the mirror');
    // node-2 has no agent: its pod was probed from here, and both the finding and the summary say so.
    const elsewhere = (r.findings as Obj[]).find((x) => x.pod === 'elsewhere')!;
    assert.equal(elsewhere.probe.cause, null);
    assert.ok(
      (elsewhere.evidence as string[]).some((e) =>
        /node node-2 could not be asked: no regdoctor agent took the check .*; probed from the scanning machine instead/.test(
          e,
        ),
      ),
      JSON.stringify(elsewhere.evidence),
    );
    assert.deepEqual(r.summary.fromNodes.nodes, ['node-1', 'node-3']);
    assert.deepEqual(
      r.summary.fromNodes.fallbacks.map((f: Obj) => f.node),
      ['node-2'],
    );
    assert.equal(r.summary.fromNodes.checks, 8);
    // Every check the scan created is gone.
    await until('checks deleted', async () => {
      const res = await fetch(`${api.url}/apis/regdoctor.dev/v1alpha1/imagepullchecks`, {
        headers: { authorization: `Bearer ${api.token}` },
      });
      return ((await res.json()) as Obj).items.length === 0;
    });
  });

  test("probe --node prints the node's view, labelled, with the kubelet's pull settings", async () => {
    const local = await fromScanner(['probe', image.dns, '--plain-http']);
    assert.equal(local.exitCode, 0, local.stdout + local.stderr);
    const r = await fromScanner(['probe', image.dns, '--node', 'node-1', '--kubeconfig', kubeconfig]);
    assert.equal(r.exitCode, 1, r.stderr);
    assert.match(r.stdout, /^from node node-1 \(agent agent-node-1\)\n/);
    assert.match(r.stdout, /DNS_FAILURE \[certain\]/);
    assert.match(
      r.stdout,
      /kubelet: pulls one at a time \(serializeImagePulls\); registryPullQPS 5, burst 10/,
    );
    assert.match(r.stdout, /image filesystem \/var\/lib\/containerd: .* free of /);
    const json = await fromScanner([
      'probe',
      image.proxy,
      '--node',
      'node-1',
      '--kubeconfig',
      kubeconfig,
      '-o',
      'json',
    ]);
    const j = JSON.parse(json.stdout) as Obj;
    assert.equal(j.cause, 'PROXY_ERROR');
    assert.equal(j.from.name, 'node-1');
    assert.equal(j.from.kubelet.registryPullQPS, 5);
    const none = await fromScanner([
      'probe',
      image.dns,
      '--node',
      'node-2',
      '--kubeconfig',
      kubeconfig,
      '--node-wait',
      '2s',
    ]);
    assert.equal(none.exitCode, 2);
    assert.match(
      none.stderr,
      /no regdoctor agent took the check within 2 s \(is the agent DaemonSet running on node node-2\?\)/,
    );
  });

  test('SIGTERM: the agents stop within their grace period and exit 0', async () => {
    for (const a of Object.values(agents)) {
      a.child.kill('SIGTERM');
      const code = await new Promise<number | null>((r) => a.child.once('exit', (c) => r(c)));
      assert.equal(code, 0, a.log);
      assert.match(a.log, /SIGTERM: finishing the checks in flight/);
      assert.match(a.log, /stopped \(\d+ probed/);
    }
  });
});
