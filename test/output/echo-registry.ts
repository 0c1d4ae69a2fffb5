// A hostile registry: it takes any credential, then answers every manifest request with an error that echoes the
// credential back — the Authorization header as sent, Basic decoded, the token — inside a registry error code,
// message and detail, or an HTML <title>, salted with terminal escapes and a forged log line. Whatever regdoctor
// prints, logs or answers afterwards must contain none of it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { serve, type TestServer } from '../helpers/server.ts';

/** Terminal and log poison: retitle, clear screen, bell, 8-bit CSI, a bidi override and a forged log line. */
export const POISON =
  '\x1b]0;pwned\x07\x1b[2J\x9b31m\u202e\r\n2030-01-01T00:00:00.000Z webhook: allowed Pod kube-system/forged';

export interface EchoRegistry extends TestServer {
  /** Every bearer token the realm issued (each one is a secret regdoctor learned). */
  tokens: string[];
}

function authOf(req: IncomingMessage): string {
  return req.headers.authorization ?? '';
}

function decodedBasic(auth: string): string {
  const m = /^Basic (\S+)$/i.exec(auth);
  return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
}

function echo(req: IncomingMessage, res: ServerResponse, auth: string, basic: string): void {
  const tag = /\/manifests\/([^/]+)$/.exec(req.url ?? '')?.[1] ?? '';
  const bare = auth.replace(/^\S+\s+/, '');
  if (tag === 'html') {
    res.writeHead(502, { 'content-type': 'text/html' });
    res.end(
      `<html><head><title>Bad Gateway ${POISON} ${basic} ${bare}</title></head><body>${auth}</body></html>`,
    );
    return;
  }
  res.writeHead(403, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      errors: [
        {
          code: `DENIED${POISON}`,
          // The password alone too: a short one ("pw") must be masked as a word wherever it shows.
          message: `you sent ${auth} (${basic}) token ${bare} password ${basic.slice(basic.indexOf(':') + 1)} ${POISON}`,
          detail: { password: basic.slice(basic.indexOf(':') + 1), authorization: auth },
        },
      ],
    }),
  );
}

/**
 * `scheme: 'basic'`: /v2/ asks for Basic and accepts any; `'bearer'`: /v2/ names a token realm on this server,
 * which issues a fresh random token to any caller. Manifests answer 403 (JSON) or, for tag `html`, 502 (HTML).
 */
export async function echoRegistry(scheme: 'basic' | 'bearer'): Promise<EchoRegistry> {
  const tokens: string[] = [];
  let basicOfTokenRequest = '';
  const server = await serve((req, res) => {
    const url = req.url ?? '/';
    const auth = authOf(req);
    if (url.startsWith('/token')) {
      basicOfTokenRequest = decodedBasic(auth);
      const token = `tok${randomBytes(12).toString('hex')}`;
      tokens.push(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, expires_in: 300 }));
      return;
    }
    if (!auth) {
      const challenge =
        scheme === 'basic'
          ? 'Basic realm="echo"'
          : `Bearer realm="http://${req.headers.host}/token",service="echo"`;
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': challenge });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
      return;
    }
    if (url === '/v2/' || url === '/v2') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
      return;
    }
    echo(req, res, auth, decodedBasic(auth) || basicOfTokenRequest);
  });
  return { ...server, tokens };
}
