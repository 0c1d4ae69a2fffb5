// Each exporter round is one redaction run (src/exporter/loop.ts): the registry tokens a round learns are masked in
// its log lines and dropped with it. Were they registered process-wide, a long-running exporter would keep every
// token it was ever issued, and the set would only grow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { currentRedactor } from '../../src/credentials/redact.ts';
import { useFixture } from '../helpers/fixture.ts';
import { echoRegistry } from '../output/echo-registry.ts';
import { exporterFrom, waitFor } from './support.ts';

const fx = useFixture();

test('registry tokens learned in exporter rounds do not stay in the process redactor', async () => {
  // Anonymous: no configured credential, so nothing is rightly process-wide; the realm issues a token to anyone.
  const reg = await echoRegistry('bearer');
  fx.onCleanup(() => reg.stop());
  const before = currentRedactor().size;
  const ex = await exporterFrom(
    fx,
    [
      'interval: 1s',
      'timeout: 5s',
      'registries:',
      `  - host: ${reg.host}`,
      '    plainHttp: true',
      `    checkImage: ${reg.host}/team/app:1`,
    ].join('\n'),
  );
  await waitFor('three rounds', async () => ex.rounds() >= 3);
  assert.ok(reg.tokens.length > 0, 'the realm issued tokens to the exporter');
  assert.ok(
    ex.lines.some((l) => l.includes('DENIED')),
    ex.lines.join('\n'),
  );
  for (const l of ex.lines) for (const t of reg.tokens) assert.ok(!l.includes(t), `the log shows ${t}: ${l}`);
  assert.equal(currentRedactor().size, before, 'the process redactor did not grow');
  for (const t of reg.tokens) assert.equal(currentRedactor().redact(t), t, `${t} is not kept process-wide`);
});
