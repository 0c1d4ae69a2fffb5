// Image references: distribution's grammar with Docker's normalization, hand-written so that every way an
// image string can be wrong gets its own precise message (see parse.ts).
export type { Reference } from './types.ts';
export { parseReference, tryParseReference } from './parse.ts';
export { formatReference, familiarString, repositoryName } from './format.ts';
export {
  apiHost,
  canonicalName,
  DOCKER_HUB,
  DOCKER_HUB_NAMES,
  HUB_API_HOST,
  HUB_HOSTS,
  isDockerHub,
  LEGACY_HUB,
  registryOfApiHost,
} from './hub.ts';
