// Policies and workload manifests from the documents of policy files (see util/documents.ts for the reading).
import { UsageError } from '../cause/index.ts';
import { decodeDocuments, readInputs, type Input } from '../util/documents.ts';
import { POLICY_KINDS, readPodSpec, type PolicyObject } from './evaluate.ts';
import { parseImagePolicy, PolicyError, type ImagePolicy } from './model.ts';

/** Reads every ImagePolicy in the files; a file with anything else in it, or a repeated name, is an error. */
export async function loadPolicies(
  paths: readonly string[],
  readStdin?: () => Promise<string>,
): Promise<ImagePolicy[]> {
  const inputs = await readInputs(paths, readStdin);
  const policies: ImagePolicy[] = [];
  const seen = new Map<string, string>();
  for (const input of inputs) {
    for (const doc of decodeDocuments(input)) {
      const policy = parseImagePolicy(doc.value, doc.where);
      const first = seen.get(policy.name);
      if (first !== undefined) {
        throw new PolicyError(
          `${doc.where}: ImagePolicy ${JSON.stringify(policy.name)} is also defined in ${first}`,
        );
      }
      seen.set(policy.name, doc.where);
      policies.push(policy);
    }
  }
  if (policies.length === 0) throw new PolicyError(`no ImagePolicy found in ${paths.join(', ')}`);
  return policies;
}

export interface Manifests {
  objects: (PolicyObject & { where: string })[];
  /** Labels of Namespace objects found among the manifests. */
  namespaceLabels: Map<string, Record<string, string>>;
  /** Documents of other kinds (Services, ConfigMaps…), counted, not evaluated. */
  ignored: number;
}

/** Workloads and Namespaces from manifests; a workload without a name or with a malformed pod spec is an error. */
export function manifestsFrom(inputs: readonly Input[]): Manifests {
  const result: Manifests = { objects: [], namespaceLabels: new Map(), ignored: 0 };
  for (const input of inputs) {
    for (const { where, value } of decodeDocuments(input)) {
      const o = value as {
        kind?: unknown;
        metadata?: { name?: unknown; namespace?: unknown; labels?: unknown };
      };
      if (typeof o !== 'object' || o === null || Array.isArray(o) || typeof o.kind !== 'string') {
        throw new UsageError(`${where}: not a Kubernetes object (no kind)`);
      }
      const name = o.metadata?.name;
      if (o.kind === 'Namespace') {
        if (typeof name !== 'string') throw new UsageError(`${where}: Namespace without metadata.name`);
        const labels = o.metadata?.labels;
        result.namespaceLabels.set(name, isStringRecord(labels) ? labels : {});
        continue;
      }
      if (!(POLICY_KINDS as readonly string[]).includes(o.kind)) {
        result.ignored++;
        continue;
      }
      if (typeof name !== 'string' || name === '')
        throw new UsageError(`${where}: ${o.kind} without metadata.name`);
      const ns = o.metadata?.namespace;
      if (ns !== undefined && typeof ns !== 'string')
        throw new UsageError(`${where}: metadata.namespace is not a string`);
      const obj = value as PolicyObject;
      const spec = readPodSpec(obj);
      if (typeof spec === 'string') throw new UsageError(`${where}: ${o.kind} ${name}: ${spec}`);
      result.objects.push({ ...obj, where });
    }
  }
  return result;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'string');
}
