// The start-up section's floor: the HTTP requests a plain-HTTP probe makes (given as METHOD URL arguments), one
// after the other on one keep-alive connection, from a bare node:http script — no bundle, no parsing, no checks.
// What this costs over `node -e 0` is what the registry round trips alone cost a Node process; a whole probe
// process cannot get below it. Plain JavaScript on purpose: run by `node` alone, as the CLI is.
import { Agent, request } from 'node:http';

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  const [method, url] = [args[i], new URL(args[i + 1])];
  const status = await new Promise((resolve, reject) => {
    const headers = {
      accept: ACCEPT,
      ...(url.pathname.includes('/blobs/') ? { range: 'bytes=0-65535' } : {}),
    };
    const r = request(url, { method, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    r.on('error', reject);
    r.end();
  });
  if (status >= 300) throw new Error(`${method} ${url.pathname}: ${status}`);
}
agent.destroy();
process.stdout.write(`${args.length / 2} requests\n`);
