import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBandwidth } from '../../src/inspect/index.ts';
import { UsageError } from '../../src/cause/index.ts';

test('bandwidths in bits and bytes, decimal and binary prefixes', () => {
  const cases: [string, number][] = [
    ['100', 12_500_000],
    ['100Mbit/s', 12_500_000],
    ['1Gbps', 125_000_000],
    ['12.5MB/s', 12_500_000],
    ['500KiB/s', 512_000],
    ['8kbit', 1000],
    ['20 Mbit/s', 2_500_000],
  ];
  for (const [s, bytes] of cases) assert.equal(parseBandwidth(s), bytes, s);
});

test('nonsense bandwidths are usage errors', () => {
  for (const s of ['', 'fast', '-1Mbit/s', '0', '10 parsecs'])
    assert.throws(() => parseBandwidth(s), UsageError, s);
});
