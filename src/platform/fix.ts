// PLATFORM_MISMATCH fixes. The nodeSelector names a platform the image HAS (never the node's own, which is the one
// it lacks), says whether the cluster has nodes that can run it (selection follows containerd's rules, so an arm64
// node runs a linux/arm/v7 image), and the build list is the image's own platforms plus the missing one.
import { patchTemplate } from '../cause/kubectl.ts';
import { formatPlatform } from './normalize.ts';
import { parsePlatform } from './parse.ts';
import { selectPlatform } from './select.ts';
import type { Platform } from './types.ts';

export interface ClusterNode {
  name: string;
  /** As formatPlatform writes it, e.g. linux/arm64. */
  platform: string;
}

/** The object whose pod template a nodeSelector goes into, when known. */
export interface PodTemplateOwner {
  kind: string;
  name: string;
  namespace: string;
  /** The failing pod, for the steps that must replace it. */
  pod?: string;
}

export interface PlatformFixContext {
  image: string;
  /** The platform the node asked for. */
  wanted: string | null;
  /** What the image provides (its index entries, or its config for a single manifest); undefined when unknown. */
  available?: string[];
  /** Every node of the cluster; null or undefined when the node list was not read. */
  nodes?: ClusterNode[] | null;
  owner?: PodTemplateOwner | null;
}

function tryParse(s: string | null | undefined): Platform | null {
  if (!s) return null;
  try {
    return parsePlatform(s);
  } catch {
    return null;
  }
}

/** `linux/arm/v7`: what `docker buildx --platform` takes (no Windows OS version in parentheses). */
const buildxName = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

/** Whether a node of `node`'s platform pulls one of `images` (containerd's platform matcher). */
function canRun(node: Platform, images: Platform[]): boolean {
  const entries = images.map((platform) => ({ digest: '', mediaType: '', size: 0, platform }));
  return selectPlatform(entries, node) !== null;
}

interface Selector {
  os: string;
  arch: string;
}

/** The labels the kubelet sets; the OS label only when the OS must change, the arch label always. */
function selectorLabels(target: Selector, wanted: Platform | null): Record<string, string> {
  if (wanted && target.os !== wanted.os)
    return { 'kubernetes.io/os': target.os, 'kubernetes.io/arch': target.arch };
  return { 'kubernetes.io/arch': target.arch };
}

const inline = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ')}}`;

/** How to put `labels` into the pod's nodeSelector: a patch of its owner's template when there is one. */
function applySelector(labels: Record<string, string>, owner: PodTemplateOwner | null | undefined): string {
  const patch = owner ? patchTemplate(owner, owner.namespace, { nodeSelector: labels }, owner.pod) : null;
  if (patch) return patch;
  if (owner?.kind === 'Job')
    return `set nodeSelector: ${inline(labels)} in the pod template of Job ${owner.name} and recreate the Job (its template cannot change)`;
  const where = owner ? `the pod template of ${owner.kind} ${owner.name}` : 'the pod spec';
  return `set nodeSelector: ${inline(labels)} in ${where} and recreate the pod (a pod's nodeSelector cannot change in place)`;
}

/** "3 linux/amd64, 1 linux/arm64" */
function census(nodes: ClusterNode[]): string {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.platform, (counts.get(n.platform) ?? 0) + 1);
  return [...counts].map(([p, c]) => `${c} ${p}`).join(', ');
}

function names(nodes: ClusterNode[]): string {
  const shown = nodes.slice(0, 3).map((n) => n.name);
  return nodes.length > 3 ? `${shown.join(', ')} and ${nodes.length - 3} more` : shown.join(', ');
}

function selectorStep(
  ctx: PlatformFixContext,
  images: Platform[] | null,
  wanted: Platform | null,
): string | null {
  const nodes = ctx.nodes ?? null;
  if (nodes && nodes.length > 0 && images) {
    const able = nodes
      .map((n) => ({ node: n, platform: tryParse(n.platform) }))
      .filter(
        (x): x is { node: ClusterNode; platform: Platform } => !!x.platform && canRun(x.platform, images),
      );
    if (able.length === 0) {
      return `No node of this cluster can run ${images.map(formatPlatform).join(', ')} (its nodes: ${census(nodes)}), so a nodeSelector would leave the pod Pending: add nodes of such a platform, or publish a build for ${ctx.wanted ?? 'the nodes'}`;
    }
    // Nodes are selected by their kubernetes.io/os and /arch labels: group the able ones that way, largest group first.
    const groups = new Map<string, { sel: Selector; nodes: ClusterNode[] }>();
    for (const { node, platform } of able) {
      const k = `${platform.os}/${platform.architecture}`;
      const g = groups.get(k) ?? { sel: { os: platform.os, arch: platform.architecture }, nodes: [] };
      g.nodes.push(node);
      groups.set(k, g);
    }
    const [best, ...others] = [...groups.values()].sort((a, b) => b.nodes.length - a.nodes.length);
    if (wanted && best!.sel.os === wanted.os && best!.sel.arch === wanted.architecture) return null;
    const labels = selectorLabels(best!.sel, wanted);
    const also = others.length
      ? ` (or ${others.map((o) => inline(selectorLabels(o.sel, wanted))).join(', ')})`
      : '';
    return `Run it on nodes that can pull it: ${best!.nodes.length} of the cluster's ${nodes.length} nodes are ${best!.sel.os}/${best!.sel.arch} (${names(best!.nodes)}): ${applySelector(labels, ctx.owner)}${also}`;
  }
  if (!images) {
    const arch = { 'kubernetes.io/arch': '<arch the image has>' };
    const have = nodes?.length ? `; the cluster's nodes: ${census(nodes)}` : '';
    return `Or keep the pod on nodes of a platform the image has: nodeSelector: ${inline(arch)}${have}`;
  }
  // The node list is unknown: select what the image has, preferring the node's own OS, and say how to check.
  const target = images.find((p) => p.os === wanted?.os) ?? images[0]!;
  const labels = selectorLabels({ os: target.os, arch: target.architecture }, wanted);
  const check = Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `Or run it on nodes of a platform the image has: ${applySelector(labels, ctx.owner)}; the node list was not read, so first check that such nodes exist: kubectl get nodes -l ${check}`;
}

function buildStep(ctx: PlatformFixContext, images: Platform[] | null, wanted: Platform | null): string {
  const have = images ? images.map(buildxName) : ['<platforms the image has>'];
  const list = [...new Set([...have, wanted ? buildxName(wanted) : '<node platform>'])].join(',');
  const digest = ctx.image.includes('@');
  const target = digest ? `${ctx.image.replace(/@.*$/, '')}:<new tag>` : ctx.image;
  const then = digest ? ', then point the pod at the new digest' : '';
  return `If you build the image, publish ${ctx.wanted ?? 'the node platform'} next to what it has: docker buildx build --platform ${list} -t ${target} --push .${then}`;
}

export function platformSteps(ctx: PlatformFixContext): string[] {
  const wanted = tryParse(ctx.wanted);
  const parsed = ctx.available?.map(tryParse).filter((p): p is Platform => p !== null);
  const images = parsed && parsed.length > 0 ? parsed : null;
  const select = selectorStep(ctx, images, wanted);
  const build = buildStep(ctx, images, wanted);
  const inspect = images ? [] : [`See which platforms the image provides: regdoctor inspect ${ctx.image}`];
  // Nodes that exist are the quicker fix; otherwise building is the only one that works.
  const selectFirst = !!select && select.startsWith('Run it on');
  return [...inspect, ...(selectFirst ? [select, build] : [build, ...(select ? [select] : [])])];
}
