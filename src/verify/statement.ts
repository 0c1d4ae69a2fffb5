// The in-toto statement inside a DSSE bundle (in-toto attestation spec v1 Statement): which artifacts it is about
// (subject digests) and what kind of claim it makes (predicateType). `cosign sign` in the bundle format signs
// a statement of type https://sigstore.dev/cosign/sign/v1 with the image digest as its subject.
import * as z from 'zod/mini';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
const STATEMENT_TYPES = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'];

const statementSchema = z.object({
  _type: z.string(),
  subject: z.array(z.object({ name: z.optional(z.string()), digest: z.record(z.string(), z.string()) })),
  predicateType: z.string(),
});

export type StatementCheck =
  { ok: true; predicateType: string; subjects: string[]; names: boolean } | { ok: false; message: string };

/** Parses the statement and reports whether one of its subjects is `digest` (`alg:hex`). */
export function readStatement(payload: Buffer, digest: string): StatementCheck {
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, message: 'the DSSE payload is not JSON' };
  }
  const parsed = statementSchema.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      message: 'the DSSE payload is not an in-toto statement (_type, subject, predicateType)',
    };
  const s = parsed.data;
  if (!STATEMENT_TYPES.includes(s._type))
    return {
      ok: false,
      message: `the statement's _type ${JSON.stringify(s._type)} is not an in-toto Statement`,
    };
  const [alg, hex] = digest.split(':') as [string, string];
  const subjects = s.subject.flatMap((sub) =>
    Object.entries(sub.digest).map(([a, h]) => `${a}:${h.toLowerCase()}`),
  );
  return {
    ok: true,
    predicateType: s.predicateType,
    subjects,
    names: subjects.includes(`${alg}:${hex.toLowerCase()}`),
  };
}
