// A real CNCF distribution registry (Debian's docker-registry 2.8) on 127.0.0.1, configured per test.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { stringify } from 'yaml';
import { freePort } from './ports.ts';
import { makeTempDir } from './tmp.ts';
import { startDaemon, type Daemon } from './proc.ts';
import { htpasswdFile } from './htpasswd.ts';
import type { CertFiles } from './pki.ts';
import type { RegistryTokenAuth } from './token-server.ts';

export interface RegistryOptions {
  /** Serve HTTPS with this certificate. */
  tls?: CertFiles;
  /** Basic auth: user → password (stored bcrypt-hashed). */
  htpasswd?: Record<string, string>;
  /** Bearer token auth; pass `tokenServer.registryAuth()`. */
  token?: RegistryTokenAuth;
  /** Pull-through cache of another registry. */
  proxy?: { remoteUrl: string; username?: string; password?: string };
  /** Extra top-level config keys merged over the generated ones (shallow). */
  extraConfig?: Record<string, unknown>;
  /** Milliseconds to wait for GET /v2/ to answer. Default 15000. */
  startTimeoutMs?: number;
  /** Address to bind: 127.0.0.1 unless given (e.g. a veth address of a test network namespace). */
  hostname?: string;
}

export interface RunningRegistry {
  /** `127.0.0.1:PORT` (or the hostname asked for) */
  host: string;
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The docker-registry process id. */
  pid: number;
  /** Temp dir holding config.yml, htpasswd and the storage root. */
  dir: string;
  configPath: string;
  /** What the registry printed so far (access log and errors). */
  output(): string;
  stop(): Promise<void>;
}

function buildConfig(dir: string, port: number, opts: RegistryOptions): Record<string, unknown> {
  const http: Record<string, unknown> = {
    addr: `${opts.hostname ?? '127.0.0.1'}:${port}`,
    secret: 'regdoctor-test-secret',
  };
  if (opts.tls) http.tls = { certificate: opts.tls.certPath, key: opts.tls.keyPath };
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: 'error', accesslog: { disabled: true } },
    storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
    http,
  };
  if (opts.htpasswd && opts.token) throw new Error('startRegistry: choose htpasswd or token auth, not both');
  if (opts.htpasswd) config.auth = { htpasswd: { realm: 'regdoctor-test', path: join(dir, 'htpasswd') } };
  if (opts.token) config.auth = { token: { ...opts.token } };
  if (opts.proxy) {
    config.proxy = {
      remoteurl: opts.proxy.remoteUrl,
      ...(opts.proxy.username !== undefined ? { username: opts.proxy.username } : {}),
      ...(opts.proxy.password !== undefined ? { password: opts.proxy.password } : {}),
    };
  }
  return { ...config, ...opts.extraConfig };
}

/** Resolves once GET /v2/ gets any HTTP answer (200, or 401 with auth on). */
function ping(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(
      `${url}/v2/`,
      { method: 'GET', timeout: 1000, rejectUnauthorized: false },
      (res) => {
        res.resume();
        resolve(true);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(
  daemon: Daemon,
  url: string,
  timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  let exited = false;
  void daemon.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) return 'exited';
    if (await ping(url)) return 'ready';
    await sleep(50);
  }
  return 'timeout';
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
  const tmp = await makeTempDir('regdoctor-registry-');
  const dir = tmp.path;
  await mkdir(join(dir, 'data'));
  if (opts.htpasswd) await writeFile(join(dir, 'htpasswd'), htpasswdFile(opts.htpasswd));
  const configPath = join(dir, 'config.yml');
  let lastError = '';
  // freePort() can race with another test grabbing the same port; a registry that fails to bind is retried.
  for (let attempt = 0; attempt < 4; attempt++) {
    const hostname = opts.hostname ?? '127.0.0.1';
    const port = await freePort(hostname);
    await writeFile(configPath, stringify(buildConfig(dir, port, opts)));
    const daemon = startDaemon('docker-registry', ['serve', configPath], { cwd: dir });
    const scheme = opts.tls ? 'https' : 'http';
    const url = `${scheme}://${hostname}:${port}`;
    const state = await waitReady(daemon, url, opts.startTimeoutMs ?? 15_000);
    if (state === 'ready') {
      return {
        host: `${hostname}:${port}`,
        url,
        port,
        pid: daemon.child.pid ?? -1,
        dir,
        configPath,
        output: daemon.output,
        async stop() {
          await daemon.stop();
          await tmp.remove();
        },
      };
    }
    await daemon.stop();
    lastError = `registry ${state} (port ${port}):\n${daemon.output()}`;
    if (!/address already in use/.test(daemon.output())) break;
  }
  await tmp.remove();
  throw new Error(`docker-registry did not start: ${lastError}`);
}
