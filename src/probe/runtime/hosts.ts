// A runtime's endpoints as the registry client speaks to them: each one's API root, its TLS (the CA and client
// files its configuration names, read inside the node root, never from this machine), its headers and a mirror's
// `ns`, plus the plain-HTTP twin the runtime falls back to after HTTPS fails.
import { RegdoctorError } from '../../cause/index.ts';
import { registryOfApiHost } from '../../reference/index.ts';
import type { Credential } from '../../registry/auth.ts';
import type { RuntimeName } from '../../result/index.ts';
import type { Endpoint } from '../../registry/endpoint.ts';
import type { Endpoint as PlanEndpoint, NodeFs } from '../../runtime/index.ts';

export interface Host {
  /** Position in the runtime's order. */
  index: number;
  plan: PlanEndpoint;
  endpoint: Endpoint;
  /** The same over plain HTTP, asked when HTTPS fails the way the runtime falls back on. */
  fallback: Endpoint | null;
  /** Its TLS files could not be read under the node root: every request to it fails with this. */
  unreadable: RegdoctorError | null;
}

/** `https://h/v2` → `https://h`: the client appends /v2 itself unless the path is the API root as given. */
function baseUrl(e: PlanEndpoint): string {
  return e.overridePath ? e.url : e.url.replace(/\/v2\/?$/, '');
}

async function readPem(fs: NodeFs, path: string, what: string, url: string): Promise<string> {
  const r = await fs.read(path);
  if (r.ok) return r.text;
  throw new RegdoctorError(
    'TLS_UNTRUSTED',
    `cannot read the ${what} ${path} of ${url} on the node (${r.detail})`,
    {
      step: 'tls',
      file: path,
    },
  );
}

async function hostOf(e: PlanEndpoint, index: number, fs: NodeFs): Promise<Host> {
  const endpoint: Endpoint = {
    url: baseUrl(e),
    role: e.role,
    overridePath: e.overridePath,
    headers: Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k, v.join(', ')])),
    capabilities: { pull: e.capabilities.includes('pull'), resolve: e.capabilities.includes('resolve') },
    ...(e.namespaceQuery ? { namespace: e.namespaceQuery } : {}),
  };
  let unreadable: RegdoctorError | null = null;
  try {
    endpoint.tls = {
      skipVerify: e.tls.skipVerify,
      caPem: await Promise.all(e.tls.caFiles.map((f) => readPem(fs, f, 'CA file', e.url))),
      ...(e.tls.clientCert
        ? { certPem: await readPem(fs, e.tls.clientCert, 'client certificate', e.url) }
        : {}),
      ...(e.tls.clientKey ? { keyPem: await readPem(fs, e.tls.clientKey, 'client key', e.url) } : {}),
    };
  } catch (err) {
    unreadable = err as RegdoctorError;
  }
  const fallback =
    e.httpFallback && endpoint.url.startsWith('https://')
      ? { ...endpoint, url: `http://${endpoint.url.slice('https://'.length)}` }
      : null;
  return { index, plan: e, endpoint, fallback, unreadable };
}

export function hostsOf(endpoints: readonly PlanEndpoint[], fs: NodeFs): Promise<Host[]> {
  return Promise.all(endpoints.map((e, i) => hostOf(e, i, fs)));
}

/** The endpoint's registry domain, as CRI-O compares them (Docker Hub's API host is docker.io). */
export function domainOf(h: Host): string {
  return registryOfApiHost(new URL(h.plan.url).host);
}

/** The kubelet's credentials as the runtime sends them: containers/image keeps them from mirrors elsewhere. */
export function credentialsAt(
  runtime: RuntimeName,
  h: Host,
  registry: string | undefined,
  candidates: Credential[],
): Credential[] {
  return runtime === 'crio' && domainOf(h) !== registry ? [] : candidates;
}

/** Whether the runtime retries an endpoint over plain HTTP after `e` on HTTPS. */
export function fallsBack(runtime: RuntimeName, e: RegdoctorError): boolean {
  // containers/image pings http:// after any failed https:// ping of an insecure registry; containerd retries
  // over HTTP only when the TLS handshake met a plain-HTTP server.
  return runtime === 'crio'
    ? ['dns', 'connect', 'tls', 'ping'].includes(String(e.detail.step))
    : e.detail.step === 'tls' || e.cause === 'HTTP_HTTPS_MISMATCH';
}
