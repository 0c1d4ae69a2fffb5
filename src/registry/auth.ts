// The registry's auth dance: the /v2/ challenge, then Basic credentials or a Bearer token from the realm.
// Tokens are cached per (realm, service, scope, credential) so a scan asks once per repository scope.
import * as z from 'zod/mini';
import { RegdoctorError } from '../cause/index.ts';
import { registerSecret } from '../credentials/index.ts';
import type { Reference } from '../reference/index.ts';
import type { Budget } from '../transport/budget.ts';
import type { TlsConfig } from '../transport/dial.ts';
import { TransportError } from '../transport/errors.ts';
import { header, safeUrl, type HttpRequest, type HttpResponse, type Transport } from '../transport/http.ts';
import type { Challenge } from './challenge.ts';
import { describeStatus, parseErrorBody, responseError } from './errors.ts';

/** A credential to try, with a label that names where it came from (never the secret). */
export interface Credential {
  label: string;
  username?: string;
  password?: string;
  identityToken?: string;
  registryToken?: string;
}

/** Where credentials for an image come from, in the order the kubelet would try them, with what matched and why. */
export type CredentialSource = (
  ref: Reference,
) => Promise<{ candidates: Credential[]; summary: string; detail: Record<string, unknown> }>;

export interface PingResult {
  status: number;
  challenges: Challenge[];
  apiVersion?: string;
  ms: number;
}

export type AuthState =
  | { kind: 'anonymous'; credential: null }
  | { kind: 'basic'; credential: Credential; header: string }
  | {
      kind: 'bearer';
      credential: Credential | null;
      header: string;
      grantedActions?: string[];
      expiresIn: number;
    };

export interface AuthAttempt {
  credential: string;
  ok: boolean;
  status?: number;
  message: string;
}

interface BasicCheck {
  status: number;
  message: string;
}

const tokenResponse = z
  .object({
    token: z.optional(z.string()),
    access_token: z.optional(z.string()),
    expires_in: z.optional(z.number()),
    issued_at: z.optional(z.string()),
  })
  .check(
    z.refine(
      (t) => Boolean(t.token || t.access_token),
      'token response has neither "token" nor "access_token"',
    ),
  );

const MAX_TOKEN_BODY = 1024 * 1024;

export function basicHeader(c: Credential): string | null {
  if (c.username === undefined || c.password === undefined) return null;
  return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
}

/** How auth requests are sent: the operation's budget, and the endpoint's own TLS for its own origin. */
export interface AuthContext {
  budget?: Budget;
  tls?: TlsConfig;
}

export class AuthError extends RegdoctorError {
  readonly attempts: AuthAttempt[];
  constructor(cause: 'UNAUTHORIZED' | 'REGISTRY_ERROR', message: string, attempts: AuthAttempt[]) {
    super(cause, message, { attempts });
    this.attempts = attempts;
  }
}

/** Reads the `access` claim of a JWT without verifying it: evidence of what the token grants, nothing more. */
function grantedActions(token: string, scope: string): string[] | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as {
      access?: { type?: string; name?: string; actions?: string[] }[];
    };
    if (!Array.isArray(claims.access)) return undefined;
    const [type, ...rest] = scope.split(':');
    const name = rest.slice(0, -1).join(':');
    return claims.access.filter((a) => a.type === type && a.name === name).flatMap((a) => a.actions ?? []);
  } catch {
    return undefined;
  }
}

export class Authenticator {
  private readonly tokens = new Map<string, Promise<AuthState>>();
  private readonly basicChecks = new Map<string, Promise<BasicCheck>>();
  tokenRequests = 0;

  constructor(private readonly transport: Transport) {}

  /**
   * Gets an Authorization for `scope` given the ping's challenge, trying credentials in order (as the kubelet
   * tries every matching credential). Throws AuthError when every credential is refused.
   */
  async authorize(
    base: URL,
    ping: PingResult,
    scope: string,
    credentials: Credential[],
    ctx: AuthContext = {},
  ): Promise<{ state: AuthState; attempts: AuthAttempt[] }> {
    const wait = <T>(p: Promise<T>) => (ctx.budget ? ctx.budget.race(p, 'auth', 'authentication') : p);
    const attempts: AuthAttempt[] = [];
    if (ping.status !== 401) return { state: { kind: 'anonymous', credential: null }, attempts };
    const bearer = ping.challenges.find((c) => c.scheme === 'bearer');
    const basic = ping.challenges.find((c) => c.scheme === 'basic');
    if (bearer) {
      const realm = bearer.params.realm;
      if (!realm)
        throw new AuthError('REGISTRY_ERROR', 'registry sent a Bearer challenge without a realm', attempts);
      const candidates: (Credential | null)[] = credentials.length ? credentials : [null];
      for (const cred of candidates) {
        try {
          const state = await wait(this.cachedToken(base, realm, bearer.params.service, scope, cred, ctx));
          // A token cached by the session may have been fetched for another run (webhook request): this one
          // uses it now, so its output must mask it too.
          if (state.kind === 'bearer') registerSecret(state.header.slice('Bearer '.length));
          attempts.push({ credential: cred?.label ?? 'anonymous', ok: true, message: 'token issued' });
          return { state, attempts };
        } catch (err) {
          if (!(err instanceof AuthError)) throw err;
          attempts.push(...err.attempts);
        }
      }
      throw new AuthError(
        'UNAUTHORIZED',
        credentials.length
          ? `the token endpoint rejected every credential (${credentials.length} tried)`
          : 'the token endpoint refused anonymous access',
        attempts,
      );
    }
    if (basic) {
      if (!credentials.length) {
        throw new AuthError(
          'UNAUTHORIZED',
          `registry requires Basic authentication (realm ${JSON.stringify(basic.params.realm ?? '')}) and no credential matches it`,
          [{ credential: 'anonymous', ok: false, status: 401, message: 'no credentials' }],
        );
      }
      for (const cred of credentials) {
        const h = basicHeader(cred);
        if (!h) {
          attempts.push({
            credential: cred.label,
            ok: false,
            message: 'Basic auth needs a username and password',
          });
          continue;
        }
        const check = await wait(this.basicCheck(base, cred.label, h, ctx));
        if (check.status >= 200 && check.status < 300) {
          attempts.push({ credential: cred.label, ok: true, status: check.status, message: 'accepted' });
          return { state: { kind: 'basic', credential: cred, header: h }, attempts };
        }
        attempts.push({ credential: cred.label, ok: false, ...check });
      }
      throw new AuthError(
        'UNAUTHORIZED',
        `the registry rejected every credential (${credentials.length} tried)`,
        attempts,
      );
    }
    throw new AuthError(
      'UNAUTHORIZED',
      `registry answered 401 without a usable challenge (${ping.challenges.map((c) => c.scheme).join(', ') || 'no WWW-Authenticate'})`,
      attempts,
    );
  }

  /** One authorized GET of the API root per endpoint and credential per session, as a token is fetched once per scope. */
  private basicCheck(base: URL, label: string, authorization: string, ctx: AuthContext): Promise<BasicCheck> {
    const key = JSON.stringify([base.href, label, authorization]);
    let p = this.basicChecks.get(key);
    if (!p) {
      p = this.transport
        .request({
          url: base,
          headers: { authorization },
          maxBodyBytes: 64 * 1024,
          step: 'auth',
          budget: ctx.budget,
          tls: ctx.tls,
        })
        .then((res) => ({
          status: res.status,
          message: describeStatus(res.status, parseErrorBody(res.body, header(res.headers, 'content-type'))),
        }));
      this.basicChecks.set(key, p);
      p.catch(() => this.basicChecks.delete(key));
    }
    return p;
  }

  private cachedToken(
    base: URL,
    realm: string,
    service: string | undefined,
    scope: string,
    cred: Credential | null,
    ctx: AuthContext,
  ): Promise<AuthState> {
    const key = JSON.stringify([realm, service ?? '', scope, cred?.label ?? '']);
    let p = this.tokens.get(key);
    if (!p) {
      p = this.fetchToken(base, realm, service, scope, cred, ctx);
      this.tokens.set(key, p);
      p.catch(() => this.tokens.delete(key));
    }
    return p;
  }

  /**
   * Docker identity tokens are OAuth2 refresh tokens: POST them to the realm (the Docker CLI's order), and fall
   * back to GET with Basic credentials when the realm does not speak OAuth2 (404/405).
   */
  private async tokenExchange(
    url: URL,
    service: string | undefined,
    scope: string,
    cred: Credential | null,
    send: (req: Omit<HttpRequest, 'maxBodyBytes' | 'step'>) => Promise<HttpResponse>,
  ) {
    if (cred?.identityToken) {
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: cred.identityToken,
        client_id: 'regdoctor',
        scope,
      });
      if (service) form.set('service', service);
      const realm = new URL(url.origin + url.pathname);
      const res = await send({
        url: realm,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      if (res.status !== 404 && res.status !== 405) return res;
    }
    const basic = cred?.identityToken
      ? `Basic ${Buffer.from(`${cred.username ?? '<token>'}:${cred.identityToken}`).toString('base64')}`
      : cred
        ? basicHeader(cred)
        : null;
    return send({ url, headers: basic ? { authorization: basic } : {} });
  }

  private async fetchToken(
    base: URL,
    realm: string,
    service: string | undefined,
    scope: string,
    cred: Credential | null,
    ctx: AuthContext,
  ): Promise<AuthState> {
    const label = cred?.label ?? 'anonymous';
    if (cred?.registryToken) {
      return { kind: 'bearer', credential: cred, header: `Bearer ${cred.registryToken}`, expiresIn: 60 };
    }
    let url: URL;
    try {
      url = new URL(realm, base);
    } catch {
      throw new AuthError('REGISTRY_ERROR', `token realm ${JSON.stringify(realm)} is not a URL`, []);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new AuthError('REGISTRY_ERROR', `token realm uses unsupported scheme ${url.protocol}`, []);
    if (service) url.searchParams.set('service', service);
    url.searchParams.set('scope', scope);
    this.tokenRequests++;
    // The endpoint's own TLS settings hold for a realm on the endpoint's own origin only.
    const send = (req: Omit<HttpRequest, 'maxBodyBytes' | 'step'>) =>
      this.transport.request({
        ...req,
        maxBodyBytes: MAX_TOKEN_BODY,
        step: 'auth',
        budget: ctx.budget,
        tls: req.url.origin === base.origin ? ctx.tls : undefined,
      });
    const res = await this.tokenExchange(url, service, scope, cred, send).catch((err: unknown) => {
      if (err instanceof TransportError)
        throw new TransportError(
          err.cause,
          'auth',
          `token endpoint ${safeUrl(url)}: ${err.message}`,
          err.detail,
        );
      throw err;
    });
    if (res.status === 401 || res.status === 403) {
      const info = parseErrorBody(res.body, header(res.headers, 'content-type'));
      throw new AuthError('UNAUTHORIZED', `token endpoint ${safeUrl(url)} rejected ${label}`, [
        {
          credential: label,
          ok: false,
          status: res.status,
          message: `credentials rejected: ${describeStatus(res.status, info)}`,
        },
      ]);
    }
    if (res.status !== 200) throw responseError(res, 'token', `token endpoint ${safeUrl(url)}`, 'auth');
    let parsed;
    try {
      parsed = tokenResponse.safeParse(JSON.parse(res.body.toString('utf8')));
    } catch {
      parsed = null;
    }
    if (!parsed?.success)
      throw new RegdoctorError(
        'REGISTRY_ERROR',
        `token endpoint ${safeUrl(url)} sent an invalid token response`,
        { step: 'auth' },
      );
    const token = (parsed.data.token || parsed.data.access_token)!;
    registerSecret(token);
    return {
      kind: 'bearer',
      credential: cred,
      header: `Bearer ${token}`,
      grantedActions: grantedActions(token, scope),
      expiresIn: parsed.data.expires_in ?? 60,
    };
  }
}
