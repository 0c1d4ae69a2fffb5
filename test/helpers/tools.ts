// System tools some tests run (promtool, prometheus, kubectl, script, unshare). A test that needs a missing tool
// FAILS, saying how to get it: a skip would pass a CI run that proved nothing. A developer without a tool may opt
// out with REGDOCTOR_SKIP_MISSING_TOOLS=1 (those tests then skip, saying why); .ci/run sets
// REGDOCTOR_REQUIRE_TOOLS=1, which wins over the opt-out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export interface Tool {
  name: string;
  /** What to run. */
  path: string;
  /** Why the tool cannot run here, or false when it can. Checked once per test process. */
  missing(): string | false;
}

function cached(name: string, path: string, check: () => string | false): Tool {
  let result: string | false | undefined;
  return { name, path, missing: () => (result ??= check()) };
}

/** A tool that runs when `args` exit 0; `hint` says how to install it. */
export function binary(name: string, path: string, args: string[], hint: string): Tool {
  return cached(name, path, () => {
    const r = spawnSync(path, args, { encoding: 'utf8', timeout: 30_000 });
    return r.error || r.status !== 0 ? `${name} not found or not working (${path}); ${hint}` : false;
  });
}

export const PROMTOOL = binary(
  'promtool',
  process.env.PROMTOOL ?? 'promtool',
  ['--version'],
  'apt-get install prometheus',
);
export const PROMETHEUS = binary(
  'prometheus',
  process.env.PROMETHEUS ?? '/usr/bin/prometheus',
  ['--version'],
  'apt-get install prometheus',
);
export const KUBECTL = binary(
  'kubectl',
  process.env.KUBECTL ?? 'kubectl',
  ['version', '--client'],
  'apt-get install kubernetes-client',
);
/** jq 1.6+: runs the secret-editing pipelines remediation prints. */
export const JQ = binary('jq', 'jq', ['-n', '"eA==" | @base64d'], 'apt-get install jq');
/** Debian's chromium: the HTML report tests drive it with playwright-core (test/helpers/browser.ts). */
export const CHROMIUM = binary(
  'chromium',
  '/usr/bin/chromium',
  ['--version'],
  'apt-get install chromium fonts-dejavu-core',
);
/** The shells `regdoctor completion` writes for: bash runs the completion function, zsh and fish check it. */
export const BASH = binary('bash', 'bash', ['--version'], 'apt-get install bash');
export const ZSH = binary('zsh', 'zsh', ['--version'], 'apt-get install zsh');
export const FISH = binary('fish', 'fish', ['--version'], 'apt-get install fish');
/** util-linux script(1): runs a command on a pseudo-terminal. */
export const SCRIPT = binary('script', '/usr/bin/script', ['--version'], 'apt-get install bsdutils');
/** An unprivileged user + network namespace (a network with no route anywhere). */
export const UNSHARE = cached('unshare -rn', 'unshare', () =>
  spawnSync('unshare', ['-rn', 'true']).status === 0
    ? false
    : 'unshare -rn (user and network namespaces) does not work here; apt-get install util-linux, and allow unprivileged user namespaces',
);

/** Root, `ip netns` with veth pairs, and iptables inside a namespace: a test network for node agents. */
export const NETNS = cached('ip netns (root) and iptables', 'ip', () => {
  if (process.getuid?.() !== 0)
    return 'network namespace tests run as root (ip netns add, veth pairs, iptables)';
  if (spawnSync('ip', ['netns', 'list']).status !== 0)
    return 'ip netns does not work here; apt-get install iproute2';
  if (spawnSync('iptables', ['-V']).status !== 0) return 'iptables not found; apt-get install iptables';
  return false;
});

/** Root and mount(8): a small tmpfs stands for a node's nearly full image filesystem. */
export const TMPFS = cached('mount -t tmpfs (root)', 'mount', () => {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  return spawnSync('mount', ['--version']).status === 0 ? false : 'mount not found; apt-get install mount';
});

/** True when missing tools skip instead of failing (a developer's explicit opt-out, never in CI). */
export function skipsMissingTools(): boolean {
  return process.env.REGDOCTOR_SKIP_MISSING_TOOLS === '1' && process.env.REGDOCTOR_REQUIRE_TOOLS !== '1';
}

const reported = new Set<string>();

/**
 * Options for a describe() or test() that needs `tools`. When one is missing, the suite is skipped (its own
 * failures would only repeat ENOENT) and, unless missing tools may skip, one failing test per tool names it.
 */
export function needs(...tools: Tool[]): { skip: string | false } {
  const why = tools.map((t) => t.missing()).filter((m): m is string => m !== false);
  if (why.length === 0) return { skip: false };
  if (!skipsMissingTools()) {
    for (const [i, t] of tools.entries()) {
      const m = t.missing();
      if (m === false || reported.has(t.name)) continue;
      reported.add(t.name);
      test(`needs ${tools[i]!.name}`, () => assert.fail(m));
    }
  }
  return { skip: why.join('; ') };
}
