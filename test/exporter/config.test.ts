// The config format is a contract with deploy/exporter's ConfigMap: its own config.yaml must parse to what it says,
// defaults apply, and every mistake is refused with a message naming the key.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../../src/cause/index.ts';
import { parseExporterConfig } from '../../src/exporter/config.ts';
import { DEFAULT_MAX_IMAGES } from '../../src/monitor/metrics.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function refused(yaml: string, pattern: RegExp): void {
  assert.throws(
    () => parseExporterConfig(yaml, 'cfg.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `a UsageError, not ${String(err)}`);
      assert.match(err.message, /^cfg\.yaml: /);
      assert.match(err.message, pattern);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

describe('parseExporterConfig', () => {
  test("deploy/exporter's config parses to exactly what it says", async () => {
    const text = await readFile(join(ROOT, 'deploy/exporter/base/config.yaml'), 'utf8');
    const c = parseExporterConfig(text, 'config.yaml');
    assert.deepEqual(c, {
      intervalMs: 300_000,
      timeoutMs: 10_000,
      concurrency: 8,
      maxImages: 1000,
      registries: [
        {
          host: 'registry.example.com:5000',
          registry: 'registry.example.com:5000',
          caFile: '/etc/regdoctor/ca.crt',
          plainHttp: false,
          insecureSkipTlsVerify: false,
          dockerConfig: '/etc/regdoctor/docker/config.json',
          checkImage: 'registry.example.com:5000/team/app:1',
        },
      ],
      images: ['docker.io/library/nginx:1.27'],
      cluster: { enabled: true, namespaces: [], readSecrets: false },
    });
  });

  test('an empty file, and empty sections, mean the defaults', async () => {
    const defaults = {
      intervalMs: 300_000,
      timeoutMs: 10_000,
      concurrency: 8,
      maxImages: DEFAULT_MAX_IMAGES,
      registries: [],
      images: [],
      cluster: { enabled: false, namespaces: [], readSecrets: false },
    };
    assert.deepEqual(parseExporterConfig('', 'x'), defaults);
    assert.deepEqual(parseExporterConfig('registries:\nimages:\ncluster:\n', 'x'), defaults);
  });

  test('durations are Go-style; images are de-duplicated; hosts normalise like references', async () => {
    const c = parseExporterConfig(
      `interval: 1m30s\ntimeout: 500ms\nimages: [nginx:1, nginx:1, docker.io/library/nginx:1, index.docker.io/library/nginx:1, docker.io/library/redis:7, redis]\nregistries:\n  - host: index.docker.io\n    checkImage: library/nginx:1\n`,
      'x',
    );
    assert.equal(c.intervalMs, 90_000);
    assert.equal(c.timeoutMs, 500);
    // Normalized for the comparison, kept as first written for the label.
    assert.deepEqual(c.images, ['nginx:1', 'docker.io/library/redis:7', 'redis']);
    assert.equal(c.registries[0]?.registry, 'docker.io');
    assert.equal(c.registries[0]?.host, 'index.docker.io');
  });

  test('unknown keys are refused, by name, at every level', async () => {
    refused('intervall: 5m', /unknown key "intervall" in the top level/);
    refused(
      'registries:\n  - host: r.example.com\n    cafile: /x',
      /unknown key "cafile" in registries\[0\]/,
    );
    refused('cluster:\n  enabled: true\n  namespace: shop', /unknown key "namespace" in cluster/);
  });

  test('wrong types and values name their key', async () => {
    refused('interval: 300', /interval: expected a Go-style duration/);
    refused('interval: soon', /interval: invalid duration "soon"/);
    refused('timeout: 0s', /timeout must be positive/);
    refused('interval: 900h', /interval must be at most/);
    // Sub-second rounds would hammer registries (and spun the loop at 100% CPU with nothing to check).
    refused('interval: 1ns', /interval must be at least 1s/);
    refused('interval: 500ms', /interval must be at least 1s/);
    refused('timeout: 1us', /timeout must be at least 10ms/);
    refused('interval: "30"', /interval: "30" needs a unit, e\.g\. 30s/);
    refused('concurrency: 0', /concurrency must be a positive whole number/);
    refused('concurrency: 2.5', /concurrency must be a positive whole number/);
    refused('maxImages: -1', /maxImages must be a positive whole number/);
    refused('cluster:\n  enabled: "yes"', /expected boolean at cluster\.enabled/);
    refused('images: nginx', /expected array at images/);
    refused('registries:\n  - caFile: /x', /expected string at registries\[0\]\.host/);
  });

  test('registries: host form, duplicates, a checkImage on another registry, contradictory TLS settings', async () => {
    refused(
      'registries:\n  - host: https://r.example.com',
      /registries\[0\]\.host: .* without scheme or path/,
    );
    refused(
      'registries:\n  - host: myregistry',
      /registries\[0\]\.host: "myregistry" is not a registry host/,
    );
    refused(
      'registries:\n  - host: r.example.com\n  - host: r.example.com',
      /registries\[1\]\.host: "r\.example\.com" is already configured in registries\[0\]/,
    );
    refused(
      'registries:\n  - host: r.example.com\n    checkImage: other.example.com/a:1',
      /registries\[0\]\.checkImage: .* is on other\.example\.com, not on r\.example\.com/,
    );
    refused(
      'registries:\n  - host: r.example.com\n    plainHttp: true\n    insecureSkipTlsVerify: true',
      /registries\[0\]: plainHttp and insecureSkipTlsVerify exclude each other/,
    );
  });

  test('images and namespaces must be valid', async () => {
    refused(
      'images:\n  - ok.example.com/a:1\n  - Bad/Name',
      /images\[1\]: "Bad\/Name" is not a valid image reference/,
    );
    refused('cluster:\n  namespaces: [shop, Not_A_Namespace]', /cluster\.namespaces\[1\]/);
  });

  test('not a mapping, or not YAML', async () => {
    refused('- a\n- b', /expected a mapping/);
    refused('interval: [', /not valid YAML/);
    refused('interval: 5m\ninterval: 1m', /not valid YAML/);
  });
});
