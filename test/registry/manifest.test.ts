import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegdoctorError } from '../../src/cause/index.ts';
import {
  MEDIA,
  parseManifest,
  parseImageConfig,
  sha256,
  indexEntries,
  isIndex,
} from '../../src/registry/manifest.ts';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const image = {
  schemaVersion: 2,
  mediaType: MEDIA.ociManifest,
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: d('a'), size: 10 },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: d('b'), size: 20 }],
};
const index = {
  schemaVersion: 2,
  mediaType: MEDIA.dockerList,
  manifests: [
    {
      mediaType: MEDIA.dockerManifest,
      digest: d('c'),
      size: 5,
      platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    },
    {
      mediaType: MEDIA.ociManifest,
      digest: d('e'),
      size: 5,
      annotations: { 'vnd.docker.reference.type': 'attestation-manifest' },
    },
  ],
};
const buf = (o: unknown) => Buffer.from(JSON.stringify(o));

function rejects(fn: () => unknown, pattern: RegExp) {
  assert.throws(
    fn,
    (e: unknown) => e instanceof RegdoctorError && e.cause === 'REGISTRY_ERROR' && pattern.test(e.message),
  );
}

test('image manifests and indexes parse by mediaType', () => {
  const m = parseManifest(buf(image), MEDIA.ociManifest);
  assert.equal(isIndex(m), false);
  const i = parseManifest(buf(index), MEDIA.dockerList);
  assert.ok(isIndex(i));
  const entries = indexEntries(i);
  assert.deepEqual(entries[0]?.platform, {
    os: 'linux',
    architecture: 'arm',
    variant: 'v7',
    osVersion: undefined,
    osFeatures: undefined,
  });
  assert.equal(entries[1]?.platform, undefined);
});

test('an OCI manifest without mediaType in the body takes the Content-Type', () => {
  const { mediaType: _m, ...bare } = image;
  assert.equal(parseManifest(buf(bare), `${MEDIA.ociManifest}; charset=utf-8`).mediaType, MEDIA.ociManifest);
});

test('a body that contradicts the Content-Type is rejected', () => {
  rejects(() => parseManifest(buf(image), MEDIA.dockerManifest), /Content-Type/);
});

test('schema 1, non-JSON, HTML and structurally wrong bodies are clear REGISTRY_ERRORs', () => {
  rejects(() => parseManifest(buf({ schemaVersion: 1, name: 'x' }), MEDIA.dockerSchema1), /schema 1/);
  rejects(
    () => parseManifest(Buffer.from('<html><title>502</title></html>'), 'text/html'),
    /not JSON.*<html>/,
  );
  rejects(() => parseManifest(buf({ ...image, layers: 'nope' }), MEDIA.ociManifest), /at layers/);
  rejects(
    () => parseManifest(buf({ ...image, config: { ...image.config, digest: 'md5' } }), MEDIA.ociManifest),
    /config\.digest/,
  );
  rejects(
    () => parseManifest(buf({ ...image, mediaType: 'application/x-unknown' }), undefined),
    /not a valid image manifest/,
  );
  rejects(() => parseManifest(buf([1, 2]), MEDIA.ociManifest), /not a valid/);
});

test('a list of bad elements names the first, however long the list (no issue per element, no RangeError)', () => {
  // 200,000 empty index entries: zod collected an issue for each and ended in a RangeError (seconds of CPU).
  const many = `{"schemaVersion":2,"mediaType":"${MEDIA.ociIndex}","manifests":[${Array(200_000).fill('{}').join(',')}]}`;
  rejects(
    () => parseManifest(Buffer.from(many), MEDIA.ociIndex),
    /expected string at manifests\.0\.mediaType/,
  );
  const later = { ...index, manifests: [...index.manifests, { ...index.manifests[0]!, digest: 'md5' }] };
  rejects(() => parseManifest(buf(later), MEDIA.dockerList), /at manifests\.2\.digest/);
  const layers = { ...image, layers: [image.layers[0]!, image.layers[0]!, { size: -1 }] };
  rejects(() => parseManifest(buf(layers), MEDIA.ociManifest), /at layers\.2\.mediaType/);
  // A good list comes back whole, elements as the schema reads them.
  const m = parseManifest(buf({ ...image, layers: [{ ...image.layers[0]!, extra: 1 }] }), MEDIA.ociManifest);
  assert.deepEqual(m, image);
});

test('sha256 is the OCI digest of the bytes', () => {
  assert.equal(
    sha256(Buffer.from('')),
    'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  );
});

test('image config: null Entrypoint is accepted, garbage is not', () => {
  const c = parseImageConfig(
    buf({ architecture: 'amd64', os: 'linux', config: { Entrypoint: null, User: '' } }),
  );
  assert.equal(c.architecture, 'amd64');
  assert.throws(() => parseImageConfig(Buffer.from('{')), /not JSON/);
  assert.throws(() => parseImageConfig(buf({ os: 5 })), /malformed/);
});
