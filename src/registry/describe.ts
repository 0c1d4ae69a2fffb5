// One-line summaries of what the client saw while connecting and authenticating, for the steps it reports.
import type { StageReport } from '../transport/http.ts';
import type { AuthState, PingResult } from './auth.ts';

export function stageSummary(s: StageReport): string {
  const d = s.detail;
  if (!s.ok) return String(d.error ?? `${s.stage} failed`);
  const via = d.proxy ? ` via proxy ${d.proxy}` : '';
  if (s.stage === 'dns') return `${d.host} → ${(d.addresses as string[]).join(', ')}${via}`;
  if (s.stage === 'connect') return `connected to ${d.address}${via}`;
  const cert = d.subject
    ? `${d.protocol ?? 'TLS'}; ${d.subject}; issuer ${d.issuer}; expires ${String(d.validTo).slice(0, 10)} (${d.expiresInDays} days)`
    : 'TLS established';
  return d.verification ? `${cert}; ${d.verification}: ${d.ignoredProblem}` : cert;
}

export function pingSummary(ping: PingResult, root: URL): string {
  const schemes = ping.challenges.map((c) => c.scheme).join(', ') || 'no challenge';
  return `${ping.status} from ${root.href}${ping.status === 401 ? ` (${schemes})` : ''}`;
}

export function authSummary(state: AuthState, scope: string): string {
  switch (state.kind) {
    case 'anonymous':
      return 'no authentication required';
    case 'basic':
      return `Basic auth accepted for ${state.credential.label}`;
    case 'bearer':
      return `Bearer token for ${scope} (${state.credential?.label ?? 'anonymous'}${state.grantedActions ? `; grants [${state.grantedActions.join(',')}]` : ''})`;
  }
}
