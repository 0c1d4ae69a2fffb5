// `regdoctor completion bash|zsh|fish` and the kubectl plugin name: the bash script is sourced into bash and its
// function called with COMP_WORDS, fish is asked with `complete -C`, zsh checks and registers the script; the
// expected words come from the command modules themselves. Run as kubectl-regdoctor (by a real kubectl), help
// and usage lines say `kubectl regdoctor`.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { helpText, programName } from '../../src/cli/command.ts';
import { COMMANDS, type CommandModule } from '../../src/cli/commands.ts';
import { useFixture } from '../helpers/fixture.ts';
import { BASH, FISH, KUBECTL, needs, ZSH } from '../helpers/tools.ts';
import { buildCli, show, type Cli } from './cli.ts';

const sorted = (xs: Iterable<string>) => [...xs].sort();
const longFlags = (m: CommandModule) => Object.keys(m.flags).map((f) => `--${f}`);

describe('shell completion and the kubectl plugin name', needs(BASH, ZSH, FISH, KUBECTL), () => {
  const fx = useFixture();
  let cli: Cli;
  const scripts: Record<string, string> = {};
  const modules: Record<string, CommandModule> = {};
  let files: string;

  before(async () => {
    cli = await buildCli(fx);
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await cli.run(['completion', shell]);
      assert.equal(r.code, 0, show(r));
      scripts[shell] = join(await fx.subdir(shell), `regdoctor.${shell}`);
      await writeFile(scripts[shell]!, r.stdout);
    }
    for (const [name, c] of Object.entries(COMMANDS)) modules[name] = await c.load();
    files = await fx.subdir('files');
    await writeFile(join(files, 'config.json'), '{}');
    await writeFile(join(files, 'ca.pem'), '');
  });

  /** COMPREPLY for the words (the last is the word being completed), as bash computes it. */
  function bash(words: string[], env: NodeJS.ProcessEnv = {}): string[] {
    const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
    const r = spawnSync(
      BASH.path,
      [
        '--norc',
        '-c',
        `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _regdoctor; printf '%s\\n' "\${COMPREPLY[@]}"`,
        'bash',
        scripts.bash!,
      ],
      { encoding: 'utf8', cwd: files, env: { PATH: process.env.PATH, HOME: cli.home, ...env } },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout.split('\n').filter(Boolean);
  }

  /** What fish offers for a command line (the candidates, without their descriptions). */
  function fish(line: string): string[] {
    const r = spawnSync(
      FISH.path,
      ['--no-config', '-c', `source $argv[1]; complete -C ${JSON.stringify(line)}`, scripts.fish!],
      {
        encoding: 'utf8',
        cwd: files,
        env: { PATH: process.env.PATH, HOME: cli.home },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    return r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('\t')[0]!);
  }

  test('bash: the first word is a command', () => {
    assert.deepEqual(
      sorted(bash(['regdoctor', ''])),
      sorted([...Object.keys(COMMANDS), 'completion', '--help', '--version']),
    );
    assert.deepEqual(bash(['regdoctor', 'pro']), ['probe']);
    assert.deepEqual(bash(['regdoctor', 'comp']), ['completion']);
  });

  test('bash: every command offers exactly its own flags, and its own -o formats', () => {
    for (const [name, m] of Object.entries(modules)) {
      assert.deepEqual(sorted(bash(['regdoctor', name, '--'])), sorted(longFlags(m)), name);
      if (m.outputs) {
        assert.deepEqual(bash(['regdoctor', name, '-o', '']), [...m.outputs], name);
        assert.deepEqual(bash(['regdoctor', name, '--output', '']), [...m.outputs], name);
      }
    }
    assert.deepEqual(bash(['regdoctor', 'scan', '-o', 'w']), ['wide']);
    assert.ok(bash(['regdoctor', 'scan', '--no-h']).includes('--no-headers'));
  });

  test('bash: --flag=value (bash splits at "="), enumerated values, files and kubeconfig contexts', async () => {
    assert.deepEqual(bash(['regdoctor', 'scan', '--output', '=', 'y']), ['yaml']);
    assert.deepEqual(
      sorted(bash(['regdoctor', 'probe', '--output', '=', ''])),
      sorted(modules.probe!.outputs!),
    );
    assert.deepEqual(bash(['regdoctor', 'verify', '--signature-format', '']), ['classic', 'bundle', 'any']);
    assert.deepEqual(bash(['regdoctor', 'alerts', '--format', 's']), ['servicemonitor']);
    assert.ok(bash(['regdoctor', 'probe', '--platform', 'linux/ar']).includes('linux/arm64'));
    assert.deepEqual(bash(['regdoctor', 'probe', '--docker-config', 'con']), ['config.json']);
    assert.deepEqual(bash(['regdoctor', 'scan', '--ca-file', '']).sort(), ['ca.pem', 'config.json']);
    // A value nobody can guess gets no suggestion (not the flags, not files).
    assert.deepEqual(bash(['regdoctor', 'probe', '--timeout', '']), []);
    const kubeconfig = join(files, 'kubeconfig');
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:1' } }],
        users: [{ name: 'u', user: {} }],
        contexts: ['prod-eu', 'prod-us', 'staging'].map((name) => ({
          name,
          context: { cluster: 'c', user: 'u' },
        })),
        'current-context': 'staging',
      }),
    );
    assert.deepEqual(bash(['regdoctor', 'scan', '--context', 'prod'], { KUBECONFIG: kubeconfig }), [
      'prod-eu',
      'prod-us',
    ]);
  });

  test('bash: positional words (policy check, completion shells) only where a positional goes', () => {
    assert.deepEqual(bash(['regdoctor', 'policy', '']), ['check']);
    assert.deepEqual(
      bash(['regdoctor', 'policy', '-o', 'json', '']),
      ['check'],
      'a flag value is not a positional',
    );
    assert.deepEqual(bash(['regdoctor', 'policy', 'check', '']), []);
    assert.deepEqual(bash(['regdoctor', 'completion', '']), ['bash', 'zsh', 'fish']);
    assert.deepEqual(bash(['regdoctor', 'probe', '']), []);
  });

  test('fish: the script parses, and complete -C offers commands, flags and values', () => {
    const r = spawnSync(FISH.path, ['--no-config', '-n', scripts.fish!], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(sorted(fish('regdoctor ')), sorted([...Object.keys(COMMANDS), 'completion']));
    // fish sorts what it offers.
    assert.deepEqual(fish('regdoctor probe -o '), sorted(modules.probe!.outputs!));
    assert.deepEqual(
      fish('regdoctor scan --output='),
      sorted(modules.scan!.outputs!.map((o) => `--output=${o}`)),
    );
    assert.ok(fish('regdoctor scan --no-').includes('--no-headers'));
    assert.deepEqual(fish('regdoctor completion '), ['bash', 'fish', 'zsh']);
    assert.deepEqual(fish('kubectl-regdoctor pod -o '), sorted(modules.pod!.outputs!), 'the plugin name too');
  });

  test('zsh: the script parses, and compinit registers it for both names', () => {
    const n = spawnSync(ZSH.path, ['-n', scripts.zsh!], { encoding: 'utf8' });
    assert.equal(n.status, 0, n.stderr);
    const r = spawnSync(
      ZSH.path,
      [
        '-f',
        '-c',
        'autoload -U compinit && compinit -u -D; source "$1"; print -- $_comps[regdoctor] $_comps[kubectl-regdoctor]',
        'zsh',
        scripts.zsh!,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: cli.home } },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '_regdoctor _regdoctor');
    // Every flag of every command is in its _arguments spec.
    const text = spawnSync('cat', [scripts.zsh!], { encoding: 'utf8' }).stdout;
    for (const [name, m] of Object.entries(modules))
      for (const f of longFlags(m))
        assert.ok(text.includes(`'${f}`) || text.includes(`'*${f}`), `${name} ${f}`);
  });

  test('completion usage errors exit 2', async () => {
    for (const args of [['completion'], ['completion', 'tcsh'], ['completion', 'bash', 'zsh']]) {
      const r = await cli.run(args);
      assert.equal(r.code, 2, show(r));
      assert.match(r.stderr, /^regdoctor: completion takes one shell: bash, zsh or fish/);
    }
  });

  test('run as kubectl-regdoctor (by kubectl itself), help and usage say `kubectl regdoctor`', async () => {
    const dir = await fx.subdir('plugin');
    await symlink(cli.bin, join(dir, 'kubectl-regdoctor'));
    const env = { PATH: `${dir}:${dirname(process.execPath)}:${process.env.PATH}`, HOME: cli.home };
    const kubectl = (...args: string[]) =>
      spawnSync(KUBECTL.path, ['regdoctor', ...args], { encoding: 'utf8', env });
    const top = kubectl('--help');
    assert.equal(top.status, 0, top.stderr);
    assert.match(top.stdout, /^Usage: kubectl regdoctor <command> \[flags\]$/m);
    assert.match(top.stdout, /Run `kubectl regdoctor <command> --help`/);
    const probe = kubectl('probe', '--help');
    assert.match(probe.stdout, /^Usage: kubectl regdoctor probe IMAGE\.\.\. \[flags\]$/m);
    assert.match(probe.stdout, /^ {2}kubectl regdoctor probe nginx:1\.27$/m);
    assert.doesNotMatch(
      probe.stdout,
      /(?<![\w-]|kubectl )regdoctor probe/,
      'no line left saying plain `regdoctor probe`',
    );
    const usage = kubectl('probe');
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /see `kubectl regdoctor probe --help`/);
    const completion = spawnSync(join(dir, 'kubectl-regdoctor'), ['completion', 'bash'], {
      encoding: 'utf8',
      env,
    });
    assert.match(completion.stdout, /^complete -F _kubectl_regdoctor kubectl-regdoctor$/m);
    // Run under its own name, nothing changes.
    const plain = await cli.run(['probe', '--help']);
    assert.match(plain.stdout, /^Usage: regdoctor probe IMAGE/m);
  });

  test('helpText rewrites command lines only, once', () => {
    assert.equal(programName('/usr/local/bin/kubectl-regdoctor'), 'kubectl regdoctor');
    assert.equal(programName('/usr/local/bin/regdoctor'), 'regdoctor');
    const text =
      'Usage: regdoctor scan\n  regdoctor probe x   # see `regdoctor <command> --help`\nregdoctor: error\nalready kubectl regdoctor pod';
    assert.equal(
      helpText(text, 'kubectl regdoctor'),
      'Usage: kubectl regdoctor scan\n  kubectl regdoctor probe x   # see `kubectl regdoctor <command> --help`\nregdoctor: error\nalready kubectl regdoctor pod',
    );
    assert.equal(helpText(text, 'regdoctor'), text);
  });
});
