// Run by fixture.test.ts as a separate process that starts a registry and is then SIGKILLed without cleanup.
import { startRegistry } from '../helpers/registry.ts';

const reg = await startRegistry();
process.stdout.write(`${JSON.stringify({ pid: reg.pid, dir: reg.dir })}\n`);
setInterval(() => undefined, 1000);
