// The documented output contract (README "`-o json` prints exactly one object per image") as zod schemas, and the
// checks every CLI test applies to what the process printed.
import assert from 'node:assert/strict';
import { z } from 'zod';
import { CAUSES } from '../../src/cause/index.ts';
import { show, type CliResult } from './cli.ts';

const Step = z.strictObject({
  name: z.string().min(1),
  ok: z.boolean(),
  ms: z.number().nonnegative(),
  summary: z.string(),
  detail: z.record(z.string(), z.unknown()),
});

export const ProbeJson = z.strictObject({
  image: z.string(),
  reference: z
    .strictObject({
      registry: z.string(),
      repository: z.string(),
      tag: z.string().nullable(),
      digest: z.string().nullable(),
    })
    .nullable(),
  platform: z.string(),
  cause: z.enum(CAUSES).nullable(),
  confidence: z.enum(['certain', 'likely']),
  alternatives: z.array(z.enum(CAUSES)),
  summary: z.string().min(1),
  remediation: z.array(z.string()),
  steps: z.array(Step).min(1),
  manifest: z
    .strictObject({
      mediaType: z.string(),
      digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
      size: z.number().int().positive(),
      platforms: z.array(z.string()),
      selected: z
        .strictObject({ digest: z.string(), platform: z.string(), mediaType: z.string() })
        .optional(),
    })
    .nullable(),
  rateLimit: z
    .strictObject({
      limit: z.number().optional(),
      remaining: z.number().optional(),
      windowSeconds: z.number().optional(),
      source: z.string().optional(),
    })
    .optional(),
  suggestions: z.array(z.string()).optional(),
  tags: z.array(z.string()).optional(),
  credential: z
    .strictObject({ source: z.string(), key: z.string(), username: z.string().optional() })
    .nullable(),
  runtime: z
    .strictObject({
      name: z.enum(['containerd', 'crio', 'docker']),
      version: z.string().min(1).optional(),
      configFiles: z.array(z.string()),
      endpoints: z.array(
        z.strictObject({
          url: z.string().regex(/^https?:\/\//),
          role: z.enum(['mirror', 'upstream']),
          from: z.string().min(1),
          outcome: z.enum(['served', 'failed', 'refused', 'not-tried']),
          cause: z.enum(CAUSES).nullable(),
          summary: z.string().min(1),
        }),
      ),
      resolvedBy: z.string().nullable(),
      servedBy: z.string().nullable(),
      reported: z.string().nullable(),
      findings: z.array(
        z.strictObject({
          code: z.string().regex(/^[A-Z_]+$/),
          severity: z.enum(['error', 'warning', 'info']),
          cause: z.enum(CAUSES).nullable(),
          message: z.string().min(1),
          fix: z.string().min(1),
          from: z.string(),
          stops: z.enum(['before-request', 'after-manifest']).optional(),
        }),
      ),
    })
    .optional(),
});
export type ProbeJson = z.infer<typeof ProbeJson>;

const ESC = '\x1b';

/** No raw escape byte and no JSON-escaped one (`\u001b` inside a string value). */
export function assertNoAnsi(text: string, what: string): void {
  assert.ok(!text.includes(ESC), `${what} has an ANSI escape:\n${text}`);
  assert.ok(!/\\u001b/i.test(text), `${what} has a JSON-escaped ANSI escape:\n${text}`);
}

/** Every stdout line is one probe object; returns them in printed order. */
export function probeLines(r: CliResult): ProbeJson[] {
  assertNoAnsi(r.stdout, 'JSON stdout');
  assert.ok(r.stdout.endsWith('\n'), `stdout should end with a newline\n${show(r)}`);
  return r.stdout
    .slice(0, -1)
    .split('\n')
    .map((line, i) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        assert.fail(`line ${i + 1} is not JSON (${(err as Error).message})\n${show(r)}`);
      }
      const parsed = ProbeJson.safeParse(value);
      assert.ok(parsed.success, `line ${i + 1} breaks the contract: ${parsed.error?.message}\n${line}`);
      return parsed.data;
    });
}

/** A pullable verdict is consistent with itself: no failed step, no remediation, a manifest. */
export function assertPullableJson(o: ProbeJson): void {
  const why = JSON.stringify(o, null, 2);
  assert.equal(o.cause, null, why);
  assert.ok(
    o.steps.every((s) => s.ok),
    why,
  );
  assert.ok(o.manifest, why);
}

/** A failure names its cause on the last step, which is the only failed one, and says how to fix it. */
export function assertFailureJson(o: ProbeJson, cause: (typeof CAUSES)[number]): void {
  const why = JSON.stringify(o, null, 2);
  assert.equal(o.cause, cause, why);
  const failed = o.steps.filter((s) => !s.ok);
  assert.equal(failed.length, 1, why);
  assert.equal(failed[0], o.steps.at(-1), why);
  assert.ok(o.remediation.length > 0, why);
}

/** Exit 2 with exactly one `regdoctor: …` line on stderr, nothing on stdout, and no stack trace. */
export function assertUsageError(r: CliResult, message?: RegExp): void {
  assert.equal(r.code, 2, show(r));
  assert.equal(r.stdout, '', show(r));
  assert.match(r.stderr, /^regdoctor: [^\n]+\n$/, show(r));
  assert.doesNotMatch(r.stderr, /^\s+at /m, show(r));
  if (message) assert.match(r.stderr, message, show(r));
}
