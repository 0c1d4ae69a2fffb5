// A node's `/` for the runtime tests: the files a node would have, written under a fresh directory.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Fixture } from '../helpers/fixture.ts';

/** containerd 1.6/1.7's config.toml pointing the CRI plugin at /etc/containerd/certs.d. */
export const CONFIG_TOML = `version = 2\n[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n`;

/** Writes `files` (node path → content) under a new directory of the fixture; returns the root. */
export async function nodeRoot(fx: Fixture, files: Record<string, string>, name = 'node'): Promise<string> {
  const root = await fx.subdir(name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

/** A node whose containerd sends `registry`'s pulls to `mirror` (plain HTTP, pull + resolve), then `server`. */
export function containerdMirror(registry: string, mirror: string, server: string): Record<string, string> {
  const dir = registry.includes(':') ? `${registry.replace(':', '_')}_` : registry;
  return {
    'etc/containerd/config.toml': CONFIG_TOML,
    [`etc/containerd/certs.d/${dir}/hosts.toml`]: `server = "${server}"\n[host."${mirror}"]\n  capabilities = ["pull", "resolve"]\n`,
  };
}
