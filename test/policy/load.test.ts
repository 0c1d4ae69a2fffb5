import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/cause/index.ts';
import { loadPolicies, manifestsFrom } from '../../src/policy/load.ts';
import { decodeDocuments, readInputs } from '../../src/util/documents.ts';

const POLICY = (name: string) => `apiVersion: regdoctor.dev/v1alpha1
kind: ImagePolicy
metadata: {name: ${name}}
spec: {requireDigest: true}
`;

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regdoctor-policy-load-'));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'a.yaml'), `${POLICY('a')}---\n${POLICY('b')}`);
  await writeFile(
    join(dir, 'sub', 'c.json'),
    JSON.stringify({
      kind: 'List',
      items: [
        JSON.parse(
          JSON.stringify({
            apiVersion: 'regdoctor.dev/v1alpha1',
            kind: 'ImagePolicy',
            metadata: { name: 'c' },
            spec: {},
          }),
        ),
      ],
    }),
  );
  await writeFile(join(dir, 'sub', 'notes.txt'), 'ignored: not yaml');
  await writeFile(join(dir, 'dup.yaml'), POLICY('a'));
  await writeFile(join(dir, 'empty.yaml'), '---\n# nothing\n');
});
after(() => rm(dir, { recursive: true, force: true }));

describe('decodeDocuments', () => {
  test('multi-document YAML with empty documents and nested Lists', () => {
    const docs = decodeDocuments({
      name: 'm.yaml',
      text: '---\n---\nkind: Pod\nmetadata: {name: a}\n---\nkind: List\nitems:\n- kind: DeploymentList\n  items: [{kind: Deployment, metadata: {name: b}}]\n',
    });
    assert.deepEqual(
      docs.map((d) => d.where),
      ['m.yaml#2', 'm.yaml#3 items[0] items[0]'],
    );
  });
  test('invalid YAML names the file and the line', () => {
    assert.throws(
      () => decodeDocuments({ name: 'bad.yaml', text: 'kind: Pod\nmetadata: {name: [\n' }),
      (e: unknown) =>
        e instanceof UsageError &&
        /^bad\.yaml: not valid YAML or JSON \(line \d+, column \d+\)/.test(e.message),
    );
  });
  test('an alias bomb is a usage error naming the file, not an internal error', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      levels.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    assert.throws(
      () => decodeDocuments({ name: 'bomb.yaml', text: `${levels.join('\n')}\n` }),
      (e: unknown) => e instanceof UsageError && /^bomb\.yaml: not usable YAML: /.test(e.message),
    );
  });
  test('a List without items', () => {
    assert.throws(
      () => decodeDocuments({ name: 'l.json', text: '{"kind":"List"}' }),
      /l\.json: List without an items array/,
    );
  });
});

describe('loadPolicies', () => {
  test('files and directories (recursive, only .yaml/.yml/.json)', async () => {
    const ps = await loadPolicies([join(dir, 'a.yaml'), join(dir, 'sub')]);
    assert.deepEqual(
      ps.map((p) => [p.name, p.origin.replace(dir, '')]),
      [
        ['a', '/a.yaml#1'],
        ['b', '/a.yaml#2'],
        ['c', '/sub/c.json items[0]'],
      ],
    );
  });
  test('stdin', async () => {
    const ps = await loadPolicies(['-'], async () => POLICY('s'));
    assert.deepEqual(
      ps.map((p) => [p.name, p.origin]),
      [['s', '(stdin)']],
    );
  });
  test('a name defined twice', async () => {
    await assert.rejects(
      loadPolicies([join(dir, 'a.yaml'), join(dir, 'dup.yaml')]),
      /dup\.yaml: ImagePolicy "a" is also defined in .*a\.yaml#1/,
    );
  });
  test('no policy at all', async () => {
    await assert.rejects(loadPolicies([join(dir, 'empty.yaml')]), /no ImagePolicy found/);
  });
  test('a missing file', async () => {
    await assert.rejects(
      loadPolicies([join(dir, 'nope.yaml')]),
      /cannot read .*nope\.yaml: no such file or directory/,
    );
  });
  test('stdin only once', async () => {
    await assert.rejects(
      readInputs(['-', '-'], async () => ''),
      /only once/,
    );
  });
});

describe('manifestsFrom', () => {
  test('workloads, namespaces with labels, other kinds counted', () => {
    const m = manifestsFrom([
      {
        name: 'm.yaml',
        text: [
          'kind: Namespace\nmetadata: {name: shop, labels: {env: prod}}',
          'kind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {template: {spec: {containers: [{name: c, image: x}]}}}',
          'kind: Service\nmetadata: {name: s}',
          'kind: ConfigMap\nmetadata: {name: c}',
        ].join('\n---\n'),
      },
    ]);
    assert.deepEqual(
      m.objects.map((o) => [o.kind, o.metadata.name, o.where]),
      [['Deployment', 'web', 'm.yaml#2']],
    );
    assert.deepEqual(m.namespaceLabels.get('shop'), { env: 'prod' });
    assert.equal(m.ignored, 2);
  });
  const bad: [string, RegExp][] = [
    [
      'kind: Deployment\nmetadata: {name: w}\nspec: {}',
      /m\.yaml: Deployment w: no pod template at spec\.template\.spec/,
    ],
    [
      'kind: CronJob\nmetadata: {name: w}\nspec: {template: {spec: {}}}',
      /no pod template at spec\.jobTemplate/,
    ],
    [
      'kind: Pod\nmetadata: {name: p}\nspec: {containers: {name: c}}',
      /m\.yaml: Pod p: pod spec is malformed at containers/,
    ],
    ['kind: Pod\nspec: {}', /m\.yaml: Pod without metadata\.name/],
    ['- a\n- b', /m\.yaml: not a Kubernetes object/],
    ['kind: Pod\nmetadata: {name: p, namespace: 3}\nspec: {}', /metadata\.namespace is not a string/],
  ];
  for (const [text, want] of bad) {
    test(`error: ${want.source}`, () => assert.throws(() => manifestsFrom([{ name: 'm.yaml', text }]), want));
  }
});
