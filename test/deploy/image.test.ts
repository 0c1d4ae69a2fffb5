// The Dockerfile, without a Docker engine: the test reads its stages, replays the build stage in a temporary
// directory (exactly the files its COPY lines name, then its RUN lines — `npm ci` is the one substitution: the
// project's node_modules, installed from the same lockfile, are linked instead of downloaded again), copies into a
// second directory exactly what the runtime stage's COPY --from lines take, makes it read-only and owned by root,
// and runs the CLI from there as UID/GID 65532 (setpriv) with nothing else on hand: --help of every command the
// deployments run, a probe against a real registry, a scan of a snapshot, the agent up to its kubeconfig.
// It also checks that deploy/exporter, deploy/webhook and deploy/agent run this image as its user.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, cp, mkdir, readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useFixture } from '../helpers/fixture.ts';
import { run, runCaptured, type Captured } from '../helpers/proc.ts';
import { pushSmall } from '../agent/support.ts';
import { parseDockerfile, type Stage } from './dockerfile.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A COPY's sources and destination, with its --from stage. */
function copyArgs(args: string): { from: string | null; sources: string[]; dest: string } {
  const words = args.split(/\s+/);
  const from = words[0]?.startsWith('--from=') ? words.shift()!.slice('--from='.length) : null;
  const dest = words.pop()!;
  return { from, sources: words, dest };
}

const resolveIn = (root: string, workdir: string, p: string) =>
  join(root, p.startsWith('/') ? p : join(workdir, p));

async function copyInto(src: string, dest: string, destIsDir: boolean): Promise<void> {
  const target = destIsDir ? join(dest, src.split('/').pop()!) : dest;
  await mkdir(dirname(target), { recursive: true });
  await cp(src, target, { recursive: true });
}

describe('the container image', () => {
  const fx = useFixture();
  let stages: Stage[];
  let app: string;
  let links: string;
  let ranAs: (args: string[]) => Promise<Captured>;

  before(async () => {
    stages = parseDockerfile(await readFile(join(ROOT, 'Dockerfile'), 'utf8'));
    const work = await fx.subdir('image');
    const buildRoot = join(work, 'build-fs');
    const runtimeRoot = join(work, 'runtime-fs');
    const build = stages[0]!;
    // The build stage: its WORKDIR, COPY and RUN lines in order, inside buildRoot.
    let workdir = '/';
    for (const s of build.steps) {
      if (s.op === 'WORKDIR') {
        workdir = s.args;
        await mkdir(join(buildRoot, workdir), { recursive: true });
      } else if (s.op === 'COPY') {
        const c = copyArgs(s.args);
        assert.equal(c.from, null);
        for (const src of c.sources) {
          await copyInto(
            join(ROOT, src),
            resolveIn(buildRoot, workdir, c.dest),
            c.dest.endsWith('/') || c.sources.length > 1,
          );
        }
      } else if (s.op === 'RUN') {
        if (/^npm ci\b/.test(s.args)) {
          await symlink(join(ROOT, 'node_modules'), join(buildRoot, workdir, 'node_modules'));
        } else {
          await run('sh', ['-c', s.args], { cwd: join(buildRoot, workdir), timeoutMs: 120_000 });
        }
      } else throw new Error(`build stage: unexpected ${s.op}`);
    }
    // The runtime stage: only COPY --from=<build stage>; its RUN lines may only add the user and the links.
    const runtime = stages.at(-1)!;
    workdir = '/';
    for (const s of runtime.steps) {
      if (s.op === 'WORKDIR') workdir = s.args;
      else if (s.op === 'COPY') {
        const c = copyArgs(s.args);
        assert.equal(c.from, build.name, `runtime COPY takes from the build stage: ${s.args}`);
        for (const src of c.sources) {
          await copyInto(join(buildRoot, src), resolveIn(runtimeRoot, workdir, c.dest), c.dest.endsWith('/'));
        }
      } else if (s.op === 'RUN') {
        for (const cmd of s.args.split('&&').map((x) => x.trim())) {
          const ln = /^ln -s (\S+) (\S+)$/.exec(cmd);
          if (ln) {
            await mkdir(dirname(join(runtimeRoot, ln[2]!)), { recursive: true });
            await symlink(join(runtimeRoot, ln[1]!), join(runtimeRoot, ln[2]!));
          } else
            assert.match(
              cmd,
              /^(groupadd|useradd) .*65532/,
              `runtime RUN does more than add the user: ${cmd}`,
            );
        }
      }
    }
    app = join(runtimeRoot, 'app');
    links = join(runtimeRoot, 'usr/local/bin');
    // Read-only and root's, as in the image; reachable by 65532 like the image's / is.
    await run('chown', ['-R', 'root:root', runtimeRoot]);
    await run('chmod', ['-R', 'a-w,a+rX', runtimeRoot]);
    for (let d = work; d !== '/' && d.startsWith('/tmp'); d = dirname(d)) await chmod(d, 0o755);
    ranAs = (args) =>
      runCaptured(
        'setpriv',
        ['--reuid=65532', '--regid=65532', '--clear-groups', join(links, 'regdoctor'), ...args],
        {
          env: {
            PATH: `${links}:/usr/local/bin:/usr/bin:/bin`,
            HOME: '/nonexistent',
            NODE_ENV: 'production',
          },
          cwd: '/',
          timeoutMs: 60_000,
        },
      );
  });

  test('two stages; the runtime runs as 65532 with the regdoctor entrypoint, and carries no node_modules', async () => {
    assert.equal(stages.length, 2);
    const runtime = stages[1]!;
    assert.equal(runtime.from, stages[0]!.from, 'the same Node base for building and running');
    assert.deepEqual(runtime.steps.find((s) => s.op === 'USER')?.args, '65532:65532');
    assert.deepEqual(JSON.parse(runtime.steps.find((s) => s.op === 'ENTRYPOINT')!.args), ['regdoctor']);
    const { stdout } = await run('find', [app, '-maxdepth', '1']);
    assert.deepEqual(
      stdout
        .trim()
        .split('\n')
        .map((p) => p.slice(app.length))
        .sort(),
      ['', '/bin', '/dist', '/package.json'],
    );
  });

  test('--help of every command the deployments run, as 65532 on a read-only copy', async () => {
    for (const args of [['--help'], ['exporter', '--help'], ['webhook', '--help'], ['agent', '--help']]) {
      const r = await ranAs(args);
      assert.equal(r.exitCode, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /Usage: regdoctor/);
    }
    // The agent's chunk, the Kubernetes client and the config loader all load; it stops at the missing kubeconfig.
    const agent = await ranAs(['agent', '--node', 'n1', '--kubeconfig', '/nonexistent/kubeconfig']);
    assert.equal(agent.exitCode, 2, agent.stderr);
    assert.match(agent.stderr, /cannot load kubeconfig \/nonexistent\/kubeconfig/);
    assert.doesNotMatch(agent.stderr, /ERR_MODULE_NOT_FOUND|Cannot find/);
  });

  test('a probe against a real registry and a snapshot scan, from the copy alone', async () => {
    const reg = await fx.registry();
    const image = await pushSmall(fx, reg.host);
    const probe = await ranAs(['probe', image, '--plain-http', '-o', 'json']);
    assert.equal(probe.exitCode, 0, probe.stderr + probe.stdout);
    assert.equal(JSON.parse(probe.stdout).cause, null);
    const snapshot = join(ROOT, 'test/fixtures/cluster/snapshot.json');
    const scan = await ranAs(['scan', '--snapshot', snapshot, '--no-probe', '-o', 'yaml']);
    assert.ok(scan.exitCode === 0 || scan.exitCode === 1, scan.stderr);
    assert.match(scan.stdout, /findings:/);
  });
});
