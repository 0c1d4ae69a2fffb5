// Section `webhook` (issue 5, item 6): the admission webhook as the API server meets it — a separate process
// serving HTTPS on loopback — loaded by autocannon at steady concurrency for ~10 s with warm caches (latency p50/p99,
// requests/s), and its first answers per image with a cold cache against a local docker-registry.
//
// `node --import tsx bench/webhook.ts` runs this section alone against the built CLI (npm run build first).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Cleanup } from './cleanup.ts';
import { cleanEnv, timeProcess } from './process.ts';
import { median } from './stats.ts';
import { table, type Target } from './table.ts';

const DURATION_S = 10;
const WARMUP_S = 2;
/** Steady load levels: a busy API server's admission concurrency, and a saturating one. */
const LEVELS = [4, 16];

export interface SectionResult {
  text: string;
  targets: Target[];
  failures: string[];
}

const POLICIES = `apiVersion: regdoctor.dev/v1alpha1
kind: ImagePolicy
metadata: {name: trusted-registries}
spec:
  allowedRegistries: [ghcr.io/acme, registry.example.com]
  disallowLatestTag: true
  disallowPrivileged: true
  excludedNamespaces: [sandbox]
---
apiVersion: regdoctor.dev/v1alpha1
kind: ImagePolicy
metadata: {name: pin-digests}
spec:
  mode: warn
  requireDigest: true
  exemptImages: ["ghcr.io/acme/base/**"]
`;

/** A Deployment with three containers, as `kubectl apply` sends it (trimmed of status and managedFields). */
function deploymentReview(uid: string, images: string[]): string {
  const containers = images.map((image, i) => ({
    name: `c${i}`,
    image,
    ports: [{ containerPort: 8080 + i, protocol: 'TCP' }],
    resources: { requests: { cpu: '100m', memory: '128Mi' } },
    env: [{ name: 'MODE', value: 'production' }],
    imagePullPolicy: 'IfNotPresent',
  }));
  const object = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop-api', namespace: 'shop', labels: { app: 'shop-api' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'shop-api' } },
      template: {
        metadata: { labels: { app: 'shop-api' } },
        spec: { containers, restartPolicy: 'Always', terminationGracePeriodSeconds: 30 },
      },
    },
  };
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      requestKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      requestResource: { group: 'apps', version: 'v1', resource: 'deployments' },
      name: 'shop-api',
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  });
}

const DIGEST = `sha256:${'4'.repeat(64)}`;
/** Allowed, warned and denied reviews in turn, so every response path is in the mix. */
const MIX = [
  [
    `ghcr.io/acme/api:2.1@${DIGEST}`,
    `ghcr.io/acme/base/envoy:1.30@${DIGEST}`,
    `registry.example.com/log:3@${DIGEST}`,
  ],
  ['ghcr.io/acme/api:2.1', 'ghcr.io/acme/sidecar:1.4', `registry.example.com/log:3@${DIGEST}`],
  ['nginx', 'ghcr.io/acme/api:2.1', 'docker.io/library/redis:latest'],
];

async function selfSignedCert(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  const r = await timeProcess(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    cleanEnv(),
  );
  if (r.code !== 0) throw new Error(`openssl req failed: ${r.stderr.trim()}`);
  return { cert, key };
}

interface Running {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `regdoctor webhook` and waits for its "serving https://…" line. */
async function startWebhookProcess(cli: string, args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [cli, 'webhook', '--listen', '127.0.0.1:0', ...args], {
    env: cleanEnv(),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: string) => {
      stderr += d;
      const m = /serving (https:\/\/\S+)\/validate/.exec(stderr);
      if (!m) return;
      // From here on every denial is logged; drained, not kept.
      child.stderr!.off('data', onData);
      child.stderr!.resume();
      child.off('exit', onExit);
      resolve(m[1]!);
    };
    const onExit = (code: number | null) => reject(new Error(`webhook exited ${code}: ${stderr.trim()}`));
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  return { url, child, stop };
}

interface CannonResult {
  latency: { p50: number; p99: number; average: number; max: number };
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
}

type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>;

async function load(
  url: string,
  bodies: string[],
  seconds: number,
  connections: number,
): Promise<CannonResult> {
  // No type declarations ship with autocannon: a computed specifier keeps tsc from looking for them.
  const specifier = 'autocannon';
  const { default: autocannon } = (await import(specifier)) as { default: Cannon };
  return autocannon({
    url: `${url}/validate`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: bodies.map((body) => ({ body })),
    // Counted in `mismatches`: a 200 that is not an AdmissionReview answer would otherwise pass as success.
    verifyBody: (b: string) => b.startsWith('{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"'),
  });
}

const f1 = (x: number) => x.toFixed(1);

export async function webhookSection(
  cli: string,
  registryBinary: string | null,
  cleanup: Cleanup,
  progress: (s: string) => void,
): Promise<SectionResult> {
  const failures: string[] = [];
  const targets: Target[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'regdoctor-bench-webhook-'));
  cleanup.add('webhook temp dir', () => rm(dir, { recursive: true, force: true }));
  const { cert, key } = await selfSignedCert(dir);
  const policy = join(dir, 'policies.yaml');
  await writeFile(policy, POLICIES);
  const hook = await startWebhookProcess(cli, ['--tls-cert', cert, '--tls-key', key, '--policy', policy]);
  cleanup.add('webhook process', () => hook.stop());

  const bodies = MIX.map((images, i) => deploymentReview(`bench-${i}`, images));
  progress(`webhook: ${WARMUP_S} s warm-up, then ${DURATION_S} s at ${LEVELS.join(' and ')} connections`);
  await load(hook.url, bodies, WARMUP_S, LEVELS[0]!);
  const rows: string[][] = [];
  let worstP99 = 0;
  for (const connections of LEVELS) {
    const r = await load(hook.url, bodies, DURATION_S, connections);
    const bad = r.non2xx + r.errors + r.timeouts + r.mismatches;
    if (bad > 0) {
      failures.push(
        `webhook load (${connections} conn): ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, ${r.mismatches} bad bodies`,
      );
    }
    worstP99 = Math.max(worstP99, r.latency.p99);
    rows.push([
      'policy files, local rules (warm)',
      String(connections),
      f1(r.requests.average),
      `${f1(r.latency.p50)} ms`,
      `${f1(r.latency.p99)} ms`,
      `${f1(r.latency.max)} ms`,
      String(r.requests.total),
      String(bad),
    ]);
  }
  await hook.stop();

  let text =
    `Webhook as a separate process (built CLI) on 127.0.0.1, HTTPS; autocannon in this process, ${DURATION_S} s after ` +
    `${WARMUP_S} s warm-up, per load level. Each request is a ${Math.round(median(bodies.map((b) => b.length)))}-byte ` +
    'Deployment AdmissionReview (3 containers, 2 policies); allowed, warned and denied reviews in turn.\n\n' +
    table(['setup', 'conn', 'req/s', 'p50', 'p99', 'max', 'requests', 'failed'], rows);
  // Timeouts the API server applies: 10 s default, 5 s in deploy/webhook; a p99 two orders of magnitude below
  // is "well inside".
  targets.push({
    what: 'warm p99 under a tenth of deploy/webhook timeoutSeconds (5 s), at every load level',
    measured: `${f1(worstP99)} ms`,
    met: worstP99 < 500,
  });
  text +=
    '\nCold cache: not measured — the evaluator in use makes no registry lookups, so there is no cache to warm' +
    `${registryBinary ? '' : ' (and docker-registry is not installed)'}.\n`;
  return { text, targets, failures };
}

// Run alone: `node --import tsx bench/webhook.ts` (after npm run build).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const cleanup = new Cleanup();
  const cli = fileURLToPath(new URL('../bin/regdoctor', import.meta.url));
  try {
    const { findRegistryBinary } = await import('../src/demo/registry.ts');
    const r = await webhookSection(cli, await findRegistryBinary(), cleanup, (s) =>
      process.stderr.write(`bench: ${s}…\n`),
    );
    process.stdout.write(r.text);
    for (const t of r.targets)
      process.stdout.write(`  ${t.met ? '[met]   ' : '[MISSED]'} ${t.what}: ${t.measured}\n`);
    for (const f of r.failures) process.stdout.write(`  failed: ${f}\n`);
  } finally {
    await cleanup.run();
  }
}
