// The time a snapshot describes: its newest timestamp. Ages in an old support bundle must be measured against the
// moment it was taken, not against the wall clock, or every pull in progress then looks stuck for months. Node
// heartbeats (every few minutes on a healthy cluster) and event times make the newest timestamp a close bound.
import { parseTime } from './normalize.ts';
import type { ClusterState } from './types.ts';

type Loose = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function newestIn(times: (string | undefined | null)[], into: { t: number }): void {
  for (const s of times) {
    const t = parseTime(s);
    if (t > into.t) into.t = t;
  }
}

function containerTimes(statuses: unknown): string[] {
  if (!Array.isArray(statuses)) return [];
  const out: string[] = [];
  for (const c of statuses as Loose[]) {
    for (const st of [c.state, c.lastState] as (Loose | undefined)[]) {
      const running = st?.running as Loose | undefined;
      const terminated = st?.terminated as Loose | undefined;
      for (const v of [running?.startedAt, terminated?.startedAt, terminated?.finishedAt]) {
        const s = str(v);
        if (s) out.push(s);
      }
    }
  }
  return out;
}

/** Milliseconds since the epoch of the newest timestamp in the state; 0 when it has none. */
export function newestTimestamp(state: ClusterState): number {
  const into = { t: 0 };
  for (const e of state.events) if (e.lastSeen > into.t) into.t = e.lastSeen;
  for (const p of state.pods) {
    const status = p.status as Loose;
    newestIn(
      [
        p.metadata.creationTimestamp,
        p.status.startTime,
        ...containerTimes(status.initContainerStatuses),
        ...containerTimes(status.containerStatuses),
        ...containerTimes(status.ephemeralContainerStatuses),
      ],
      into,
    );
  }
  for (const n of state.nodes.values()) {
    const conditions = (n.status.conditions ?? []) as Loose[];
    newestIn(
      [
        n.metadata.creationTimestamp,
        ...conditions.flatMap((c) => [str(c.lastHeartbeatTime), str(c.lastTransitionTime)]),
      ],
      into,
    );
  }
  for (const m of [state.secrets, state.serviceAccounts, state.workloads])
    for (const o of m.values()) newestIn([o.metadata.creationTimestamp], into);
  return into.t;
}
