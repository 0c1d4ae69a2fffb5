/** An OCI image-spec platform, with the optional fields image indexes carry for Windows images. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
}

/** One `manifests[]` entry of an image index (or Docker manifest list). */
export interface IndexEntry {
  digest: string;
  mediaType: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}
