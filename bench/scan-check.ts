// Did the scan say what the generated cluster makes true, and where did its registry requests go?
import { count, total, type Counts } from './kinds.ts';
import type { FailingImage, ImageClass } from './scan-plan.ts';
import type { ScanOutput } from './scan-run.ts';

export interface Check {
  what: string;
  ok: boolean;
  detail: string;
}

const PROBE_CAUSE: Record<ImageClass, string | null> = {
  'missing-tag': 'MANIFEST_NOT_FOUND',
  'missing-repo': 'REPOSITORY_NOT_FOUND',
  transient: null,
};

export function checkScan(out: ScanOutput, images: FailingImage[], failingPods: number): Check[] {
  const s = out.summary;
  const byRef = new Map(images.map((i) => [i.ref, i]));
  const wrong: Record<ImageClass | 'unplanned', string[]> = {
    'missing-tag': [],
    'missing-repo': [],
    transient: [],
    unplanned: [],
  };
  const right: Record<ImageClass, number> = { 'missing-tag': 0, 'missing-repo': 0, transient: 0 };
  for (const f of out.findings) {
    const img = byRef.get(f.image);
    if (!img) {
      wrong.unplanned.push(`${f.namespace}/${f.pod} ${f.image} → ${f.cause}`);
      continue;
    }
    const probeCause = f.probe ? f.probe.cause : 'no probe';
    // A missing tag or repository is proved by the probe; an image that pulls now keeps the message's cause.
    const certain = img.cls === 'transient' || f.confidence === 'certain';
    if (f.cause === img.expectedCause && probeCause === PROBE_CAUSE[img.cls] && certain) right[img.cls]++;
    else
      wrong[img.cls].push(
        `${f.image}: cause ${f.cause} (${f.confidence}), probe ${probeCause}; expected ${img.expectedCause}`,
      );
  }
  const podsOf = (cls: ImageClass) => images.filter((i) => i.cls === cls).reduce((a, i) => a + i.pods, 0);
  const classCheck = (cls: ImageClass, label: string): Check => ({
    what: `${label} → ${cls === 'transient' ? "message's cause, probe pulls" : PROBE_CAUSE[cls]}`,
    ok: wrong[cls].length === 0 && right[cls] === podsOf(cls),
    detail: `${right[cls]} of ${podsOf(cls)} findings${wrong[cls].length ? `; e.g. ${wrong[cls][0]}` : ''}`,
  });
  return [
    {
      what: 'summary.probes = unique failing images',
      ok: s.probes === images.length,
      detail: `${s.probes} probes, ${images.length} unique images`,
    },
    {
      what: 'summary.uniqueImages',
      ok: s.uniqueImages === images.length,
      detail: `${s.uniqueImages} (expected ${images.length})`,
    },
    {
      what: 'one finding per failing pod',
      ok: s.findings === failingPods && out.findings.length === failingPods && s.pods === failingPods,
      detail: `${s.findings} findings in ${s.pods} pods (expected ${failingPods})`,
    },
    classCheck('missing-tag', 'missing tags'),
    classCheck('missing-repo', 'missing repositories'),
    classCheck('transient', 'existing images (transient failures)'),
    {
      what: 'no findings for healthy pods',
      ok: wrong.unplanned.length === 0,
      detail: wrong.unplanned.length ? `${wrong.unplanned.length}, e.g. ${wrong.unplanned[0]}` : 'none',
    },
  ];
}

export interface Attribution {
  label: string;
  images: number;
  requests: number;
  how: string;
}

/**
 * Splits the scan's requests by image class, from the request kinds the proxy saw: tag lists and blobs belong to
 * one class each; manifests are one per missing image and the rest belong to the images that exist.
 */
export function attribute(c: Counts, images: FailingImage[]): Attribution[] {
  const of = (cls: ImageClass) => images.filter((i) => i.cls === cls);
  const tagMissing = of('missing-tag');
  const repoMissing = of('missing-repo');
  const transient = of('transient');
  const reposOf = (xs: FailingImage[]) => new Set(xs.map((i) => i.repo)).size;
  const tags = count(c, 'tags');
  const blobs = count(c, 'blob');
  const manifests = count(c, 'manifest');
  const tagRepos = reposOf(tagMissing);
  const missingRepos = reposOf(repoMissing);
  const existingManifests = manifests - tagMissing.length - repoMissing.length;
  const rows: Attribution[] = [
    {
      label: 'missing tag',
      images: tagMissing.length,
      requests: tagMissing.length + Math.min(tags, tagRepos),
      how: `1 manifest each + ${Math.min(tags, tagRepos)} tag lists (one per repository, ${tagRepos} repositories)`,
    },
    {
      label: 'missing repository',
      images: repoMissing.length,
      requests: repoMissing.length + Math.max(0, tags - tagRepos),
      how: `1 manifest each + ${Math.max(0, tags - tagRepos)} tag lists (${missingRepos} repositories)`,
    },
    {
      label: 'exists (transient)',
      images: transient.length,
      requests: existingManifests + blobs,
      how: `${existingManifests} manifests (index + platform child) + ${blobs} blobs (config + first layer)`,
    },
  ];
  const rest = total(c) - rows.reduce((a, r) => a + r.requests, 0);
  rows.push({ label: 'per registry (ping, …)', images: 0, requests: rest, how: 'once per scan' });
  return rows;
}
