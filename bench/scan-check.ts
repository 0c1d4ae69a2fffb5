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
 * Splits the scan's requests by image class, from the request kinds the proxy saw and the scan's rules: a
 * repository with several images to probe has its tags listed once up front, and its missing tags are answered
 * from that list; a repository's only image asks for its manifest first and lists tags when that is missing.
 */
export function attribute(c: Counts, images: FailingImage[]): Attribution[] {
  const of = (cls: ImageClass) => images.filter((i) => i.cls === cls);
  const perRepo = new Map<string, number>();
  for (const i of images) perRepo.set(i.repo, (perRepo.get(i.repo) ?? 0) + 1);
  const alone = (i: FailingImage) => perRepo.get(i.repo) === 1;
  const reposOf = (xs: FailingImage[]) => new Set(xs.map((i) => i.repo));
  const tagMissing = of('missing-tag');
  const repoMissing = of('missing-repo');
  const transient = of('transient');
  const missingTagRepos = reposOf(tagMissing);
  const tagManifests = tagMissing.filter(alone).length;
  // Repositories whose failing images all exist still get one up-front list when they have several.
  const transientLists = [...reposOf(transient)].filter(
    (r) => !missingTagRepos.has(r) && (perRepo.get(r) ?? 0) > 1,
  ).length;
  const transientManifests = count(c, 'manifest') - tagManifests - repoMissing.length;
  const rows: Attribution[] = [
    {
      label: 'missing tag',
      images: tagMissing.length,
      requests: tagManifests + missingTagRepos.size,
      how: `${missingTagRepos.size} tag lists (one per repository) + 1 manifest for each of the ${tagManifests} that were alone in their repository`,
    },
    {
      label: 'missing repository',
      images: repoMissing.length,
      requests: repoMissing.length + reposOf(repoMissing).size,
      how: `1 manifest each + one tag list per repository (${reposOf(repoMissing).size}), both 404`,
    },
    {
      label: 'exists (transient)',
      images: transient.length,
      requests: transientManifests + count(c, 'blob') + transientLists,
      how: `${transientManifests} manifests (index + platform child) + ${count(c, 'blob')} blobs (config + first layer) + ${transientLists} tag lists`,
    },
  ];
  const rest = total(c) - rows.reduce((a, r) => a + r.requests, 0);
  rows.push({
    label: 'per registry (ping, …)',
    images: 0,
    requests: rest,
    how: `once per scan${rest !== count(c, 'ping') ? ` (the model above is off by ${rest - count(c, 'ping')} requests)` : ''}`,
  });
  return rows;
}
