// containerd's CRI plugin: config.toml (version 1, 2 for 1.6/1.7, 3 for 2.x) → the registry table → either
// `config_path` host directories (hosts.toml) or the deprecated `mirrors`/`configs` tables → the hosts the
// resolver tries: tag resolution on hosts with pull+resolve, content on hosts with pull, in order, moving on
// to the next host after a 404, an error status or a connection failure.
import { posix } from 'node:path';
import { formatReference, type Reference } from '../reference/index.ts';
import type { NodeFs } from './fs.ts';
import { shown } from './fs.ts';
import { firstCaFiles, MAX_ENDPOINTS, MAX_TLS_FILES, notRead } from './limits.ts';
import { loadHostDir, type HostConfig } from './containerd-hosts.ts';
import { isTable, parseToml, tableAt, tomlLines, type TomlLines, type TomlTable } from './toml.ts';
import type { Capability, Endpoint, Finding } from './types.ts';
import { before, parseVersion, type Version } from './version.ts';

export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';

export interface ContainerdPlan {
  version: string | null;
  configFiles: string[];
  endpoints: Omit<Endpoint, 'proxy'>[];
  findings: Finding[];
}

function registrySection(doc: TomlTable): { keys: string[]; table: TomlTable | undefined } {
  const v = doc.version;
  const keys =
    v === 3
      ? ['plugins', 'io.containerd.cri.v1.images', 'registry']
      : v === 2
        ? ['plugins', 'io.containerd.grpc.v1.cri', 'registry']
        : ['plugins', 'cri', 'registry'];
  return { keys, table: tableAt(doc, keys) };
}

const isLocalhost = (hostport: string) => {
  const h = hostport.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || /^127\./.test(h) || h === '::1';
};

const portOf = (hostport: string) => /:(\d+)$/.exec(hostport)?.[1] ?? '';

/** Fills in the default host the way ConfigureHosts does when the last entry has no server. */
function defaultHost(h: HostConfig, registry: string, v: Version | null): HostConfig {
  if (h.host) return h;
  const out = { ...h, path: '/v2', capabilities: ['pull', 'resolve', 'push'] as Capability[] };
  if (registry === 'docker.io') return { ...out, scheme: 'https', host: 'registry-1.docker.io' };
  if (isLocalhost(registry)) {
    const port = portOf(registry);
    // 1.6.20 and older: plain HTTP for any localhost; later: HTTPS unless a non-443 port makes it ambiguous.
    const old = v !== null && v[0] === 1 && v[1] === 6 && !before([1, 6, 20], v);
    const scheme = old || (port !== '' && port !== '443') ? 'http' : 'https';
    return { ...out, scheme, host: registry, skipVerify: old || port !== '80' ? true : h.skipVerify };
  }
  return { ...out, scheme: 'https', host: registry };
}

// Resolution filters hosts by capability (pull+resolve for a tag, pull for a digest); the content fetcher
// only checks that some host can pull and then walks every host in order (remotes/docker/fetcher.go, 1.6–2.1),
// so a host without pull still serves manifests by digest and blobs.
function stepsFor(caps: Capability[], ref: Reference): ('resolve' | 'fetch')[] {
  const resolves = caps.includes('pull') && (ref.digest !== null || caps.includes('resolve'));
  return resolves ? ['resolve', 'fetch'] : ['fetch'];
}

function toEndpoint(
  h: HostConfig,
  ref: Reference,
  v: Version | null,
  globalHeaders: Record<string, string[]>,
) {
  const explicitTls = h.caFiles.length > 0 || h.clientPairs.length > 0 || h.skipVerify !== null;
  const port = portOf(h.host);
  // Since 1.6.21/1.7.0: an http host with TLS settings on a port other than 80 tries HTTPS first.
  const newer = v === null || !(v[0] === 1 && v[1] === 6 && !before([1, 6, 20], v));
  const fallback = newer && h.scheme === 'http' && explicitTls && port !== '' && port !== '80';
  const scheme = fallback ? 'https' : h.scheme;
  const sameHost =
    h.host === ref.registry || (ref.registry === 'docker.io' && h.host === 'registry-1.docker.io');
  const pair = h.clientPairs[0];
  return {
    url: `${scheme}://${h.host}${h.path}`,
    role: h.isServer ? ('upstream' as const) : ('mirror' as const),
    from: h.from,
    repository: ref.repository,
    tls: {
      caFiles: h.caFiles,
      ...(pair ? { clientCert: pair[0], clientKey: pair[1] || pair[0] } : {}),
      skipVerify: h.skipVerify === true,
    },
    plainHttp: scheme === 'http',
    httpFallback: fallback,
    headers: { ...globalHeaders, ...h.headers },
    overridePath: h.overridePath,
    capabilities: h.capabilities,
    steps: stepsFor(h.capabilities, ref),
    namespaceQuery: sameHost ? null : ref.registry,
    refused: null,
  };
}

function headersOf(t: TomlTable | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const h = t?.headers;
  if (!isTable(h)) return out;
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.map(String) : [String(v)];
  return out;
}

/** How the CRI plugin words a failure of resolving `ref` (image_pull.go around resolver.go). */
const resolveFailure = (ref: Reference, why: string) => {
  const image = formatReference(ref);
  return `failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${why}`;
};

async function checkFiles(fs: NodeFs, h: HostConfig, ref: Reference, findings: Finding[]): Promise<void> {
  const registry = ref.registry;
  const files = [
    ...h.caFiles.map((f) => ['CA', f]),
    ...h.clientPairs
      .flat()
      .filter(Boolean)
      .map((f) => ['client', f]),
  ];
  for (const [what, f = ''] of files) {
    const kind = await fs.kind(f);
    if (kind === 'file') continue;
    // containerd reads every host's files while configuring the hosts (hosts.go ConfigureHosts), before a request.
    const read = kind === 'dir' ? `read ${f}: is a directory` : `open ${f}: no such file or directory`;
    findings.push({
      code: what === 'CA' ? 'CA_FILE_MISSING' : 'CLIENT_CERT_MISSING',
      severity: 'error',
      cause: 'TLS_UNTRUSTED',
      stops: 'before-request',
      message: `${what} file ${f} (for ${h.host || registry}) ${kind === 'dir' ? 'is a directory' : 'does not exist'} on the node: containerd fails every pull of ${registry} with "unable to read ${what === 'CA' ? 'CA cert' : 'CERT file'}", before any request`,
      fix: `put the file at ${f}, or correct the path in ${h.from.replace(/:\d+$/, '')}`,
      from: h.from,
      reported: resolveFailure(
        ref,
        `unable to read ${what === 'CA' ? 'CA cert' : 'CERT file'} "${f}": ${read}`,
      ),
    });
  }
}

function lint(h: HostConfig, findings: Finding[]): void {
  const path = h.path.replace(/\/v2$/, '');
  if (h.host && path && !h.overridePath)
    findings.push({
      code: h.isServer ? 'SERVER_HAS_PATH' : 'HOST_HAS_PATH',
      severity: 'warning',
      cause: 'MANIFEST_NOT_FOUND',
      message: `${h.isServer ? 'server' : 'host'} ${h.scheme}://${h.host}${path} has a path: containerd sends requests to ${path}/v2/<repository>/…, which most registries answer with 404`,
      fix: `drop the path (the repository comes from the image reference), or set override_path = true if ${path} really is the API root`,
      from: h.from,
    });
  if (!h.isServer && h.host && !h.capabilities.includes('pull'))
    findings.push({
      code: 'MIRROR_WITHOUT_PULL',
      severity: 'warning',
      cause: null,
      message: `host ${h.host} lacks the pull capability (capabilities = [${h.capabilities.map((c) => `"${c}"`).join(', ')}]): containerd never resolves tags there, yet still fetches manifests by digest and blobs from it in file order`,
      fix: 'add "pull" to its capabilities if it should serve, or remove the [host] table if it should not be asked at all',
      from: h.from,
    });
  if (h.skipVerify === true)
    findings.push({
      code: 'SKIP_VERIFY',
      severity: 'info',
      cause: null,
      message: `TLS verification is off for ${h.host || 'the default host'}`,
      fix: 'configure the registry CA with `ca` instead of skip_verify',
      from: h.from,
    });
}

function deprecations(
  lines: TomlLines,
  reg: TomlTable,
  keys: string[],
  file: string,
  usesPath: boolean,
): Finding[] {
  const out: Finding[] = [];
  const at = (k: string) => {
    const l = lines.table([...keys, k]) || lines.key(k);
    return `${file}${l ? `:${l}` : ''}`;
  };
  const mirrors = isTable(reg.mirrors) && Object.keys(reg.mirrors).length > 0;
  const configs = isTable(reg.configs) && Object.keys(reg.configs).length > 0;
  const tls =
    configs && Object.values(reg.configs as TomlTable).some((c) => isTable(c) && c.tls !== undefined);
  if (mirrors && usesPath)
    out.push({
      code: 'CRI_REGISTRY_CONFLICT',
      stops: 'before-request',
      severity: 'error',
      cause: null,
      message:
        '`mirrors` cannot be set when `config_path` is provided: the CRI plugin refuses its configuration and does not load, so the node pulls nothing',
      fix: 'move each mirrors entry into <config_path>/<host>/hosts.toml and delete the mirrors table',
      from: at('mirrors'),
    });
  else if (mirrors)
    out.push({
      code: 'DEPRECATED_REGISTRY_MIRRORS',
      severity: 'warning',
      cause: null,
      message: 'registry.mirrors is deprecated (removed in containerd 2.1): use config_path with hosts.toml',
      fix: 'set config_path = "/etc/containerd/certs.d" and write certs.d/<host>/hosts.toml with a [host."<mirror>"] table per endpoint',
      from: at('mirrors'),
    });
  if (tls && usesPath)
    out.push({
      code: 'CRI_REGISTRY_CONFLICT',
      stops: 'before-request',
      severity: 'error',
      cause: null,
      message: '`configs.tls` cannot be set when `config_path` is provided: the CRI plugin does not load',
      fix: 'move the TLS settings to ca/client/skip_verify in hosts.toml and delete configs.*.tls',
      from: at('configs'),
    });
  else if (configs)
    out.push({
      code: 'DEPRECATED_REGISTRY_CONFIGS',
      severity: 'warning',
      cause: null,
      message:
        'registry.configs (auth and tls) is deprecated: TLS belongs in hosts.toml, credentials in image pull secrets',
      fix: 'move tls to hosts.toml (ca, client, skip_verify) and credentials to an imagePullSecret',
      from: at('configs'),
    });
  if (isTable(reg.auths))
    out.push({
      code: 'DEPRECATED_REGISTRY_AUTHS',
      severity: 'warning',
      cause: null,
      message: 'registry.auths is deprecated',
      fix: 'use imagePullSecrets',
      from: at('auths'),
    });
  return out;
}

/** The deprecated mirrors table (used when config_path is empty), as the CRI's registryEndpoints reads it. */
function legacyHosts(
  reg: TomlTable | undefined,
  registry: string,
  file: string,
  lines: TomlLines,
  keys: string[],
): HostConfig[] {
  const mirrors = isTable(reg?.mirrors) ? reg.mirrors : {};
  const entry = isTable(mirrors[registry]) ? registry : isTable(mirrors['*']) ? '*' : null;
  const list = entry ? (mirrors[entry] as TomlTable).endpoint : undefined;
  const endpoints = Array.isArray(list) ? list.map(String) : [];
  const line = entry ? lines.table([...keys, 'mirrors', entry]) : 0;
  const configs = isTable(reg?.configs) ? reg.configs : {};
  const hosts: HostConfig[] = [];
  let seenSelf = false;
  const build = (e: string, from: string): HostConfig => {
    const withScheme = e.includes('://')
      ? e
      : `${isLocalhost(e.split('/')[0] ?? '') ? 'http' : 'https'}://${e}`;
    const u = new URL(withScheme);
    const c = configs[u.host];
    const tls = isTable(c) && isTable(c.tls) ? c.tls : undefined;
    return {
      scheme: u.protocol.slice(0, -1),
      host: u.host,
      path: u.pathname && u.pathname !== '/' ? u.pathname : '/v2',
      capabilities: ['pull', 'resolve'],
      caFiles: typeof tls?.ca_file === 'string' && tls.ca_file ? [tls.ca_file] : [],
      clientPairs:
        typeof tls?.cert_file === 'string' && tls.cert_file
          ? [[tls.cert_file, typeof tls.key_file === 'string' ? tls.key_file : '']]
          : [],
      skipVerify: tls?.insecure_skip_verify === true ? true : null,
      headers: {},
      overridePath: false,
      from,
      isServer: false,
    };
  };
  for (const e of endpoints) {
    const h = build(e, `${file}:${line}`);
    if (h.host === registry) seenSelf = true;
    hosts.push(h);
  }
  if (!seenSelf) {
    const dh = registry === 'docker.io' ? 'registry-1.docker.io' : registry;
    hosts.push({ ...build(dh, `default endpoint of ${registry}`), isServer: true });
  }
  return hosts;
}

export async function planContainerd(
  fs: NodeFs,
  ref: Reference,
  opts: { version?: string | null } = {},
): Promise<ContainerdPlan> {
  const findings: Finding[] = [];
  const configFiles: string[] = [];
  const file = shown(CONTAINERD_CONFIG);
  const read = await fs.read(CONTAINERD_CONFIG);
  let doc: TomlTable = {};
  let text = '';
  if (read.ok) {
    configFiles.push(file);
    text = read.text;
    const parsed = parseToml(text);
    if (!parsed.ok) {
      findings.push({
        code: 'CONFIG_TOML_INVALID',
        stops: 'before-request',
        severity: 'error',
        cause: null,
        message: `${file}:${parsed.line}: ${parsed.message}; containerd does not start with this file`,
        fix: `fix the TOML syntax in ${file}`,
        from: `${file}:${parsed.line}`,
      });
      return { version: opts.version ?? null, configFiles, endpoints: [], findings };
    }
    doc = parsed.value;
  } else if (read.reason === 'too-large') {
    findings.push(notRead(file, read.detail, 'containerd'));
    return { version: opts.version ?? null, configFiles, endpoints: [], findings };
  } else if (read.reason !== 'missing') {
    findings.push({
      code: 'CONFIG_TOML_UNREADABLE',
      stops: 'before-request',
      severity: 'error',
      cause: null,
      message: `${file} cannot be read (${read.detail})`,
      fix: `make ${file} a readable regular file`,
      from: file,
    });
    return { version: opts.version ?? null, configFiles, endpoints: [], findings };
  }
  const lines = tomlLines(text);
  const version = parseVersion(opts.version) ?? (doc.version === 3 ? ([2, 0, 0] as Version) : null);
  if (doc.version === 3 && version && version[0] < 2)
    findings.push({
      code: 'CONFIG_VERSION_MISMATCH',
      stops: 'before-request',
      severity: 'error',
      cause: null,
      message: `${file} is version 3 (containerd 2.x) but the runtime is ${opts.version ?? ''}: containerd 1.x refuses it`,
      fix: 'write a version 2 config for containerd 1.6/1.7',
      from: `${file}:${lines.key('version')}`,
    });
  if (doc.imports !== undefined)
    findings.push({
      code: 'IMPORTS_NOT_READ',
      severity: 'info',
      cause: null,
      message: `${file} imports other files; regdoctor does not read imports, so registry settings made there are not shown`,
      fix: 'check the imported files for a registry section',
      from: `${file}:${lines.key('imports')}`,
    });
  const { keys, table: reg } = registrySection(doc);
  const configPath = typeof reg?.config_path === 'string' ? reg.config_path : '';
  findings.push(...deprecations(lines, reg ?? {}, keys, file, configPath !== ''));
  const globalHeaders = headersOf(reg);
  let hosts: HostConfig[];
  if (configPath) {
    const roots = configPath.split(':').filter(Boolean);
    const dir = await loadHostDir(fs, roots, ref.registry, version);
    findings.push(...dir.findings);
    configFiles.push(...dir.files);
    hosts = dir.hosts ?? [
      {
        scheme: '',
        host: '',
        path: '',
        capabilities: [],
        caFiles: [],
        clientPairs: [],
        skipVerify: null,
        headers: {},
        overridePath: false,
        from: `default endpoint of ${ref.registry} (no ${roots.map((r) => posix.join(shown(r), '<host>')).join(' or ')} directory)`,
        isServer: true,
      },
    ];
    const last = hosts[hosts.length - 1];
    if (last && !last.host) {
      hosts[hosts.length - 1] = defaultHost(last, ref.registry, version);
      if (last.from.endsWith(':0'))
        hosts[hosts.length - 1]!.from = `${last.from.slice(0, -2)} (no server: default endpoint)`;
    }
  } else {
    hosts = legacyHosts(reg, ref.registry, file, lines, keys);
  }
  // The resolver filters hosts by capability before any request (resolver.go Resolve): none left is an error.
  if (!hosts.some((h) => stepsFor(h.capabilities, ref).includes('resolve')))
    findings.push({
      code: 'NO_RESOLVE_HOSTS',
      stops: 'before-request',
      severity: 'error',
      cause: 'MANIFEST_NOT_FOUND',
      message: `no host for ${ref.registry} has the ${ref.digest !== null ? 'pull' : 'pull and resolve'} capabilities ${ref.digest !== null ? 'a digest' : 'a tag'} needs: containerd fails with "no resolve hosts: not found" before any request`,
      fix: `give the server or a [host] table capabilities = ["pull", "resolve"] in ${hosts[0]?.from.replace(/:\d+$/, '') ?? 'hosts.toml'}`,
      from: hosts[0]?.from ?? '',
      reported: resolveFailure(ref, 'no resolve hosts: not found'),
    });
  // One past the limit is kept so that the plan can say where the cut falls (index.ts).
  hosts = hosts.slice(0, MAX_ENDPOINTS + 1);
  for (const h of hosts) {
    h.caFiles = firstCaFiles(h.caFiles, h.host || ref.registry, h.from, findings);
    h.clientPairs = h.clientPairs.slice(0, MAX_TLS_FILES);
    lint(h, findings);
    await checkFiles(fs, h, ref, findings);
  }
  const endpoints = hosts
    .map((h) => toEndpoint(h, ref, version, globalHeaders))
    .filter((e) => e.steps.length > 0);
  return { version: opts.version ?? null, configFiles, endpoints, findings };
}
