// --runtime, --node-root, --runtime-version: pull as a node's container runtime does (its mirrors, hosts.toml,
// registries.conf, CA files and service proxy), reading its configuration from the node's `/` mounted or copied
// here. One set of flags for every command that probes; `scan` also maps nodes to their own roots.
import { stat } from 'node:fs/promises';
import { UsageError } from '../cause/index.ts';
import type { RuntimeName } from '../result/index.ts';
import type { NodeRoots } from '../scan/index.ts';
import type { Options } from './command.ts';

export const RUNTIME_FLAGS = {
  runtime: { type: 'string' },
  'node-root': { type: 'string', multiple: true },
  'runtime-version': { type: 'string' },
} as const satisfies Options;

export const RUNTIME_FLAGS_HELP = `Node runtime flags (pull through the node's runtime configuration; docs/runtime.md):
  --runtime containerd|crio|docker   the node's container runtime (default: detected under --node-root)
  --node-root DIR                the node's / (/host where it is mounted, or a support bundle's copy): its
                                 mirrors, hosts.toml / registries.conf, CA files and the runtime service's proxy
                                 decide which endpoints are tried, in which order, and how (default / with
                                 --runtime)
  --runtime-version VERSION      the runtime's version (1.7.2, containerd://1.6.20), where its behaviour changed`;

const NAMES: readonly RuntimeName[] = ['containerd', 'crio', 'docker'];

/** What a probe needs to pull through a node's runtime. */
export interface RuntimeChoice {
  runtime?: RuntimeName;
  nodeRoot?: string;
  runtimeVersion?: string;
}

type Values = { runtime?: string; 'node-root'?: string[]; 'runtime-version'?: string };

function runtimeName(text: string | undefined): RuntimeName | undefined {
  if (text === undefined) return undefined;
  const name = text === 'cri-o' ? 'crio' : text;
  if (!(NAMES as readonly string[]).includes(name))
    throw new UsageError(`--runtime must be one of ${NAMES.join(', ')} (got ${text})`);
  return name as RuntimeName;
}

async function checkRoot(dir: string, where: string): Promise<string> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new UsageError(`${where} ${dir}: not a directory`);
  return dir;
}

/** The flags of a command that probes images on one node; null when none was given (probe the registry). */
export async function runtimeChoice(values: Values): Promise<RuntimeChoice | null> {
  const roots = values['node-root'] ?? [];
  if (roots.length > 1)
    throw new UsageError('--node-root is given once here (only scan maps nodes to roots)');
  if (roots[0]?.includes('=')) throw new UsageError('--node-root NODE=DIR is for scan; give --node-root DIR');
  const runtime = runtimeName(values.runtime);
  if (runtime === undefined && roots.length === 0) {
    if (values['runtime-version'] !== undefined)
      throw new UsageError('--runtime-version goes with --runtime or --node-root');
    return null;
  }
  const nodeRoot = await checkRoot(roots[0] ?? '/', '--node-root');
  if (runtime === undefined) {
    const { detectRuntime, rootedFs } = await import('../runtime/index.ts');
    if (!(await detectRuntime(rootedFs(nodeRoot))).runtime)
      throw new UsageError(
        `--node-root ${nodeRoot}: no containerd, CRI-O or docker configuration or unit found there; pass --runtime`,
      );
  }
  return {
    ...(runtime ? { runtime } : {}),
    nodeRoot,
    ...(values['runtime-version'] !== undefined ? { runtimeVersion: values['runtime-version'] } : {}),
  };
}

/**
 * scan: which node's files are where. `--node-root DIR` is every node's (a support bundle of one node, or nodes
 * built alike); `--node-root NODE=DIR`, repeated, gives each named node its own root, and nodes not named are
 * probed from here. Each node's runtime and version come from its containerRuntimeVersion unless --runtime says.
 */
export async function nodeRoots(values: Values): Promise<NodeRoots | null> {
  const given = values['node-root'] ?? [];
  const runtime = runtimeName(values.runtime);
  if (given.length === 0) {
    if (runtime !== undefined || values['runtime-version'] !== undefined)
      throw new UsageError('--runtime and --runtime-version go with --node-root in a scan');
    return null;
  }
  const named = new Map<string, string>();
  let all: string | null = null;
  for (const g of given) {
    const eq = g.indexOf('=');
    if (eq < 0) {
      if (all !== null || named.size)
        throw new UsageError('--node-root DIR (every node) is given once, alone');
      all = await checkRoot(g, '--node-root');
      continue;
    }
    const node = g.slice(0, eq);
    if (!node || all !== null)
      throw new UsageError(`--node-root ${g}: give NODE=DIR, or one DIR for every node`);
    if (named.has(node)) throw new UsageError(`--node-root: node ${node} is given twice`);
    named.set(node, await checkRoot(g.slice(eq + 1), `--node-root ${node}=`));
  }
  return {
    rootOf: (node) => all ?? (node !== null ? (named.get(node) ?? null) : null),
    ...(runtime ? { runtime } : {}),
    ...(values['runtime-version'] !== undefined ? { runtimeVersion: values['runtime-version'] } : {}),
  };
}
