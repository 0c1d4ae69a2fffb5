// Runs the kubectl commands remediation prints, as pasted, against the objects they target — without a cluster.
// A bash function named `kubectl` stands in front of the real one: `create` runs with --dry-run=client, `patch`
// with --local on the object's JSON file, `get … -o json` prints that file, `get … -o jsonpath=…` evaluates the
// template with the real kubectl on it, `replace -f -`/`apply -f -` print what they would send. Anything else (a
// rollout, a delete, a describe) needs a cluster and exits 97, so every command is either run for real or named
// as not runnable here.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Exit code of the stand-in for commands that need a cluster. */
export const NEEDS_CLUSTER = 97;

const WRAPPER = fileURLToPath(new URL('./kubectl-sandbox.sh', import.meta.url));

export interface SandboxResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Obj = Record<string, unknown>;

export interface Sandbox {
  /** The objects as they are now, keyed `kind/name` (kind in lower case, as kubectl takes it). */
  objects: Map<string, Obj>;
  /** Stores an object (what a command left behind) for the next commands. */
  put(o: Obj): Promise<void>;
  /** Runs one command line with bash, the stand-in kubectl in front. */
  run(command: string, env?: Record<string, string>): Promise<SandboxResult>;
  close(): Promise<void>;
}

export const keyOf = (o: Obj) => `${String(o.kind).toLowerCase()}/${(o.metadata as { name: string }).name}`;

/** Objects with kind and metadata; each becomes `kind.namespace.name.json` for the stand-in to find. */
export async function sandbox(objects: Obj[]): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'regdoctor-kubectl-'));
  const map = new Map<string, Obj>();
  const put = async (o: Obj) => {
    const meta = o.metadata as { name: string; namespace?: string };
    const file = `${String(o.kind).toLowerCase()}.${meta.namespace ?? 'default'}.${meta.name}.json`;
    await writeFile(join(dir, file), JSON.stringify(o));
    map.set(keyOf(o), o);
  };
  for (const o of objects) await put(structuredClone(o));
  return {
    objects: map,
    put,
    run: (command, env = {}) =>
      new Promise((resolve) => {
        execFile(
          'bash',
          ['-c', `source ${JSON.stringify(WRAPPER)}\n${command}`],
          {
            env: { PATH: process.env.PATH, HOME: dir, OBJECTS: dir, ...env },
            timeout: 30_000,
            killSignal: 'SIGKILL',
            encoding: 'utf8',
          },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
      }),
    close: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * The kubectl commands (with their pipelines) in a remediation step. A command runs from `kubectl` to the end of
 * the step, or to an unquoted `,` or `;` ending a word, or to a word opening a parenthesis: the way prose goes on
 * around a command in the steps.
 */
export function commandsIn(step: string): string[] {
  const out: string[] = [];
  const start = /(?:^|[\s(:])kubectl\s/g;
  for (let m = start.exec(step); m; m = start.exec(step)) {
    let i = m.index + (m[0].startsWith('kubectl') ? 0 : 1);
    const begin = i;
    let end = step.length;
    let quote: string | null = null;
    let wordStart = true;
    for (; i < step.length; i++) {
      const c = step[i]!;
      if (quote) {
        if (c === quote) quote = null;
        else if (c === '\\' && quote === '"') i++;
        continue;
      }
      if (c === "'" || c === '"') {
        quote = c;
        wordStart = false;
        continue;
      }
      if (wordStart && c === '(') {
        end = i;
        break;
      }
      if ((c === ',' || c === ';') && (i + 1 === step.length || step[i + 1] === ' ')) {
        end = i;
        break;
      }
      wordStart = c === ' ';
    }
    out.push(step.slice(begin, end).trim());
    start.lastIndex = end;
  }
  return out;
}
