// After a probe through a node's runtime: the repository at the endpoint that served the image, so that what a
// command reads next (the other platforms' manifests, signatures) comes from where the node's pull came from, with
// that endpoint's TLS, plain-HTTP fallback, credentials and the runtime service's proxy.
import type { RegdoctorError } from '../../cause/index.ts';
import { Repository, type RepositoryOptions } from '../../registry/repository.ts';
import type { Session } from '../../registry/session.ts';
import type { ProbeResult } from '../../result/index.ts';
import { envOf, planPull, proxyEnvOf, rootedFs } from '../../runtime/index.ts';
import type { ProbeOptions } from '../context.ts';
import { credentialsAt, fallsBack, hostsOf } from './hosts.ts';

/** null when the probe did not go through a runtime, or nothing served. */
export async function servedRepository(
  probe: ProbeResult,
  session: Session,
  opts: Pick<ProbeOptions, 'nodeRoot'>,
  repo: Omit<RepositoryOptions, 'credentials'> & { credentials?: RepositoryOptions['credentials'] },
): Promise<Repository | null> {
  const rt = probe.runtime;
  if (!rt?.servedBy) return null;
  const fs = rootedFs(opts.nodeRoot ?? '/');
  const plan = await planPull(fs, probe.image, { runtime: rt.name, version: rt.version });
  const e = plan.endpoints.find((x) => x.url === rt.servedBy);
  if (!e) return null;
  const [h] = await hostsOf([e], fs);
  if (!h || h.unreadable) return null;
  const s = session.withProxyEnv(proxyEnvOf(envOf(plan.environment)));
  const at = (endpoint: typeof h.endpoint) =>
    new Repository(s, endpoint, e.repository, {
      ...repo,
      credentials: credentialsAt(rt.name, h, probe.reference?.registry, repo.credentials ?? []),
    });
  const first = at(h.endpoint);
  if (!h.fallback) return first;
  try {
    await first.connect();
    return first;
  } catch (err) {
    return fallsBack(rt.name, err as RegdoctorError) ? at(h.fallback) : first;
  }
}
