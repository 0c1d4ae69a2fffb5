// Network namespaces for tests that need a second machine with its own network: a "node" whose resolver, proxy
// and firewall differ from the scanning machine's. Each namespace gets a veth pair to the test's own namespace
// with addresses in 10.213.0.0/16, a range these tests own: the root side is 10.213.N.1, the namespace side
// 10.213.N.2, and the namespace routes only 10.213.0.0/16 (to the root side) — nothing else is reachable from it.
// Servers the namespace should reach bind to a root-side address (any namespace's, since the root namespace
// delivers locally to all of its addresses). `ip netns exec` bind-mounts /etc/netns/NAME/{resolv.conf,hosts} over
// /etc for the commands it runs, so each namespace has its own resolver and hosts file.
//
// Everything is removed on remove() (the fixture calls it), and again from a process exit hook if a test
// crashes: the namespace (which takes its veth end and iptables rules with it), the root-side veth, /etc/netns/NAME.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { run, runCaptured, type Captured } from './proc.ts';
import { guardPid } from './cleanup-guard.ts';

export interface Netns {
  name: string;
  /** The root namespace's end: bind servers here (or on another namespace's hostAddr). */
  hostAddr: string;
  /** The namespace's own address. */
  nsAddr: string;
  /** Runs a command inside the namespace to completion: its output and exit code, whatever the code. */
  run(cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Captured>;
  /** Starts a long-running command inside the namespace (killed with the test process). */
  spawn(cmd: string, args: string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string }): ChildProcess;
  /** `iptables ARGS` inside the namespace (e.g. ['-A', 'OUTPUT', '-d', addr, '-j', 'DROP']). */
  iptables(...args: string[]): Promise<void>;
  /** /etc/netns/NAME/resolv.conf: what the namespace's resolver asks. */
  resolvConf(text: string): Promise<void>;
  /** /etc/netns/NAME/hosts. */
  hosts(text: string): Promise<void>;
  stop(): Promise<void>;
}

const live = new Set<string>();
let hooked = false;

function removeSync(name: string, veth: string): void {
  spawnSync('ip', ['netns', 'delete', name]);
  spawnSync('ip', ['link', 'delete', veth]);
  spawnSync('rm', ['-rf', `/etc/netns/${name}`]);
}

/** The third octets in use on this machine (by any test process), read from the root namespace's addresses. */
function usedOctets(): Set<number> {
  const r = spawnSync('ip', ['-4', '-o', 'addr', 'show'], { encoding: 'utf8' });
  const used = new Set<number>();
  for (const m of (r.stdout ?? '').matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(m[1]));
  return used;
}

export async function createNetns(label = 'ns'): Promise<Netns> {
  const id = randomBytes(3).toString('hex');
  const name = `rd-${label.slice(0, 8)}-${id}`;
  const veth = `rdv${id}`; // interface names: 15 characters at most
  const peer = `rdp${id}`;
  if (!hooked) {
    hooked = true;
    const removeAll = () => {
      for (const entry of live) {
        const [n, v] = entry.split(' ');
        removeSync(n!, v!);
      }
      live.clear();
    };
    process.on('exit', removeAll);
    // Killed (a runner's timeout, ^C): clean up, then die of the same signal.
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(sig, () => {
        removeAll();
        process.kill(process.pid, sig);
      });
    }
  }
  let octet = 0;
  const used = usedOctets();
  for (let tries = 0; tries < 50 && (octet === 0 || used.has(octet)); tries++)
    octet = 1 + Math.floor(Math.random() * 250);
  if (used.has(octet)) throw new Error('netns: no free 10.213.N.0/24 range');
  const hostAddr = `10.213.${octet}.1`;
  const nsAddr = `10.213.${octet}.2`;
  const entry = `${name} ${veth}`;
  live.add(entry);
  const ip = (...args: string[]) => run('ip', args);
  try {
    await ip('netns', 'add', name);
    await ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', peer);
    await ip('link', 'set', peer, 'netns', name);
    await ip('addr', 'add', `${hostAddr}/24`, 'dev', veth);
    await ip('link', 'set', veth, 'up');
    await ip('-n', name, 'addr', 'add', `${nsAddr}/24`, 'dev', peer);
    await ip('-n', name, 'link', 'set', peer, 'up');
    await ip('-n', name, 'link', 'set', 'lo', 'up');
    await ip('-n', name, 'route', 'add', '10.213.0.0/16', 'via', hostAddr);
    await mkdir(`/etc/netns/${name}`, { recursive: true });
    // Until a test says otherwise: no resolver at all, and a hosts file that knows only localhost.
    await writeFile(`/etc/netns/${name}/resolv.conf`, '# no nameserver\n');
    await writeFile(`/etc/netns/${name}/hosts`, '127.0.0.1 localhost\n');
  } catch (err) {
    removeSync(name, veth);
    live.delete(entry);
    throw err;
  }
  const exec = (cmd: string, args: string[]) => ['netns', 'exec', name, cmd, ...args];
  return {
    name,
    hostAddr,
    nsAddr,
    run(cmd, args, opts = {}) {
      return runCaptured('ip', exec(cmd, args), { env: opts.env, timeoutMs: opts.timeoutMs ?? 60_000 });
    },
    spawn(cmd, args, opts = {}) {
      // setpriv --pdeathsig: the child dies with the test process, even on SIGKILL.
      const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', 'ip', ...exec(cmd, args)], {
        env: opts.env ?? process.env,
        cwd: opts.cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      if (child.pid !== undefined) {
        const unguard = guardPid(child.pid);
        child.once('exit', unguard);
      }
      return child;
    },
    async iptables(...args) {
      await run('ip', exec('iptables', args));
    },
    resolvConf: (text) => writeFile(`/etc/netns/${name}/resolv.conf`, text),
    hosts: (text) => writeFile(`/etc/netns/${name}/hosts`, text),
    async stop() {
      await run('ip', ['netns', 'delete', name]).catch(() => undefined);
      await run('ip', ['link', 'delete', veth]).catch(() => undefined);
      await rm(`/etc/netns/${name}`, { recursive: true, force: true });
      live.delete(entry);
    },
  };
}
