// Scans a snapshot with probes and prints the findings as JSON. causes.test.ts runs it inside a fresh network
// namespace (unshare -rn), where no route exists, so the probe sees NETWORK_UNREACHABLE for real.
import { snapshotSource } from '../../src/cluster/index.ts';
import { Session } from '../../src/registry/session.ts';
import { scanCluster } from '../../src/scan/index.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: netns-scan.ts SNAPSHOT');
const state = await snapshotSource(path).load({ namespace: null, secrets: true });
const session = new Session({ timeoutMs: 5000 });
try {
  const result = await scanCluster(state, {
    session,
    defaultPlatform: { os: 'linux', architecture: 'amd64' },
    plainHttp: () => true,
  });
  process.stdout.write(JSON.stringify(result));
} finally {
  await session.close();
}
