// A token server for the distribution token flow (docs/spec/auth/token.md): GET realm?service=&scope= with
// optional Basic credentials, and the OAuth2 password grant as a POST form (docs/spec/auth/oauth.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { createCA, pemToDerBase64, type CertFiles } from './pki.ts';
import { makeTempDir } from './tmp.ts';
import { serve, type TestServer } from './server.ts';
import { makeClaims, signJwt, signerFrom, type AccessEntry, type TokenClaims } from './jwt.ts';
import { ANONYMOUS, grantedAccess, parseScopes, type Scope, type TokenAcl } from './scope.ts';

export type { TokenAcl, TokenGrant } from './scope.ts';

export interface TokenServerOptions {
  acl: TokenAcl;
  service?: string;
  issuer?: string;
  /** Serve the realm over HTTPS with this certificate. */
  tls?: CertFiles;
  /** Token lifetime; `null` leaves `expires_in` out of the response (clients must assume 60 s). Default 300. */
  expiresIn?: number | null;
  /** Return a response to replace the normal one (a 500, a body without a token…); undefined = normal. */
  override?: (
    req: TokenRequest,
  ) => { status: number; body?: unknown; headers?: Record<string, string> } | undefined;
}

export interface TokenRequest {
  method: string;
  /** Authenticated user, or null for anonymous (and for failed logins). */
  user: string | null;
  /** Credentials were sent but did not match. */
  badCredentials: boolean;
  service: string | null;
  scopes: Scope[];
  /** What the issued token grants; empty when nothing was granted or no token was issued. */
  granted: AccessEntry[];
  status: number;
  /** The token issued, when one was (so tests can look for it where it must not be). */
  token?: string;
}

export interface RegistryTokenAuth {
  realm: string;
  service: string;
  issuer: string;
  rootcertbundle: string;
}

export interface TokenServer extends TestServer {
  realm: string;
  service: string;
  issuer: string;
  /** PEM file of the CA that signed the token signing certificate: the registry's `rootcertbundle`. */
  rootCertBundle: string;
  rootCertPem: string;
  /** One entry per token request, in order. */
  tokenRequests: TokenRequest[];
  /** The `auth.token` block for startRegistry. */
  registryAuth(): RegistryTokenAuth;
  /** Signs arbitrary claims with the server's key (for expired or wrong-audience tokens). */
  sign(claims: TokenClaims): string;
}

function basicUser(req: IncomingMessage): { user: string; password: string } | undefined {
  const h = req.headers.authorization;
  if (!h?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0
    ? { user: decoded, password: '' }
    : { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (body.length < 65_536) body += c;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const service = opts.service ?? 'regdoctor-test-registry';
  const issuer = opts.issuer ?? 'regdoctor-test-issuer';
  const lifetime = opts.expiresIn === undefined ? 300 : opts.expiresIn;
  const tmp = await makeTempDir('regdoctor-token-');
  let server: TestServer | undefined;
  try {
    const ca = await createCA(join(tmp.path, 'ca'), 'regdoctor token CA');
    const leaf = await ca.issue({ name: 'token-signer', commonName: 'regdoctor token signer' });
    const signer = signerFrom(leaf.keyPem, [pemToDerBase64(leaf.certPem)]);
    const rootCertBundle = join(tmp.path, 'rootcertbundle.pem');
    await writeFile(rootCertBundle, ca.certPem);
    const tokenRequests: TokenRequest[] = [];

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/token') return json(res, 404, { error: 'not found' });
      let creds: { user: string; password: string } | undefined;
      let params: URLSearchParams;
      if (req.method === 'POST') {
        params = new URLSearchParams(await readBody(req));
        if (params.get('grant_type') !== 'password') {
          return json(res, 400, { error: 'unsupported_grant_type' });
        }
        creds = { user: params.get('username') ?? '', password: params.get('password') ?? '' };
      } else {
        params = url.searchParams;
        creds = basicUser(req);
      }
      const good = creds !== undefined && opts.acl.users[creds.user] === creds.password;
      const info: TokenRequest = {
        method: req.method ?? '',
        user: good && creds ? creds.user : null,
        badCredentials: creds !== undefined && !good,
        service: params.get('service'),
        scopes: parseScopes(params.getAll('scope')),
        granted: [],
        status: 0,
      };
      tokenRequests.push(info);
      const custom = opts.override?.(info);
      if (custom) {
        info.status = custom.status;
        return json(res, custom.status, custom.body ?? {}, custom.headers);
      }
      if (info.badCredentials) {
        info.status = 401;
        return json(res, 401, {
          errors: [{ code: 'UNAUTHORIZED', message: 'incorrect username or password', detail: null }],
        });
      }
      info.granted = grantedAccess(opts.acl, info.user, info.scopes);
      const claims = makeClaims({
        issuer,
        subject: info.user ?? '',
        audience: info.service ?? service,
        access: info.granted,
        lifetimeSeconds: lifetime ?? 60,
      });
      const token = signJwt(signer, claims);
      info.token = token;
      const issuedAt = new Date(claims.iat * 1000).toISOString();
      info.status = 200;
      const expires = lifetime === null ? {} : { expires_in: lifetime };
      if (req.method === 'POST') {
        const scope = info.scopes.map((s) => `${s.type}:${s.name}:${s.actions.join(',')}`).join(' ');
        return json(res, 200, { access_token: token, scope, ...expires, issued_at: issuedAt });
      }
      json(res, 200, { token, access_token: token, ...expires, issued_at: issuedAt });
    };

    server = await serve(
      (req, res) => {
        handle(req, res).catch((err: unknown) => json(res, 500, { error: String(err) }));
      },
      opts.tls ? { tls: opts.tls } : {},
    );
    const s = server;
    const realm = `${s.url}/token`;
    return {
      ...s,
      realm,
      service,
      issuer,
      rootCertBundle,
      rootCertPem: ca.certPem,
      tokenRequests,
      registryAuth: () => ({ realm, service, issuer, rootcertbundle: rootCertBundle }),
      sign: (claims) => signJwt(signer, claims),
      async stop() {
        await s.stop();
        await tmp.remove();
      },
    };
  } catch (err) {
    await server?.stop();
    await tmp.remove();
    throw err;
  }
}

export { ANONYMOUS };
