// Registry work is per unique (image, credentials, platform), not per pod: 30 failing pods of three Deployments,
// spread over two amd64 nodes, sharing three images and one pull secret, cost three probes, one ping per registry
// and one token per repository — the same requests, counted at the registries, as three pods would.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterState } from '../../src/cluster/types.ts';
import { scanCluster, type ScanResult } from '../../src/scan/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import { buildImageLayout } from '../helpers/oci.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { pushImage } from '../helpers/skopeo.ts';
import type { TokenServer } from '../helpers/token-server.ts';
import { kubelet } from './kubelet.ts';
import { regdoctorRequests, session, settled, startLab, USER, type Lab } from './lab.ts';
import { describeResult } from './support.ts';
import { NOW, pullFailure, world } from './world.ts';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ACCESS_LOG = { log: { level: 'error', accesslog: { disabled: false } } };

describe('scan: one probe per unique image, credentials and platform', () => {
  const fx = useFixture();
  let lab: Lab;
  let tokenReg: RunningRegistry;
  let tokens: TokenServer;
  let images: string[];

  before(async () => {
    lab = await startLab(fx);
    tokens = await fx.tokenServer({
      acl: {
        users: { [USER]: lab.password },
        grants: [{ user: USER, repository: '**', actions: ['pull', 'push'] }],
      },
    });
    tokenReg = await fx.registry({ token: tokens.registryAuth(), extraConfig: ACCESS_LOG });
    const layout = await buildImageLayout(await fx.subdir('img'));
    await pushImage(layout, `docker://${tokenReg.host}/team/api:3.1`, {
      tlsVerify: false,
      creds: { username: USER, password: lab.password },
    });
    images = [lab.img.app('1.0.2'), lab.img.multi, `${tokenReg.host}/team/api:3.1`];
  });

  /** Pods per image: `perImage` replicas of one Deployment per image, alternating between two amd64 nodes. */
  function cluster(perImage: number) {
    const w = world()
      .node('node-amd64-b', 'amd64')
      .dockerSecret('shop', 'regcred', {
        [lab.auth.host]: { username: USER, password: lab.password },
        [tokenReg.host]: { username: USER, password: lab.password },
      });
    images.forEach((image, i) => {
      const owner = w.deployment('shop', `svc-${i}`, `5d${i}f8c7b9`);
      for (let n = 0; n < perImage; n++) {
        w.pod({
          namespace: 'shop',
          name: `${owner.name}-${n.toString(36).padStart(5, 'x')}`,
          owner,
          node: n % 2 ? 'node-amd64-b' : 'node-amd64',
          image,
          secrets: ['regcred'],
          events: pullFailure(image, i === 0 ? kubelet.notFound(image) : kubelet.ioTimeout(image)),
        });
      }
    });
    return w.state();
  }

  interface Counted {
    result: ScanResult;
    /** Requests by regdoctor as each registry logged them, and token requests the token server answered. */
    auth: string[];
    token: string[];
    tokenServer: number;
  }

  async function scanCounted(state: number | ClusterState): Promise<Counted> {
    await settled(lab.auth, tokenReg);
    const before = {
      auth: regdoctorRequests(lab.auth).length,
      token: regdoctorRequests(tokenReg).length,
      tokenServer: tokens.requests.length,
    };
    const s = session();
    let result: ScanResult;
    try {
      result = await scanCluster(typeof state === 'number' ? cluster(state) : state, {
        session: s.session,
        defaultPlatform: AMD64,
        plainHttp: () => true,
        now: NOW,
      });
    } finally {
      await s.session.close();
    }
    await settled(lab.auth, tokenReg);
    return {
      result,
      auth: regdoctorRequests(lab.auth).slice(before.auth),
      token: regdoctorRequests(tokenReg).slice(before.token),
      tokenServer: tokens.requests.length - before.tokenServer,
    };
  }

  test('30 pods, 3 images, 1 secret: 3 probes, one ping per registry, one token per repository', async () => {
    const c = await scanCounted(10);
    const { summary } = c.result;
    assert.equal(summary.findings, 30, describeResult(c.result));
    assert.equal(summary.pods, 30);
    assert.equal(summary.uniqueImages, 3);
    assert.equal(summary.probes, 3);
    assert.deepEqual(summary.byCause, { MANIFEST_NOT_FOUND: 10, NETWORK_TIMEOUT: 20 });

    // Basic auth: one anonymous ping (401) and one check of the one credential (200); token auth: one ping.
    const pings = (lines: string[]) => lines.filter((l) => l.startsWith('GET /v2/ '));
    assert.equal(pings(c.auth).length, 2, c.auth.join('\n'));
    assert.equal(pings(c.token).length, 1, c.token.join('\n'));
    assert.equal(c.tokenServer, 1, 'one token for the one repository on the token registry');
    assert.equal(
      c.auth.filter((l) => l.includes('/tags/list')).length,
      1,
      'tags listed once for the missing tag',
    );

    // The scan's own count is what the registries and the token server saw.
    assert.equal(summary.registryRequests, c.auth.length + c.token.length + c.tokenServer);

    // Every pod of an image carries the same probe result.
    for (const image of images) {
      const probes = new Set(c.result.findings.filter((f) => f.image === image).map((f) => f.probe));
      assert.equal(probes.size, 1, image);
    }
  });

  test('missing tags of one repository: its tags are listed once, and no manifest is asked for them', async () => {
    const missing = ['1.0.3', '1.0.4', '1.2.0', '2.0.0'];
    const w = world().dockerSecret('shop', 'regcred', {
      [lab.auth.host]: { username: USER, password: lab.password },
    });
    for (const tag of [...missing, '1.1.0']) {
      const image = lab.img.app(tag);
      w.pod({
        namespace: 'shop',
        name: `app-${tag.replaceAll('.', '-')}`,
        node: 'node-amd64',
        image,
        secrets: ['regcred'],
        events: pullFailure(image, kubelet.ioTimeout(image)),
      });
    }
    const { result, auth: seen } = await scanCounted(w.state());
    assert.equal(seen.filter((l) => l.includes('/tags/list')).length, 1, seen.join('\n'));
    for (const tag of missing) {
      assert.ok(
        !seen.some((l) => l.includes(`/manifests/${tag} `)),
        `manifest asked for ${tag}:\n${seen.join('\n')}`,
      );
      const f = result.findings.find((x) => x.image === lab.img.app(tag))!;
      assert.equal(f.cause, 'MANIFEST_NOT_FOUND', describeResult(result));
      assert.equal(f.confidence, 'certain');
      assert.ok(f.probe?.suggestions?.length, `no nearest tags for ${tag}`);
    }
    // The tag that exists is still fetched, and proves pullable (so the timeout was transient).
    assert.ok(
      seen.some((l) => l.includes('/manifests/1.1.0 ')),
      seen.join('\n'),
    );
    assert.equal(result.findings.find((x) => x.image === lab.img.app('1.1.0'))!.probe?.cause, null);
  });

  test('the registry sees exactly the same requests for 30 pods as for 3', async () => {
    const three = await scanCounted(1);
    const thirty = await scanCounted(10);
    assert.equal(three.result.summary.findings, 3);
    assert.equal(thirty.result.summary.probes, three.result.summary.probes);
    assert.deepEqual([...thirty.auth].sort(), [...three.auth].sort());
    assert.deepEqual([...thirty.token].sort(), [...three.token].sort());
    assert.equal(thirty.tokenServer, three.tokenServer);
    assert.equal(thirty.result.summary.registryRequests, three.result.summary.registryRequests);
  });

  test('a different platform or different credentials is a different probe', async () => {
    const w = world().dockerSecret('shop', 'regcred', {
      [lab.auth.host]: { username: USER, password: lab.password },
    });
    w.dockerSecret('shop', 'regcred-2', { [lab.auth.host]: { username: USER, password: lab.password } });
    const image = lab.img.multi;
    const pod = (name: string, node: string, secrets: string[]) =>
      w.pod({
        namespace: 'shop',
        name,
        node,
        image,
        secrets,
        events: pullFailure(image, kubelet.ioTimeout(image)),
      });
    pod('a', 'node-amd64', ['regcred']);
    pod('b', 'node-amd64', ['regcred']);
    pod('c', 'node-arm64', ['regcred']);
    pod('d', 'node-amd64', ['regcred-2']);
    const s = session();
    try {
      const r = await scanCluster(w.state(), {
        session: s.session,
        defaultPlatform: AMD64,
        plainHttp: () => true,
        now: NOW,
      });
      assert.equal(r.summary.probes, 3, describeResult(r));
      assert.deepEqual(
        r.findings.map((f) => f.probe?.platform),
        ['linux/amd64', 'linux/amd64', 'linux/arm64', 'linux/amd64'],
      );
    } finally {
      await s.session.close();
    }
  });
});
