// Docker credential helpers (docker-credential-<name> get): the protocol of docker/docker-credential-helpers'
// client — server URL on stdin, {"ServerURL","Username","Secret"} on stdout, errors as text on stdout with a
// non-zero exit, Username "<token>" meaning the secret is an identity token.

import type { spawn as Spawn } from 'node:child_process';
import * as z from 'zod/mini';
import { RegdoctorError } from '../cause/index.ts';
import { isObject, pickField } from './json.ts';
import { redact, registerSecret } from './redact.ts';
import type { AuthConfig } from './types.ts';

const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_OUTPUT_BYTES = 1024 * 1024;
const NOT_FOUND = /credentials not found/i;

const responseSchema = z.object({ username: z.string(), secret: z.string() });

function failure(program: string, message: string): RegdoctorError {
  return new RegdoctorError('CREDENTIAL_PROVIDER_ERROR', `${program}: ${message}`, { helper: program });
}

/** A helper's error text, safe to show: first line only, shortened, secrets scrubbed, JSON withheld. */
function safeFirstLine(out: string): string {
  const line = out.trim().split('\n', 1)[0] ?? '';
  if (line.startsWith('{')) return '(output withheld)';
  const short = line.length > 200 ? `${line.slice(0, 200)}…` : line;
  return redact(short) || '(no output)';
}

function parseResponse(program: string, stdout: string): AuthConfig {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    throw failure(program, 'printed something that is not JSON credentials');
  }
  const picked = isObject(json)
    ? { username: pickField(json, 'Username'), secret: pickField(json, 'Secret') }
    : undefined;
  const r = responseSchema.safeParse(picked);
  if (!r.success) throw failure(program, 'printed JSON without string "Username" and "Secret" fields');
  registerSecret(r.data.secret);
  if (r.data.username === '<token>') return { identityToken: r.data.secret };
  return { username: r.data.username, password: r.data.secret };
}

/**
 * Runs `docker-credential-<name> get` for serverUrl. Null when the helper is not installed or has no credentials
 * for the server; CREDENTIAL_PROVIDER_ERROR when it fails, hangs past the timeout or prints garbage.
 */
export function runCredentialHelper(
  name: string,
  serverUrl: string,
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<AuthConfig | null> {
  const program = `docker-credential-${name}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    return Promise.reject(failure(program, 'invalid helper name (only letters, digits, ".", "_" and "-")'));
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // node:child_process (with the dgram and socket-list modules it pulls in) is loaded only when a helper runs: most
  // probes have none configured, and loading it at start-up would slow every `probe` process for nothing.
  return import('node:child_process').then(({ spawn }) =>
    runHelper(spawn, program, serverUrl, timeoutMs, opts.env),
  );
}

function runHelper(
  spawn: typeof Spawn,
  program: string,
  serverUrl: string,
  timeoutMs: number,
  env: NodeJS.ProcessEnv | undefined,
): Promise<AuthConfig | null> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout also ends whatever the helper started (a shell script's children).
    const child = spawn(program, ['get'], {
      env: env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const kill = (): void => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      kill();
      finish(() => reject(failure(program, `did not answer within ${timeoutMs} ms`)));
    }, timeoutMs);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      into.push(chunk);
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) {
        kill();
        finish(() => reject(failure(program, 'printed more than 1 MiB')));
      }
    };
    child.stdout.on('data', collect(out));
    child.stderr.on('data', collect(err));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EACCES') finish(() => resolve(null));
      else finish(() => reject(failure(program, `could not be started (${e.code ?? 'error'})`)));
    });
    child.on('close', (code) => {
      finish(() => {
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        if (code === 0) {
          try {
            resolve(parseResponse(program, stdout));
          } catch (e) {
            reject(e);
          }
        } else if (NOT_FOUND.test(stdout) || NOT_FOUND.test(stderr)) {
          resolve(null);
        } else {
          reject(failure(program, `exited with ${code ?? 'a signal'}: ${safeFirstLine(stdout || stderr)}`));
        }
      });
    });
    child.stdin.on('error', () => {
      // The helper may exit without reading stdin; its exit status tells the story.
    });
    child.stdin.end(serverUrl);
  });
}
