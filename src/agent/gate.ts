// What an agent refuses to probe. A check makes a node open connections to the image's registry and report what
// it saw, so the cluster's own ImagePolicy allow-lists decide which registries a check may name: creating a check
// must not turn the nodes into a port scanner for anything the cluster would not pull from anyway.
import { evaluateLocal } from '../policy/evaluate.ts';
import type { ImagePolicy } from '../policy/model.ts';
import { tryParseReference } from '../reference/index.ts';

/** The registry rules: the ones that say where images may come from (not how they must be tagged or signed). */
const REGISTRY_RULES = new Set(['allowedRegistries', 'blockedImages', 'validReference']);

export interface GateOptions {
  /** Refuse every check unless some ImagePolicy in force has an allow-list (`--require-allow-list`). */
  requireAllowList?: boolean;
}

/**
 * Why the agent refuses to probe `image` for a check in `namespace`, or null. With a namespace, the policies that
 * apply there decide (as for a pod in it); without one, every enforcing policy applies whatever its namespace scope.
 * Warn-mode policies do not refuse.
 */
export function refusal(
  policies: readonly ImagePolicy[],
  image: string,
  namespace: string | undefined,
  opts: GateOptions = {},
): string | null {
  if (tryParseReference(image) === null) return `${JSON.stringify(image)} is not a valid image reference`;
  const enforcing = policies.filter((p) => p.mode === 'enforce');
  if (opts.requireAllowList && !enforcing.some((p) => p.allowedRegistries !== null)) {
    return 'this agent runs with --require-allow-list and no enforcing ImagePolicy has allowedRegistries';
  }
  const scoped =
    namespace !== undefined
      ? enforcing
      : enforcing.map((p) => ({ ...p, namespaces: null, excludedNamespaces: [], namespaceSelector: null }));
  const { evaluation } = evaluateLocal(scoped, {
    kind: 'Pod',
    metadata: { name: 'imagepullcheck', namespace: namespace ?? 'default' },
    spec: { containers: [{ name: 'check', image }] },
  });
  const hit = evaluation.violations.find((v) => REGISTRY_RULES.has(v.rule));
  return hit ? `ImagePolicy ${hit.policy}: ${hit.message}` : null;
}
