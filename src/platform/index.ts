export type { IndexEntry, Platform } from './types.ts';
export { formatPlatform, normalizePlatform } from './normalize.ts';
export { parsePlatform } from './parse.ts';
export { hostPlatform, platformFromNodeArch } from './host.ts';
export { compatiblePlatforms, describeAvailable, isSelectable, selectPlatform } from './select.ts';
export { platformSteps, type ClusterNode, type PlatformFixContext, type PodTemplateOwner } from './fix.ts';
