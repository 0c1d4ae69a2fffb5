// A real containerd (Debian's 1.6) as an oracle for how a node's runtime resolves and pulls an image: its own
// root, state, socket and config in a temp dir, the CRI plugin off. `ctr content fetch --hosts-dir DIR` runs the
// same resolver and hosts.toml code (remotes/docker/config) that the CRI plugin uses with `config_path`; the
// registry traffic comes from the ctr process, so its environment (HTTPS_PROXY…) is what governs the pull.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from './tmp.ts';
import { startDaemon, runCaptured, type Captured } from './proc.ts';

export interface CtrOptions {
  /** `--hosts-dir`: a certs.d-style tree of `<host>/hosts.toml` (what `config_path` names for the CRI plugin). */
  hostsDir?: string;
  /** `--user user:password` for every host (ctr has no per-host credentials). */
  user?: string;
  plainHttp?: boolean;
  skipVerify?: boolean;
  /** Default linux/amd64 (what the test images carry). */
  platform?: string;
  /** Environment of the ctr process (HTTPS_PROXY, NO_PROXY…); default: this process's minus any proxy vars. */
  env?: NodeJS.ProcessEnv;
  /** ctr's own `--timeout` for the whole command is this too. Default 30000. */
  timeoutMs?: number;
  /** `--debug`: the resolver logs each host it tries ("trying next host") to stderr. Default true. */
  debug?: boolean;
  /**
   * containerd namespace (default `regdoctor`). Content is isolated per namespace here, so a fresh namespace
   * makes the pull download everything again instead of finding blobs an earlier pull stored.
   */
  namespace?: string;
  /**
   * Run ctr in a private mount namespace with this file as /etc/resolv.conf (root only). `LOOPBACK_DNS`
   * sends every lookup to 127.0.0.1:53, where nothing answers: names in test configs never leave the machine.
   */
  resolvConf?: string;
}

/** A resolv.conf whose only name server is 127.0.0.1 (for CtrOptions.resolvConf and skopeoPull). */
export const LOOPBACK_DNS = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';

export interface RunningContainerd {
  /** The gRPC socket (`ctr --address`). */
  socket: string;
  /** Temp dir holding config.toml, root/, state/. */
  dir: string;
  configPath: string;
  pid: number;
  /** What containerd printed so far. */
  output(): string;
  /** `ctr content fetch REF`: resolve, then fetch the manifest, config and layers into the content store. */
  fetch(ref: string, opts?: CtrOptions): Promise<Captured>;
  /** `ctr image pull REF` (native snapshotter): fetch, create the image record, unpack. */
  pull(ref: string, opts?: CtrOptions): Promise<Captured>;
  /** Any other ctr command against this containerd. */
  ctr(
    args: string[],
    opts?: Omit<CtrOptions, 'hostsDir' | 'user' | 'plainHttp' | 'skipVerify'>,
  ): Promise<Captured>;
  stop(): Promise<void>;
}

const PROXY_VARS = ['http_proxy', 'https_proxy', 'no_proxy', 'all_proxy'];

/** This process's environment without proxy variables: an oracle run sees only the proxies a test gives it. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!PROXY_VARS.includes(k.toLowerCase())) env[k] = v;
  return { ...env, ...extra };
}

function configToml(dir: string, socket: string): string {
  return [
    'version = 2',
    `root = "${join(dir, 'root')}"`,
    `state = "${join(dir, 'state')}"`,
    // No kubelet here; the CRI plugin would also want CNI and a pause image.
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = "${socket}"`,
    '[ttrpc]',
    `  address = "${socket}.ttrpc"`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${join(dir, 'opt')}"`,
    '[plugins."io.containerd.metadata.v1.bolt"]',
    '  content_sharing_policy = "isolated"',
    '',
  ].join('\n');
}

function pullFlags(o: CtrOptions): string[] {
  const f: string[] = [];
  if (o.hostsDir) f.push('--hosts-dir', o.hostsDir);
  if (o.user) f.push('--user', o.user);
  if (o.plainHttp) f.push('--plain-http');
  if (o.skipVerify) f.push('--skip-verify');
  f.push('--platform', o.platform ?? 'linux/amd64');
  return f;
}

export const shellQuote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startContainerd(opts: { startTimeoutMs?: number } = {}): Promise<RunningContainerd> {
  const tmp = await makeTempDir('regdoctor-containerd-');
  const dir = tmp.path;
  const socket = join(dir, 'containerd.sock');
  const configPath = join(dir, 'config.toml');
  await mkdir(join(dir, 'opt'));
  await writeFile(configPath, configToml(dir, socket));
  const daemon = startDaemon('containerd', ['--config', configPath, '--log-level', 'warn'], {
    cwd: dir,
    env: cleanEnv(),
  });

  const ctr = (
    args: string[],
    o: Omit<CtrOptions, 'hostsDir' | 'user' | 'plainHttp' | 'skipVerify'> = {},
  ) => {
    const ms = o.timeoutMs ?? 30_000;
    const global = ['--address', socket, '--namespace', o.namespace ?? 'regdoctor', '--timeout', `${ms}ms`];
    if (o.debug ?? true) global.push('--debug');
    const opts = { env: o.env ?? cleanEnv(), timeoutMs: ms + 5000 };
    if (!o.resolvConf) return runCaptured('ctr', [...global, ...args], opts);
    const quoted = ['ctr', ...global, ...args].map(shellQuote).join(' ');
    const script = `mount --bind ${shellQuote(o.resolvConf)} /etc/resolv.conf && exec ${quoted}`;
    return runCaptured('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], opts);
  };

  let exited = false;
  void daemon.exited.then(() => (exited = true));
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  for (;;) {
    if (exited || Date.now() > deadline) {
      await daemon.stop();
      await tmp.remove();
      throw new Error(`containerd did not start (${exited ? 'exited' : 'timeout'}):\n${daemon.output()}`);
    }
    const v = await ctr(['version'], { timeoutMs: 2000, debug: false });
    if (v.exitCode === 0) break;
    await sleep(100);
  }

  return {
    socket,
    dir,
    configPath,
    pid: daemon.child.pid ?? -1,
    output: daemon.output,
    fetch: (ref, o = {}) => ctr(['content', 'fetch', ...pullFlags(o), ref], o),
    pull: (ref, o = {}) => ctr(['image', 'pull', '--snapshotter', 'native', ...pullFlags(o), ref], o),
    ctr,
    async stop() {
      await daemon.stop();
      await tmp.remove();
    },
  };
}
