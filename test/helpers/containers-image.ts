// skopeo (containers/image 5.23, the library CRI-O pulls with) as an oracle for registries.conf: mirrors,
// prefix rewrites, blocked and insecure registries, policy.json. Either point it at files with
// `--registries-conf` / `--policy` / `--registries.d`, or give it a whole node root: the root's etc/containers
// (and etc/docker) are bind-mounted over /etc/containers (/etc/docker) in a private mount namespace
// (`unshare -m`, root only), so skopeo finds registries.conf, registries.conf.d/, policy.json and
// certs.d/<host:port>/ exactly where CRI-O's library looks on a node.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir } from './tmp.ts';
import { runCaptured, type Captured } from './proc.ts';
import { cleanEnv, shellQuote } from './containerd.ts';

export interface SkopeoPullOptions {
  /** A node root: its etc/containers and etc/docker replace the machine's for this one run. */
  nodeRoot?: string;
  /** `--registries-conf FILE` (drop-ins still come from /etc/containers/registries.conf.d). */
  registriesConf?: string;
  /** `--registries.d DIR` (signature lookaside configuration). */
  registriesD?: string;
  /** `--policy FILE`; default: the node root's etc/containers/policy.json, else accept anything. */
  policy?: string;
  /** `--src-creds user:password`. */
  creds?: string;
  /** `--src-cert-dir DIR`: one CA dir for every endpoint (replaces per-host certs.d lookup). */
  certDir?: string;
  /** Extra environment (HTTPS_PROXY…); proxies of this process are never inherited. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** With nodeRoot: this file becomes /etc/resolv.conf for the run (see LOOPBACK_DNS). */
  resolvConf?: string;
  /** `inspect --raw` (manifest only) instead of `copy` (manifest, config, layers, policy check). */
  manifestOnly?: boolean;
}

// A directory the node root lacks is replaced by an empty one, so the machine's own config never leaks in.
function mountScript(nodeRoot: string, empty: string): string {
  return ['containers', 'docker']
    .map((d) => {
      const own = join(nodeRoot, 'etc', d);
      return `mkdir -p /etc/${d} && mount --bind '${existsSync(own) ? own : empty}' /etc/${d}`;
    })
    .join(' && ');
}

/** Pulls `docker://REF` the way containers/image does; never rejects (exit code and stderr are the result). */
export async function skopeoPull(ref: string, opts: SkopeoPullOptions = {}): Promise<Captured> {
  const tmp = await makeTempDir('regdoctor-skopeo-oracle-');
  try {
    const home = join(tmp.path, 'home');
    const empty = join(tmp.path, 'empty');
    await mkdir(home);
    await mkdir(empty);
    const global = ['--debug'];
    if (opts.registriesConf) global.push('--registries-conf', opts.registriesConf);
    if (opts.registriesD) global.push('--registries.d', opts.registriesD);
    const nodePolicy = opts.nodeRoot ? join(opts.nodeRoot, 'etc/containers/policy.json') : undefined;
    if (opts.policy) global.push('--policy', opts.policy);
    else if (!nodePolicy || !existsSync(nodePolicy)) global.push('--insecure-policy');
    const src: string[] = [];
    if (opts.creds) src.push(`--src-creds=${opts.creds}`);
    else src.push('--src-no-creds');
    if (opts.certDir) src.push(`--src-cert-dir=${opts.certDir}`);
    const cmd = opts.manifestOnly
      ? [
          'inspect',
          '--raw',
          '--retry-times=0',
          ...src.map((f) => f.replace('--src-', '--')),
          `docker://${ref}`,
        ]
      : ['copy', '--retry-times=0', ...src, `docker://${ref}`, `dir:${join(tmp.path, 'out')}`];
    // HOME and XDG_RUNTIME_DIR point at an empty dir: no per-user registries.conf, auth.json or certs.d.
    const env = cleanEnv({ HOME: home, XDG_RUNTIME_DIR: home, TMPDIR: tmp.path, ...opts.env });
    const argv = ['skopeo', ...global, ...cmd];
    const timeoutMs = opts.timeoutMs ?? 60_000;
    if (!opts.nodeRoot) return await runCaptured(argv[0] ?? 'skopeo', argv.slice(1), { env, timeoutMs });
    const quoted = argv.map(shellQuote).join(' ');
    const dns = opts.resolvConf ? ` && mount --bind ${shellQuote(opts.resolvConf)} /etc/resolv.conf` : '';
    const script = `${mountScript(opts.nodeRoot, empty)}${dns} && exec ${quoted}`;
    return await runCaptured('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script], {
      env,
      timeoutMs,
    });
  } finally {
    await tmp.remove();
  }
}
