import { UsageError } from '../../cause/index.ts';
import type { Evaluation, Note, PolicyObject, Violation } from '../../policy/evaluate.ts';
import type { LoadedReports } from '../../vuln/load.ts';
import { EXIT, helpText, parseFlags, type Command } from '../command.ts';
import { outputFormat, yamlOf, type OutputFormat } from '../output.ts';
import {
  ENGINE_FLAGS,
  needsRegistry,
  rejectWithOffline,
  vulnerabilityIndex,
} from '../policy-engine-flags.ts';
import { REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, registryContext } from '../registry-flags.ts';
import { stderrLogger, writeStdout } from '../../output/index.ts';

const warn = stderrLogger(() => 'warning: ');

// The probe's registry flags, less --platform (a policy names its platforms: allowedPlatforms).
const REGISTRY_HELP = REGISTRY_FLAGS_HELP.split('\n')
  .filter((l) => !/^\s+--platform\b/.test(l))
  .join('\n');

const HELP = `Usage: regdoctor policy check --policy FILE... [-f FILE|DIR|-]... [flags]

Evaluates ImagePolicy files (regdoctor.dev/v1alpha1, the same files the webhook takes) against workloads: Pods,
Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs and CronJobs, in all their containers, init containers
and ephemeral containers. Images are compared in their normalized form (nginx = docker.io/library/nginx:latest).
Without -f or --snapshot, reads the live cluster. Several policies combine: every one applies.

Examples:
  regdoctor policy check --policy policies/ -f k8s/                # CI gate over manifests
  helm template ./chart | regdoctor policy check --policy p.yaml -f -
  regdoctor policy check --policy p.yaml --snapshot snap.json -o json
  regdoctor policy check --policy p.yaml -n shop                   # live cluster, one namespace

  --policy FILE|DIR|-           ImagePolicy file(s), repeatable (multi-document YAML or JSON)
  -f, --filename FILE|DIR|-     manifests to check, repeatable (directories are read recursively)
  --snapshot FILE|DIR|-         \`kubectl get … -o json|yaml\` output instead of a live cluster
  --kubeconfig FILE             kubeconfig for the live cluster
  --context NAME                kubeconfig context
  -n, --namespace NS            live/snapshot: only this namespace; -f: namespace of objects without one
  -o, --output text|json|yaml   json, yaml: {violations:[…], notes:[…], summary:{…}}
  --vulns FILE|DIR|-            vulnerability reports, repeatable: Trivy JSON (trivy image --format json) or
                                trivy-operator VulnerabilityReports (YAML/JSON, Lists too); matched by image digest
  --offline                     no registry requests: requiredSignatures, maxImageSize, allowedPlatforms (and
                                minimumSeverity for images without a digest) are reported as notes

Registry data: requiredSignatures (cosign .sig or Sigstore bundle, key-based), maxImageSize, allowedPlatforms
and minimumSeverity of tagged images look images up in their registries, like \`regdoctor probe\`, once per image.
A registry failure is a violation of the rule that needed it, naming the cause code (e.g. UNAUTHORIZED).
Vulnerability data also comes from VulnerabilityReports in a --snapshot, or in the live cluster (trivy-operator).

${REGISTRY_HELP}

Exit codes: 0 no violations, or warn-mode ones only; 1 enforce-mode violations; 2 error (bad policy, bad input).
See docs/policy.md.
`;

const { platform: _platform, ...registryFlags } = REGISTRY_FLAGS;
export const outputs: readonly OutputFormat[] = ['text', 'json', 'yaml'];
export const subcommands = ['check'] as const;
export const flags = {
  ...registryFlags,
  ...ENGINE_FLAGS,
  policy: { type: 'string', multiple: true },
  filename: { type: 'string', short: 'f', multiple: true },
  snapshot: { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface Target extends PolicyObject {
  kind: string;
}

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  const [sub, ...extra] = positionals;
  if (sub !== 'check') {
    throw new UsageError(
      sub === undefined
        ? 'policy needs a subcommand: check (see --help)'
        : `unknown policy subcommand "${sub}"`,
    );
  }
  if (extra.length)
    throw new UsageError(`policy check takes no arguments (got ${extra.join(' ')}); use -f FILE`);
  if (!values.policy?.length) throw new UsageError('policy check needs at least one --policy FILE');
  const format = outputFormat(values.output, outputs);
  const files = values.filename ?? [];
  if (files.length) {
    const clash = ['snapshot', 'kubeconfig', 'context'].filter(
      (k) => values[k as keyof typeof values] !== undefined,
    );
    if (clash.length)
      throw new UsageError(`-f reads manifests: it cannot be combined with --${clash.join(' or --')}`);
  }
  const vulnFiles = values.vulns ?? [];
  const stdinUsers = [...values.policy, ...files, ...vulnFiles, values.snapshot].filter((p) => p === '-');
  if (stdinUsers.length + (values['password-stdin'] ? 1 : 0) > 1) {
    throw new UsageError(
      "only one of --policy, -f, --snapshot, --vulns and --password-stdin can read stdin ('-')",
    );
  }
  if (values.offline)
    rejectWithOffline(values, [
      'docker-config',
      'username',
      'password-stdin',
      'ca-file',
      'insecure-skip-tls-verify',
      'plain-http',
      'insecure-skip-tls-verify-registry',
      'plain-http-registry',
      'timeout',
    ]);

  const [{ loadPolicies, manifestsFrom }, { readInputs, decodeDocuments }, { createPolicyEngine }] =
    await Promise.all([
      import('../../policy/load.ts'),
      import('../../util/documents.ts'),
      import('../../policy/engine.ts'),
    ]);
  const policies = await loadPolicies(values.policy);

  let targets: Target[];
  let labels: (ns: string) => Record<string, string> | undefined = () => undefined;
  let ignored = 0;
  let source: string;
  const vulnSources: LoadedReports[] = [];
  const wantsVulns = policies.some((p) => p.minimumSeverity !== null);
  const vuln = await import('../../vuln/index.ts');
  if (vulnFiles.length) vulnSources.push(await vuln.loadReportFiles(vulnFiles));
  if (files.length) {
    const manifests = manifestsFrom(await readInputs(files));
    targets = manifests.objects.map((o) => ({ ...o, kind: o.kind ?? 'Pod' }));
    labels = (ns) => manifests.namespaceLabels.get(ns);
    ignored = manifests.ignored;
    source = files.map((f) => (f === '-' ? '(stdin)' : f)).join(', ');
  } else {
    const { chooseSource } = await import('../../cluster/index.ts');
    const src = chooseSource({
      snapshot: values.snapshot,
      kubeconfig: values.kubeconfig,
      context: values.context,
    });
    const state = await src.load({ namespace: values.namespace ?? null, secrets: false });
    source = state.source;
    targets = topLevel([
      ...state.pods.map((p) => ({ ...p, kind: 'Pod' })),
      ...[...state.workloads.values()].map((w) => ({ ...w, kind: w.kind })),
    ]);
    if (wantsVulns && values.snapshot !== undefined && values.snapshot !== '-') {
      // The snapshot loader keeps workloads only; its VulnerabilityReports are read from the same files.
      const docs = (await readInputs([values.snapshot])).flatMap((i) => decodeDocuments(i));
      const found = vuln.reportsFromObjects(docs);
      if (found.reports.length || found.warnings.length) vulnSources.push(found);
    } else if (wantsVulns && values.snapshot === undefined) {
      const { listVulnerabilityReports } = await import('../../vuln/live.ts');
      const found = await listVulnerabilityReports({
        kubeconfig: values.kubeconfig,
        context: values.context,
        namespace: values.namespace ?? null,
      });
      if (found.reports.length || !found.warnings.length) vulnSources.push(found);
      else found.warnings.forEach(warn);
    }
  }
  const vulnerabilities = await vulnerabilityIndex(vulnSources, warn);

  const registry =
    values.offline || !needsRegistry(policies, vulnerabilities) ? null : await registryFor(values, targets);
  const engine = createPolicyEngine({
    policies,
    offline: registry === null,
    vulnerabilities,
    registry: registry ?? undefined,
  });
  const all: Evaluation = { violations: [], notes: [] };
  try {
    const options = { defaultNamespace: values.namespace ?? 'default', namespaceLabels: labels };
    const results = await mapLimited(targets, 8, (t) => engine.evaluate(t, options));
    const noteKeys = new Set<string>();
    for (const r of results) {
      all.violations.push(...r.violations);
      for (const n of r.notes) {
        const k = `${n.policy}\0${n.rule}\0${n.message}`;
        if (!noteKeys.has(k)) {
          noteKeys.add(k);
          all.notes.push(n);
        }
      }
    }
  } finally {
    engine.close();
    await registry?.session?.close();
  }
  const enforce = all.violations.filter((v) => v.mode === 'enforce').length;
  const summary = {
    source,
    policies: policies.length,
    objects: targets.length,
    ignored,
    ...(vulnerabilities ? { vulnerabilityReports: vulnerabilities.reports.length } : {}),
    violations: all.violations.length,
    enforce,
    warn: all.violations.length - enforce,
  };
  const result = { violations: all.violations, notes: all.notes, summary };
  writeStdout(
    format === 'json'
      ? `${JSON.stringify(result, null, 2)}\n`
      : format === 'yaml'
        ? await yamlOf(result)
        : renderText(all.violations, all.notes, summary),
  );
  return enforce > 0 ? EXIT.problem : EXIT.ok;
};
export default run;

/** The probe's registry context, with --insecure-skip-tls-verify and --plain-http scoped to the images' registries. */
async function registryFor(
  values: Parameters<typeof registryContext>[0],
  targets: Target[],
): Promise<import('../../policy/facts.ts').RegistryOptions> {
  const { imageRegistries } = await import('../../policy/evaluate.ts');
  const ctx = await registryContext(values, imageRegistries(targets));
  return { session: ctx.session, credentials: ctx.credentials, plainHttp: ctx.plainHttp };
}

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * In a cluster a Deployment's violation would otherwise be reported again on its ReplicaSet and every pod: an
 * object whose controlling owner was loaded too is left to that owner.
 */
function topLevel(objects: Target[]): Target[] {
  const id = (ns: string | undefined, kind: string, name: string) => `${ns ?? ''}/${kind}/${name}`;
  const present = new Set(objects.map((o) => id(o.metadata.namespace, o.kind, o.metadata.name)));
  return objects.filter((o) => {
    const owners = (
      o.metadata as { ownerReferences?: { kind: string; name: string; controller?: boolean }[] | null }
    ).ownerReferences;
    const owner = owners?.find((r) => r.controller) ?? null;
    return owner === null || !present.has(id(o.metadata.namespace, owner.kind, owner.name));
  });
}

function renderText(
  violations: Violation[],
  notes: Note[],
  s: { policies: number; objects: number; violations: number; enforce: number; warn: number },
): string {
  const lines: string[] = [];
  for (const v of violations) {
    const where = v.containerType === 'container' ? v.container : `${v.container} (${v.containerType})`;
    lines.push(
      `${v.mode === 'enforce' ? 'DENY' : 'WARN'}  ${v.kind} ${v.namespace}/${v.name}  ${where}  [${v.policy}/${v.rule}]`,
      `      ${v.message}`,
    );
  }
  for (const n of notes) lines.push(`note: policy ${n.policy}: ${n.rule} ${n.message}`);
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  const what = `${plural(s.objects, 'object')}, ${s.policies} ${s.policies === 1 ? 'policy' : 'policies'}`;
  lines.push(
    s.violations === 0
      ? `no violations (${what})`
      : `${plural(s.violations, 'violation')}: ${s.enforce} enforce, ${s.warn} warn (${what})`,
  );
  return `${lines.join('\n')}\n`;
}
