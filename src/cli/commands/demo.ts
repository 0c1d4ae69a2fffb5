import { EXIT, helpText, parseFlags, useColour, type Command } from '../command.ts';
import { writeStdout } from '../../output/index.ts';

const HELP = `Usage: regdoctor demo

Starts throwaway registries on 127.0.0.1 (needs docker-registry on PATH; without it, runs only the cases that
need no registry), pushes a few images, and shows the probe's verdict on healthy and broken cases: a missing
tag, a missing repository, a platform mismatch, HTTP vs HTTPS, missing and wrong credentials, DNS, a closed port.
Everything it starts is stopped and removed at the end.
`;

export const flags = { help: { type: 'boolean', short: 'h' } } as const;

const run: Command = async (argv) => {
  const { values } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  const { runDemo } = await import('../../demo/run.ts');
  return (await runDemo(useColour())) === 0 ? EXIT.ok : EXIT.problem;
};
export default run;
