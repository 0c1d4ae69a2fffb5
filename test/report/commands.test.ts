// stepParts: the commands a report offers for copying are exactly the commands in the remediation text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CAUSES } from '../../src/cause/index.ts';
import { remediationFor } from '../../src/cause/remediation.ts';
import { stepParts, type StepPart } from '../../src/report/commands.ts';

const joined = (parts: StepPart[]) => parts.map((p) => ('command' in p ? p.command : p.text)).join('');
const commands = (step: string) => stepParts(step).flatMap((p) => ('command' in p ? [p.command] : []));

test('every remediation step of every cause splits into parts that join back to the step', () => {
  const contexts = [
    { image: 'reg.example.com:5000/team/app:1.4', registry: 'reg.example.com:5000', platform: 'linux/arm64' },
    { image: 'nginx', registry: 'docker.io', suggestions: ['1.27.1', '1.27.0'] },
    { image: 'x.azurecr.io/app:1', registry: 'x.azurecr.io' },
    {},
  ];
  for (const cause of CAUSES)
    for (const ctx of contexts)
      for (const step of remediationFor(cause, ctx)) {
        const parts = stepParts(step);
        assert.equal(joined(parts), step);
        for (const p of parts) if ('command' in p) assert.equal(p.command, p.command.trim(), step);
      }
});

test('commands end where the prose goes on: ", then", " (", ";" and a closing full stop', () => {
  assert.deepEqual(
    commands(
      'Create it: kubectl create secret docker-registry regcred --docker-server=r.io -n shop, then add regcred to the pod',
    ),
    ['kubectl create secret docker-registry regcred --docker-server=r.io -n shop'],
  );
  assert.deepEqual(commands('From the node: curl -v https://r.io/v2/ (also check MTU)'), [
    'curl -v https://r.io/v2/',
  ]);
  assert.deepEqual(
    commands('If the certificate is fine, the node clock is wrong: timedatectl; chronyc tracking'),
    ['timedatectl', 'chronyc tracking'],
  );
  assert.deepEqual(commands('Publish it: docker buildx build -t r.io/app:1 --push .'), [
    'docker buildx build -t r.io/app:1 --push .',
  ]);
  assert.deepEqual(commands('Check which nodes have it: crictl images | grep app.'), [
    'crictl images | grep app',
  ]);
});

test('quotes keep a command whole: commas, parentheses and semicolons inside them are arguments', () => {
  const step = `Attach it: kubectl patch serviceaccount default -n shop -p '{"imagePullSecrets":[{"name":"a"}, {"name":"b"}]}' (a pod-level list wins)`;
  assert.deepEqual(commands(step), [
    `kubectl patch serviceaccount default -n shop -p '{"imagePullSecrets":[{"name":"a"}, {"name":"b"}]}'`,
  ]);
  assert.deepEqual(commands(`See: journalctl -u kubelet | grep -i 'credential provider; (x)'`), [
    `journalctl -u kubelet | grep -i 'credential provider; (x)'`,
  ]);
  // Pipes and && belong to the command line.
  assert.deepEqual(
    commands('Recreate: kubectl delete secret s -n ns && kubectl create secret generic s -n ns'),
    ['kubectl delete secret s -n ns && kubectl create secret generic s -n ns'],
  );
});

test('prose is never taken for a command: unknown words, a program name in a sentence, capitalised names', () => {
  for (const step of [
    'Retry later: the kubelet keeps backing off and retrying on its own',
    'Docker: add "r.io" to insecure-registries in /etc/docker/daemon.json',
    'Usually transient: the kubelet retries on its own',
    'Check the docker config of the node',
    'Use a kind of mirror',
  ])
    assert.deepEqual(stepParts(step), [{ text: step }], step);
});

test('any text: parts join back, and each command starts with a known program', () => {
  const words = fc.constantFrom(
    'kubectl',
    'get',
    'pods',
    ':',
    ';',
    ',',
    '(',
    ')',
    "'",
    '"',
    ' ',
    '.',
    'x',
    'curl',
  );
  fc.assert(
    fc.property(fc.array(words, { maxLength: 40 }), (ws) => {
      const step = ws.join('');
      const parts = stepParts(step);
      assert.equal(joined(parts), step);
      for (const c of parts) if ('command' in c) assert.match(c.command, /^(kubectl|curl)\b/);
    }),
  );
});
