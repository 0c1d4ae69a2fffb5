// dockerd (daemon/pkg/registry, lookupV2Endpoints): `registry-mirrors` only for Docker Hub, in order, then
// https://registry-1.docker.io; any other registry is https://host, plus http://host after it when the host is
// an insecure registry (`insecure-registries` names or CIDRs; 127.0.0.0/8 and ::1/128 always). TLS files from
// /etc/docker/certs.d/<host:port>/ (*.crt CAs, *.cert/*.key client pairs).
import { BlockList, isIP } from 'node:net';
import { posix } from 'node:path';
import * as z from 'zod/mini';
import type { Reference } from '../reference/index.ts';
import { describeIssue } from '../util/schema.ts';
import type { NodeFs } from './fs.ts';
import { shown } from './fs.ts';
import { notRead } from './limits.ts';
import type { Endpoint, Finding } from './types.ts';

export const DAEMON_JSON = '/etc/docker/daemon.json';
const CERTS_D = '/etc/docker/certs.d';

const DaemonJson = z.looseObject({
  'registry-mirrors': z.optional(z.array(z.string())),
  'insecure-registries': z.optional(z.array(z.string())),
  proxies: z.optional(
    z.looseObject({
      'http-proxy': z.optional(z.string()),
      'https-proxy': z.optional(z.string()),
      'no-proxy': z.optional(z.string()),
    }),
  ),
});

export interface DockerPlan {
  configFiles: string[];
  endpoints: Omit<Endpoint, 'proxy'>[];
  findings: Finding[];
  /** daemon.json `proxies` (Docker 23+): they win over the service environment. */
  proxies: Record<string, string>;
}

function insecure(host: string, list: string[]): boolean {
  const bare = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (list.includes(host) || list.includes(bare)) return true;
  const ip = isIP(bare);
  if (!ip) return false;
  const bl = new BlockList();
  bl.addSubnet('127.0.0.0', 8, 'ipv4');
  bl.addSubnet('::1', 128, 'ipv6');
  for (const c of list) {
    const [net, bits] = c.split('/');
    if (net && bits && isIP(net)) bl.addSubnet(net, Number(bits), isIP(net) === 6 ? 'ipv6' : 'ipv4');
  }
  return bl.check(bare, ip === 6 ? 'ipv6' : 'ipv4');
}

async function certs(fs: NodeFs, hostPort: string) {
  const dir = posix.join(CERTS_D, hostPort);
  const entries = (await fs.list(dir))?.entries ?? [];
  const cert = entries.find((e) => e.name.endsWith('.cert'));
  return {
    caFiles: entries.filter((e) => e.name.endsWith('.crt')).map((e) => posix.join(dir, e.name)),
    ...(cert
      ? {
          clientCert: posix.join(dir, cert.name),
          clientKey: posix.join(dir, `${cert.name.slice(0, -5)}.key`),
        }
      : {}),
  };
}

export async function planDocker(fs: NodeFs, ref: Reference): Promise<DockerPlan> {
  const file = shown(DAEMON_JSON);
  const findings: Finding[] = [];
  const configFiles: string[] = [];
  let cfg: z.infer<typeof DaemonJson> = {};
  const read = await fs.read(DAEMON_JSON);
  if (!read.ok && read.reason !== 'missing') {
    configFiles.push(file);
    findings.push(
      read.reason === 'too-large' ? notRead(file, read.detail, 'dockerd') : bad(file, read.detail),
    );
    return { configFiles, endpoints: [], findings, proxies: {} };
  }
  if (read.ok) {
    configFiles.push(file);
    let json: unknown;
    try {
      json = JSON.parse(read.text);
    } catch (e) {
      json = undefined;
      findings.push(bad(file, (e as Error).message));
    }
    if (json !== undefined) {
      const p = DaemonJson.safeParse(json);
      if (p.success) cfg = p.data;
      else findings.push(bad(file, describeIssue(p.error.issues[0])));
    }
    if (findings.length) return { configFiles, endpoints: [], findings, proxies: {} };
  }
  const insecureList = cfg['insecure-registries'] ?? [];
  const base = (url: string, role: Endpoint['role'], from: string, skip: boolean, hostPort: string) =>
    certs(fs, hostPort).then((tls) => ({
      url: `${url.replace(/\/+$/, '')}/v2`,
      role,
      from,
      repository: ref.repository,
      tls: { ...tls, skipVerify: skip },
      plainHttp: url.startsWith('http://'),
      httpFallback: false,
      headers: {},
      overridePath: false,
      capabilities: ['pull', 'resolve'] as Endpoint['capabilities'],
      steps: ['resolve', 'fetch'] as Endpoint['steps'],
      namespaceQuery: null,
      refused: null,
    }));
  const endpoints: Omit<Endpoint, 'proxy'>[] = [];
  if (ref.registry === 'docker.io') {
    for (const [i, m] of (cfg['registry-mirrors'] ?? []).entries()) {
      const url = /^https?:\/\//.test(m) ? m : `https://${m}`;
      const host = new URL(url).host;
      endpoints.push(
        await base(url, 'mirror', `${file} registry-mirrors[${i}]`, insecure(host, insecureList), host),
      );
    }
    endpoints.push(
      await base('https://registry-1.docker.io', 'upstream', 'Docker Hub (built in)', false, 'docker.io'),
    );
  } else {
    if ((cfg['registry-mirrors'] ?? []).length > 0)
      findings.push({
        code: 'MIRRORS_DOCKER_HUB_ONLY',
        severity: 'info',
        cause: null,
        message: `registry-mirrors apply to Docker Hub images only; ${ref.registry} is pulled directly`,
        fix: 'mirror other registries with a registry-side proxy, or move the node to containerd hosts.toml',
        from: `${file} registry-mirrors`,
      });
    const skip = insecure(ref.registry, insecureList);
    endpoints.push(
      await base(
        `https://${ref.registry}`,
        'upstream',
        `image reference${skip ? ' (insecure-registries)' : ''}`,
        skip,
        ref.registry,
      ),
    );
    if (skip)
      endpoints.push(
        await base(`http://${ref.registry}`, 'upstream', `${file} insecure-registries`, true, ref.registry),
      );
  }
  const px = cfg.proxies ?? {};
  const proxies: Record<string, string> = {};
  if (px['http-proxy']) proxies.HTTP_PROXY = px['http-proxy'];
  if (px['https-proxy']) proxies.HTTPS_PROXY = px['https-proxy'];
  if (px['no-proxy']) proxies.NO_PROXY = px['no-proxy'];
  return { configFiles, endpoints, findings, proxies };
}

function bad(file: string, why: string): Finding {
  return {
    code: 'DAEMON_JSON_INVALID',
    stops: 'before-request',
    severity: 'error',
    cause: null,
    message: `${file}: ${why}; dockerd does not start with this file`,
    fix: `fix ${file}`,
    from: file,
  };
}
