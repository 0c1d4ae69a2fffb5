// Where a repository is served from. A runtime resolves an image against an ordered list of endpoints — mirrors
// first, then the registry itself (containerd's hosts.toml, CRI-O's registries.conf) — each with its own URL, TLS
// settings and headers. Without a runtime config there is one: the registry the reference names.
import { apiHost } from '../reference/index.ts';

export interface EndpointTls {
  /** PEM files of CAs to trust besides the system roots (and any the session trusts for every host). */
  caFiles?: string[];
  /** PEM client certificate and key files, for mutual TLS. */
  clientCert?: string;
  clientKey?: string;
  /** Do not verify the server's certificate. */
  skipVerify?: boolean;
  /** The same as PEM texts already read (a node's files, read inside its root). */
  caPem?: string[];
  certPem?: string;
  keyPem?: string;
}

export interface Endpoint {
  /**
   * `scheme://host[:port][/path]`. The API root is `<url>/v2/`, or `<url>/` itself with `overridePath` (a mirror
   * that serves the API under its own path, as containerd's `override_path`).
   */
  url: string;
  role: 'mirror' | 'upstream';
  overridePath?: boolean;
  tls?: EndpointTls;
  /** Sent with every request to this endpoint (never across a redirect to another host). */
  headers?: Record<string, string>;
  /** What the endpoint may be used for; a mirror without `resolve` only serves content by digest. */
  capabilities?: { pull: boolean; resolve: boolean };
  /** The upstream registry a mirror serves, sent as `?ns=` (containerd does this for every mirror request). */
  namespace?: string;
}

/** The registry a reference names, spoken to directly: what every command uses without a runtime config. */
export function upstreamEndpoint(registry: string, plainHttp = false): Endpoint {
  return { url: `${plainHttp ? 'http' : 'https'}://${apiHost(registry)}`, role: 'upstream' };
}

/** The API root of an endpoint, ending in `/` so that `new URL('repo/manifests/x', root)` stays under it. */
export function apiRoot(e: Endpoint): URL {
  const u = new URL(e.url);
  const path = u.pathname.replace(/\/+$/, '');
  return new URL(`${u.protocol}//${u.host}${path}${e.overridePath ? '' : '/v2'}/`);
}

/** `repo/<rest>` under the endpoint's root, with the mirror's `ns` parameter when it has one. */
export function endpointUrl(e: Endpoint, root: URL, path: string): URL {
  const url = new URL(path, root);
  if (e.namespace) url.searchParams.set('ns', e.namespace);
  return url;
}
