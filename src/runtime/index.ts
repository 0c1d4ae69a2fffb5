// The pull as the node's runtime does it: given the node's files (a root directory or any NodeFs), the
// runtime (given, or detected from what the root holds) and an image, the ordered endpoints the runtime
// would try with each one's TLS, plain-HTTP, headers and proxy, and the configuration problems on the way.
import { parseReference } from '../reference/index.ts';
import { planContainerd } from './containerd.ts';
import { planCrio } from './crio.ts';
import { planDocker } from './docker.ts';
import type { NodeFs } from './fs.ts';
import { MAX_ENDPOINTS, MAX_FINDINGS, tooMany } from './limits.ts';
import { proxyFor } from './proxy.ts';
import { envOf, serviceEnvironment } from './systemd.ts';
import type { Finding, PullPlan, RuntimeName } from './types.ts';

export type { Endpoint, Finding, PullPlan, RuntimeName, ProxyEnvironment } from './types.ts';
export { rootedFs, memoryFs, type NodeFs } from './fs.ts';
export { proxyFor, proxyEnvOf } from './proxy.ts';
export { envOf } from './systemd.ts';
export { runtimeOfNode } from './version.ts';
export { MAX_ENDPOINTS } from './limits.ts';

export const RUNTIMES: readonly RuntimeName[] = ['containerd', 'crio', 'docker'];

const KUBELET_FILES = [
  '/var/lib/kubelet/config.yaml',
  '/var/lib/kubelet/kubeadm-flags.env',
  '/etc/default/kubelet',
  '/etc/sysconfig/kubelet',
];

const SOCKET_RUNTIME: [RegExp, RuntimeName][] = [
  [/crio\.sock/, 'crio'],
  [/cri-dockerd\.sock|dockershim\.sock/, 'docker'],
  [/containerd\.sock/, 'containerd'],
];

const MARKERS: [RuntimeName, string[]][] = [
  [
    'crio',
    [
      '/etc/crio/crio.conf',
      '/etc/crio/crio.conf.d',
      '/lib/systemd/system/crio.service',
      '/usr/lib/systemd/system/crio.service',
    ],
  ],
  [
    'containerd',
    [
      '/etc/containerd/config.toml',
      '/lib/systemd/system/containerd.service',
      '/usr/lib/systemd/system/containerd.service',
      '/etc/systemd/system/containerd.service',
    ],
  ],
  [
    'docker',
    [
      '/etc/docker/daemon.json',
      '/lib/systemd/system/docker.service',
      '/usr/lib/systemd/system/docker.service',
    ],
  ],
];

export interface Detection {
  runtime: RuntimeName | null;
  /** What decided it: the kubelet's runtime endpoint, or the files found. */
  from: string;
  present: RuntimeName[];
}

/** Which runtime the node uses: the kubelet's --container-runtime-endpoint first, else the files present. */
export async function detectRuntime(fs: NodeFs): Promise<Detection> {
  const present: RuntimeName[] = [];
  for (const [rt, paths] of MARKERS) {
    for (const p of paths)
      if (await fs.kind(p)) {
        present.push(rt);
        break;
      }
  }
  for (const f of KUBELET_FILES) {
    const r = await fs.read(f);
    if (!r.ok) continue;
    const m = /(?:containerRuntimeEndpoint|container-runtime-endpoint)["']?\s*[:=]\s*["']?([^\s"']+)/.exec(
      r.text,
    );
    if (!m) continue;
    for (const [re, rt] of SOCKET_RUNTIME)
      if (re.test(m[1] ?? '')) return { runtime: rt, from: `${f.slice(1)}: ${m[1] ?? ''}`, present };
  }
  return {
    runtime: present[0] ?? null,
    from: present.length ? `files present: ${present.join(', ')}` : 'nothing found',
    present,
  };
}

export interface PlanOptions {
  runtime?: RuntimeName;
  /** The runtime's version (`containerd://1.6.20`, `1.34.1`), where behaviour changed between releases. */
  version?: string | null;
}

/** Plans the pull of `image` on the node whose files `fs` reads. Throws a RegdoctorError for a bad image. */
export async function planPull(fs: NodeFs, image: string, opts: PlanOptions = {}): Promise<PullPlan> {
  const ref = parseReference(image);
  const findings: Finding[] = [];
  let runtime = opts.runtime;
  if (!runtime) {
    const d = await detectRuntime(fs);
    if (!d.runtime)
      throw new Error(
        'no container runtime found under the node root (no containerd, CRI-O or docker configuration or unit); pass --runtime',
      );
    runtime = d.runtime;
    findings.push({
      code: 'RUNTIME_DETECTED',
      severity: 'info',
      cause: null,
      message: `runtime ${runtime} (${d.from})`,
      fix:
        d.present.length > 1
          ? `several runtimes are installed (${d.present.join(', ')}); pass --runtime to choose`
          : 'none needed',
      from: d.from,
    });
  }
  const service = await serviceEnvironment(fs, runtime);
  const { environment } = service;
  findings.push(...service.findings);
  const env = envOf(environment);
  const version = opts.version ?? null;
  if (runtime === 'containerd') {
    const p = await planContainerd(fs, ref, { version });
    return finish(
      {
        runtime,
        version,
        image: `${ref.registry}/${ref.repository}${suffix(ref)}`,
        configFiles: p.configFiles,
        endpoints: p.endpoints,
        findings: [...findings, ...p.findings],
        environment,
      },
      env,
    );
  }
  if (runtime === 'crio') {
    const p = await planCrio(fs, ref, { version });
    return finish(
      {
        runtime,
        version,
        image: p.image,
        configFiles: p.configFiles,
        endpoints: p.endpoints,
        findings: [...findings, ...p.findings],
        environment,
      },
      env,
    );
  }
  const p = await planDocker(fs, ref);
  for (const [k, v] of Object.entries(p.proxies))
    environment.vars[k] = { value: v, from: 'etc/docker/daemon.json proxies' };
  return finish(
    {
      runtime,
      version,
      image: `${ref.registry}/${ref.repository}${suffix(ref)}`,
      configFiles: p.configFiles,
      endpoints: p.endpoints,
      findings: [...findings, ...p.findings],
      environment,
    },
    envOf(environment),
  );
}

const suffix = (r: { tag: string | null; digest: string | null }) =>
  (r.tag !== null ? `:${r.tag}` : '') + (r.digest !== null ? `@${r.digest}` : '');

type Draft = Omit<PullPlan, 'endpoints'> & { endpoints: Omit<PullPlan['endpoints'][number], 'proxy'>[] };

function finish(d: Draft, env: Record<string, string>): PullPlan {
  const findings = [...d.findings];
  // Planners stop building at one endpoint past the limit: that one says where the cut falls.
  if (d.endpoints.length > MAX_ENDPOINTS)
    findings.push(
      tooMany('TOO_MANY_ENDPOINTS', {
        what: `endpoints for ${d.image}`,
        count: `More than ${MAX_ENDPOINTS}`,
        limit: MAX_ENDPOINTS,
        consequence: 'the runtime tries them all, one after another, on every pull that fails over',
        fix: 'keep a few mirrors per registry; each one that fails adds its timeout to every pull',
        from: d.endpoints[MAX_ENDPOINTS]?.from ?? '',
      }),
    );
  if (findings.length > MAX_FINDINGS) {
    // The ones that stop the pull outrank the rest; the cut itself is the last finding kept.
    const kept = [...findings.filter((f) => f.stops), ...findings.filter((f) => !f.stops)].slice(
      0,
      MAX_FINDINGS - 1,
    );
    kept.push(
      tooMany('TOO_MANY_FINDINGS', {
        what: 'configuration findings',
        count: findings.length,
        limit: MAX_FINDINGS - 1,
        consequence: 'the rest are left out',
        fix: 'fix the findings shown and look again',
        from: findings[MAX_FINDINGS - 1]?.from ?? '',
      }),
    );
    findings.splice(0, findings.length, ...kept);
  }
  return {
    ...d,
    findings,
    configFiles: [...new Set(d.configFiles)],
    endpoints: d.endpoints.slice(0, MAX_ENDPOINTS).map((e) => ({ ...e, proxy: proxyFor(e.url, env) })),
  };
}
