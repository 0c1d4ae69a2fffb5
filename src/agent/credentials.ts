// The credentials a check's probe uses: those the kubelet would use. The agent reads only the secrets the check
// names (or the pod it names lists) and matches them with the kubelet's keyring rules (diagnose's pull-secret
// audit). An agent without access to secrets (the base RBAC) probes anonymously and says so.
import { normalize } from '../cluster/normalize.ts';
import { StatusError } from '../cluster/live-call.ts';
import type { Pod } from '../cluster/types.ts';
import { auditSecrets, podCredentialSource } from '../diagnose/index.ts';
import type { CredentialSource } from '../registry/auth.ts';
import type { CheckApi } from './api.ts';
import type { ImagePullCheck } from './check.ts';

export type CheckCredentials =
  { source: CredentialSource; note: string | null } | { refused: string } | { failed: string };

const anonymous =
  (summary: string): CredentialSource =>
  async () => ({ candidates: [], summary, detail: {} });

const forbidden = (err: unknown) => err instanceof StatusError && err.code === 403;

export async function checkCredentials(
  api: Pick<CheckApi, 'read'>,
  check: ImagePullCheck,
  node: string,
  now = Date.now(),
): Promise<CheckCredentials> {
  const { namespace, pullSecrets, podRef, image } = check.spec;
  if (namespace === undefined || (!pullSecrets?.length && !podRef)) {
    return { source: anonymous('the check names no pull secrets; pulling anonymously'), note: null };
  }
  let pod: unknown;
  if (podRef) {
    try {
      pod = await api.read('pod', namespace, podRef.name);
    } catch (err) {
      return { failed: `cannot read pod ${namespace}/${podRef.name}: ${(err as Error).message}` };
    }
    if (pod === null) return { failed: `pod ${namespace}/${podRef.name} not found` };
    const on = (pod as { spec?: { nodeName?: unknown } }).spec?.nodeName;
    // As the node authorizer limits a kubelet to its own pods' secrets, an agent uses only its own pods' secrets.
    if (on !== node) {
      return {
        refused: `pod ${namespace}/${podRef.name} runs on ${typeof on === 'string' && on ? `node ${on}` : 'no node'}, not on ${node}`,
      };
    }
  } else {
    pod = {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: `imagepullcheck-${check.name}`, namespace },
      spec: { containers: [{ name: 'check', image }], imagePullSecrets: pullSecrets, nodeName: node },
    };
  }
  const names = ((pod as Pod).spec?.imagePullSecrets ?? []).map((r) => r.name ?? '').filter(Boolean);
  const secrets: unknown[] = [];
  for (const name of names) {
    try {
      const s = await api.read('secret', namespace, name);
      if (s !== null) secrets.push(s);
    } catch (err) {
      if (!forbidden(err))
        return { failed: `cannot read secret ${namespace}/${name}: ${(err as Error).message}` };
      return {
        source: anonymous(
          `this agent may not read secrets (RBAC; deploy/agent/read-secrets grants it); pulling anonymously instead of with ${names.map((n) => `${namespace}/${n}`).join(', ')}`,
        ),
        note: 'secrets not readable: probed anonymously',
      };
    }
  }
  const state = normalize([pod, ...secrets], { scope: { namespace, secrets: true }, source: 'agent' });
  const parsed = state.pods[0];
  if (!parsed) return { failed: `pod ${namespace}/${podRef?.name ?? ''} could not be read as a pod` };
  const audit = auditSecrets(state, parsed, image, { now });
  return { source: podCredentialSource(audit), note: null };
}
