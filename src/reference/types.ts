/** A parsed, Docker-normalized image reference. */
export interface Reference {
  /** Normalized domain: 'docker.io', 'localhost:5000', 'ghcr.io', '[::1]:5000', '127.0.0.1:5000'. */
  registry: string;
  /** Path without the domain: 'library/nginx', 'org/app'. */
  repository: string;
  /** 'latest' when neither tag nor digest is given; null when only a digest is given. */
  tag: string | null;
  /** '<algorithm>:<hex>' when given. */
  digest: string | null;
  /** The input string exactly as given. */
  original: string;
}

/** Which part of a reference an error is about; carried in `RegdoctorError.detail.part`. */
export type ReferencePart = 'reference' | 'registry' | 'repository' | 'tag' | 'digest';

/**
 * A problem found by one part checker. `at` is an index into that part's own text; the parser turns it into an
 * index into the whole input.
 */
export interface Problem {
  reason: string;
  at?: number;
}
