// The bench's world: two throwaway registries (open, and htpasswd-protected), each behind a counting proxy, with
// images pushed by the demo kit, plus Docker configs for the CLI. Every piece registers its own cleanup.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { buildImage, buildIndex, type BuiltImage } from '../src/demo/image.ts';
import { pushImage } from '../src/demo/push.ts';
import { startRegistry, type DemoRegistry } from '../src/demo/registry.ts';
import type { Cleanup } from './cleanup.ts';
import { startCountingProxy, type CountingProxy } from './proxy.ts';

export const N_IMAGES = 20;
const USER = 'bench';
// A throwaway password for a loopback registry that lives for one bench run; never a real secret.
const PASSWORD = 'bench-password-not-secret';
// Apache's `htpasswd -B` default cost: the registry pays it on every authenticated request.
const BCRYPT_COST = 5;
const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };

export interface Served {
  registry: DemoRegistry;
  proxy: CountingProxy;
  /** Full reference through the proxy. */
  ref(name: string): string;
}

export interface Fixture {
  tmp: string;
  open: Served;
  locked: Served;
  /** `{"auths":{}}`: keeps both tools away from the user's own credentials. */
  emptyConfig: string;
  /** Docker config with the locked registry's credentials, keyed by the proxy's host. */
  lockedConfig: string;
  lockedCredential: { label: string; username: string; password: string };
  multi: string;
  single: string;
  many: string[];
  locked20: string[];
}

async function serve(
  binary: string,
  cleanup: Cleanup,
  name: string,
  opts: { htpasswd?: string } = {},
): Promise<Served> {
  const registry = await startRegistry(binary, opts);
  cleanup.add(`${name} registry`, () => registry.stop());
  const proxy = await startCountingProxy(registry.url);
  cleanup.add(`${name} proxy`, () => proxy.stop());
  return { registry, proxy, ref: (n) => `${proxy.host}/${n}` };
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function setUp(binary: string, cleanup: Cleanup): Promise<Fixture> {
  const tmp = await mkdtemp(join(tmpdir(), 'regdoctor-bench-'));
  cleanup.add('temp dir', () => rm(tmp, { recursive: true, force: true }));
  const htpasswd = `${USER}:${bcrypt.hashSync(PASSWORD, BCRYPT_COST)}\n`;
  const [open, locked] = await Promise.all([
    serve(binary, cleanup, 'open'),
    serve(binary, cleanup, 'htpasswd', { htpasswd }),
  ]);
  const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const many = Array.from({ length: N_IMAGES }, (_, i) => `bench/many-${String(i).padStart(2, '0')}:1`);
  const locked20 = Array.from(
    { length: N_IMAGES },
    (_, i) => `bench/private-${String(i).padStart(2, '0')}:1`,
  );
  const pushes: {
    base: string;
    name: string;
    auth?: string;
    build: () => Promise<BuiltImage & { children?: BuiltImage[] }>;
  }[] = [
    { base: open.registry.url, name: 'bench/multi:1', build: () => buildIndex([AMD64, ARM64], 'multi') },
    { base: open.registry.url, name: 'bench/single:1', build: () => buildImage(AMD64, 'single') },
    // Distinct content per image, so no request can be answered from another image's cache.
    ...many.map((name) => ({ base: open.registry.url, name, build: () => buildIndex([AMD64, ARM64], name) })),
    ...locked20.map((name) => ({
      base: locked.registry.url,
      name,
      auth: basic,
      build: () => buildIndex([AMD64, ARM64], name),
    })),
  ];
  await pool(pushes, 4, async (p) => {
    const [repo, tag] = p.name.split(':') as [string, string];
    await pushImage(p.base, repo, tag, await p.build(), p.auth);
  });
  const emptyConfig = join(tmp, 'empty.json');
  await writeFile(emptyConfig, '{"auths":{}}\n', { mode: 0o600 });
  const lockedConfig = join(tmp, 'locked.json');
  await writeFile(
    lockedConfig,
    JSON.stringify({ auths: { [locked.proxy.host]: { auth: basic.slice('Basic '.length) } } }),
    { mode: 0o600 },
  );
  return {
    tmp,
    open,
    locked,
    emptyConfig,
    lockedConfig,
    lockedCredential: { label: 'bench', username: USER, password: PASSWORD },
    multi: 'bench/multi:1',
    single: 'bench/single:1',
    many,
    locked20,
  };
}
