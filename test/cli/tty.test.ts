// Colour rules on a real terminal (util-linux `script` gives the CLI a pseudo-TTY): colour for text on a TTY,
// none with NO_COLOR or TERM=dumb, and never in JSON.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { useFixture } from '../helpers/fixture.ts';
import { needs, SCRIPT } from '../helpers/tools.ts';
import { closedPort } from '../helpers/ports.ts';
import { buildCli, type Cli } from './cli.ts';

/** Runs the CLI with a pseudo-terminal as stdout and stderr; returns what the terminal showed. */
function onTty(
  cli: Cli,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string }> {
  // Every argument here is a plain word or an image reference: no shell quoting needed beyond spaces.
  const command = [process.execPath, cli.bin, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(SCRIPT.path, ['-qec', command, '/dev/null'], {
      env: { PATH: process.env.PATH, HOME: cli.home, TERM: 'xterm-256color', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('regdoctor on a terminal', needs(SCRIPT), () => {
  const fx = useFixture();
  let cli: Cli;
  let image: string;

  before(async () => {
    cli = await buildCli(fx);
    image = `127.0.0.1:${await closedPort()}/team/app:1`;
  });

  test('text is coloured on a TTY; NO_COLOR and TERM=dumb turn it off; JSON never has it', async () => {
    const [text, noColor, dumb, json, inspectJson] = await Promise.all([
      onTty(cli, ['probe', image, '--verbose']),
      onTty(cli, ['probe', image], { NO_COLOR: '1' }),
      onTty(cli, ['probe', image], { TERM: 'dumb' }),
      onTty(cli, ['probe', image, '-o', 'json', '--verbose']),
      onTty(cli, ['inspect', image, '-o', 'json']),
    ]);
    for (const r of [text, noColor, dumb, json, inspectJson]) assert.equal(r.code, 1, r.out);
    assert.ok(text.out.includes('\x1b[31m'), `red on a terminal:\n${text.out}`);
    assert.match(text.out, /CONNECTION_REFUSED/);
    for (const r of [noColor, dumb, json, inspectJson]) {
      assert.ok(!r.out.includes('\x1b'), `no escape codes:\n${r.out}`);
      assert.match(r.out, /CONNECTION_REFUSED/);
    }
  });
});
