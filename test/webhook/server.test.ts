// The webhook over real HTTPS (test CA), driven by AdmissionReview JSON as the API server sends it, with policies
// from files: decisions, the response envelope, every workload kind, UPDATE semantics, bad requests, TLS reload
// and graceful shutdown.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { useFixture } from '../helpers/fixture.ts';
import type { TestPki } from '../helpers/pki.ts';
import type { Webhook, WebhookOptions } from '../../src/webhook/index.ts';
import { localEvaluator, type EvaluatorFactory } from '../../src/webhook/evaluator.ts';
import { currentRedactor, registerSecret, type Redactor } from '../../src/credentials/redact.ts';
import { admissionReview, admit, call, KINDS, startTestWebhook, workload, type Obj } from './reviews.ts';

const POLICIES = `apiVersion: regdoctor.dev/v1alpha1
kind: ImagePolicy
metadata: {name: acme-only}
spec:
  allowedRegistries: [ghcr.io/acme]
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
  maxImageSize: 1Gi
`;
const DIGEST = `sha256:${'a'.repeat(64)}`;
const GOOD = `ghcr.io/acme/app:1.2@${DIGEST}`;
const TAGGED = 'ghcr.io/acme/app:1.2';
const BAD = 'nginx';

describe('webhook over HTTPS', () => {
  const fx = useFixture();
  let pki: TestPki;
  let policyFile: string;
  const logs: string[] = [];

  const start = (over: Partial<WebhookOptions> = {}): Promise<Webhook> =>
    startTestWebhook(fx, pki, { policyFiles: [policyFile], log: (l) => logs.push(l), ...over });

  before(async () => {
    pki = await fx.pki();
    policyFile = join(await fx.subdir('policies'), 'policies.yaml');
    await writeFile(policyFile, POLICIES);
  });

  describe('decisions', () => {
    let hook: Webhook;
    let ca: string;
    before(async () => {
      hook = await start();
      ca = pki.ca.certPem;
    });

    test('allowed: the v1 envelope, the uid echoed, no status and no warnings', async () => {
      const { answer, uid } = await admit(hook.url, ca, {
        object: workload('Pod', 'web', [{ name: 'app', image: GOOD }]),
      });
      assert.equal(answer.status, 200);
      assert.match(String(answer.headers['content-type']), /^application\/json/);
      assert.deepEqual(answer.json, {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid, allowed: true },
      });
    });

    test('denied (enforce): 403 status naming the object, policy, rule and container; warn rules still warn', async () => {
      const pod = workload('Pod', 'web', [
        { name: 'app', image: GOOD },
        { name: 'proxy', image: BAD },
      ]);
      const { answer, uid } = await admit(hook.url, ca, { object: pod, namespace: 'shop' });
      const r = answer.json.response;
      assert.equal(r.uid, uid);
      assert.equal(r.allowed, false);
      assert.equal(r.status.code, 403);
      assert.equal(r.status.reason, 'Forbidden');
      assert.match(r.status.message, /^Pod shop\/web violates ImagePolicy: /);
      assert.match(r.status.message, /\[acme-only\/allowedRegistries\] container "proxy": image "nginx"/);
      assert.match(r.status.message, /\[acme-only\/disallowLatestTag\] container "proxy"/);
      assert.doesNotMatch(r.status.message, /container "app"/);
      assert.deepEqual(r.warnings, [
        'pin-digests/requireDigest: container "proxy": image "nginx" is not pinned by digest (name@sha256:…)',
      ]);
      assert.ok(logs.some((l) => l.startsWith('denied Pod shop/web') && l.includes(uid)));
    });

    test('warn mode only: allowed with warnings of at most 120 characters', async () => {
      const long = `ghcr.io/acme/${'very-long-repository-name/'.repeat(4)}app:1.2`;
      const pod = workload('Pod', 'web', [
        { name: 'app', image: TAGGED },
        { name: 'sidecar', image: long },
      ]);
      const { answer } = await admit(hook.url, ca, { object: pod });
      const r = answer.json.response;
      assert.equal(r.allowed, true);
      assert.equal(r.status, undefined);
      assert.equal(r.warnings.length, 2);
      assert.match(
        r.warnings[0],
        /^pin-digests\/requireDigest: container "app": image "ghcr\.io\/acme\/app:1\.2"/,
      );
      for (const w of r.warnings) assert.ok([...w].length <= 120, `${[...w].length}: ${w}`);
      assert.ok(r.warnings[1].endsWith('…'), 'the long one is cut, visibly');
    });

    test('every workload kind is evaluated in its pod template, and allowed when clean', async () => {
      for (const kind of KINDS) {
        const bad = await admit(hook.url, ca, { object: workload(kind, 'w', [{ name: 'c', image: BAD }]) });
        assert.equal(bad.answer.json.response.allowed, false, kind);
        assert.match(bad.answer.json.response.status.message, new RegExp(`^${kind} shop/w violates`));
        const good = await admit(hook.url, ca, { object: workload(kind, 'w', [{ name: 'c', image: GOOD }]) });
        assert.deepEqual(good.answer.json.response, { uid: good.uid, allowed: true }, kind);
      }
    });

    test('init and ephemeral containers count; privileged containers are denied', async () => {
      const pod = workload('Pod', 'p', [{ name: 'app', image: GOOD, securityContext: { privileged: true } }]);
      (pod.spec as Obj).initContainers = [{ name: 'init', image: 'busybox:1.36' }];
      const r = (await admit(hook.url, ca, { object: pod })).answer.json.response;
      assert.equal(r.allowed, false);
      assert.match(r.status.message, /\[acme-only\/allowedRegistries\] init container "init"/);
      assert.match(r.status.message, /\[acme-only\/disallowPrivileged\] container "app"/);
    });

    test('DELETE and CONNECT are allowed without evaluation; so are other kinds and other groups', async () => {
      const bad = workload('Pod', 'p', [{ name: 'c', image: BAD }]);
      for (const operation of ['DELETE', 'CONNECT'] as const) {
        const { answer, uid } = await admit(hook.url, ca, { operation, object: null, oldObject: bad });
        assert.deepEqual(answer.json.response, { uid, allowed: true }, operation);
      }
      const svc = {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 's' },
        spec: { ports: [{ port: 80 }] },
      };
      const s = await admit(hook.url, ca, { kind: 'Service', object: svc });
      assert.deepEqual(s.answer.json.response, { uid: s.uid, allowed: true });
      // A CRD that happens to be called Pod is not a Pod.
      const crd = await admit(hook.url, ca, { kind: 'Pod', group: 'example.com', object: bad });
      assert.deepEqual(crd.answer.json.response, { uid: crd.uid, allowed: true });
      // pods/status runs no new image; pods/ephemeralcontainers (kubectl debug) does.
      const status = await admit(hook.url, ca, {
        operation: 'UPDATE',
        subResource: 'status',
        object: bad,
        oldObject: bad,
      });
      assert.equal(status.answer.json.response.allowed, true);
      const debug = workload('Pod', 'p', [{ name: 'c', image: GOOD }]);
      (debug.spec as Obj).ephemeralContainers = [{ name: 'debugger', image: 'busybox' }];
      const eph = await admit(hook.url, ca, {
        operation: 'UPDATE',
        subResource: 'ephemeralcontainers',
        object: debug,
        oldObject: workload('Pod', 'p', [{ name: 'c', image: GOOD }]),
      });
      assert.equal(eph.answer.json.response.allowed, false);
      assert.match(eph.answer.json.response.status.message, /ephemeral container "debugger"/);
    });

    test('the namespace comes from the request when the object has none; policy namespace scoping applies', async () => {
      const pod = workload('Pod', 'p', [{ name: 'c', image: BAD }]);
      const inShop = await admit(hook.url, ca, { object: pod, namespace: 'shop' });
      assert.match(inShop.answer.json.response.status.message, /^Pod shop\/p /);
      const sandbox = await admit(hook.url, ca, { object: pod, namespace: 'sandbox' });
      assert.equal(sandbox.answer.json.response.allowed, true, 'acme-only excludes sandbox');
      assert.equal(sandbox.answer.json.response.warnings.length, 1, 'pin-digests still applies');
    });

    test('generateName: the message names the object by its prefix', async () => {
      const pod = workload('Pod', '', [{ name: 'c', image: BAD }]);
      pod.metadata = { generateName: 'web-7d9f-' };
      const r = (await admit(hook.url, ca, { object: pod })).answer.json.response;
      assert.match(r.status.message, /^Pod shop\/web-7d9f-\* violates/);
    });

    test('UPDATE: only violations the update introduces deny; existing ones are warnings', async () => {
      const old = workload('Deployment', 'd', [{ name: 'legacy', image: BAD }]);
      const scaled = structuredClone(old);
      (scaled.spec as Obj).replicas = 5;
      const same = (await admit(hook.url, ca, { operation: 'UPDATE', object: scaled, oldObject: old })).answer
        .json.response;
      assert.equal(same.allowed, true);
      assert.ok(
        same.warnings.some((w: string) =>
          w.startsWith('acme-only/allowedRegistries (already present): container "legacy"'),
        ),
      );

      const added = workload('Deployment', 'd', [
        { name: 'legacy', image: BAD },
        { name: 'new', image: 'quay.io/x/y:1' },
      ]);
      const more = (await admit(hook.url, ca, { operation: 'UPDATE', object: added, oldObject: old })).answer
        .json.response;
      assert.equal(more.allowed, false);
      assert.match(more.status.message, /container "new"/);
      assert.doesNotMatch(more.status.message, /container "legacy"/);

      // Without oldObject there is nothing to compare with: the update is judged whole.
      const bare = (await admit(hook.url, ca, { operation: 'UPDATE', object: scaled })).answer.json.response;
      assert.equal(bare.allowed, false);

      // Removing finalizers from an object being deleted must never be blocked.
      const going = structuredClone(added);
      (going.metadata as Obj).deletionTimestamp = '2026-01-01T00:00:00Z';
      const del = (await admit(hook.url, ca, { operation: 'UPDATE', object: going, oldObject: old })).answer
        .json.response;
      assert.equal(del.allowed, true);
    });

    test('many containers: the denial message and the warnings stay bounded', async () => {
      const containers = Array.from({ length: 60 }, (_, i) => ({
        name: `c${i}`,
        image: `docker.io/team/service-${i}-${'x'.repeat(40)}:latest`,
      }));
      const r = (await admit(hook.url, ca, { object: workload('Pod', 'big', containers) })).answer.json
        .response;
      assert.equal(r.allowed, false);
      assert.ok([...r.status.message].length <= 1024, String(r.status.message.length));
      assert.match(r.status.message, /; and \d+ more$/);
      assert.equal(r.warnings.length, 20);
      assert.equal(r.warnings[19], '… and 41 more warnings');
      for (const w of r.warnings) assert.ok([...w].length <= 120);
    });

    test('bad requests get 400/405/413/404 with a Status body, and the server keeps serving', async () => {
      const expect = async (
        what: string,
        opts: Parameters<typeof call>[2],
        code: number,
        message: RegExp,
      ) => {
        const a = await call(hook.url, ca, opts);
        assert.equal(a.status, code, `${what}: ${a.text}`);
        assert.equal(a.json.kind, 'Status', what);
        assert.equal(a.json.code, code, what);
        assert.match(a.json.message, message, what);
      };
      const secret = 'hunter2-secret-value';
      await expect(
        'broken JSON',
        { body: `{"apiVersion": "admission.k8s.io/v1", "x": ${secret}}` },
        400,
        /^request body is not valid JSON/,
      );
      const leaked = await call(hook.url, ca, { body: `{"a": ${secret}` });
      assert.doesNotMatch(leaked.text, /hunter2/, 'the body is never echoed');
      await expect('empty body', { body: '' }, 400, /not valid JSON/);
      await expect('a JSON array', { body: [] }, 400, /expected an AdmissionReview object/);
      await expect(
        'v1beta1',
        {
          body: {
            ...admissionReview({ object: workload('Pod', 'p', []) }),
            apiVersion: 'admission.k8s.io/v1beta1',
          },
        },
        400,
        /expected apiVersion admission\.k8s\.io\/v1, kind AdmissionReview; got "admission\.k8s\.io\/v1beta1"/,
      );
      const noUid = admissionReview({ object: workload('Pod', 'p', []) });
      delete (noUid.request as Obj).uid;
      await expect('no uid', { body: noUid }, 400, /^not a valid AdmissionReview: .* at request\.uid$/);
      await expect(
        'no request',
        { body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' } },
        400,
        /^not a valid AdmissionReview: .* at request$/,
      );
      await expect(
        'object not an object',
        { body: admissionReview({ kind: 'Pod', object: 'x' as unknown as Obj }) },
        400,
        /request\.object is not an object/,
      );
      const noSpec = workload('Deployment', 'd', []);
      delete noSpec.spec;
      await expect(
        'deployment without template',
        { body: admissionReview({ object: noSpec }) },
        400,
        /no pod template/,
      );
      await expect(
        'wrong content-type',
        { body: '{}', headers: { 'content-type': 'text/plain' } },
        400,
        /content-type must be application\/json/,
      );
      await expect('GET /validate', { method: 'GET' }, 405, /only POST/);
      await expect('unknown path', { path: '/mutate', method: 'GET' }, 404, /no such path/);
      const huge = JSON.stringify({
        ...admissionReview({ object: workload('Pod', 'p', []) }),
        pad: 'x'.repeat(3 * 1024 * 1024),
      });
      await expect('oversized', { body: huge }, 413, /larger than 3145728 bytes/);

      const ok = await admit(hook.url, ca, {
        object: workload('Pod', 'web', [{ name: 'app', image: GOOD }]),
      });
      assert.equal(ok.answer.json.response.allowed, true, 'still serving after all that');
    });

    test('an oversized body sent without content-length (chunked) is cut off with 413', async () => {
      const { request } = await import('node:https');
      // The client sends one chunk past the 3 MiB budget, then waits: the server answers 413 and drops the
      // connection. A client still writing when the server closes can get a reset instead of the answer (the
      // kernel discards what it had not read), so this one stops, as an API server's request would end. Whatever
      // happens, the promise settles: a reset without an answer fails the test instead of hanging it.
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${hook.url}/validate`,
          { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', (e: NodeJS.ErrnoException) =>
          e.code === 'ECONNRESET' || e.code === 'EPIPE' ? undefined : reject(e),
        );
        req.on('close', () => reject(new Error('the connection closed without an answer')));
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent <= 3 * 1024 * 1024) {
            sent += chunk.length;
            if (!req.write(chunk)) return void req.once('drain', pump);
          }
        };
        pump();
      });
      assert.equal(status, 413);
      const ok = await admit(hook.url, ca, {
        object: workload('Pod', 'web', [{ name: 'app', image: GOOD }]),
      });
      assert.equal(ok.answer.json.response.allowed, true);
    });

    test('notes (rules this evaluator cannot decide) are logged once, never answered', async () => {
      for (let i = 0; i < 3; i++) {
        const { answer } = await admit(hook.url, ca, {
          object: workload('Pod', 'n', [{ name: 'c', image: GOOD }]),
        });
        assert.deepEqual(Object.keys(answer.json.response).sort(), ['allowed', 'uid']);
      }
      const lines = logs.filter((l) => l.startsWith('note: policy pin-digests: maxImageSize'));
      assert.deepEqual(lines, ['note: policy pin-digests: maxImageSize not evaluated: needs registry data']);
    });

    test('/healthz and /readyz', async () => {
      assert.equal((await call(hook.url, ca, { method: 'GET', path: '/healthz' })).status, 200);
      const ready = await call(hook.url, ca, { method: 'GET', path: '/readyz' });
      assert.deepEqual([ready.status, ready.json], [200, { status: 'ready' }]);
    });

    test('TLS: a client that does not trust the CA cannot talk to it, and the server survives that', async () => {
      await assert.rejects(
        call(hook.url, pki.otherCa.certPem, { method: 'GET', path: '/healthz' }),
        /certificate/,
      );
      assert.equal((await call(hook.url, ca, { method: 'GET', path: '/healthz' })).status, 200);
    });
  });

  describe('operations', () => {
    test('a rotated certificate is picked up without a restart; a broken pair keeps the old one', async () => {
      const dir = await fx.subdir('tls');
      const certFile = join(dir, 'tls.crt');
      const keyFile = join(dir, 'tls.key');
      await copyFile(pki.valid.certPath, certFile);
      await copyFile(pki.valid.keyPath, keyFile);
      const hook = await start({ tls: { certFile, keyFile }, tlsReloadIntervalMs: 25 });
      const issuer = async () =>
        new Promise<string>((resolve, reject) => {
          const s = connect({ host: '127.0.0.1', port: hook.port, rejectUnauthorized: false }, () => {
            resolve(s.getPeerX509Certificate()?.issuer ?? '');
            s.end();
          });
          s.on('error', reject);
        });
      assert.match(await issuer(), /regdoctor test CA/);
      // Certificate replaced, key not yet: a mismatched pair must not be installed.
      await copyFile(pki.untrusted.certPath, certFile);
      await waitFor(() => logs.some((l) => l.startsWith('serving certificate not reloaded')));
      assert.match(await issuer(), /regdoctor test CA/);
      await copyFile(pki.untrusted.keyPath, keyFile);
      await waitFor(async () => /untrusted CA/.test(await issuer()));
      const a = await call(hook.url, pki.otherCa.certPem, { method: 'GET', path: '/healthz' });
      assert.equal(a.status, 200);
    });

    test('each review is one run: the tokens it learns are masked in it, then dropped (no process-wide set)', async () => {
      // An evaluator that learns a registry token per review, as the engine's registry client does.
      const seen: { redactor: Redactor; token: string }[] = [];
      const learning: EvaluatorFactory = (policies) => {
        const inner = localEvaluator(policies);
        return {
          evaluate: (obj, o) => {
            const token = `review-token-${seen.length}-${Math.random().toString(36).slice(2)}`;
            registerSecret(token);
            seen.push({ redactor: currentRedactor(), token });
            return inner.evaluate(obj, o);
          },
          close: () => undefined,
        };
      };
      const hook = await start({ evaluator: learning });
      const processSize = currentRedactor().size;
      for (let i = 0; i < 20; i++) {
        const { answer } = await admit(hook.url, pki.ca.certPem, {
          object: workload('Pod', `p${i}`, [{ name: 'c', image: BAD }]),
        });
        assert.equal(answer.status, 200);
      }
      assert.equal(seen.length, 20);
      assert.equal(currentRedactor().size, processSize, 'the process redactor did not grow');
      assert.equal(new Set(seen.map((s) => s.redactor)).size, 20, 'a fresh redactor per review');
      for (const [i, s] of seen.entries()) {
        assert.equal(s.redactor.size, 1, `review ${i} holds only its own token`);
        assert.equal(s.redactor.redact(s.token), '***');
        assert.equal(currentRedactor().redact(s.token), s.token);
      }
      assert.equal(
        seen[1]!.redactor.redact(seen[0]!.token),
        seen[0]!.token,
        "one review's token is not another's",
      );
    });

    test('graceful close: requests in flight finish, new connections are refused', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((r) => (release = r));
      let entered: () => void = () => undefined;
      const inside = new Promise<void>((r) => (entered = r));
      const slow: EvaluatorFactory = (policies) => {
        const inner = localEvaluator(policies);
        return {
          evaluate: async (obj, o) => {
            entered();
            await gate;
            return inner.evaluate(obj, o);
          },
          close: () => undefined,
        };
      };
      const hook = await start({ evaluator: slow });
      const pending = admit(hook.url, pki.ca.certPem, {
        object: workload('Pod', 'p', [{ name: 'c', image: BAD }]),
      });
      await inside;
      const closing = hook.close(10_000);
      await assert.rejects(
        call(hook.url, pki.ca.certPem, { method: 'GET', path: '/healthz' }),
        /ECONNREFUSED/,
      );
      release();
      const { answer } = await pending;
      assert.equal(answer.status, 200);
      assert.equal(answer.json.response.allowed, false);
      await closing;
    });

    test('a decision that takes too long is a 503 (failurePolicy applies); the server keeps serving', async () => {
      let calls = 0;
      const stuck: EvaluatorFactory = (policies) => {
        const inner = localEvaluator(policies);
        return {
          evaluate: (obj, o) => (++calls === 1 ? new Promise(() => undefined) : inner.evaluate(obj, o)),
          close: () => undefined,
        };
      };
      const hook = await start({ evaluator: stuck, decisionTimeoutMs: 50 });
      const first = await call(hook.url, pki.ca.certPem, {
        body: admissionReview({ object: workload('Pod', 'p', []) }),
      });
      assert.equal(first.status, 503);
      assert.match(first.json.message, /no decision within 50 ms/);
      const next = await admit(hook.url, pki.ca.certPem, {
        object: workload('Pod', 'p', [{ name: 'c', image: GOOD }]),
      });
      assert.equal(next.answer.json.response.allowed, true);
    });

    test('a certificate file that does not exist is a usage error, before listening', async () => {
      await assert.rejects(
        start({ tls: { certFile: join(fx.dir, 'nope.crt'), keyFile: pki.valid.keyPath } }),
        /cannot use --tls-cert .*nope\.crt.*no such file/,
      );
    });
  });

  async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 20));
    }
  }
});
