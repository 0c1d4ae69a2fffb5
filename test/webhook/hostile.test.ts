// The webhook under attack, over real sockets: slowloris headers, TLS handshakes that never start, one address
// opening connection after connection, bodies dropped halfway, and a review with more containers than any pod
// runs. Each time /healthz must keep answering, nothing is logged as an internal error, and the server's own
// limits (not the client's patience) end the attack. The timeouts are set short here; their defaults are in
// docs/webhook.md.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { request } from 'node:https';
import { useFixture } from '../helpers/fixture.ts';
import type { TestPki } from '../helpers/pki.ts';
import type { Webhook, WebhookOptions } from '../../src/webhook/index.ts';
import { admissionReview, admit, call, startTestWebhook, workload } from './reviews.ts';

const POLICY = `apiVersion: regdoctor.dev/v1alpha1
kind: ImagePolicy
metadata: {name: acme-only}
spec:
  allowedRegistries: [ghcr.io/acme]
`;

describe('webhook under attack', () => {
  const fx = useFixture();
  let pki: TestPki;
  let policyFile: string;

  async function start(over: Partial<WebhookOptions> = {}) {
    const logs: string[] = [];
    const hook = await startTestWebhook(fx, pki, {
      policyFiles: [policyFile],
      log: (l) => logs.push(l),
      ...over,
    });
    return { hook, logs };
  }

  const healthz = async (hook: Webhook) =>
    (await call(hook.url, pki.ca.certPem, { method: 'GET', path: '/healthz' })).status;

  async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`not seen in time: ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** A TLS connection from `localAddress`; resolves once the handshake is done. */
  const tls = (hook: Webhook, localAddress = '127.0.0.1'): Promise<TLSSocket> =>
    new Promise<TLSSocket>((resolve, reject) => {
      const socket = tcpConnect({ host: '127.0.0.1', port: hook.port, localAddress });
      socket.on('error', reject);
      const s = tlsConnect({ socket, host: '127.0.0.1', ca: pki.ca.certPem }, () => resolve(s));
      s.on('error', reject);
    });
  const closed = (s: Socket) => s.destroyed || s.closed;
  const tracked: Socket[] = [];
  const track = <S extends Socket>(s: S): S => {
    tracked.push(s);
    s.on('error', () => undefined);
    fx.onCleanup(() => void s.destroy());
    return s;
  };

  before(async () => {
    pki = await fx.pki();
    policyFile = join(await fx.subdir('policies'), 'p.yaml');
    await writeFile(policyFile, POLICY);
  });

  test('slowloris: sockets that trickle their headers are cut off; /healthz answers meanwhile', async () => {
    const { hook, logs } = await start({ headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const socks = await Promise.all(Array.from({ length: 20 }, async () => track(await tls(hook))));
    for (const s of socks) s.write('POST /validate HTTP/1.1\r\nhost: x\r\nx-a: ');
    const drip = setInterval(() => {
      for (const s of socks) if (!closed(s)) s.write('a');
    }, 200);
    try {
      assert.equal(await healthz(hook), 200);
      await until('every trickling socket closed', () => socks.every(closed));
    } finally {
      clearInterval(drip);
    }
    assert.equal(await healthz(hook), 200);
    assert.ok(!logs.some((l) => l.includes('internal error')), logs.join('\n'));
  });

  test('a TCP connection that never starts TLS is closed after the handshake timeout', async () => {
    const { hook } = await start({ handshakeTimeoutMs: 1_000 });
    const raw = await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<Socket>((resolve, reject) => {
            const s = track(tcpConnect(hook.port, '127.0.0.1', () => resolve(s)));
            s.once('error', reject);
          }),
      ),
    );
    assert.equal(await healthz(hook), 200);
    await until('every silent socket closed', () => raw.every(closed));
  });

  test('one address gets at most its share of connections; others still get in', async () => {
    const { hook } = await start({ maxConnections: 40, maxConnectionsPerAddress: 10 });
    // Those past the share are dropped before their handshake: the attempt fails.
    const from2 = (
      await Promise.all(Array.from({ length: 30 }, () => tls(hook, '127.0.0.2').catch(() => null)))
    ).filter((s) => s !== null);
    for (const s of from2) track(s);
    await new Promise((r) => setTimeout(r, 300));
    const open = from2.filter((s) => !closed(s)).length;
    assert.ok(open >= 1 && open <= 10, `${open} connections from one address`);
    assert.equal(await healthz(hook), 200, 'another address still gets in');
    const ok = await admit(hook.url, pki.ca.certPem, {
      object: workload('Pod', 'p', [{ name: 'c', image: 'ghcr.io/acme/app:1' }]),
    });
    assert.equal(ok.answer.json.response.allowed, true);
  });

  test('bodies dropped halfway are not internal errors, and the server keeps serving', async () => {
    const { hook, logs } = await start();
    const body = JSON.stringify(
      admissionReview({ object: workload('Pod', 'p', [{ name: 'c', image: 'ghcr.io/acme/app:1' }]) }),
    );
    await Promise.all(
      Array.from(
        { length: 20 },
        () =>
          new Promise<void>((resolve) => {
            const req = request(`${hook.url}/validate`, {
              method: 'POST',
              ca: pki.ca.certPem,
              agent: false,
              headers: {
                'content-type': 'application/json',
                'content-length': String(body.length + 100_000),
              },
            });
            req.on('error', () => resolve());
            req.on('response', () => resolve());
            req.write(body.slice(0, 200), () => setTimeout(() => req.destroy(), 50));
          }),
      ),
    );
    assert.equal(await healthz(hook), 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!logs.some((l) => /internal error/.test(l)), logs.join('\n'));
    assert.equal(hook.server.answered.get(500), undefined);
  });

  test('a review with more containers than any pod runs is denied unread; /healthz answers throughout', async () => {
    const { hook } = await start();
    const containers = Array.from({ length: 60_000 }, (_, i) => ({ name: `c${i}`, image: `n${i}` }));
    const body = JSON.stringify(admissionReview({ object: workload('Pod', 'huge', containers) }));
    assert.ok(body.length < 3 * 1024 * 1024, 'within the API server body limit');
    let done = false;
    const hostile = call(hook.url, pki.ca.certPem, { body }).finally(() => (done = true));
    const health: number[] = [];
    while (!done) health.push(await healthz(hook));
    const r = await hostile;
    assert.equal(r.status, 200);
    assert.equal(r.json.response.allowed, false);
    assert.match(r.json.response.status.message, /has 60000 containers; the webhook evaluates at most 256/);
    assert.ok(health.length > 0 && health.every((s) => s === 200));
  });

  /** A review whose body is sent only in part until `finish()`; `status` resolves with the answer's status. */
  function partial(hook: Webhook, body: string, sent: number): { status: Promise<number>; finish(): void } {
    let finish: () => void = () => undefined;
    const status = new Promise<number>((resolve, reject) => {
      const req = request(
        `${hook.url}/validate`,
        {
          method: 'POST',
          ca: pki.ca.certPem,
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, sent));
      finish = () => req.end(body.slice(sent));
    });
    return { status, finish: () => finish() };
  }
  /** A Pod review of `n` containers, each carrying `pad` bytes of environment. */
  const padded = (n: number, pad: number) =>
    JSON.stringify(
      admissionReview({
        object: workload(
          'Pod',
          'big',
          Array.from({ length: n }, (_, i) => ({
            name: `c${i}`,
            image: 'ghcr.io/acme/app:1',
            env: [{ name: 'PAD', value: 'x'.repeat(pad) }],
          })),
        ),
      }),
    );
  const drained = (hook: Webhook) => () => {
    const s = hook.server.bodiesInFlight();
    return s.ordinary.used + s.ordinary.waiting + s.large.used + s.large.waiting === 0;
  };

  test('large bodies are decided one at a time, and ordinary reviews do not wait behind them', async () => {
    const { hook } = await start();
    const big = padded(200, 4_000);
    assert.ok(big.length > 700_000);
    // A holds the large queue: its body arrives only in part.
    const a = partial(hook, big, 100_000);
    const state = () => hook.server.bodiesInFlight();
    await until('A granted', () => state().large.used > 0);
    const b = call(hook.url, pki.ca.certPem, { body: big });
    await until('B waiting', () => state().large.waiting === 1);
    const small = await admit(hook.url, pki.ca.certPem, {
      object: workload('Pod', 'p', [{ name: 'c', image: 'ghcr.io/acme/app:1' }]),
    });
    assert.equal(small.answer.json.response.allowed, true, 'an ordinary review is answered meanwhile');
    assert.equal(state().large.waiting, 1, 'B still waits');
    a.finish();
    assert.equal(await a.status, 200);
    const rb = await b;
    assert.deepEqual([rb.status, rb.json.response.allowed], [200, true]);
    await until('every body released', drained(hook));
  });

  test('ordinary bodies past the byte budget wait their turn before being read', async () => {
    const { hook } = await start({ bodyBudgetBytes: 300_000 });
    const body = padded(40, 4_000);
    assert.ok(body.length > 150_000 && body.length < 256 * 1024, String(body.length));
    const state = () => hook.server.bodiesInFlight();
    const a = partial(hook, body, 10_000);
    await until('A granted', () => state().ordinary.used === body.length);
    // B's bytes do not fit beside A's: it waits, holding a socket and none of its body.
    const b = call(hook.url, pki.ca.certPem, { body });
    await until('B waiting', () => state().ordinary.waiting === 1);
    assert.equal(state().ordinary.used, body.length);
    a.finish();
    assert.equal(await a.status, 200);
    const rb = await b;
    assert.deepEqual([rb.status, rb.json.response.allowed], [200, true]);
    await until('every body released', drained(hook));
  });
});
