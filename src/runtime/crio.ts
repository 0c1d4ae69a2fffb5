// CRI-O's pull, through containers/image: short names → candidates (aliases, unqualified-search-registries,
// CRI-O's own short_name_mode), then per candidate the longest-prefix [[registry]] → its mirrors (filtered by
// pull-from-mirror / mirror-by-digest-only) and the primary location last, each endpoint checked against
// `blocked` for the registry it lands in; TLS from certs.d/<host:port>/; policy.json decides afterwards.
import { posix } from 'node:path';
import { formatReference, type Reference } from '../reference/index.ts';
import type { NodeFs } from './fs.ts';
import { shown } from './fs.ts';
import { firstCaFiles, firstDropIns, MAX_ENDPOINTS, notRead } from './limits.ts';
import { policyFindings } from './policy.ts';
import { findRegistry, loadRegistriesConf, rewrite, type RegistriesConf } from './registries-conf.ts';
import { isTable, parseToml, tomlLines } from './toml.ts';
import type { Endpoint, Finding } from './types.ts';
import { before, parseVersion } from './version.ts';

const CERT_DIRS = ['/etc/containers/certs.d', '/etc/docker/certs.d'];
const CRIO_CONF = '/etc/crio/crio.conf';
const CRIO_CONF_D = '/etc/crio/crio.conf.d';

export interface CrioPlan {
  image: string;
  configFiles: string[];
  endpoints: Omit<Endpoint, 'proxy'>[];
  findings: Finding[];
}

interface CrioConf {
  shortNameMode: { mode: string; from: string } | null;
  policyPath: string | null;
  files: string[];
  findings: Finding[];
}

/** crio.conf and crio.conf.d/*.conf (later files win): the [crio.image] keys that change a pull. */
async function loadCrioConf(fs: NodeFs): Promise<CrioConf> {
  const d = firstDropIns(await fs.list(CRIO_CONF_D), shown(CRIO_CONF_D), 'CRI-O');
  const out: CrioConf = { shortNameMode: null, policyPath: null, files: [], findings: d.findings };
  for (const file of [CRIO_CONF, ...d.names.map((n) => `${CRIO_CONF_D}/${n}`)]) {
    const r = await fs.read(file);
    if (!r.ok) {
      if (r.reason === 'too-large') out.findings.push(notRead(shown(file), r.detail, 'CRI-O'));
      else if (r.reason !== 'missing')
        out.findings.push({
          code: 'CRIO_CONF_UNREADABLE',
          severity: 'error',
          cause: null,
          message: `${shown(file)} cannot be read (${r.detail}): CRI-O does not start with it`,
          fix: `make ${shown(file)} a readable regular file`,
          from: shown(file),
        });
      continue;
    }
    const p = parseToml(r.text);
    if (!p.ok) {
      out.findings.push({
        code: 'CRIO_CONF_INVALID',
        severity: 'error',
        cause: null,
        message: `${shown(file)}:${p.line}: ${p.message}; CRI-O does not start with this file`,
        fix: `fix the TOML syntax in ${shown(file)}`,
        from: `${shown(file)}:${p.line}`,
      });
      continue;
    }
    out.files.push(shown(file));
    const img = isTable(p.value.crio) && isTable(p.value.crio.image) ? p.value.crio.image : undefined;
    if (typeof img?.short_name_mode === 'string')
      out.shortNameMode = {
        mode: img.short_name_mode,
        from: `${shown(file)}:${tomlLines(r.text).key('short_name_mode')}`,
      };
    if (typeof img?.signature_policy === 'string' && img.signature_policy)
      out.policyPath = img.signature_policy;
  }
  return out;
}

/** A name without a registry domain: what CRI-O resolves through aliases and search registries. */
export function isShortName(original: string): boolean {
  const slash = original.indexOf('/');
  if (slash < 0) return true;
  const first = original.slice(0, slash);
  return !(first.includes('.') || first.includes(':') || first === 'localhost');
}

async function certsFor(
  fs: NodeFs,
  hostPort: string,
  findings: Finding[],
): Promise<{ caFiles: string[]; cert?: string; key?: string; dir: string | null }> {
  for (const base of CERT_DIRS) {
    const dir = posix.join(base, hostPort);
    const entries = (await fs.list(dir))?.entries;
    if (!entries) continue;
    const caFiles = firstCaFiles(
      entries.filter((e) => !e.isDir && e.name.endsWith('.crt')).map((e) => posix.join(dir, e.name)),
      hostPort,
      shown(dir),
      findings,
    );
    const cert = entries.find((e) => e.name.endsWith('.cert'));
    const key = cert && entries.find((e) => e.name === `${cert.name.slice(0, -5)}.key`);
    return {
      caFiles,
      ...(cert ? { cert: posix.join(dir, cert.name) } : {}),
      ...(key ? { key: posix.join(dir, key.name) } : {}),
      dir,
    };
  }
  return { caFiles: [], dir: null };
}

function splitName(ref: string): { host: string; repository: string } {
  const name = ref.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const slash = name.indexOf('/');
  return { host: name.slice(0, slash), repository: name.slice(slash + 1) };
}

/** Candidate fully qualified names for the image, as CRI-O resolves them, and the findings on the way. */
function candidates(
  ref: Reference,
  conf: RegistriesConf,
  crio: CrioConf,
  version: string | null,
): { names: string[]; findings: Finding[] } {
  const full = formatReference(ref);
  if (!isShortName(ref.original)) return { names: [full], findings: [] };
  const findings: Finding[] = [];
  const bare = ref.original.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  const alias = conf.aliases.get(bare);
  const suffix = full.slice(`${ref.registry}/${ref.repository}`.length);
  if (alias) return { names: [`${alias.value}${suffix}`], findings };
  const v = parseVersion(version);
  // Before 1.34 CRI-O takes every candidate whatever the mode; from 1.34 it sets the mode itself, enforcing unless
  // crio.conf says "disabled" (cri-o/cri-o #9401, SetSystemContext), so registries.conf's short-name-mode never counts.
  const enforcing = (!v || !before(v, [1, 34, 0])) && crio.shortNameMode?.mode !== 'disabled';
  if (conf.shortNameMode)
    findings.push({
      code: 'SHORT_NAME_MODE_IGNORED',
      severity: 'info',
      cause: null,
      message: `short-name-mode = "${conf.shortNameMode.mode}" in registries.conf does not apply to CRI-O: ${v && before(v, [1, 34, 0]) ? `CRI-O ${version} tries every search registry` : 'CRI-O 1.34 and later enforce unless crio.conf short_name_mode is "disabled"'}`,
      fix: 'set [crio.image] short_name_mode in a crio.conf.d file, or use fully qualified names',
      from: conf.shortNameMode.from,
    });
  const search = conf.search?.list ?? [];
  const repo = ref.repository.replace(/^library\//, ref.original.startsWith('library/') ? 'library/' : '');
  const names = search.map(
    (r) => `${r}/${r === 'docker.io' && !repo.includes('/') ? `library/${repo}` : repo}${suffix}`,
  );
  if (names.length === 0)
    findings.push({
      code: 'SHORT_NAME_NO_SEARCH_REGISTRIES',
      stops: 'before-request',
      severity: 'error',
      cause: 'SHORT_NAME_UNRESOLVED',
      message: `${ref.original} is a short name, and no alias and no unqualified-search-registries resolve it`,
      fix: `use the fully qualified name (e.g. docker.io/${ref.repository}${suffix}), or add an alias in registries.conf.d`,
      from: conf.search?.from ?? 'etc/containers/registries.conf',
    });
  else if (names.length > 1 && enforcing) {
    findings.push({
      code: 'SHORT_NAME_AMBIGUOUS',
      stops: 'before-request',
      severity: 'error',
      cause: 'SHORT_NAME_UNRESOLVED',
      message: `short name mode is enforcing, but image name ${ref.original} returns ambiguous list (${search.slice(0, 8).join(', ')}${search.length > 8 ? `, … ${search.length} in all` : ''}): CRI-O refuses to pick one`,
      fix: `use the fully qualified name (${names[0] ?? ''}), or add [aliases] "${bare}" = "<registry>/${repo}" in a registries.conf.d file`,
      from: crio.shortNameMode?.from ?? `CRI-O ${version ?? '≥ 1.34'} default short_name_mode`,
    });
    return { names: [], findings };
  }
  return { names, findings };
}

export async function planCrio(
  fs: NodeFs,
  ref: Reference,
  opts: { version?: string | null } = {},
): Promise<CrioPlan> {
  const conf = await loadRegistriesConf(fs);
  const crio = await loadCrioConf(fs);
  const findings: Finding[] = [...conf.findings, ...crio.findings];
  const configFiles = [...crio.files, ...conf.files];
  if (conf.fatal) return { image: formatReference(ref), configFiles, endpoints: [], findings };
  const { names, findings: nameFindings } = candidates(ref, conf, crio, opts.version ?? null);
  findings.push(...nameFindings);
  const endpoints: Omit<Endpoint, 'proxy'>[] = [];
  const digested = ref.digest !== null;
  // Past MAX_ENDPOINTS + 1 nothing more is built: the plan reports the cut (index.ts) and the runtime's order holds.
  for (const name of names.slice(0, MAX_ENDPOINTS + 1)) {
    if (endpoints.length > MAX_ENDPOINTS) break;
    const nameOnly = name.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
    const reg = findRegistry(conf, nameOnly);
    const sources: { loc: string; insecure: boolean; from: string; role: 'mirror' | 'upstream' }[] = [];
    if (reg) {
      for (const m of reg.mirrors) {
        if (reg.mirrorByDigestOnly && !digested) continue;
        if (m.pullFromMirror === 'digest-only' && !digested) continue;
        if (m.pullFromMirror === 'tag-only' && digested) continue;
        sources.push({ loc: m.location, insecure: m.insecure, from: m.from, role: 'mirror' });
      }
      sources.push({ loc: reg.location, insecure: reg.insecure, from: reg.from, role: 'upstream' });
      const skipped = reg.mirrors.length - (sources.length - 1);
      if (skipped > 0)
        findings.push({
          code: 'MIRROR_SKIPPED_FOR_TAG',
          severity: 'info',
          cause: null,
          message: `${skipped} mirror(s) of ${reg.prefix} are not used for ${digested ? 'a digest' : 'a tag'} reference (${reg.mirrorByDigestOnly ? 'mirror-by-digest-only' : 'pull-from-mirror'})`,
          fix: digested
            ? 'expected: tag-only mirrors serve tags only'
            : 'pull by digest to use digest-only mirrors, or set pull-from-mirror = "all"',
          from: reg.from,
        });
    } else
      sources.push({
        loc: '',
        insecure: false,
        from: `no [[registry]] for ${nameOnly}: default`,
        role: 'upstream',
      });
    for (const s of sources) {
      if (endpoints.length > MAX_ENDPOINTS) break;
      const physical = reg ? rewrite(name, reg.prefix, s.loc) : name;
      const { host, repository } = splitName(physical);
      // newDockerClient looks the physical name up again: `blocked` and `insecure` of the registry it lands in.
      const landed = findRegistry(conf, physical.replace(/@.*$/, '').replace(/:[^/:]*$/, ''));
      if (landed?.blocked)
        findings.push({
          code: 'REGISTRY_BLOCKED',
          severity: 'error',
          cause: 'POLICY_REJECTED',
          message: `registry ${landed.prefix} is blocked in registries.conf: containers/image refuses ${physical} before any request`,
          fix: `remove blocked = true from the [[registry]] with prefix "${landed.prefix}" if this image should be pulled, or pull it from an allowed registry`,
          from: landed.from,
        });
      const insecure = s.role === 'mirror' ? s.insecure : (landed?.insecure ?? s.insecure);
      const apiHost = host === 'docker.io' ? 'registry-1.docker.io' : host;
      const certs = await certsFor(fs, host, findings);
      endpoints.push({
        url: `https://${apiHost}/v2`,
        role: s.role,
        from: s.from,
        repository,
        tls: {
          caFiles: certs.caFiles,
          ...(certs.cert ? { clientCert: certs.cert, clientKey: certs.key ?? certs.cert } : {}),
          skipVerify: insecure,
        },
        plainHttp: false,
        httpFallback: insecure,
        headers: {},
        overridePath: false,
        capabilities: ['pull', 'resolve'],
        steps: ['resolve', 'fetch'],
        namespaceQuery: null,
        refused: landed?.blocked
          ? `registry ${landed.prefix} is blocked in /etc/containers/registries.conf or /etc/containers/registries.conf.d`
          : null,
      });
    }
  }
  findings.push(...(await policyFindings(fs, crio.policyPath, names.slice(0, MAX_ENDPOINTS), configFiles)));
  return { image: names[0] ?? formatReference(ref), configFiles, endpoints, findings };
}

export const CRIO_FILES = { CRIO_CONF, CRIO_CONF_D, CERT_DIRS: CERT_DIRS.map((d) => shown(d)) };
