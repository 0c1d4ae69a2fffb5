// Image references: distribution's grammar with Docker's normalization, hand-written so that every way an
// image string can be wrong gets its own precise message (see parse.ts).
export type { Reference } from './types.ts';
export { parseReference, tryParseReference } from './parse.ts';
export { formatReference, familiarString, repositoryName, apiHost, isDockerHub } from './format.ts';
