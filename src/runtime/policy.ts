// containers/image's signature policy (policy.json, containers-policy.json(5)): for docker references the most
// specific scope wins — `host/repo:tag` or `host/repo@digest`, then `host/repo`, its namespaces, `host`,
// `*.domain` — then the transport's "" entry, then `default`. Every requirement of the chosen list must hold.
import * as z from 'zod/mini';
import type { NodeFs } from './fs.ts';
import { shown } from './fs.ts';
import { describeIssue } from '../util/schema.ts';
import { notRead } from './limits.ts';
import type { Finding } from './types.ts';

export const POLICY_JSON = '/etc/containers/policy.json';

const Requirement = z.looseObject({ type: z.string() });
const Policy = z.object({
  default: z.array(Requirement),
  transports: z.optional(z.record(z.string(), z.record(z.string(), z.array(Requirement)))),
});
type Requirements = z.infer<typeof Requirement>[];

function scopesOf(name: string): string[] {
  const out = [name];
  let repo = name.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  if (repo !== name) out.push(repo);
  while (repo.includes('/')) {
    repo = repo.slice(0, repo.lastIndexOf('/'));
    out.push(repo);
  }
  const host = repo;
  const labels = host.split('.');
  for (let i = 1; i < labels.length; i++) out.push(`*.${labels.slice(i).join('.')}`);
  return out;
}

function requirementsFor(p: z.infer<typeof Policy>, name: string): { reqs: Requirements; scope: string } {
  const docker = p.transports?.docker ?? {};
  for (const s of scopesOf(name))
    if (docker[s]) return { reqs: docker[s], scope: `transports.docker["${s}"]` };
  if (docker['']) return { reqs: docker[''], scope: 'transports.docker[""]' };
  return { reqs: p.default, scope: 'default' };
}

/** Findings for each candidate name under the node's signature policy. */
export async function policyFindings(
  fs: NodeFs,
  customPath: string | null,
  names: string[],
  configFiles: string[],
): Promise<Finding[]> {
  const path = customPath ?? POLICY_JSON;
  const file = shown(path);
  const read = await fs.read(path);
  if (!read.ok && read.reason === 'too-large') return [notRead(file, read.detail, 'containers/image')];
  if (!read.ok) {
    return [
      {
        code: 'POLICY_FILE_MISSING',
        stops: 'before-request',
        severity: 'error',
        cause: 'POLICY_REJECTED',
        message: `${file}: ${read.detail}; containers/image cannot load a signature policy and refuses every pull`,
        fix: `restore ${file} (the distribution default is {"default":[{"type":"insecureAcceptAnything"}]})`,
        from: file,
      },
    ];
  }
  configFiles.push(file);
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch (e) {
    return [invalid(file, (e as Error).message)];
  }
  const parsed = Policy.safeParse(json);
  if (!parsed.success) return [invalid(file, describeIssue(parsed.error.issues[0]))];
  const findings: Finding[] = [];
  for (const name of names) {
    const { reqs, scope } = requirementsFor(parsed.data, name);
    const types = reqs.map((r) => r.type);
    if (types.length === 0 || types.includes('reject'))
      findings.push({
        code: 'POLICY_REJECTS',
        stops: 'after-manifest',
        severity: 'error',
        cause: 'POLICY_REJECTED',
        message: `${file} ${scope} ${types.length === 0 ? 'is an empty requirement list' : 'says reject'} for ${name}: the pull fails after the image is downloaded ("Running image … rejected by policy")`,
        fix: `add a transports.docker entry for ${name.replace(/[:@].*$/, '')} that accepts it (insecureAcceptAnything, or signedBy/sigstoreSigned with its key)`,
        from: `${file} ${scope}`,
      });
    else if (types.some((t) => t === 'signedBy' || t === 'sigstoreSigned'))
      findings.push({
        code: 'POLICY_REQUIRES_SIGNATURE',
        severity: 'warning',
        cause: 'SIGNATURE_INVALID',
        message: `${file} ${scope} requires a ${types.filter((t) => t !== 'insecureAcceptAnything').join(' + ')} signature for ${name}: an unsigned or wrongly signed image is refused after download`,
        fix: `sign the image with the key ${file} names, or check it with \`regdoctor verify\``,
        from: `${file} ${scope}`,
      });
    else if (types.some((t) => t !== 'insecureAcceptAnything'))
      findings.push({
        code: 'POLICY_UNKNOWN_REQUIREMENT',
        stops: 'before-request',
        severity: 'error',
        cause: 'POLICY_REJECTED',
        message: `${file} ${scope} has requirement type(s) ${types.join(', ')} that containers/image does not know: the policy does not load`,
        fix: 'use insecureAcceptAnything, reject, signedBy or sigstoreSigned',
        from: `${file} ${scope}`,
      });
  }
  return findings;
}

function invalid(file: string, why: string): Finding {
  return {
    code: 'POLICY_FILE_INVALID',
    stops: 'before-request',
    severity: 'error',
    cause: 'POLICY_REJECTED',
    message: `${file} is not a valid policy (${why}); containers/image refuses every pull`,
    fix: `fix ${file} (containers-policy.json(5))`,
    from: file,
  };
}
