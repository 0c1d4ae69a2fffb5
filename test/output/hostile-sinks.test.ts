// No credential and no control character in any sink. Registries that echo the credentials they were sent (Basic
// decoded, Bearer tokens, a short password in a JSON field) with terminal escapes and a forged log line, a Docker
// config key with a password in its URL, an API server that echoes the kubeconfig token, a credential helper that
// fails with escapes: every command's stdout and stderr, the webhook's answers and log, the exporter's log and
// metrics are searched for all of it. The CLI runs as a real process, from the bundle.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { useFixture } from '../helpers/fixture.ts';
import { startKubeApi, writeKubeconfig } from '../helpers/kube-api.ts';
import { buildCli, type Cli } from '../cli/cli.ts';
import { admit, workload } from '../webhook/reviews.ts';
import { echoRegistry, type EchoRegistry } from './echo-registry.ts';

// eslint-disable-next-line no-control-regex -- what must never reach a sink (LF and TAB are text)
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
const FORGED = /^2030-01-01T00:00:00\.000Z webhook: allowed/m;

const USER = 'ci-user';
const PASS = 'Sup3r-secret-pass';
const SHORT_USER = 'u';
const SHORT_PASS = 'pw';
const KEY_PASS = 'k3yPassInUrl';
const SHORT_PASS_WORD = new RegExp(`(?<![\\p{L}\\p{N}*])${SHORT_PASS}(?![\\p{L}\\p{N}*])`, 'u');
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('no credential and no control character reaches a sink', () => {
  const fx = useFixture();
  let cli: Cli;
  let basic: EchoRegistry;
  let bearer: EchoRegistry;
  let short: EchoRegistry;
  let dir: string;
  let dockerConfig: string;
  /** A policy that needs registry data for every image, so every image is looked up. */
  let policy: string;

  /** Every value that must never be shown, with the servers' tokens as they were issued so far. */
  const secrets = () => [
    PASS,
    `${USER}:${PASS}`,
    b64(`${USER}:${PASS}`),
    b64(`${USER}:${PASS}`).replace(/=+$/, ''),
    `:${SHORT_PASS}@`,
    `"${SHORT_PASS}"`,
    `${SHORT_USER}:${SHORT_PASS}`,
    b64(`${SHORT_USER}:${SHORT_PASS}`),
    KEY_PASS,
    ...basic.tokens,
    ...bearer.tokens,
    ...short.tokens,
  ];

  function assertClean(where: string, text: string, extra: string[] = []): void {
    for (const s of [...secrets(), ...extra]) {
      assert.ok(!text.includes(s), `${where} shows ${JSON.stringify(s)}:\n${text}`);
    }
    // A short password is masked as a whole word (redact.ts); as a word it must not show anywhere.
    assert.doesNotMatch(text, SHORT_PASS_WORD, `${where} shows the short password`);
    const c = CONTROL.exec(text);
    assert.equal(c, null, `${where} holds a raw control character at ${c?.index}:\n${JSON.stringify(text)}`);
    assert.doesNotMatch(text, FORGED, `${where} holds a forged log line`);
  }

  before(async () => {
    [cli, basic, bearer, short] = await Promise.all([
      buildCli(fx),
      echoRegistry('basic'),
      echoRegistry('bearer'),
      echoRegistry('basic'),
    ]);
    for (const s of [basic, bearer, short]) fx.onCleanup(() => s.stop());
    dir = await fx.subdir('hostile');
    policy = join(dir, 'policy.yaml');
    await writeFile(
      policy,
      stringify({
        apiVersion: 'regdoctor.dev/v1alpha1',
        kind: 'ImagePolicy',
        metadata: { name: 'size' },
        spec: { maxImageSize: '1Gi' },
      }),
    );
    dockerConfig = join(dir, 'config.json');
    await writeFile(
      dockerConfig,
      JSON.stringify({
        auths: {
          [basic.host]: { auth: b64(`${USER}:${PASS}`) },
          [bearer.host]: { auth: b64(`${USER}:${PASS}`) },
          [short.host]: { username: SHORT_USER, password: SHORT_PASS },
          // A key with userinfo: its password is a secret wherever the key is shown.
          [`http://keyuser:${KEY_PASS}@${short.host}`]: { username: SHORT_USER, password: SHORT_PASS },
        },
      }),
    );
  });

  test('sanity: the registries do echo what they were sent', async () => {
    const r = await cli.run([
      'probe',
      `${basic.host}/team/app:1`,
      '--plain-http',
      '--docker-config',
      dockerConfig,
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(basic.requests.filter((q) => q.headers.authorization).length > 0, true);
    assert.match(r.stdout, /DENIED/, 'the echoed error reaches the report (masked)');
    assert.match(r.stdout, /\*\*\*/);
  });

  test('probe: text, verbose, JSON, YAML and HTML, Basic and Bearer, JSON errors and HTML titles', async () => {
    for (const reg of [basic, bearer, short]) {
      for (const tag of ['1', 'html']) {
        const image = `${reg.host}/team/app:${tag}`;
        for (const out of [[], ['--verbose'], ['-o', 'json'], ['-o', 'yaml'], ['-o', 'html']]) {
          const r = await cli.run(['probe', image, '--plain-http', '--docker-config', dockerConfig, ...out]);
          assert.equal(r.code, 1, `${image}: ${r.stderr}`);
          assertClean(`probe ${image} ${out.join(' ')} stdout`, r.stdout);
          assertClean(`probe ${image} ${out.join(' ')} stderr`, r.stderr);
        }
      }
    }
    assert.ok(bearer.tokens.length > 0, 'the bearer registry issued tokens');
  });

  test('policy check: text and JSON violations', async () => {
    const manifests = join(dir, 'deploy.yaml');
    await writeFile(
      manifests,
      [basic, bearer, short]
        .flatMap((r) => ['1', 'html'].map((t) => `${r.host}/team/app:${t}`))
        .map((image, i) =>
          stringify({
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            metadata: { name: `app-${i}`, namespace: 'shop' },
            spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
          }),
        )
        .join('---\n'),
    );
    for (const o of ['text', 'json']) {
      const r = await cli.run([
        'policy',
        'check',
        '--policy',
        policy,
        '-f',
        manifests,
        '--plain-http',
        '--docker-config',
        dockerConfig,
        '-o',
        o,
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /DENIED|REGISTRY_ERROR|FORBIDDEN/);
      assertClean(`policy check -o ${o} stdout`, r.stdout);
      assertClean(`policy check -o ${o} stderr`, r.stderr);
    }
  });

  test('webhook: the AdmissionReview answer and the log', async () => {
    const pki = await fx.pki();
    const args = [
      'webhook',
      '--listen',
      '127.0.0.1:0',
      '--tls-cert',
      pki.valid.certPath,
      '--tls-key',
      pki.valid.keyPath,
      '--policy',
      policy,
      '--docker-config',
      dockerConfig,
      ...[basic, bearer, short].flatMap((r) => ['--plain-http-registry', r.host]),
    ];
    const proc = await daemon(cli, args, /serving (https:\/\/\S+)\/validate/);
    const ca = pki.ca.certPem;
    const answers: string[] = [];
    // Twice: the second review of an image is answered from the cache that the first one filled, in another run
    // that must mask the first one's token too.
    for (const reg of [basic, bearer, short, basic, bearer, short]) {
      for (const tag of ['1', 'html']) {
        const obj = workload('Pod', `p-${tag}`, [{ name: 'app', image: `${reg.host}/team/app:${tag}` }]);
        const { answer } = await admit(proc.match, ca, { kind: 'Pod', object: obj });
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.json.response.allowed, false, answer.text);
        // What kubectl would print to the pod's creator: the decoded message and warnings.
        answers.push(
          answer.text,
          answer.json.response.status.message,
          ...(answer.json.response.warnings ?? []),
        );
      }
    }
    // A pod creator's own text reaches the log and the answer unparsed: an image name with a line feed must not
    // forge a log line, nor escapes drive the terminal that tails the log.
    const forged = workload(
      'Pod',
      'p-forge\n2030-01-01T00:00:00.000Z webhook: allowed Pod kube-system/forged',
      [
        {
          name: 'app',
          image: `evil\n2030-01-01T00:00:00.000Z webhook: allowed Pod kube-system/forged\x1b[2J`,
        },
      ],
    );
    const { answer: forgedAnswer } = await admit(proc.match, ca, { kind: 'Pod', object: forged });
    assert.equal(forgedAnswer.json.response.allowed, false, forgedAnswer.text);
    answers.push(forgedAnswer.text, forgedAnswer.json.response.status.message);
    const log = await proc.stop();
    assert.match(log, /denied Pod/);
    assert.match(log, /p-forge/, 'the forged review was logged');
    for (const a of answers) assertClean('admission answer', a);
    assertClean('webhook log', log);
  });

  test('exporter: the log and the metrics', async () => {
    const config = join(dir, 'exporter.yaml');
    await writeFile(
      config,
      stringify({
        interval: '1s',
        timeout: '5s',
        registries: [basic, bearer, short].map((r) => ({
          host: r.host,
          plainHttp: true,
          dockerConfig,
          checkImage: `${r.host}/team/app:html`,
        })),
        images: [basic, bearer, short].map((r) => `${r.host}/team/app:1`),
      }),
    );
    const proc = await daemon(
      cli,
      ['exporter', '--config', config, '--listen', '127.0.0.1:0'],
      /serving (http:\/\/\S+)\/metrics/,
    );
    let metrics = '';
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      metrics = await httpGet(`${proc.match}/metrics`);
      if (/regdoctor_image_available\{[^}]*cause="FORBIDDEN"/.test(metrics)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const log = await proc.stop();
    assert.match(metrics, /regdoctor_image_available\{/);
    assert.match(log, /FORBIDDEN|DENIED/, log);
    assertClean('exporter log', log);
    assertClean('exporter metrics', metrics);
  });

  test('scan: a pull secret whose key has a password in its URL, in text, YAML and JSON', async () => {
    const image = `${short.host}/team/app:1`;
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'pull', namespace: 'shop' },
      type: 'kubernetes.io/dockerconfigjson',
      data: {
        '.dockerconfigjson': b64(
          JSON.stringify({
            auths: { [`https://keyuser:${KEY_PASS}@${short.host}`]: { auth: b64(`${USER}:${PASS}`) } },
          }),
        ),
      },
    };
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'shop', uid: 'u1' },
      spec: { containers: [{ name: 'app', image }], imagePullSecrets: [{ name: 'pull' }] },
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'app',
            image,
            ready: false,
            restartCount: 0,
            state: {
              waiting: {
                reason: 'ErrImagePull',
                message: `failed to pull "${image}": 403 Forbidden from https://keyuser:${KEY_PASS}@${short.host} ${POISON_TEXT}`,
              },
            },
          },
        ],
      },
    };
    const snapshot = join(dir, 'snap.json');
    await writeFile(snapshot, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [pod, secret] }));
    for (const o of ['text', 'yaml', 'json', 'wide']) {
      const r = await cli.run(['scan', '--snapshot', snapshot, '--plain-http-registry', short.host, '-o', o]);
      assert.equal(r.code, 1, r.stderr);
      assertClean(`scan -o ${o} stdout`, r.stdout);
      assertClean(`scan -o ${o} stderr`, r.stderr);
    }
  });

  test("scan (live): the kubeconfig's token, echoed by the API server, in skipped[].reason", async () => {
    const token = 'kube-token-7f3a9c2e';
    const api = await startKubeApi({
      objects: [],
      token,
      user: `system:anonymous (you sent ${token}) ${POISON_TEXT}`,
      forbid: [{ resource: 'secrets' }],
    });
    fx.onCleanup(() => api.stop());
    const kubeconfig = await writeKubeconfig(dir, { server: api.url, token });
    for (const o of ['json', 'text']) {
      const r = await cli.run(['scan', '--kubeconfig', kubeconfig, '--no-probe', '-o', o]);
      assert.equal(r.code, 0, r.stderr);
      // The skipped list is in the JSON on stdout, and a warning on stderr in every format.
      if (o === 'json') assert.match(r.stdout, /forbidden/);
      assert.match(r.stderr, /^warning: skipped secrets: forbidden/);
      assertClean(`live scan -o ${o} stdout`, r.stdout, [token]);
      assertClean(`live scan -o ${o} stderr`, r.stderr, [token]);
    }
  });

  test("a credential helper's error line", async () => {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    const helper = join(bin, 'docker-credential-evil');
    await writeFile(
      helper,
      `#!/bin/sh\nprintf 'login failed for https://me:${KEY_PASS}@vault \\033]0;pwned\\007\\033[2J\\n'\nexit 3\n`,
    );
    await chmod(helper, 0o755);
    const config = join(dir, 'helper-config.json');
    await writeFile(config, JSON.stringify({ credHelpers: { [basic.host]: 'evil' } }));
    const r = await cli.run(
      ['probe', `${basic.host}/team/app:1`, '--plain-http', '--docker-config', config, '-v'],
      {
        env: { PATH: `${bin}:${process.env.PATH}` },
      },
    );
    assert.match(r.stdout + r.stderr, /docker-credential-evil/);
    assertClean('probe stdout (failing helper)', r.stdout);
    assertClean('probe stderr (failing helper)', r.stderr);
  });
});

/** POISON without the forged line (a pod status message is one line in practice, but may hold escapes). */
const POISON_TEXT = '\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e';

interface Daemon {
  /** The first capture group of `ready` in stderr. */
  match: string;
  /** SIGTERM, then everything it wrote to stderr and stdout. */
  stop(): Promise<string>;
}

/** Starts a long-running command and waits for the stderr line that says it serves. */
function daemon(cli: Cli, args: string[], ready: RegExp): Promise<Daemon> {
  const child = spawn(process.execPath, [cli.bin, ...args], {
    env: { PATH: process.env.PATH, HOME: cli.home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not serving within 20 s: ${output}`)), 20_000);
    const onData = () => {
      const m = ready.exec(output);
      if (!m) return;
      clearTimeout(timer);
      child.stderr.off('data', onData);
      resolve({
        match: m[1]!,
        stop: async () => {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(killer);
          return output;
        },
      });
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
  });
}

function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}
