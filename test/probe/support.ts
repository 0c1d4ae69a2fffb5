// Shared helpers for the probe's integration tests: run a probe in a fresh or given session, find the step that
// failed, and scan everything the probe produced for secrets.
import assert from 'node:assert/strict';
import type { Cause } from '../../src/cause/index.ts';
import { probeImage, type ProbeOptions } from '../../src/probe/probe.ts';
import type { CredentialSource } from '../../src/registry/auth.ts';
import type { ProbeResult, Step, StepName } from '../../src/result/index.ts';
import { Session } from '../../src/registry/session.ts';
import type { Credential } from '../../src/registry/auth.ts';
import type { TransportOptions } from '../../src/transport/http.ts';

export const AMD64 = { os: 'linux', architecture: 'amd64' } as const;
export const ARM64 = { os: 'linux', architecture: 'arm64' } as const;

/** Every registry in these tests except the TLS ones is plain HTTP on loopback. */
export const plainHttp = (): boolean => true;

export interface Probed {
  result: ProbeResult;
  log: string[];
  session: Session;
}

/** Probes one image in a new session (closed afterwards), collecting the verbose log. */
export async function probeOnce(
  image: string,
  opts: Partial<ProbeOptions> = {},
  transport: Partial<TransportOptions> = {},
): Promise<Probed> {
  const log: string[] = [];
  const session = new Session({ timeoutMs: 5000, log: (l) => log.push(l), ...transport });
  try {
    const result = await probeImage(image, session, { platform: AMD64, ...opts });
    return { result, log, session };
  } finally {
    await session.close();
  }
}

const show = (r: ProbeResult) =>
  `${r.cause ?? 'pullable'}: ${r.summary}\n${r.steps.map((s) => `  ${s.ok ? 'ok ' : 'ERR'} ${s.name}: ${s.summary}`).join('\n')}`;

/** The one failed step; the probe stops at the first failure, so it is the last step. */
export function failedStep(r: ProbeResult): Step {
  const failed = r.steps.filter((s) => !s.ok);
  assert.equal(failed.length, 1, `expected exactly one failed step\n${show(r)}`);
  assert.equal(failed[0], r.steps.at(-1), `the failed step should be the last one\n${show(r)}`);
  return failed[0]!;
}

/** Asserts the cause, that the failing step is `step`, and that the step records the same cause. Returns it. */
export function assertFailure(r: ProbeResult, cause: Cause, step: StepName): Step {
  assert.equal(r.cause, cause, show(r));
  const s = failedStep(r);
  assert.equal(s.name, step, show(r));
  if (s.detail.cause !== undefined) assert.equal(s.detail.cause, cause, show(r));
  assert.ok(r.summary.length > 0, 'a failure has a summary');
  assert.ok(r.remediation.length > 0, `${cause} comes with remediation`);
  return s;
}

/** Asserts the image is pullable and every step passed, ending with a layer download. */
export function assertPullable(r: ProbeResult): void {
  assert.equal(r.cause, null, show(r));
  assert.ok(
    r.steps.every((s) => s.ok),
    show(r),
  );
  const names = r.steps.map((s) => s.name);
  for (const n of ['manifest', 'platform', 'blob'] as const) assert.ok(names.includes(n), show(r));
}

export function step(r: ProbeResult, name: StepName): Step {
  const s = r.steps.find((x) => x.name === name);
  assert.ok(s, `no ${name} step\n${show(r)}`);
  return s;
}

/** A credential source that offers fixed credentials, like a Docker config with these entries would. */
export function fixedCredentials(...creds: Credential[]): CredentialSource {
  return () =>
    Promise.resolve({
      candidates: creds,
      summary: `${creds.length} test credentials`,
      detail: { labels: creds.map((c) => c.label) },
    });
}

export function basicOf(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\./;

/**
 * Asserts none of the secrets, nor the base64 of any `user:password`, nor anything shaped like a JWT appears in
 * the serialized result or any log line.
 */
export function assertNoSecrets(
  probed: { result?: ProbeResult; log: string[] },
  secrets: { passwords?: string[]; userPasswords?: [string, string][]; tokens?: string[] },
): void {
  const haystacks = [...(probed.result ? [JSON.stringify(probed.result)] : []), ...probed.log];
  const needles = [
    ...(secrets.passwords ?? []),
    ...(secrets.tokens ?? []),
    ...(secrets.userPasswords ?? []).map(([u, p]) => basicOf(u, p)),
  ];
  assert.ok(needles.length > 0, 'nothing to look for');
  for (const text of haystacks) {
    for (const n of needles) assert.ok(!text.includes(n), `secret leaked into: ${text.slice(0, 300)}`);
    assert.doesNotMatch(text, JWT, 'a bearer token leaked');
  }
}

/** Counts the access-log lines of requests this probe (user agent regdoctor) made to `path`. */
export function accessLogCount(output: string, method: string, path: string): number {
  const needle = `"${method} ${path} HTTP/1.1"`;
  return output.split('\n').filter((l) => l.includes(needle) && l.includes('regdoctor/')).length;
}

/** Access log on, so the registry's own record can be counted (the fixture's default turns it off). */
export const ACCESS_LOG = { log: { level: 'error', accesslog: { disabled: false } } };
