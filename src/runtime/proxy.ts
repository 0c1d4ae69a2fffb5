// Which proxy the runtime's own environment sends an endpoint's traffic through: the transport's rules (Go's
// http.ProxyFromEnvironment, which containerd, CRI-O and dockerd all use), applied to the service's variables.
import { describeProxy, proxyEnvFrom, proxyFor as goProxyFor, type ProxyEnv } from '../transport/proxy.ts';

export type Env = Record<string, string | undefined>;

/** The service's variables as the transport's proxy settings. */
export function proxyEnvOf(env: Env): ProxyEnv {
  return proxyEnvFrom(env);
}

/** The proxy a Go client with environment `env` uses for `url` (a password shown as `***`), or null for direct. */
export function proxyFor(url: string, env: Env): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const proxy = goProxyFor(u, proxyEnvFrom(env));
  return proxy && describeProxy(proxy);
}
