// Real registries for the scan tests: a docker-registry behind htpasswd basic auth holding a few tags, a
// multi-platform image, an amd64-only image and an image with a layer deleted from storage, plus an anonymous
// one. Both keep an access log, so the tests count what actually reached each registry.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Fixture } from '../helpers/fixture.ts';
import { buildImageLayout, buildIndexLayout } from '../helpers/oci.ts';
import type { RunningRegistry } from '../helpers/registry.ts';
import { pushImage } from '../helpers/skopeo.ts';
import { Session } from '../../src/registry/session.ts';
import type { TransportOptions } from '../../src/transport/http.ts';

export const USER = 'deployer';

export interface Lab {
  /** htpasswd registry: USER / password. */
  auth: RunningRegistry;
  /** Anonymous registry. */
  open: RunningRegistry;
  password: string;
  wrongPassword: string;
  /** Image references on the registries. */
  img: {
    /** Tags 1.0.0, 1.0.1, 1.1.0 of team/app on `auth`. */
    app: (tag: string) => string;
    /** amd64 + arm64 index on `auth`. */
    multi: string;
    /** A single-platform (linux/amd64) index on `auth`. */
    amd64only: string;
    /** team/broken:1 on `auth` with its layer blob deleted from storage. */
    broken: string;
    /** team/app:1.0.0 on `open`. */
    openApp: string;
  };
}

const ACCESS_LOG = { log: { level: 'error', accesslog: { disabled: false } } };

export async function startLab(fx: Fixture): Promise<Lab> {
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  const wrongPassword = `wrong-${randomBytes(12).toString('base64url')}`;
  const [auth, open, app, multi, amd64only, broken] = await Promise.all([
    fx.registry({ htpasswd: { [USER]: password }, extraConfig: ACCESS_LOG }),
    fx.registry({ extraConfig: ACCESS_LOG }),
    fx.subdir('app').then((d) => buildImageLayout(d)),
    fx.subdir('multi').then((d) => buildIndexLayout(d, { images: ['linux/amd64', 'linux/arm64'] })),
    fx.subdir('amd64').then((d) => buildIndexLayout(d, { images: ['linux/amd64'] })),
    // Its own layer content, so deleting the blob breaks no other image.
    fx.subdir('broken').then((d) =>
      buildImageLayout(d, {
        layers: [{ files: [{ path: 'broken', content: 'this layer goes missing\n' }] }],
      }),
    ),
  ]);
  const creds = { username: USER, password };
  const push = (layout: Parameters<typeof pushImage>[0], dest: string, reg = auth) =>
    pushImage(layout, `docker://${reg.host}/${dest}`, {
      tlsVerify: false,
      ...(reg === auth ? { creds } : {}),
    });
  // One push at a time per registry: concurrent pushes of the same blob make docker-registry answer 500.
  const pushes = async () => {
    await push(app, 'team/app:1.0.0');
    await push(app, 'team/app:1.0.1');
    await push(app, 'team/app:1.1.0');
    await push(multi, 'team/multi:2.0');
    await push(amd64only, 'team/amd64only:1.0');
    await push(broken, 'team/broken:1');
  };
  await Promise.all([pushes(), push(app, 'team/app:1.0.0', open)]);
  const hex = broken.images[0]!.layers[0]!.digest.slice('sha256:'.length);
  await rm(join(auth.dir, 'data/docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex), { recursive: true });
  return {
    auth,
    open,
    password,
    wrongPassword,
    img: {
      app: (tag) => `${auth.host}/team/app:${tag}`,
      multi: `${auth.host}/team/multi:2.0`,
      amd64only: `${auth.host}/team/amd64only:1.0`,
      broken: `${auth.host}/team/broken:1`,
      openApp: `${open.host}/team/app:1.0.0`,
    },
  };
}

/** The access-log lines of requests regdoctor made (its user agent), e.g. `"GET /v2/ HTTP/1.1" 401`. */
export function regdoctorRequests(reg: RunningRegistry): string[] {
  return reg
    .output()
    .split('\n')
    .filter((l) => l.includes('"regdoctor/'))
    .map((l) => /"((?:GET|HEAD|POST|PUT) [^"]+)"/.exec(l)?.[1] ?? l);
}

/**
 * Waits until the registries' access logs stop growing: a registry logs a request after it has answered it, and
 * its output reaches this process through a pipe, so the last lines can lag the client by a moment.
 */
export async function settled(...regs: RunningRegistry[]): Promise<void> {
  const size = () => regs.reduce((n, r) => n + r.output().length, 0);
  let last = -1;
  for (let i = 0; i < 40 && size() !== last; i++) {
    last = size();
    await new Promise((r) => setTimeout(r, 75));
  }
}

/** A probe session as the CLI builds one, with a verbose log kept for the secret checks. */
export function session(opts: Partial<TransportOptions> = {}): { session: Session; log: string[] } {
  const log: string[] = [];
  return { session: new Session({ timeoutMs: 5000, log: (l) => log.push(l), ...opts }), log };
}
