// Finds the shell commands inside a remediation step ("Create a pull secret: kubectl create secret …, then …"), so
// a report can offer exactly the command for copying. Remediation is written as one line of prose per step with
// commands after a colon; this reads that convention back rather than changing the contract of `remediation`.

/** A remediation step cut into prose and the commands in it, in order; joined, the parts give the step back. */
export type StepPart = { text: string } | { command: string };

/** Programs whose invocations remediation spells out. A word not listed here is never taken for a command. */
const PROGRAMS = new Set([
  'az',
  'chronyc',
  'cosign',
  'crane',
  'crictl',
  'ctr',
  'curl',
  'df',
  'docker',
  'getent',
  'helm',
  'ip',
  'journalctl',
  'jq',
  'kind',
  'kubectl',
  'minikube',
  'openssl',
  'regdoctor',
  'skopeo',
  'systemctl',
  'timedatectl',
  'update-ca-certificates',
]);

/** Where a command may begin: the start of the step, after "(", or after ": ", "; " or ", " (a list of them). */
function startsCommand(step: string, at: number): boolean {
  const after =
    at === 0 || step[at - 1] === '(' || (step[at - 1] === ' ' && ':;,'.includes(step[at - 2] ?? '-'));
  if (!after) return false;
  const word = /^[\w.-]+/.exec(step.slice(at, at + 40))?.[0] ?? '';
  // A lone program name followed by prose ("kubectl (…)") is not a command; one followed by an argument is.
  return PROGRAMS.has(word) && /^(?: [^\s(]|$|;)/.test(step.slice(at + word.length));
}

/**
 * Where the command starting at `from` ends: at ", " or "; " or " (" or an unmatched ")" outside quotes, or at
 * the end of the step. Pipes and `&&` stay inside: they are part of one command line.
 */
function commandEnd(step: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < step.length; i++) {
    const c = step[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if ((c === ',' || c === ';') && step[i + 1] === ' ') return i;
    else if (c === ' ' && step[i + 1] === '(') return i;
    else if (c === ')') return i;
  }
  return step.length;
}

/** Splits one remediation step into prose and commands. Steps without a command come back as one text part. */
export function stepParts(step: string): StepPart[] {
  const parts: StepPart[] = [];
  let text = '';
  let i = 0;
  while (i < step.length) {
    if (!startsCommand(step, i)) {
      text += step[i++];
      continue;
    }
    let end = commandEnd(step, i);
    // A full stop closing the sentence is not part of the command ("--push ." is).
    if (end === step.length && step.endsWith('.') && step[end - 2] !== ' ') end--;
    const command = step.slice(i, end).trimEnd();
    if (text) parts.push({ text });
    parts.push({ command });
    text = step.slice(i + command.length, end);
    i = end;
  }
  if (text) parts.push({ text });
  return parts;
}
