// Kubelet messages are copied into findings verbatim, and a registry or proxy can echo a credential into one (a URL
// with userinfo, say). They are redacted here in one pass per scan: redact() costs about the same for one line as for
// thousands, so line-by-line redaction would dominate a large scan. The state's pull secrets are registered first so
// that every value the kubelet could have sent is known.
import type { ClusterEvent, ClusterState } from '../cluster/types.ts';
import { redact } from '../credentials/index.ts';
import { registerStateSecrets } from './secrets.ts';
import type { Candidate } from './types.ts';

export function scrubCandidates(state: ClusterState, candidates: Candidate[]): Candidate[] {
  if (candidates.length === 0) return candidates;
  registerStateSecrets(state);
  const texts = new Set<string>();
  for (const c of candidates) {
    if (c.waiting) texts.add(c.waiting.message);
    texts.add(c.best.message);
    for (const e of c.events) texts.add(e.message);
  }
  const joined = [...texts].join('\n');
  if (redact(joined) === joined) return candidates.map((c) => ({ ...c, scrubbed: true }));

  const clean = new Map<string, string>();
  const r = (t: string) => {
    let v = clean.get(t);
    if (v === undefined) clean.set(t, (v = redact(t)));
    return v;
  };
  const ev = (e: ClusterEvent): ClusterEvent =>
    r(e.message) === e.message ? e : { ...e, message: r(e.message) };
  return candidates.map((c) => ({
    ...c,
    waiting: c.waiting ? { ...c.waiting, message: r(c.waiting.message) } : null,
    best: { ...c.best, message: r(c.best.message), ...(c.best.event ? { event: ev(c.best.event) } : {}) },
    events: c.events.map(ev),
    scrubbed: true,
  }));
}
