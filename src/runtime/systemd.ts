// The environment systemd gives a runtime's service: the unit file, then its drop-ins (`NAME.service.d/*.conf`
// from every unit directory, a name in a higher-priority directory masking the same name below, applied in
// name order), `Environment=` assignments in order (an empty one clears the list) and `EnvironmentFile=`
// files, whose values win over `Environment=` (systemd.exec(5)). The proxy variables in it — not the
// shell's — govern the runtime's registry traffic.
import type { NodeFs } from './fs.ts';
import { shown } from './fs.ts';
import { firstDropIns, MAX_ENVIRONMENT_FILES, tooMany } from './limits.ts';
import type { Finding, ProxyEnvironment } from './types.ts';

// Highest priority first (systemd.unit(5), system units).
const UNIT_DIRS = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
];

const PROXY_NAMES = ['http_proxy', 'https_proxy', 'no_proxy', 'all_proxy'];

export const SERVICE_OF = { containerd: 'containerd', crio: 'crio', docker: 'docker' } as const;

interface Line {
  key: string;
  value: string;
  from: string;
}

/** `[Service]` key=value lines of a unit file, continuation lines joined. */
function serviceLines(text: string, file: string): Line[] {
  const out: Line[] = [];
  let section = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    // Parts joined once: growing one string line by line is quadratic over thousands of continuations.
    const parts = [(lines[i] ?? '').replace(/\r$/, '')];
    while ((parts[parts.length - 1] as string).endsWith('\\') && i + 1 < lines.length) {
      parts[parts.length - 1] = (parts[parts.length - 1] as string).slice(0, -1);
      parts.push((lines[++i] ?? '').replace(/\r$/, '').trim());
    }
    const t = parts.join(' ').trim();
    if (!t || t.startsWith('#') || t.startsWith(';')) continue;
    if (t.startsWith('[')) {
      section = t;
      continue;
    }
    const eq = t.indexOf('=');
    if (section !== '[Service]' || eq < 0) continue;
    out.push({
      key: t.slice(0, eq).trim(),
      value: t.slice(eq + 1).trim(),
      from: `${shown(file)}:${start + 1}`,
    });
  }
  return out;
}

/** systemd's word splitting for `Environment=`: whitespace-separated, double or single quotes group. */
export function splitAssignments(value: string): string[] {
  const words: string[] = [];
  let cur = '';
  let quote = '';
  let any = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && i + 1 < value.length) cur += value[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (/\s/.test(c)) {
      if (cur || any) words.push(cur);
      cur = '';
      any = false;
    } else if (c === '\\' && i + 1 < value.length) cur += value[++i];
    else cur += c;
  }
  if (cur || any) words.push(cur);
  return words;
}

const isProxy = (name: string) => PROXY_NAMES.includes(name.toLowerCase());

/** The proxy variables among KEY=VALUE lines of an EnvironmentFile (comments with # or ;, optional quotes, `export` ignored). */
function parseEnvFile(text: string, file: string, into: Map<string, Line>): void {
  text.split('\n').forEach((raw, i) => {
    const t = raw
      .replace(/\r$/, '')
      .trim()
      .replace(/^export\s+/, '');
    if (!t || t.startsWith('#') || t.startsWith(';')) return;
    const eq = t.indexOf('=');
    if (eq <= 0) return;
    let v = t.slice(eq + 1).trim();
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) v = v.slice(1, -1);
    const key = t.slice(0, eq).trim();
    if (isProxy(key)) into.set(key, { key, value: v, from: `${shown(file)}:${i + 1}` });
  });
}

/** The unit file and drop-ins of `NAME.service` in the order systemd applies them. */
async function unitFiles(fs: NodeFs, service: string): Promise<{ files: string[]; findings: Finding[] }> {
  const files: string[] = [];
  for (const d of UNIT_DIRS) {
    const p = `${d}/${service}.service`;
    if ((await fs.kind(p)) === 'file') {
      files.push(p);
      break;
    }
  }
  const dropins = new Map<string, string>();
  let truncated = false;
  for (const d of [...UNIT_DIRS].reverse()) {
    const listing = await fs.list(`${d}/${service}.service.d`);
    truncated ||= listing?.truncated ?? false;
    for (const e of listing?.entries ?? [])
      if (!e.isDir && e.name.endsWith('.conf')) dropins.set(e.name, `${d}/${service}.service.d/${e.name}`);
  }
  const names = [...dropins.keys()].sort().map((name) => ({ name, isDir: false }));
  const first = firstDropIns({ entries: names, truncated }, `${service}.service.d`, 'systemd');
  return { files: [...files, ...first.names.map((n) => dropins.get(n) ?? '')], findings: first.findings };
}

/** The proxy variables of the runtime's service, which files set them, and what could not be read. */
export async function serviceEnvironment(
  fs: NodeFs,
  service: string,
): Promise<{ environment: ProxyEnvironment; findings: Finding[] }> {
  const { files, findings } = await unitFiles(fs, service);
  let env = new Map<string, Line>();
  // The files are read when the service starts, from the final list (an empty assignment resets it).
  let envFiles: { path: string; optional: boolean; from: string }[] = [];
  for (const file of files) {
    const r = await fs.read(file);
    if (!r.ok) {
      findings.push({
        code: 'UNIT_FILE_UNREADABLE',
        severity: 'warning',
        cause: null,
        message: `${shown(file)} cannot be read (${r.detail}): a proxy the ${service} service sets there is not shown`,
        fix: `keep ${shown(file)} a small regular file`,
        from: shown(file),
      });
      continue;
    }
    for (const l of serviceLines(r.text, file)) {
      if (l.key === 'Environment') {
        if (!l.value) env = new Map();
        for (const a of splitAssignments(l.value)) {
          const eq = a.indexOf('=');
          if (eq > 0 && isProxy(a.slice(0, eq)))
            env.set(a.slice(0, eq), { key: a.slice(0, eq), value: a.slice(eq + 1), from: l.from });
        }
      } else if (l.key === 'EnvironmentFile') {
        if (!l.value) envFiles = [];
        for (const f of splitAssignments(l.value)) {
          const optional = f.startsWith('-');
          envFiles.push({ path: optional ? f.slice(1) : f, optional, from: l.from });
        }
      }
    }
  }
  if (envFiles.length > MAX_ENVIRONMENT_FILES)
    findings.push(
      tooMany('TOO_MANY_ENVIRONMENT_FILES', {
        what: `EnvironmentFile= files for ${service}.service`,
        count: envFiles.length,
        limit: MAX_ENVIRONMENT_FILES,
        consequence: 'a proxy set in a later one is not shown',
        fix: 'set the proxy variables in one drop-in',
        from: envFiles[MAX_ENVIRONMENT_FILES]?.from ?? '',
      }),
    );
  // EnvironmentFile= values win over Environment= wherever they appear; among themselves, the later file wins.
  const fromFiles = new Map<string, Line>();
  for (const f of envFiles.slice(0, MAX_ENVIRONMENT_FILES)) {
    if (/[*?[]/.test(f.path)) {
      findings.push({
        code: 'ENVIRONMENT_FILE_GLOB',
        severity: 'info',
        cause: null,
        message: `EnvironmentFile ${f.path} of ${service}.service is a pattern; regdoctor does not expand it, so a proxy set in the files it matches is not shown`,
        fix: 'name the file itself',
        from: f.from,
      });
      continue;
    }
    const r = await fs.read(f.path);
    if (r.ok) parseEnvFile(r.text, f.path, fromFiles);
    else if (!f.optional || r.reason === 'too-large')
      findings.push(envFileUnread(service, f.path, f.optional, r, f.from));
  }
  for (const [k, l] of fromFiles) env.set(k, l);
  const vars: ProxyEnvironment['vars'] = {};
  for (const [k, l] of env) vars[k] = { value: l.value, from: l.from };
  return { environment: { vars, files: files.map(shown) }, findings };
}

function envFileUnread(
  service: string,
  path: string,
  optional: boolean,
  r: { reason: 'missing' | 'too-large' | 'unreadable'; detail: string },
  from: string,
): Finding {
  // systemd reads a file of any size, so only regdoctor misses what a large one sets; a missing or unreadable one
  // without `-` keeps the service from starting.
  const systemdFails = !optional && r.reason !== 'too-large';
  return {
    code: r.reason === 'missing' ? 'ENVIRONMENT_FILE_MISSING' : 'ENVIRONMENT_FILE_UNREADABLE',
    severity: systemdFails ? 'error' : 'warning',
    cause: null,
    message: `EnvironmentFile ${path} of ${service}.service ${r.reason === 'missing' ? 'does not exist' : `cannot be read (${r.detail})`}: ${systemdFails ? `systemd refuses to start ${service}.service with it (a running service was started before the file went wrong)` : 'a proxy set in it is not shown here'}`,
    fix: systemdFails
      ? `restore ${path}, or write EnvironmentFile=-${path} if it is optional`
      : `keep ${path} to the variables the service needs`,
    from,
  };
}

/** The variables as a plain environment. */
export const envOf = (p: ProxyEnvironment): Record<string, string> =>
  Object.fromEntries(Object.entries(p.vars).map(([k, v]) => [k, v.value]));
