// What the agent can see of its node (issue 12: "the runtime's configuration directories and systemd drop-ins
// mounted read-only under /host"; "statfs of the runtime's root"). Two ways this went wrong on a CRI-O node:
//   - the DaemonSet mounted neither /etc/crio nor the systemd unit directories, so nothing told the agent the node
//     runs CRI-O: it probed the registries directly, ignoring registries.conf's mirrors;
//   - the node creates every hostPath it lacks as an empty directory, so /var/lib/containerd existed on a CRI-O
//     node and the agent took the free space of that (the root filesystem), not of CRI-O's image store.
// Here: every node path the runtime planners read lies under a mount of deploy/agent (or is a listed exception,
// with why), and on a node root laid out as the DaemonSet leaves it, the image filesystem is the detected
// runtime's (a real small tmpfs, told apart by its size).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { imageFsStats, IMAGE_FS_ROOT } from '../../src/agent/disk.ts';
import { detectRuntime, rootedFs } from '../../src/runtime/index.ts';
import { useFixture } from '../helpers/fixture.ts';
import { run } from '../helpers/proc.ts';
import { KUBECTL, needs, TMPFS } from '../helpers/tools.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered Kubernetes objects

/** Node paths the agent does not get, and why. */
const NOT_MOUNTED: Record<string, string> = {
  '/var/lib/kubelet/config.yaml':
    "/var/lib/kubelet holds every pod's secret volumes; a lone file path would be created as a directory on a node without it",
  '/var/lib/kubelet/kubeadm-flags.env': 'as above',
  '/etc/default/kubelet': 'a lone file: created as a directory on a node without it',
  '/etc/sysconfig/kubelet': 'as above',
  '/usr/local/lib/systemd/system': 'local units; rare for a container runtime',
};

/** Absolute node paths written as string literals in src/runtime. */
async function runtimePaths(): Promise<string[]> {
  const dir = join(ROOT, 'src/runtime');
  const out = new Set<string>();
  for (const f of await readdir(dir)) {
    if (!f.endsWith('.ts')) continue;
    for (const m of (await readFile(join(dir, f), 'utf8')).matchAll(
      /'(\/(?:etc|lib|usr|run|var)\/[^'\s]*)'/g,
    ))
      out.add(m[1]!);
  }
  return [...out].sort();
}

describe('deploy/agent mounts what the runtime planners read', needs(KUBECTL), () => {
  test('every node path under src/runtime is under a read-only hostPath mount at /host, or a listed exception', async () => {
    const { stdout } = await promisify(execFile)(KUBECTL.path, ['kustomize', `${ROOT}deploy/agent`], {
      maxBuffer: 16 << 20,
    });
    const ds = parseAllDocuments(stdout)
      .map((d) => d.toJS() as Obj)
      .find((o) => o.kind === 'DaemonSet');
    const pod = ds!.spec.template.spec;
    const hostPath = new Map<string, string>(
      (pod.volumes as Obj[]).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath.path]),
    );
    const mounted = (
      pod.containers[0].volumeMounts as { name: string; mountPath: string; readOnly?: boolean }[]
    )
      .filter((m) => hostPath.has(m.name))
      .map((m) => {
        assert.equal(m.readOnly, true, m.name);
        assert.equal(m.mountPath, `/host${hostPath.get(m.name)}`, m.name);
        return hostPath.get(m.name)!;
      });
    const paths = await runtimePaths();
    assert.ok(paths.length > 10, `found ${paths.length} paths`);
    const missing = paths.filter(
      (p) => !(p in NOT_MOUNTED) && !mounted.some((m) => p === m || p.startsWith(`${m}/`)),
    );
    assert.deepEqual(missing, [], `mounted: ${mounted.join(', ')}`);
    for (const root of Object.values(IMAGE_FS_ROOT))
      assert.ok(mounted.includes(`/${root}`), `${root} is mounted for statfs`);
  });
});

describe("the image filesystem is the detected runtime's", needs(TMPFS), () => {
  const fx = useFixture();
  test("a CRI-O node root with every runtime's root present: statfs of CRI-O's store", async () => {
    const root = await fx.subdir('host');
    for (const rel of Object.values(IMAGE_FS_ROOT)) await mkdir(join(root, rel), { recursive: true });
    await mkdir(join(root, 'etc/crio'), { recursive: true });
    await writeFile(join(root, 'etc/crio/crio.conf'), '[crio.image]\n');
    const store = join(root, IMAGE_FS_ROOT.crio);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'tmpfs', store]);
    fx.onCleanup(() => run('umount', [store]).then(() => undefined));

    const detected = await detectRuntime(rootedFs(root));
    assert.equal(detected.runtime, 'crio', detected.from);
    const fs = await imageFsStats(root, undefined, detected.runtime);
    assert.equal(fs?.path, '/var/lib/containers/storage');
    assert.ok(fs!.totalBytes <= 512 * 1024, `the 512k tmpfs, got ${fs!.totalBytes}`);
    // Undetected, the first root that exists is still taken, as before.
    assert.equal((await imageFsStats(root))?.path, '/var/lib/containerd');
  });
});
