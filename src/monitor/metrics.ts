// The exporter's metric set. Every label takes values from a bounded set: registries and images come from the
// exporter's config (images additionally capped), causes from CAUSES, steps and size buckets from fixed lists.
// Nothing here touches the network; the exporter's check loop feeds results in and a scrape only reads them.
// Names from outside (workload images, namespaces) pass the output boundary before they become label values.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Cause } from '../cause/index.ts';
import type { ProbeResult, StepName } from '../result/index.ts';
import { cleanLine } from '../output/index.ts';
import { PULL_DURATION_BUCKETS, imageSizeBucket, parsePulledEvent } from './kubelet.ts';

export { IMAGE_SIZE_LABELS, imageSizeBucket, parsePulledEvent, type PulledEvent } from './kubelet.ts';

/** Probe steps that get a latency series; the others (reference, credentials, blob…) are local or per-image. */
export const PROBED_STEPS = [
  'dns',
  'connect',
  'tls',
  'ping',
  'auth',
  'manifest',
] as const satisfies StepName[];

/** Default cap on `regdoctor_image_available` images; 1,000 images × one series each stays well inside a scrape. */
export const DEFAULT_MAX_IMAGES = 1000;

/** What the exporter runs on its schedule; the label of its own health metrics. */
export const CHECK_KINDS = ['registry', 'image', 'cluster'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** Causes whose counter series exist from the first check, so `increase()` sees a registry's first failure too. */
const PREINITIALISED_CAUSES: Cause[] = ['UNAUTHORIZED', 'FORBIDDEN'];

export interface MonitorMetricsOptions {
  /** Most images `regdoctor_image_available` tracks; updates for further images only count as dropped. */
  maxImages?: number;
}

export interface PullFailureCount {
  namespace: string;
  cause: Cause;
  count: number;
}

export interface MonitorMetrics {
  registry: Registry;
  /** Updates the `regdoctor_registry_*` series of `registry` (a host[:port]) from one probe. */
  recordProbe(registry: string, result: ProbeResult): void;
  /**
   * Sets an image's availability (cause null = available). Returns false when the image is new and the series
   * limit is reached: the update is dropped and counted in `regdoctor_image_series_dropped_total`.
   */
  setImageAvailability(image: string, cause: Cause | null): boolean;
  /** Removes an image that is no longer monitored, freeing its slot under the limit. */
  forgetImage(image: string): void;
  /** Images currently holding a `regdoctor_image_available` series. */
  trackedImages(): string[];
  /** Counts `count` image updates dropped without trying them (the caller skipped images over the limit). */
  dropImages(count: number): void;
  /** Replaces `regdoctor_image_pull_failures` with the current failing containers, summed per namespace and cause. */
  setPullFailures(rows: Iterable<PullFailureCount>): void;
  /** Observes a kubelet `Pulled` event message; false when it is not a completed pull. */
  observePulledEvent(message: string): boolean;
  /** One run of a check of `kind`; a successful one moves the last-success timestamp. */
  observeCheck(kind: CheckKind, seconds: number, ok: boolean, nowMs?: number): void;
}

export function createMonitorMetrics(options: MonitorMetricsOptions = {}): MonitorMetrics {
  const maxImages = options.maxImages ?? DEFAULT_MAX_IMAGES;
  const registry = new Registry();
  const registers = [registry];

  const up = new Gauge({
    name: 'regdoctor_registry_up',
    help: "1 if the registry's API answered its last check (/v2/ reached), 0 if not.",
    labelNames: ['registry'],
    registers,
  });
  const stepDuration = new Histogram({
    name: 'regdoctor_registry_probe_duration_seconds',
    help: 'Time taken by each step of a registry check (dns, connect, tls, ping, auth, manifest), failed steps included.',
    labelNames: ['registry', 'step'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const failures = new Counter({
    name: 'regdoctor_registry_check_failures_total',
    help: 'Registry checks that failed, by regdoctor cause code.',
    labelNames: ['registry', 'cause'],
    registers,
  });
  const certExpiry = new Gauge({
    name: 'regdoctor_registry_tls_cert_expiry_timestamp_seconds',
    help: "Unix time at which the registry's TLS leaf certificate expires (notAfter), as last seen.",
    labelNames: ['registry'],
    registers,
  });
  const rateLimitRemaining = new Gauge({
    name: 'regdoctor_registry_ratelimit_remaining',
    help: 'Pulls left in the current window, as last reported by the registry (only for registries that report it).',
    labelNames: ['registry'],
    registers,
  });
  const imageAvailable = new Gauge({
    name: 'regdoctor_image_available',
    help: `1 if the image can be pulled, 0 if not with the cause code in "cause" (empty when available). At most ${maxImages} images.`,
    labelNames: ['image', 'cause'],
    registers,
  });
  const imageDropped = new Counter({
    name: 'regdoctor_image_series_dropped_total',
    help: `Image availability updates dropped because ${maxImages} images were already tracked.`,
    registers,
  });
  const pullFailures = new Gauge({
    name: 'regdoctor_image_pull_failures',
    help: 'Containers currently failing to pull their image, by namespace and cause code.',
    labelNames: ['namespace', 'cause'],
    registers,
  });
  const pullDuration = new Histogram({
    name: 'regdoctor_image_pull_duration_seconds',
    help: 'Image pull time reported by kubelet Pulled events (queue wait included), by image size bucket as in kubelet_image_pull_duration_seconds.',
    labelNames: ['image_size_in_bytes'],
    buckets: PULL_DURATION_BUCKETS,
    registers,
  });
  const checkDuration = new Histogram({
    name: 'regdoctor_check_duration_seconds',
    help: "Time taken by one run of the exporter's checks, by kind (registry, image, cluster).",
    labelNames: ['check'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'regdoctor_last_successful_check_timestamp_seconds',
    help: 'Unix time of the last check of each kind that completed.',
    labelNames: ['check'],
    registers,
  });

  const seenRegistries = new Set<string>();
  /** Per image: its label value (as it passed the boundary when first seen) and its cause label. */
  const imageCause = new Map<string, { name: string; cause: string }>();

  return {
    registry,

    recordProbe(host, result) {
      if (!seenRegistries.has(host)) {
        seenRegistries.add(host);
        for (const cause of PREINITIALISED_CAUSES) failures.inc({ registry: host, cause }, 0);
      }
      // Up means the registry's API answered; an image missing or a credential refused behind it is a failure of
      // the check, not of the registry, and shows in the failures counter instead.
      const ping = result.steps.find((s) => s.name === 'ping');
      up.set({ registry: host }, ping?.ok ? 1 : 0);
      for (const step of result.steps) {
        // A probe sharing a session with an earlier one reports that origin's steps as reused, with 0 ms: they
        // measured nothing and would drag the latency distribution towards zero.
        if (step.detail.reused === true) continue;
        if ((PROBED_STEPS as readonly string[]).includes(step.name)) {
          stepDuration.observe({ registry: host, step: step.name }, step.ms / 1000);
        }
      }
      if (result.cause !== null) failures.inc({ registry: host, cause: result.cause });
      const validTo = result.steps.find((s) => s.name === 'tls')?.detail.validTo;
      const expiry = typeof validTo === 'string' ? Date.parse(validTo) : NaN;
      if (Number.isFinite(expiry)) certExpiry.set({ registry: host }, expiry / 1000);
      const remaining = result.rateLimit?.remaining;
      if (typeof remaining === 'number' && Number.isFinite(remaining)) {
        rateLimitRemaining.set({ registry: host }, remaining);
      }
    },

    setImageAvailability(image, cause) {
      const label = cause ?? '';
      const previous = imageCause.get(image);
      if (previous === undefined && imageCause.size >= maxImages) {
        imageDropped.inc();
        return false;
      }
      const name = previous?.name ?? cleanLine(image);
      // One series per image: a cause that changed must not leave the old one behind.
      if (previous !== undefined && previous.cause !== label)
        imageAvailable.remove({ image: name, cause: previous.cause });
      imageCause.set(image, { name, cause: label });
      imageAvailable.set({ image: name, cause: label }, cause === null ? 1 : 0);
      return true;
    },

    forgetImage(image) {
      const previous = imageCause.get(image);
      if (previous === undefined) return;
      imageAvailable.remove({ image: previous.name, cause: previous.cause });
      imageCause.delete(image);
    },

    trackedImages() {
      return [...imageCause.keys()];
    },

    dropImages(count) {
      if (count > 0) imageDropped.inc(count);
    },

    setPullFailures(rows) {
      const sums = new Map<string, PullFailureCount>();
      for (const row of rows) {
        const key = `${row.namespace}\0${row.cause}`;
        const prev = sums.get(key);
        sums.set(key, { ...row, count: (prev?.count ?? 0) + row.count });
      }
      pullFailures.reset();
      for (const { namespace, cause, count } of sums.values())
        pullFailures.set({ namespace: cleanLine(namespace), cause }, count);
    },

    observePulledEvent(message) {
      const pulled = parsePulledEvent(message);
      if (!pulled) return false;
      pullDuration.observe({ image_size_in_bytes: imageSizeBucket(pulled.bytes) }, pulled.seconds);
      return true;
    },

    observeCheck(kind, seconds, ok, nowMs = Date.now()) {
      checkDuration.observe({ check: kind }, seconds);
      if (ok) lastSuccess.set({ check: kind }, nowMs / 1000);
    },
  };
}
