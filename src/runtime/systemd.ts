// The environment systemd gives a runtime's service: the unit file, then its drop-ins (`NAME.service.d/*.conf`
// from every unit directory, a name in a higher-priority directory masking the same name below, applied in
// name order), `Environment=` assignments in order (an empty one clears the list) and `EnvironmentFile=`
// files, whose values win over `Environment=` (systemd.exec(5)). The proxy variables in it — not the
// shell's — govern the runtime's registry traffic.
import type { NodeFs } from './fs.ts';
import { shown } from './fs.ts';
import type { ProxyEnvironment } from './types.ts';

// Highest priority first (systemd.unit(5), system units).
const UNIT_DIRS = [
  '/etc/systemd/system',
  '/run/systemd/system',
  '/usr/local/lib/systemd/system',
  '/lib/systemd/system',
  '/usr/lib/systemd/system',
];

const MAX_DROPINS = 100;
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
    let line = (lines[i] ?? '').replace(/\r$/, '');
    while (line.endsWith('\\') && i + 1 < lines.length)
      line = `${line.slice(0, -1)} ${(lines[++i] ?? '').trim()}`;
    const t = line.trim();
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

/** KEY=VALUE lines of an EnvironmentFile (comments with # or ;, optional quotes, `export` ignored). */
function parseEnvFile(text: string, file: string): Line[] {
  const out: Line[] = [];
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
    out.push({ key: t.slice(0, eq).trim(), value: v, from: `${shown(file)}:${i + 1}` });
  });
  return out;
}

/** The unit file and drop-ins of `NAME.service` in the order systemd applies them. */
async function unitFiles(fs: NodeFs, service: string): Promise<string[]> {
  const files: string[] = [];
  for (const d of UNIT_DIRS) {
    const p = `${d}/${service}.service`;
    if ((await fs.kind(p)) === 'file') {
      files.push(p);
      break;
    }
  }
  const dropins = new Map<string, string>();
  for (const d of [...UNIT_DIRS].reverse()) {
    for (const e of (await fs.list(`${d}/${service}.service.d`)) ?? []) {
      if (!e.isDir && e.name.endsWith('.conf')) dropins.set(e.name, `${d}/${service}.service.d/${e.name}`);
    }
  }
  const names = [...dropins.keys()].sort().slice(0, MAX_DROPINS);
  return [...files, ...names.map((n) => dropins.get(n) ?? '')];
}

/** The proxy variables of the runtime's service, and which files set them. */
export async function serviceEnvironment(fs: NodeFs, service: string): Promise<ProxyEnvironment> {
  const files = await unitFiles(fs, service);
  let env = new Map<string, Line>();
  const fromFiles: Line[] = [];
  for (const file of files) {
    const r = await fs.read(file);
    if (!r.ok) continue;
    for (const l of serviceLines(r.text, file)) {
      if (l.key === 'Environment') {
        if (!l.value) env = new Map();
        for (const a of splitAssignments(l.value)) {
          const eq = a.indexOf('=');
          if (eq > 0) env.set(a.slice(0, eq), { key: a.slice(0, eq), value: a.slice(eq + 1), from: l.from });
        }
      } else if (l.key === 'EnvironmentFile') {
        if (!l.value) continue;
        for (const f of splitAssignments(l.value)) {
          const envFile = await fs.read(f.replace(/^-/, ''));
          if (envFile.ok) fromFiles.push(...parseEnvFile(envFile.text, f.replace(/^-/, '')));
        }
      }
    }
  }
  for (const l of fromFiles) env.set(l.key, l);
  const vars: ProxyEnvironment['vars'] = {};
  for (const [k, l] of env)
    if (PROXY_NAMES.includes(k.toLowerCase())) vars[k] = { value: l.value, from: l.from };
  return { vars, files: files.map(shown) };
}

/** The variables as a plain environment. */
export const envOf = (p: ProxyEnvironment): Record<string, string> =>
  Object.fromEntries(Object.entries(p.vars).map(([k, v]) => [k, v.value]));
