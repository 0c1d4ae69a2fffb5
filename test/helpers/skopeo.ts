// Pushing layouts into registries with skopeo (no Docker engine here).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './proc.ts';
import { makeTempDir } from './tmp.ts';
import type { Layout } from './oci.ts';

export interface Creds {
  username: string;
  password: string;
}

export interface SkopeoRegistryOptions {
  creds?: Creds;
  /** false for plain-HTTP registries (and to skip certificate checks). Default true. */
  tlsVerify?: boolean;
  /** A directory with `ca.crt` (TestCA.certDir) for a registry whose certificate our test CA signed. */
  certDir?: string;
}

export interface PushOptions extends SkopeoRegistryOptions {
  /** Destination manifest format; v2s2 turns an OCI index into a Docker manifest list. Default: keep OCI. */
  format?: 'oci' | 'v2s2';
}

function destFlags(prefix: 'dest' | 'src' | '', o: SkopeoRegistryOptions): string[] {
  const p = prefix ? `--${prefix}-` : '--';
  const flags: string[] = [];
  flags.push(o.creds ? `${p}creds=${o.creds.username}:${o.creds.password}` : `${p}no-creds`);
  if (o.tlsVerify === false) flags.push(`${p}tls-verify=false`);
  if (o.certDir) flags.push(`${p}cert-dir=${o.certDir}`);
  return flags;
}

// The tests' layouts carry no signatures; the machine's policy.json may be absent on a fresh CI box.
const isolation = ['--insecure-policy'];

/**
 * Copies a layout (a Layout, `oci:DIR:TAG`, or a layout directory meaning tag `latest`) to `docker://HOST/REPO:TAG`; indexes are copied with --all.
 * Returns the digest of the pushed top-level manifest.
 */
export async function pushImage(
  source: Layout | string,
  dest: string,
  opts: PushOptions = {},
): Promise<{ digest: string }> {
  const ref =
    typeof source !== 'string' ? source.ref : source.startsWith('oci:') ? source : `oci:${source}:latest`;
  const tmp = await makeTempDir('regdoctor-skopeo-');
  try {
    const digestFile = join(tmp.path, 'digest');
    await run(
      'skopeo',
      [
        ...isolation,
        'copy',
        '--all',
        '--quiet',
        '--retry-times=0',
        `--digestfile=${digestFile}`,
        ...(opts.format ? [`--format=${opts.format}`] : []),
        ...destFlags('dest', opts),
        ref,
        dest,
      ],
      { redact: opts.creds ? [opts.creds.password] : [], env: { ...process.env, TMPDIR: tmp.path } },
    );
    return { digest: (await readFile(digestFile, 'utf8')).trim() };
  } finally {
    await tmp.remove();
  }
}

/** `skopeo inspect --raw`: the manifest bytes exactly as the registry serves them. */
export async function inspectRaw(ref: string, opts: SkopeoRegistryOptions = {}): Promise<string> {
  const { stdout } = await run('skopeo', [...isolation, 'inspect', '--raw', ...destFlags('', opts), ref], {
    redact: opts.creds ? [opts.creds.password] : [],
  });
  return stdout;
}

/** `skopeo list-tags`: a repository's tags in the order the registry lists them (every page). */
export async function listTags(repo: string, opts: SkopeoRegistryOptions = {}): Promise<string[]> {
  const { stdout } = await run('skopeo', [...isolation, 'list-tags', ...destFlags('', opts), repo], {
    redact: opts.creds ? [opts.creds.password] : [],
  });
  return (JSON.parse(stdout) as { Tags: string[] }).Tags;
}
