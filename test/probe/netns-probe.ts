// Runs one plain-HTTP probe and prints the ProbeResult as JSON; network.test.ts runs it inside a fresh network
// namespace (unshare -rn), where no route exists, to observe NETWORK_UNREACHABLE for real.
import { probeImage } from '../../src/probe/probe.ts';
import { Session } from '../../src/registry/session.ts';

const image = process.argv[2];
if (!image) throw new Error('usage: netns-probe.ts IMAGE');
const session = new Session({ timeoutMs: 5000 });
try {
  const result = await probeImage(image, session, {
    platform: { os: 'linux', architecture: 'amd64' },
    plainHttp: () => true,
  });
  process.stdout.write(JSON.stringify(result));
} finally {
  await session.close();
}
