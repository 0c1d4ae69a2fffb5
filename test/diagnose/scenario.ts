// One failing pod from objects to an initial finding, plus hand-built probe results for the merge tests.
import type { Cause } from '../../src/cause/index.ts';
import { auditSecrets, initialFinding, podCandidates } from '../../src/diagnose/index.ts';
import type { ProbeResult, StepName } from '../../src/result/index.ts';
import { NOW, clusterState, pod, type PodOptions, type StateParts } from './objects.ts';

export interface Scenario extends StateParts, PodOptions {
  name?: string;
}

export function scenario(s: Scenario) {
  const p = pod(s.name ?? 'web-1', s);
  const state = clusterState({ ...s, pods: [p] });
  const candidates = podCandidates(state, p, { now: NOW });
  const candidate = candidates[0];
  if (!candidate) throw new Error('scenario has no candidate');
  const audit = auditSecrets(state, p, candidate.image, { now: NOW });
  return { state, pod: p, candidate, candidates, audit, finding: initialFinding(candidate, audit) };
}

export interface ProbeSpec {
  image: string;
  cause: Cause | null;
  summary: string;
  platform?: string;
  step?: StepName;
  suggestions?: string[];
  alternatives?: Cause[];
  confidence?: 'certain' | 'likely';
  credential?: string | null;
}

/** A probe result as probeImage returns it: the steps up to the one that failed. */
export function probeResult(p: ProbeSpec): ProbeResult {
  const order: StepName[] = [
    'reference',
    'credentials',
    'dns',
    'connect',
    'tls',
    'ping',
    'auth',
    'manifest',
    'platform',
    'config',
    'blob',
  ];
  const last = p.cause === null ? order.length - 1 : order.indexOf(p.step ?? 'manifest');
  const steps = order.slice(0, last + 1).map((name, i) => ({
    name,
    ok: p.cause === null || i < last,
    ms: 1,
    summary: i === last && p.cause !== null ? p.summary : `${name} ok`,
    detail: i === last && p.cause !== null ? { cause: p.cause } : {},
  }));
  const [registry, ...rest] = p.image.replace(/:[^/:]*$/, '').split('/');
  return {
    image: p.image,
    reference: {
      registry: registry!,
      repository: rest.join('/'),
      tag: p.image.split(':').pop() ?? null,
      digest: null,
    },
    platform: p.platform ?? 'linux/amd64',
    cause: p.cause,
    confidence: p.confidence ?? 'certain',
    summary: p.summary,
    remediation: [],
    steps,
    ...(p.suggestions ? { suggestions: p.suggestions } : {}),
    ...(p.alternatives ? { alternatives: p.alternatives } : {}),
    credential: p.credential ? { source: p.credential, key: p.credential } : null,
  };
}
