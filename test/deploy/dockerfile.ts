// A Dockerfile read as far as the image tests need: stages and their instructions.
export interface Instruction {
  op: string;
  args: string;
}
export interface Stage {
  from: string;
  name: string | null;
  steps: Instruction[];
}

/** Stages and their instructions; continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): Stage[] {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  const stages: Stage[] = [];
  for (const raw of lines) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile: cannot read ${JSON.stringify(line)}`);
    const [op, args] = [m[1]!, m[2]!];
    if (op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: f![1]!, name: f![2] ?? null, steps: [] });
    } else {
      if (!stages.length) throw new Error('Dockerfile: an instruction before FROM');
      stages.at(-1)!.steps.push({ op, args });
    }
  }
  return stages;
}
