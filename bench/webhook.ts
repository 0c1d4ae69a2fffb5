// Section `webhook` (issue 5, item 6): the admission webhook as the API server meets it — a separate process
// serving HTTPS on loopback — loaded by autocannon at steady concurrency for ~10 s with warm caches (latency p50/p99,
// requests/s), and, with registry rules (requiredSignatures + maxImageSize) against a local docker-registry behind
// a counting proxy: the first review of each of N distinct images (cold cache: latency, registry requests), then
// the same steady load once they are cached.
//
// `node --import tsx bench/webhook.ts` runs this section alone against the built CLI (npm run build first).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImage, type Blob, type BuiltImage } from '../src/demo/image.ts';
import { pushImage } from '../src/demo/push.ts';
import { startRegistry } from '../src/demo/registry.ts';
import { Cleanup } from './cleanup.ts';
import { describe as describeCounts, total, type Counts } from './kinds.ts';
import { cleanEnv, timeProcess } from './process.ts';
import { startCountingProxy } from './proxy.ts';
import { median } from './stats.ts';
import { table, type Target } from './table.ts';

const DURATION_S = 10;
const WARMUP_S = 2;
/** Steady load levels: a busy API server's admission concurrency, and a saturating one. */
const LEVELS = [4, 16];
/** Distinct images for the cold-cache run: each first review pays for its own lookups. */
const N_IMAGES = 60;
const PUSH_CONCURRENCY = 8;

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
export function deploymentReview(uid: string, images: string[]): string {
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

export async function selfSignedCert(dir: string): Promise<{ cert: string; key: string }> {
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
export async function startWebhookProcess(cli: string, args: string[]): Promise<Running> {
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

  const reg = registryBinary
    ? await registryRun(cli, registryBinary, dir, { cert, key }, cleanup, progress, failures)
    : null;
  if (reg) rows.push(...reg.rows);

  let text =
    `Webhook as a separate process (built CLI) on 127.0.0.1, HTTPS; autocannon in this process, ${DURATION_S} s after ` +
    `${WARMUP_S} s warm-up (local rules), per load level. Local rules: each request is a ` +
    `${Math.round(median(bodies.map((b) => b.length)))}-byte Deployment AdmissionReview (3 containers, 2 policies); ` +
    'allowed, warned and denied reviews in turn.\n\n' +
    table(['setup', 'conn', 'req/s', 'p50', 'p99', 'max', 'requests', 'failed'], rows);
  // Timeouts the API server applies: 10 s default, 5 s in deploy/webhook; a p99 two orders of magnitude below
  // is "well inside".
  targets.push({
    what: 'warm p99 under a tenth of deploy/webhook timeoutSeconds (5 s), at every load level',
    measured: `${f1(Math.max(worstP99, reg?.warmP99 ?? 0))} ms`,
    met: Math.max(worstP99, reg?.warmP99 ?? 0) < 500,
  });
  if (reg) {
    text += `\n${reg.text}`;
    targets.push({
      what: 'cold first review p99 well inside the decision timeout (4 s): under 1 s',
      measured: `${f1(reg.coldP99)} ms`,
      met: reg.coldP99 < 1000,
    });
    targets.push({
      what: 'warm: no registry requests once every image is cached',
      measured: String(reg.warmRegistryRequests),
      met: reg.warmRegistryRequests === 0,
    });
  } else text += '\nRegistry rules: not measured — docker-registry is not installed.\n';
  return { text, targets, failures };
}

const AMD64 = { os: 'linux', architecture: 'amd64' };
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const SIMPLESIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json';

function blobOf(data: Buffer, mediaType: string): Blob {
  return { digest: `sha256:${createHash('sha256').update(data).digest('hex')}`, data, mediaType };
}

/** A cosign classic signature image for `digest` (pushed under `sha256-….sig`), ECDSA P-256 over SHA-256. */
function signatureImage(
  reference: string,
  digest: string,
  key: ReturnType<typeof generateKeyPairSync>['privateKey'],
): BuiltImage {
  const body = Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': reference },
        image: { 'docker-manifest-digest': digest },
        type: 'cosign container image signature',
      },
      optional: null,
    }),
  );
  const signature = sign('sha256', body, key).toString('base64');
  const config = blobOf(Buffer.from('{}'), 'application/vnd.oci.image.config.v1+json');
  const layer = blobOf(body, SIMPLESIGNING);
  const manifest = blobOf(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: config.mediaType, digest: config.digest, size: config.data.length },
        layers: [
          {
            mediaType: SIMPLESIGNING,
            digest: layer.digest,
            size: layer.data.length,
            annotations: { 'dev.cosignproject.cosign/signature': signature },
          },
        ],
      }),
    ),
    OCI_MANIFEST,
  );
  return { blobs: [config, layer], manifest };
}

/** Runs `fn` over 0..n-1, `limit` at a time. */
async function eachLimited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
}

/** One POST over a kept-alive connection; wall time from write to the last byte. */
function post(
  url: string,
  body: string,
  agent: Agent,
): Promise<{ status: number; text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      `${url}/validate`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ms: performance.now() - t0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

interface RegistryRun {
  text: string;
  rows: string[][];
  coldP99: number;
  warmP99: number;
  warmRegistryRequests: number;
}

/** requiredSignatures + maxImageSize over N_IMAGES distinct, signed images on a local docker-registry. */
async function registryRun(
  cli: string,
  binary: string,
  dir: string,
  tls: { cert: string; key: string },
  cleanup: Cleanup,
  progress: (s: string) => void,
  failures: string[],
): Promise<RegistryRun> {
  const registry = await startRegistry(binary);
  cleanup.add('webhook bench registry', () => registry.stop());
  const proxy = await startCountingProxy(registry.url);
  cleanup.add('webhook bench proxy', () => proxy.stop());
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  progress(`webhook: pushing ${N_IMAGES} signed images`);
  const images: string[] = [];
  await eachLimited(N_IMAGES, PUSH_CONCURRENCY, async (i) => {
    const repo = `bench/svc-${String(i).padStart(3, '0')}`;
    const built = await buildImage(AMD64, `webhook bench image ${i}`);
    await pushImage(registry.url, repo, '1.0', built);
    const sig = signatureImage(`${proxy.host}/${repo}`, built.manifest.digest, privateKey);
    await pushImage(registry.url, repo, `${built.manifest.digest.replace(':', '-')}.sig`, sig);
    images[i] = `${proxy.host}/${repo}:1.0`;
  });
  const policy = join(dir, 'registry-policy.yaml');
  await writeFile(
    policy,
    JSON.stringify({
      apiVersion: 'regdoctor.dev/v1alpha1',
      kind: 'ImagePolicy',
      metadata: { name: 'signed-and-small' },
      spec: {
        requiredSignatures: [
          { keys: [{ name: 'ci', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) }] },
        ],
        maxImageSize: '100Mi',
      },
    }),
  );
  const hook = await startWebhookProcess(cli, [
    '--tls-cert',
    tls.cert,
    '--tls-key',
    tls.key,
    '--policy',
    policy,
    '--plain-http-registry',
    proxy.host,
  ]);
  cleanup.add('webhook process (registry rules)', () => hook.stop());
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: await readFile(tls.cert, 'utf8') });
  const bodies = images.map((img, i) => deploymentReview(`cold-${i}`, [img]));

  // Cold: each image reviewed once, in turn, with the counter reset before each.
  progress(`webhook: first review of each of ${N_IMAGES} images (cold cache)`);
  const coldMs: number[] = [];
  const perReview: number[] = [];
  let example: Counts | null = null;
  let denied = 0;
  for (const body of bodies) {
    await proxy.reset();
    const r = await post(hook.url, body, agent);
    const counts = await proxy.snapshot();
    perReview.push(total(counts));
    if (perReview.length === 2) example = counts;
    coldMs.push(r.ms);
    if (r.status !== 200 || !r.text.includes('"allowed":true')) denied++;
  }
  if (denied)
    failures.push(
      `webhook cold run: ${denied} of ${N_IMAGES} reviews not allowed (expected all signed, small)`,
    );
  // The same reviews again, one by one: what a cached image costs without load.
  const againMs: number[] = [];
  await proxy.reset();
  for (const body of bodies) againMs.push((await post(hook.url, body, agent)).ms);
  const againRequests = total(await proxy.snapshot());
  agent.destroy();

  progress(`webhook: registry rules, warm, ${DURATION_S} s at ${LEVELS.join(' and ')} connections`);
  await proxy.reset();
  const rows: string[][] = [];
  let warmP99 = 0;
  for (const connections of LEVELS) {
    const r = await load(hook.url, bodies, DURATION_S, connections);
    const bad = r.non2xx + r.errors + r.timeouts + r.mismatches;
    if (bad > 0)
      failures.push(
        `webhook registry-rules load (${connections} conn): ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, ${r.mismatches} bad bodies`,
      );
    warmP99 = Math.max(warmP99, r.latency.p99);
    rows.push([
      `signatures + size, ${N_IMAGES} images (warm)`,
      String(connections),
      f1(r.requests.average),
      `${f1(r.latency.p50)} ms`,
      `${f1(r.latency.p99)} ms`,
      `${f1(r.latency.max)} ms`,
      String(r.requests.total),
      String(bad),
    ]);
  }
  const warmRegistryRequests = total(await proxy.snapshot());
  await hook.stop();

  const sorted = [...perReview].sort((a, b) => a - b);
  const text =
    `Registry rules: one ImagePolicy with requiredSignatures (one ECDSA key, cosign .sig) and maxImageSize over ` +
    `${N_IMAGES} distinct signed images (one repository each) on a local docker-registry (plain HTTP, loopback) ` +
    'behind a counting proxy; each review is a 1-container Deployment.\n\n' +
    table(
      ['run', 'reviews', 'p50', 'p99', 'max', 'registry requests per review'],
      [
        [
          'cold: first review of each image',
          String(coldMs.length),
          `${f1(percentile(coldMs, 50))} ms`,
          `${f1(percentile(coldMs, 99))} ms`,
          `${f1(Math.max(...coldMs))} ms`,
          `median ${median(perReview)}, min ${sorted[0]}, max ${sorted[sorted.length - 1]} (first image: ${perReview[0]})`,
        ],
        [
          'cached: the same reviews again, one at a time',
          String(againMs.length),
          `${f1(percentile(againMs, 50))} ms`,
          `${f1(percentile(againMs, 99))} ms`,
          `${f1(Math.max(...againMs))} ms`,
          `${againRequests} in total`,
        ],
      ],
    ) +
    `\nA cold review after the first (${example ? describeCounts(example) : '—'}). Registry requests during the ` +
    `warm load runs (rows "signatures + size" above): ${warmRegistryRequests}.\n`;
  return { text, rows, coldP99: percentile(coldMs, 99), warmP99, warmRegistryRequests };
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
