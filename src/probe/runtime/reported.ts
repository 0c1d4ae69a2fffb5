// The failure as the runtime words it for the kubelet (the text after "Failed to pull image …: rpc error: …
// desc = " in the pod's events), so the probe's verdict can be matched against what the node reports. Wording
// from containerd's resolver/fetcher and CRI plugin, containers/image's docker_image_src, and dockerd.
import { STATUS_CODES } from 'node:http';
import { registryOfApiHost } from '../../reference/index.ts';
import { RegistryError } from '../../registry/errors.ts';
import type { RuntimeName } from '../../result/index.ts';
import type { Decision, Failure } from './walk.ts';

export interface Wording {
  runtime: RuntimeName;
  /** containerd ≥ 1.7 names the URL and method of an unexpected status; 1.6 the host and path. */
  newResolver: boolean;
  /** The image as the runtime names it. */
  image: string;
}

const statusText = (s: number) => `${s} ${STATUS_CODES[s] ?? ''}`.trim();

function hostOf(f: Failure): string {
  return new URL(f.host.plan.url).host;
}

function containerd(d: Decision, f: Failure | null, w: Wording): string {
  const pull = `failed to pull and unpack image "${w.image}": `;
  if (d.phase === 'fetch') {
    const inner =
      !f || f.kind === 'not-found'
        ? `could not fetch content ${d.object.replace(/^\S+ /, '')} from remote: not found`
        : f.err.message;
    return `${pull}failed to copy: ${inner}`;
  }
  const resolve = `failed to resolve reference "${w.image}": `;
  if (!f || f.kind === 'not-found') return `${pull}${resolve}${w.image}: not found`;
  const e = f.err;
  const manifests = `${f.host.plan.url}/${f.host.plan.repository}/manifests/${d.object}`;
  if (f.kind === 'status' && e instanceof RegistryError)
    return w.newResolver
      ? `${pull}${resolve}unexpected status from HEAD request to ${manifests}: ${statusText(e.status)}`
      : `${pull}${resolve}pulling from host ${hostOf(f)} failed with status code [manifests ${d.object}]: ${statusText(e.status)}`;
  if (e.cause === 'UNAUTHORIZED' || e.cause === 'FORBIDDEN')
    return `${pull}${resolve}pull access denied, repository does not exist or may require authorization: ${e.message}`;
  return `${pull}${resolve}failed to do request: Head "${manifests}": ${e.message}`;
}

/** The reference as containers/image names it at one endpoint: `host/repository:tag` (or `@digest`). */
function physical(f: Failure, object: string): string {
  return `${registryOfApiHost(hostOf(f))}/${f.host.plan.repository}${object.includes(':') ? '@' : ':'}${object}`;
}

/** One endpoint's failure as containers/image words it: the ping, or the manifest read. */
function attempt(f: Failure, object: string): string {
  if (f.kind === 'refused') return f.err.message;
  const inner = ['dns', 'connect', 'tls', 'ping'].includes(String(f.err.detail.step))
    ? `pinging container registry ${hostOf(f)}: ${f.err.message}`
    : `reading manifest ${object} in ${physical(f, object).replace(/[:@][^/]*$/, '')}: ${f.err.message}`;
  return `${physical(f, object)}: ${inner}`;
}

function crio(d: Decision, f: Failure | null, w: Wording): string {
  const source = `initializing source docker://${w.image}: `;
  if (!f) return `${source}no endpoint to pull from`;
  if (d.phase === 'fetch') return `reading blob ${d.object.replace(/^\S+ /, '')}: ${f.err.message}`;
  const others = d.failures.filter((x) => x !== f);
  const mirrors = others.length
    ? `(Mirrors also failed: ${others.map((x) => `[${attempt(x, d.object)}]`).join('\n')}): `
    : '';
  return `${source}${mirrors}${attempt(f, d.object)}`;
}

/** What the runtime reports when the walk `d` ran out. */
export function reportedFailure(d: Decision, w: Wording): string {
  const f = d.failure;
  if (w.runtime === 'containerd') return containerd(d, f, w);
  if (w.runtime === 'crio') return crio(d, f, w);
  return `Error response from daemon: ${f ? f.err.message : `no endpoints found for ${w.image}`}`;
}
