// The live path end to end: the built CLI reads a cluster through @kubernetes/client-node from the kube-api test
// server (HTTPS, bearer token, generated kubeconfig), then probes the lab's registries with each pod's secrets.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useFixture } from '../helpers/fixture.ts';
import { startKubeApi, writeKubeconfig, type KubeApi, type KubeApiOptions } from '../helpers/kube-api.ts';
import { buildCli, show, type Cli, type CliResult } from '../cli/cli.ts';
import { assertUsageError } from '../cli/contract.ts';
import { startLab, type Lab } from './lab.ts';
import { shopWorld, WEB_PODS, type Expected } from './scenario.ts';
import type { World } from './world.ts';

interface JsonFinding {
  namespace: string;
  pod: string;
  container: string;
  cause: string;
  confidence: string;
  evidence: string[];
  owner: { kind: string; name: string } | null;
}
interface JsonScan {
  findings: JsonFinding[];
  summary: { source: string; skipped: { resource: string; namespace?: string; reason: string }[] };
}

function parse(r: CliResult): JsonScan {
  try {
    return JSON.parse(r.stdout) as JsonScan;
  } catch {
    assert.fail(`stdout is not JSON\n${show(r)}`);
  }
}

const key = (f: { namespace: string; pod: string; container: string; cause: string }) =>
  `${f.namespace}/${f.pod}/${f.container}: ${f.cause}`;

describe('regdoctor scan/pod against a live (test) Kubernetes API', () => {
  const fx = useFixture();
  let cli: Cli;
  let lab: Lab;
  let w: World;
  let expected: Expected[];
  let registryFlags: string[];

  before(async () => {
    [cli, lab] = await Promise.all([buildCli(fx), startLab(fx)]);
    ({ world: w, expected } = shopWorld(lab));
    registryFlags = [lab.auth.host, lab.open.host].flatMap((h) => ['--plain-http-registry', h]);
  });

  async function cluster(opts: Partial<KubeApiOptions> = {}): Promise<{ api: KubeApi; kubeconfig: string }> {
    const pki = await fx.pki();
    const api = fx.track(await startKubeApi({ objects: w.objects, tls: pki.valid, ...opts }));
    const kubeconfig = await writeKubeconfig(await fx.subdir('kube'), {
      server: api.url,
      token: api.token,
      caPem: pki.ca.certPem,
      context: 'kind-shop',
    });
    return { api, kubeconfig };
  }

  test('all namespaces: every failing container found, listed cluster-wide with the bearer token', async () => {
    const { api, kubeconfig } = await cluster();
    const r = await cli.run(['scan', '--kubeconfig', kubeconfig, ...registryFlags, '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    const out = parse(r);
    assert.deepEqual(out.findings.map(key).sort(), expected.map(key).sort());
    assert.match(out.summary.source, /^context "kind-shop" \(https:\/\/127\.0\.0\.1:\d+\)$/);
    assert.deepEqual(out.summary.skipped, []);
    assert.ok(api.log.length > 0 && api.log.every((e) => e.authorized && e.status === 200));
    assert.ok(
      api.log.some((e) => e.path === '/api/v1/pods'),
      'pods listed across all namespaces',
    );
    assert.ok(
      api.log.some((e) => e.path === '/api/v1/secrets'),
      'secrets listed for the audit',
    );
  });

  test('-n tools: only that namespace is listed and reported', async () => {
    const { api, kubeconfig } = await cluster();
    const r = await cli.run([
      'scan',
      '--kubeconfig',
      kubeconfig,
      '-n',
      'tools',
      ...registryFlags,
      '-o',
      'json',
    ]);
    assert.equal(r.code, 1, show(r));
    const out = parse(r);
    assert.deepEqual(
      out.findings.map(key).sort(),
      expected
        .filter((e) => e.namespace === 'tools')
        .map(key)
        .sort(),
    );
    const namespaced = api.log.filter((e) => e.resource !== 'nodes');
    assert.ok(
      namespaced.every((e) => e.namespace === 'tools'),
      namespaced.map((e) => e.path).join('\n'),
    );
  });

  test('403 on secrets: the scan goes on, says what was skipped, and does not call the secrets missing', async () => {
    const { kubeconfig } = await cluster({ forbid: [{ resource: 'secrets' }] });
    // The warning goes to stderr, the same in every output format (-o wide and -o json have no room for it).
    const warning =
      /^warning: skipped secrets: forbidden: secrets is forbidden: User "system:serviceaccount:regdoctor:scanner" cannot list resource "secrets"/;
    for (const format of ['text', 'wide', 'json', 'name']) {
      const r = await cli.run(['scan', '--kubeconfig', kubeconfig, ...registryFlags, '-o', format]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, warning, `-o ${format}\n${show(r)}`);
      assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, show(r));
      assert.doesNotMatch(r.stdout, /skipped secrets/, `-o ${format}: the warning is not part of the report`);
    }

    const json = parse(await cli.run(['scan', '--kubeconfig', kubeconfig, ...registryFlags, '-o', 'json']));
    assert.deepEqual(
      json.summary.skipped.map((s) => s.resource),
      ['secrets'],
    );
    // Still every pod. Only the secret the kubelet itself reported (FailedToRetrieveImagePullSecret) is called
    // missing; one that merely could not be read is not.
    assert.equal(json.findings.length, expected.length);
    assert.deepEqual(json.findings.filter((f) => f.cause.startsWith('PULL_SECRET')).map(key), [
      'tools/toolbox/app: PULL_SECRET_MISSING',
    ]);
    const web = json.findings.find((f) => f.pod === WEB_PODS[0])!;
    assert.equal(web.cause, 'MANIFEST_NOT_FOUND');
    assert.equal(web.confidence, 'likely', 'an anonymous refusal proves nothing about the pod’s credentials');
    for (const line of [
      'secret shop/regcred was not audited (secrets forbidden): it may exist',
      'the probe ran without the credentials the node uses, so the refusal proves only that the registry wants some',
    ]) {
      assert.ok(web.evidence.includes(line), `${line}\n---\n${web.evidence.join('\n')}`);
    }
  });

  test('pod NAME -n NS: the pod in full, with every one of its events, the finding and the probe waterfall', async () => {
    const { kubeconfig } = await cluster();
    const r = await cli.run(['pod', 'toolbox', '-n', 'tools', '--kubeconfig', kubeconfig, ...registryFlags]);
    assert.equal(r.code, 1, show(r));
    const out = r.stdout;
    assert.match(out, /^Pod tools\/toolbox {2}phase Pending$/m);
    assert.match(out, /^ {2}node node-amd64 \(linux\/amd64\)$/m);
    assert.match(out, /^ {2}imagePullSecrets regcred-old$/m);
    const events = w.objects.filter(
      (o) => o.kind === 'Event' && (o.involvedObject as { name: string }).name === 'toolbox',
    );
    assert.equal(events.length, 6);
    assert.match(out, /^Events \(6\)$/m);
    for (const e of events)
      assert.ok(out.includes(String(e.message)), `event missing: ${String(e.message)}\n${out}`);
    assert.match(out, /^PULL_SECRET_MISSING \[certain\] {2}container app /m);
    assert.match(
      out,
      /^ {2}fix:\n {4}1\. Create the missing secret tools\/regcred-old: kubectl create secret docker-registry regcred-old /m,
    );
    assert.match(out, /^ {2}probe:\n/m, 'the probe waterfall follows');
    assert.match(out, /^ {4}.*auth/m);

    const json = await cli.run([
      'pod',
      'toolbox',
      '-n',
      'tools',
      '--kubeconfig',
      kubeconfig,
      ...registryFlags,
      '-o',
      'json',
    ]);
    const body = JSON.parse(json.stdout) as { events: unknown[]; findings: JsonFinding[] };
    assert.equal(body.events.length, 6);
    assert.deepEqual(body.findings.map(key), ['tools/toolbox/app: PULL_SECRET_MISSING']);
  });

  test("pod without -n: the kubeconfig context's namespace, as kubectl does", async () => {
    const { api } = await cluster();
    const pki = await fx.pki();
    const inTools = await writeKubeconfig(await fx.subdir('kube-tools'), {
      server: api.url,
      token: api.token,
      caPem: pki.ca.certPem,
      namespace: 'tools',
    });
    const r = await cli.run(['pod', 'toolbox', '--kubeconfig', inTools, '--no-probe', '-o', 'json']);
    assert.equal(r.code, 1, show(r));
    assert.equal((JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings[0]?.namespace, 'tools');
    // No namespace in the context: `default`, where there is no toolbox.
    const { kubeconfig } = await cluster();
    const none = await cli.run(['pod', 'toolbox', '--kubeconfig', kubeconfig, '--no-probe']);
    assertUsageError(none, /^regdoctor: pod default\/toolbox not found in /);
  });

  test('pod for a pod that does not exist: exit 2 with one line naming it', async () => {
    const { kubeconfig } = await cluster();
    const r = await cli.run([
      'pod',
      'no-such-pod',
      '-n',
      'shop',
      '--kubeconfig',
      kubeconfig,
      ...registryFlags,
    ]);
    assertUsageError(
      r,
      /^regdoctor: pod shop\/no-such-pod not found in context "kind-shop" \(https:\/\/127\.0\.0\.1:\d+\)\n$/,
    );
  });

  test('pod when the pods list is forbidden: exit 2 saying so', async () => {
    const { kubeconfig } = await cluster({ forbid: [{ resource: 'pods', namespace: 'shop' }] });
    const r = await cli.run(['pod', 'cache-0', '-n', 'shop', '--kubeconfig', kubeconfig, '--no-probe']);
    assertUsageError(r, /^regdoctor: cannot list pods in shop: forbidden: pods is forbidden/);
  });

  test('a kubeconfig whose token the API server refuses: exit 2, one line', async () => {
    const { api } = await cluster();
    const pki = await fx.pki();
    const bad = await writeKubeconfig(await fx.subdir('bad'), {
      server: api.url,
      token: 'not-the-token',
      caPem: pki.ca.certPem,
    });
    const r = await cli.run(['scan', '--kubeconfig', bad, '--no-probe']);
    assertUsageError(r, /401 Unauthorized/);
  });
});
