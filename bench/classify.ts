// Section 7: the classifier — throughput on real and composed messages, and how its time grows with crafted input
// (linear: the time per KiB must not grow as the input does).
import { classify } from '../src/classify/index.ts';
import { RULES } from '../src/classify/rules/index.ts';
import { CORPUS } from '../test/classify/corpus.ts';
import { hostileMessages, ruleWords } from '../test/classify/hostile-input.ts';
import { ANSWERS, OUTER, TRANSPORT, TRANSPORT_WRAPPERS, answerMessages } from '../test/classify/sourced.ts';
import { median } from './stats.ts';
import { table, type Target } from './table.ts';

/** Past this growth of the time per KiB from 1 KiB to 16 KiB, some pattern is super-linear. */
export const GROWTH_TARGET = 2;

function timeEach(messages: readonly string[], runs: number): number {
  const per: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    for (const m of messages) classify(m);
    per.push((performance.now() - t) / messages.length);
  }
  return median(per);
}

function composed(): string[] {
  const out: string[] = [];
  for (const t of TRANSPORT)
    for (const w of TRANSPORT_WRAPPERS) for (const o of OUTER) out.push(o.wrap(w.wrap(t.error)));
  for (const a of ANSWERS)
    for (const m of answerMessages(a)) for (const o of OUTER) out.push(o.wrap(m.message));
  return out;
}

export function classifySection(runs: number): { text: string; targets: Target[] } {
  const real = CORPUS.map((e) => e.message);
  const sourced = composed();
  timeEach(real, 1);
  const rows = [
    [
      'hand corpus (real-world wordings)',
      String(real.length),
      `${(timeEach(real, runs) * 1000).toFixed(0)} µs`,
    ],
    [
      'composed from the format strings',
      String(sourced.length),
      `${(timeEach(sourced, runs) * 1000).toFixed(0)} µs`,
    ],
  ];
  const words = ruleWords(RULES);
  const sizes = [1024, 4096, 16384];
  const perKiB = sizes.map((n) => {
    const msgs = hostileMessages(words, n);
    return (timeEach(msgs, Math.max(1, Math.floor(runs / 2))) / (n / 1024)) * 1000;
  });
  const growth = (perKiB[2] ?? NaN) / (perKiB[0] ?? NaN);
  const scale = table(
    ['crafted input (every rule’s words, repeated)', ...sizes.map((n) => `${n / 1024} KiB`)],
    [['µs per KiB', ...perKiB.map((x) => x.toFixed(0))]],
  );
  return {
    text: `${table(['messages', 'n', 'median per message'], rows)}\n${scale}`,
    targets: [
      {
        what: `classify time per KiB grows ≤ ${GROWTH_TARGET}× from 1 to 16 KiB of crafted input`,
        measured: `${growth.toFixed(2)}×`,
        met: growth <= GROWTH_TARGET,
      },
    ],
  };
}
