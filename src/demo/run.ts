// `regdoctor demo`: throwaway local registries with a few broken cases, diagnosed by the real probe.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cause } from '../cause/index.ts';
import { parsePlatform, hostPlatform } from '../platform/index.ts';
import { dockerConfigSource } from '../registry/credsource.ts';
import { probeImage } from '../probe/probe.ts';
import { createSession } from '../registry/session.ts';
import { renderProbeText } from '../report/probe.ts';
import { writeStdout } from '../output/index.ts';
import { style } from '../report/style.ts';
import { buildImage, buildIndex } from './image.ts';
import { pushImage } from './push.ts';
import { findRegistryBinary, startRegistry, type DemoRegistry } from './registry.ts';

interface Case {
  title: string;
  image: string;
  expect: Cause | null;
  platform?: string;
  plainHttp?: boolean;
  dockerConfig?: string;
}

const USER = 'demo';
const PASSWORD = 'demo-password-not-secret';

export async function runDemo(colour: boolean): Promise<number> {
  const s = style(colour);
  const out = (t: string) => writeStdout(t);
  const cases: Case[] = [
    {
      title: 'An image reference with uppercase letters',
      image: 'Registry.local/Team/App:1.0',
      expect: 'INVALID_REFERENCE',
    },
    {
      title: 'A registry name that does not resolve',
      image: 'registry.regdoctor-demo.invalid/team/app:1.0',
      expect: 'DNS_FAILURE',
    },
  ];
  const registries: DemoRegistry[] = [];
  const tmp = await mkdtemp(join(tmpdir(), 'regdoctor-demo-'));
  // An empty Docker config, so the demo never reads (or shows) the credentials of the user running it.
  const none = join(tmp, 'none.json');
  await writeFile(none, '{"auths":{}}');
  try {
    const binary = await findRegistryBinary();
    if (!binary) {
      out(
        s.yellow(
          'docker-registry is not installed, so the demo shows only the cases that need no registry.\n',
        ) +
          'Install it (Debian/Ubuntu: sudo apt-get install docker-registry) and run `npm run demo` again for the full tour.\n\n',
      );
      cases.push({
        title: 'Nothing listens on the port',
        image: '127.0.0.1:9/team/app:1.0',
        expect: 'CONNECTION_REFUSED',
      });
    } else {
      out(
        s.dim(
          'Starting two throwaway registries on 127.0.0.1 (plain HTTP; one with htpasswd auth) and pushing demo images…\n\n',
        ),
      );
      const bcrypt = (await import('bcryptjs')).default;
      const [open, locked] = await Promise.all([
        startRegistry(binary),
        startRegistry(binary, { htpasswd: `${USER}:${bcrypt.hashSync(PASSWORD, 4)}\n` }),
      ]);
      registries.push(open, locked);
      const multi = await buildIndex(
        [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64' },
        ],
        'multi-platform',
      );
      const armOnly = await buildImage({ os: 'linux', architecture: 'arm64' }, 'arm64 only');
      const basic = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
      await pushImage(open.url, 'team/app', '1.0', multi);
      await pushImage(open.url, 'team/app', '1.0.1', multi);
      await pushImage(open.url, 'team/arm-only', '1.0', armOnly);
      await pushImage(locked.url, 'private/app', '2.0', multi, basic);
      const good = join(tmp, 'good.json');
      const bad = join(tmp, 'bad.json');
      const entry = (pw: string) =>
        JSON.stringify({
          auths: { [locked.host]: { auth: Buffer.from(`${USER}:${pw}`).toString('base64') } },
        });
      await writeFile(good, entry(PASSWORD));
      await writeFile(bad, entry('an-old-password'));
      const amd = 'linux/amd64';
      cases.push(
        {
          title: 'A healthy multi-platform image',
          image: `${open.host}/team/app:1.0`,
          expect: null,
          plainHttp: true,
          platform: amd,
        },
        {
          title: 'A tag that was never pushed (typo in the version)',
          image: `${open.host}/team/app:1.0.2`,
          expect: 'MANIFEST_NOT_FOUND',
          plainHttp: true,
          platform: amd,
        },
        {
          title: 'A repository that does not exist',
          image: `${open.host}/team/ap:1.0`,
          expect: 'REPOSITORY_NOT_FOUND',
          plainHttp: true,
          platform: amd,
        },
        {
          title: 'An arm64-only image on an amd64 node',
          image: `${open.host}/team/arm-only:1.0`,
          expect: 'PLATFORM_MISMATCH',
          plainHttp: true,
          platform: amd,
        },
        {
          title: 'A plain-HTTP registry the node talks HTTPS to',
          image: `${open.host}/team/app:1.0`,
          expect: 'HTTP_HTTPS_MISMATCH',
          platform: amd,
        },
        {
          title: 'A private registry and no pull secret',
          image: `${locked.host}/private/app:2.0`,
          expect: 'UNAUTHORIZED',
          plainHttp: true,
          platform: amd,
          dockerConfig: none,
        },
        {
          title: 'A pull secret with an outdated password',
          image: `${locked.host}/private/app:2.0`,
          expect: 'UNAUTHORIZED',
          plainHttp: true,
          platform: amd,
          dockerConfig: bad,
        },
        {
          title: 'The same image with the right credentials',
          image: `${locked.host}/private/app:2.0`,
          expect: null,
          plainHttp: true,
          platform: amd,
          dockerConfig: good,
        },
        {
          title: 'Nothing listens on the port',
          image: `127.0.0.1:9/team/app:1.0`,
          expect: 'CONNECTION_REFUSED',
        },
      );
    }
    const rows: [string, string, boolean][] = [];
    for (const [i, c] of cases.entries()) {
      // A session per case: each case is a separate `regdoctor probe` run, with its own flags.
      const session = createSession({ timeoutMs: 5000 });
      try {
        const r = await probeImage(c.image, session, {
          platform: c.platform ? parsePlatform(c.platform) : hostPlatform(),
          credentials: dockerConfigSource({ dockerConfig: c.dockerConfig ?? none }),
          plainHttp: () => Boolean(c.plainHttp),
        });
        const flags = [
          c.platform ? `--platform ${c.platform}` : '',
          c.plainHttp ? '--plain-http' : '',
          c.dockerConfig ? '--docker-config <demo>' : '',
        ]
          .filter(Boolean)
          .join(' ');
        out(s.bold(`── ${i + 1}. ${c.title}\n`) + s.dim(`$ regdoctor probe ${c.image} ${flags}\n`));
        out(renderProbeText(r, { colour }) + '\n');
        rows.push([c.title, r.cause ?? 'pullable', r.cause === c.expect]);
      } finally {
        await session.close();
      }
    }
    if (registries.length) {
      out(
        s.bold('── A cluster scan\n') +
          s.dim(
            '$ regdoctor scan   # on a built-in demo cluster whose broken pods use the registries above\n',
          ),
      );
      const [{ demoCluster }, { scanCluster }, { renderScanText }] = await Promise.all([
        import('./cluster.ts'),
        import('../scan/index.ts'),
        import('../report/scan.ts'),
      ]);
      const [open, locked] = registries as [DemoRegistry, DemoRegistry];
      const state = demoCluster({ open: open.host, locked: locked.host, user: USER, password: PASSWORD });
      const session = createSession({ timeoutMs: 5000 });
      try {
        const scan = await scanCluster(state, {
          session,
          defaultPlatform: parsePlatform('linux/amd64'),
          plainHttp: (host) => host === open.host || host === locked.host,
        });
        out(renderScanText(scan, { colour }) + '\n');
        const want: Record<string, Cause> = {
          'web-5d8f7c9b6-k2x8p': 'MANIFEST_NOT_FOUND',
          'agent-7xk2m': 'PLATFORM_MISMATCH',
          invoicer: 'UNAUTHORIZED',
          reports: 'PULL_SECRET_MISSING',
          ledger: 'PULL_SECRET_INVALID',
        };
        for (const [podName, cause] of Object.entries(want)) {
          const f = scan.findings.find((x) => x.pod === podName);
          rows.push([
            `scan: pod ${podName}`,
            f ? `${f.cause} (${f.confidence})` : 'no finding',
            f?.cause === cause && f.confidence === 'certain',
          ]);
        }
      } finally {
        await session.close();
      }
    }
    const width = Math.max(...rows.map((r) => r[0].length));
    out(s.bold('Summary\n'));
    for (const [title, got, ok] of rows)
      out(`  ${ok ? s.green('✔') : s.red('✘')} ${title.padEnd(width)}  ${got}\n`);
    const wrong = rows.filter((r) => !r[2]).length;
    if (wrong)
      out(s.red(`\n${wrong} case(s) did not give the expected verdict — that is a regdoctor bug.\n`));
    return wrong ? 1 : 0;
  } finally {
    await Promise.all(registries.map((r) => r.stop()));
    await rm(tmp, { recursive: true, force: true });
  }
}
