// The exporter's YAML config. deploy/exporter's ConfigMap is written against this exact format, so unknown keys are
// errors (a typo such as `intervall` must not silently fall back to a default) and every message names the key.
// `yaml` is imported statically on purpose: this module is itself loaded only when the exporter starts, and the
// bundle turns a dynamic import() of that CommonJS package into a chunk without its named exports.
import { parse } from 'yaml';
import * as z from 'zod/mini';
import { UsageError } from '../cause/index.ts';
import { DOCKER_HUB, formatReference, isDockerHub, parseReference } from '../reference/index.ts';
import { parseDuration } from '../util/duration.ts';
import { issueText } from '../util/schema.ts';
import { DEFAULT_MAX_IMAGES } from '../monitor/metrics.ts';

export interface RegistryConfig {
  /** As written in the config (`host[:port]`): the `registry` label of its metrics. */
  host: string;
  /** The registry as image references name it after normalisation (`index.docker.io` → `docker.io`). */
  registry: string;
  caFile: string | null;
  plainHttp: boolean;
  insecureSkipTlsVerify: boolean;
  dockerConfig: string | null;
  checkImage: string | null;
}

export interface ClusterConfig {
  enabled: boolean;
  /** Empty: every namespace. */
  namespaces: string[];
  readSecrets: boolean;
}

export interface ExporterConfig {
  intervalMs: number;
  timeoutMs: number;
  concurrency: number;
  maxImages: number;
  registries: RegistryConfig[];
  images: string[];
  cluster: ClusterConfig;
}

/** Node timers fire at once past 2^31-1 ms (~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_CONCURRENCY = 256;

// Nullable lists and sections: `images:` with nothing under it is YAML null, and means "none".
const list = <T extends z.core.SomeType>(item: T) => z.optional(z.nullable(z.array(item)));

const registrySchema = z.strictObject({
  host: z.string(),
  caFile: z.optional(z.nullable(z.string())),
  plainHttp: z.optional(z.nullable(z.boolean())),
  insecureSkipTlsVerify: z.optional(z.nullable(z.boolean())),
  dockerConfig: z.optional(z.nullable(z.string())),
  checkImage: z.optional(z.nullable(z.string())),
});

const configSchema = z.strictObject({
  interval: z.optional(z.nullable(z.string())),
  timeout: z.optional(z.nullable(z.string())),
  concurrency: z.optional(z.nullable(z.number())),
  maxImages: z.optional(z.nullable(z.number())),
  registries: list(registrySchema),
  images: list(z.string()),
  cluster: z.optional(
    z.nullable(
      z.strictObject({
        enabled: z.optional(z.nullable(z.boolean())),
        namespaces: list(z.string()),
        readSecrets: z.optional(z.nullable(z.boolean())),
      }),
    ),
  ),
});

/** `registries[0].caFile`, `cluster.enabled`, `images[3]`. */
function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  const at = keyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    const allowed = at === '' ? 'the top level' : at;
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys} in ${allowed}`;
  }
  if (issue.code === 'invalid_type' && (at === 'interval' || at === 'timeout')) {
    return `${at}: expected a Go-style duration such as 5m or 30s (a string with a unit)`;
  }
  return issueText(issue, at ? ` at ${at}` : '');
}

function fail(origin: string, message: string): never {
  throw new UsageError(`${origin}: ${message}`);
}

/** Lower bounds: a smaller interval would hammer registries (and, with nothing to check, spin the loop). */
const MIN_MS: Record<string, number> = { interval: 1000, timeout: 10 };

function duration(origin: string, key: string, value: string | null | undefined, fallback: string): number {
  const text = value ?? fallback;
  // parseDuration takes bare seconds for CLI flags; in the config a unit is required, as the docs say.
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) fail(origin, `${key}: "${text}" needs a unit, e.g. ${text.trim()}s`);
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    return fail(origin, `${key}: ${(err as Error).message}`);
  }
  if (!(ms > 0)) fail(origin, `${key} must be positive`);
  const min = MIN_MS[key] ?? 1;
  if (ms < min) fail(origin, `${key} must be at least ${min >= 1000 ? `${min / 1000}s` : `${min}ms`}`);
  if (ms > MAX_TIMER_MS) fail(origin, `${key} must be at most 596h`);
  return ms;
}

function positiveInt(
  origin: string,
  key: string,
  value: number | null | undefined,
  fallback: number,
  max = Infinity,
): number {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1) fail(origin, `${key} must be a positive whole number`);
  if (n > max) fail(origin, `${key} must be at most ${max}`);
  return n;
}

/** The registry an image reference names, or a config error. */
function registryOf(origin: string, key: string, image: string): string {
  try {
    return parseReference(image).registry;
  } catch (err) {
    return fail(
      origin,
      `${key}: ${JSON.stringify(image)} is not a valid image reference: ${(err as Error).message}`,
    );
  }
}

function registryHost(origin: string, key: string, host: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host) || host.includes('/')) {
    fail(origin, `${key}: ${JSON.stringify(host)} must be a host[:port] without scheme or path`);
  }
  let registry: string;
  try {
    registry = parseReference(`${host}/regdoctor-config-check`).registry;
  } catch {
    return fail(origin, `${key}: ${JSON.stringify(host)} is not a registry host[:port]`);
  }
  // Without a dot, a port or `localhost`, a first path component is a Docker Hub namespace, not a host.
  if (registry === DOCKER_HUB && !isDockerHub(host)) {
    fail(
      origin,
      `${key}: ${JSON.stringify(host)} is not a registry host (a host needs a dot or a port, or is localhost)`,
    );
  }
  return registry;
}

/**
 * Parses the exporter's YAML config. `origin` (the file name) prefixes every error message. Durations are
 * Go-style (`5m`, `30s`); paths are returned as written (the caller resolves relative ones).
 */
export function parseExporterConfig(text: string, origin: string): ExporterConfig {
  let doc: unknown;
  try {
    doc = parse(text, { prettyErrors: false });
  } catch (err) {
    fail(origin, `not valid YAML: ${((err as Error).message.split('\n')[0] ?? '').trim()}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    fail(
      origin,
      `expected a mapping of settings (interval, registries, images, cluster…), not ${Array.isArray(doc) ? 'a list' : typeof doc}`,
    );
  }
  const parsed = z.safeParse(configSchema, doc);
  if (!parsed.success) fail(origin, describe(parsed.error.issues[0]!));
  const c = parsed.data;

  const registries: RegistryConfig[] = [];
  const seen = new Map<string, string>();
  (c.registries ?? []).forEach((r, i) => {
    const key = `registries[${i}]`;
    const registry = registryHost(origin, `${key}.host`, r.host);
    const before = seen.get(registry);
    if (before !== undefined)
      fail(origin, `${key}.host: ${JSON.stringify(r.host)} is already configured in ${before}`);
    seen.set(registry, key);
    const checkImage = r.checkImage ?? null;
    if (checkImage !== null) {
      const on = registryOf(origin, `${key}.checkImage`, checkImage);
      if (on !== registry) {
        fail(origin, `${key}.checkImage: ${JSON.stringify(checkImage)} is on ${on}, not on ${r.host}`);
      }
    }
    if (r.plainHttp && r.insecureSkipTlsVerify) {
      fail(
        origin,
        `${key}: plainHttp and insecureSkipTlsVerify exclude each other (plain HTTP has no TLS to verify)`,
      );
    }
    for (const k of ['caFile', 'dockerConfig'] as const) {
      if (r[k] === '') fail(origin, `${key}.${k} is empty; leave it out instead`);
    }
    registries.push({
      host: r.host,
      registry,
      caFile: r.caFile ?? null,
      plainHttp: r.plainHttp ?? false,
      insecureSkipTlsVerify: r.insecureSkipTlsVerify ?? false,
      dockerConfig: r.dockerConfig ?? null,
      checkImage,
    });
  });

  // One series per image: `nginx` and `docker.io/library/nginx:latest` are the same one (the first spelling wins).
  const images: string[] = [];
  const normalized = new Set<string>();
  (c.images ?? []).forEach((image, i) => {
    registryOf(origin, `images[${i}]`, image);
    const key = formatReference(parseReference(image));
    if (!normalized.has(key)) images.push(image);
    normalized.add(key);
  });

  const namespaces = [...new Set(c.cluster?.namespaces ?? [])];
  namespaces.forEach((ns, i) => {
    // DNS-1123 label: what a namespace name can be; anything else would only ever list nothing.
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) {
      fail(origin, `cluster.namespaces[${i}]: ${JSON.stringify(ns)} is not a namespace name`);
    }
  });

  return {
    intervalMs: duration(origin, 'interval', c.interval, '5m'),
    timeoutMs: duration(origin, 'timeout', c.timeout, '10s'),
    concurrency: positiveInt(origin, 'concurrency', c.concurrency, 8, MAX_CONCURRENCY),
    maxImages: positiveInt(origin, 'maxImages', c.maxImages, DEFAULT_MAX_IMAGES),
    registries,
    images,
    cluster: {
      enabled: c.cluster?.enabled ?? false,
      namespaces,
      readSecrets: c.cluster?.readSecrets ?? false,
    },
  };
}
