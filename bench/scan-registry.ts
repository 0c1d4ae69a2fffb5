// The scale benchmark's registry: one throwaway plain-HTTP registry behind a counting proxy, filled with a few
// hundred repositories of a few tags each. Each repository gets its own content (so no answer about one
// repository could be served from another's cache); its tags share that content, because pushing is the slow part
// and the registry stores a blob once however many tags point at it.
import { buildImage, buildIndex, type BuiltImage } from '../src/demo/image.ts';
import { pushImage } from '../src/demo/push.ts';
import { startRegistry } from '../src/demo/registry.ts';
import type { Cleanup } from './cleanup.ts';
import { startCountingProxy, type CountingProxy } from './proxy.ts';
import type { Random } from './scan-random.ts';

export interface Repo {
  /** e.g. `team-03/billing-api-17`. */
  name: string;
  team: string;
  tags: string[];
  /** A multi-platform index (linux/amd64 + linux/arm64) or a single linux/amd64 image. */
  multiPlatform: boolean;
}

export interface ScanRegistry {
  proxy: CountingProxy;
  /** Clients reach the registry only through the proxy, so every request they make is counted. */
  host: string;
  repos: Repo[];
  pushMs: number;
}

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };
const PUSH_CONCURRENCY = 8;
export const TEAMS = 20;
const SERVICES = [
  'api',
  'web',
  'worker',
  'gateway',
  'auth',
  'billing',
  'search',
  'cart',
  'orders',
  'notify',
  'ledger',
  'reports',
  'ingest',
  'scheduler',
  'profile',
];

export const teamName = (i: number) => `team-${String(i).padStart(2, '0')}`;

/** A plausible release history: a few consecutive semver tags, sometimes with a `latest`. */
function releaseTags(rnd: Random): string[] {
  const major = rnd.int(0, 3);
  let minor = rnd.int(0, 12);
  let patch = rnd.int(0, 4);
  const tags: string[] = [];
  for (let n = rnd.int(3, 6); tags.length < n;) {
    tags.push(`${major}.${minor}.${patch}`);
    if (rnd.chance(0.6)) patch++;
    else {
      minor++;
      patch = 0;
    }
  }
  if (rnd.chance(0.3)) tags.push('latest');
  return tags;
}

export function planRepos(rnd: Random, count: number): Repo[] {
  const repos: Repo[] = [];
  for (let i = 0; i < count; i++) {
    const team = teamName(i % TEAMS);
    repos.push({
      name: `${team}/${SERVICES[i % SERVICES.length]}-${String(i).padStart(3, '0')}`,
      team,
      tags: releaseTags(rnd),
      multiPlatform: rnd.chance(0.6),
    });
  }
  return repos;
}

async function pool<T>(items: readonly T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function pushRepo(base: string, repo: Repo): Promise<void> {
  const image: BuiltImage & { children?: BuiltImage[] } = repo.multiPlatform
    ? await buildIndex([AMD64, ARM64], repo.name)
    : await buildImage(AMD64, repo.name);
  const [first, ...rest] = repo.tags;
  await pushImage(base, repo.name, first!, image);
  // Blobs and platform manifests are in the repository now; another tag is one more manifest PUT.
  for (const tag of rest) await pushImage(base, repo.name, tag, { blobs: [], manifest: image.manifest });
}

export async function startScanRegistry(
  binary: string,
  repos: Repo[],
  cleanup: Cleanup,
): Promise<ScanRegistry> {
  const registry = await startRegistry(binary);
  cleanup.add('scan registry', () => registry.stop());
  const proxy = await startCountingProxy(registry.url);
  cleanup.add('scan proxy', () => proxy.stop());
  const started = performance.now();
  // Pushed straight to the registry: the proxy counts only what the compared tools do.
  await pool(repos, PUSH_CONCURRENCY, (r) => pushRepo(registry.url, r));
  return { proxy, host: proxy.host, repos, pushMs: performance.now() - started };
}
