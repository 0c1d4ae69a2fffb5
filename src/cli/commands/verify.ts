import { readFile, stat } from 'node:fs/promises';
import { RegdoctorError, UsageError } from '../../cause/index.ts';
import { parseReference } from '../../reference/index.ts';
import { probeJson, renderProbeText } from '../../report/probe.ts';
import { style } from '../../report/style.ts';
import type { BundleVerdict } from '../../verify/bundle.ts';
import { signatureTag, type LayerVerdict } from '../../verify/cosign.ts';
import { probeImage } from '../../probe/probe.ts';
import { servedRepository } from '../../probe/runtime/served.ts';
import type { ProbeResult } from '../../result/index.ts';
import { Budget } from '../../transport/budget.ts';
import {
  resolveImage,
  SIGNATURE_FORMATS,
  verifySignatures,
  type SignatureFormatOption,
  type SignaturesResult,
} from '../../verify/signatures.ts';
import { loadPublicKey, type TrustedKey } from '../../verify/key.ts';
import { EXIT, helpText, parseFlags, useColour, type Command } from '../command.ts';
import { yamlOf, type OutputFormat } from '../output.ts';
import { outputHelp, REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, registryContext } from '../registry-flags.ts';
import { RUNTIME_FLAGS, RUNTIME_FLAGS_HELP, runtimeChoice } from '../runtime-flags.ts';
import { writeStdout, writeStderr } from '../../output/index.ts';

export const outputs: readonly OutputFormat[] = ['text', 'json', 'yaml'];
export const values = { 'signature-format': SIGNATURE_FORMATS };
export const flags = {
  ...REGISTRY_FLAGS,
  ...RUNTIME_FLAGS,
  key: { type: 'string' },
  'signature-format': { type: 'string' },
} as const;

const HELP = `Usage: regdoctor verify IMAGE --key cosign.pub [flags]

Verifies cosign key-based signatures in both formats cosign stores them:
  classic  the manifest at tag sha256-<hex>.sig in the image's repository, one
           application/vnd.dev.cosign.simplesigning.v1+json layer per signature, the signature in the
           dev.cosignproject.cosign/signature annotation (cosign 2 and earlier; cosign 3 with
           --new-bundle-format=false). Counts when it verifies with the key AND its payload names the image digest.
  bundle   Sigstore bundles (application/vnd.dev.sigstore.bundle.v0.3+json) attached as OCI 1.1 referrers of the
           image (cosign 3's default), found with the referrers API, or the sha256-<hex> referrers tag when the
           registry has no such API. Counts when it verifies with the key AND it signs the image: a DSSE envelope
           whose in-toto statement (predicateType https://sigstore.dev/cosign/sign/v1) has the image digest as a
           subject, or a message signature over the image manifest itself.
The digest is the one the reference resolves to (for a multi-platform image, the index digest, as cosign signs
it). One valid signature in any format asked for is enough.

Supported: ECDSA P-256 keys and RSA keys of 2048 bits or more, PEM. Classic: DER ECDSA, RSA PKCS#1 v1.5 or PSS.
Bundles: key-based bundles (verificationMaterial.publicKey), checked with sigstore-js (@sigstore/verify).
Not supported: keyless (Fulcio certificate) signatures and identities, attestations (other predicate types are
listed, not counted), signatures in another repository (COSIGN_REPOSITORY), and the Rekor transparency log and
RFC 3161 timestamps, which are NOT checked even when a bundle carries them (like cosign verify
--insecure-ignore-tlog): a signature made with a leaked key is not detected by its missing log entry.

Examples:
  regdoctor verify ghcr.io/org/app:v2 --key cosign.pub
  regdoctor verify registry.local:5000/app@sha256:… --key cosign.pub --plain-http -o json
  regdoctor verify ghcr.io/org/app:v3 --key cosign.pub --signature-format bundle

Flags:
  --key FILE                     PEM public key to trust (cosign.pub), required
  --signature-format FORMAT      classic, bundle or any (default any)
${REGISTRY_FLAGS_HELP}
${RUNTIME_FLAGS_HELP}
                                 (the image and its signatures are then read from the endpoint that served it)
${outputHelp(outputs)}

Exit codes: 0 verified (in either format); 1 not verified (no signature, wrong key, tampered payload, signature
for another image, malformed or keyless bundle); 2 error (bad or unsupported key, unreachable registry or image
that cannot be pulled, a registry failure while reading signatures with none verified, usage).
`;

async function readKey(path: string): Promise<TrustedKey> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`--key ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  if (!info.isFile()) throw new UsageError(`--key ${path}: not a regular file`);
  // A public key is well under a kilobyte; a large file is the wrong file.
  if (info.size > 64 * 1024) throw new UsageError(`--key ${path}: too large to be a public key`);
  const key = loadPublicKey(await readFile(path, 'utf8'), path);
  // Refused before any registry request, as policy files refuse it: no signature could ever verify with it.
  if (key.kind === 'unsupported')
    throw new UsageError(
      `--key ${path}: ${key.description}; supported are ECDSA P-256 and RSA of 2048 bits or more`,
    );
  return key;
}

type Verdict = (LayerVerdict & { format: 'classic' }) | BundleVerdict;

function verdicts(r: SignaturesResult): Verdict[] {
  return [
    ...(r.classic?.signatures ?? []).map((v) => ({ ...v, format: 'classic' as const })),
    ...(r.bundle?.signatures ?? []),
  ];
}

function looked(r: SignaturesResult): string[] {
  const out: string[] = [];
  if (r.classic) out.push(`classic ${r.classic.signatureTag}`);
  if (r.bundle) {
    const ref = r.bundle.referrers;
    out.push(`bundles via ${ref.source === 'api' ? 'referrers API' : `referrers tag ${ref.tag}`}`);
  }
  return out;
}

function renderText(image: string, key: TrustedKey, r: SignaturesResult, colour: boolean): string {
  const s = style(colour);
  const lines = [`${s.bold(image)}  ${s.dim(r.digest)}`];
  lines.push(s.dim(`  key: ${key.description}; looked for: ${looked(r).join(', ')}`));
  for (const v of verdicts(r)) {
    const mark = v.ok ? s.green('✔') : s.red('✘');
    const what = v.format === 'bundle' ? `bundle ${v.layerDigest || v.referrer}` : `classic ${v.layerDigest}`;
    lines.push(`  ${mark} ${what}  ${v.ok ? v.message : `${v.reason}: ${v.message}`}`);
    if (v.format === 'bundle') for (const n of v.notChecked) lines.push(s.dim(`      not checked: ${n}`));
  }
  for (const e of r.errors) lines.push(s.yellow(`  ! ${e.format}: ${e.cause}: ${e.message}`));
  lines.push(
    r.verified
      ? `${s.green('VERIFIED')}  ${r.message} ${s.dim(`(${r.verifiedBy.join(' and ')})`)}`
      : `${s.red(s.bold('NOT VERIFIED'))} (${r.reason}) — ${r.message}`,
  );
  lines.push(s.dim('  note: the Rekor transparency log was not checked (key-based verification only)'));
  if (r.bundle)
    lines.push(
      s.dim('  note: bundles: Rekor entries, RFC 3161 timestamps and Fulcio certificates are not verified'),
    );
  return lines.join('\n') + '\n';
}

function verifyJson(image: string, key: TrustedKey, r: SignaturesResult): Record<string, unknown> {
  // The fields of the classic-only output come first and keep their meaning; the rest are additions.
  return {
    image,
    digest: r.digest,
    verified: r.verified,
    reason: r.reason,
    message: r.message,
    key: { type: key.kind, description: key.description },
    signatureTag: r.classic?.signatureTag ?? signatureTag(r.digest),
    signatures: verdicts(r),
    transparencyLog: 'not checked',
    signatureFormat: r.format,
    verifiedBy: r.verifiedBy,
    referrers: r.bundle?.referrers ?? null,
    notChecked: r.bundle ? r.bundle.notChecked : ['Rekor transparency-log inclusion'],
    errors: r.errors,
  };
}

function signatureFormat(value: string | undefined): SignatureFormatOption {
  if (value === undefined) return 'any';
  const f = SIGNATURE_FORMATS.find((x) => x === value);
  if (!f) throw new UsageError(`--signature-format ${value}: use ${SIGNATURE_FORMATS.join(', ')}`);
  return f;
}

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, flags);
  if (values.help) {
    writeStdout(helpText(HELP));
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError('verify takes exactly one IMAGE; see `regdoctor verify --help`');
  if (!values.key) throw new UsageError('verify needs --key FILE (the cosign public key)');
  const format = signatureFormat(values['signature-format']);
  const image = positionals[0]!;
  const key = await readKey(values.key);
  const registries = new Set<string>();
  try {
    registries.add(parseReference(image).registry);
  } catch {
    // the probe reports it
  }
  const node = await runtimeChoice(values);
  const ctx = await registryContext(values, registries, outputs);
  const colour = ctx.output === 'text' && useColour();
  const probeOptions = {
    platform: ctx.platform,
    credentials: ctx.credentials,
    plainHttp: ctx.plainHttp,
    budget: { deadlineMs: ctx.deadlineMs },
    ...node,
  };
  try {
    let repo, digest;
    let probe: ProbeResult | null = null;
    try {
      if (node) {
        // Through the node's runtime: the image and its signatures are read where the node's pull came from.
        probe = await probeImage(image, ctx.session, probeOptions);
        const ref = parseReference(image);
        const served =
          probe.cause === null && probe.manifest
            ? await servedRepository(probe, ctx.session, node, {
                credentials: (await ctx.credentials(ref)).candidates,
                budget: new Budget({ deadlineMs: ctx.deadlineMs }),
              })
            : null;
        if (served && probe.manifest) ({ repo, digest } = { repo: served, digest: probe.manifest.digest });
      } else {
        ({ repo, digest } = await resolveImage(image, ctx.session, probeOptions));
      }
    } catch (err) {
      if (!(err instanceof RegdoctorError)) throw err;
      // Nothing can be said about signatures of an image that cannot be reached: an error, not "not verified".
      // The probe says why, with its evidence (the session's connection and token make the replay cheap).
      probe = await probeImage(image, ctx.session, probeOptions);
      if (probe.cause === null) throw err;
    }
    if (!repo || !digest) {
      if (!probe || probe.cause === null)
        throw new RegdoctorError('UNKNOWN', `${image}: no endpoint served it`);
      const failed = {
        image,
        digest: null,
        verified: false,
        reason: 'error',
        message: probe.summary,
        probe: probeJson(probe),
      };
      const out =
        ctx.output === 'json'
          ? `${JSON.stringify(failed)}\n`
          : ctx.output === 'yaml'
            ? await yamlOf(failed)
            : renderProbeText(probe, { colour, verbose: ctx.verbose });
      writeStdout(out);
      return EXIT.usage;
    }
    const signatures = await verifySignatures(repo, digest, key, format);
    const out =
      ctx.output === 'json'
        ? `${JSON.stringify(verifyJson(image, key, signatures))}\n`
        : ctx.output === 'yaml'
          ? await yamlOf(verifyJson(image, key, signatures))
          : renderText(image, key, signatures, colour);
    writeStdout(out);
    if (signatures.verified) return EXIT.ok;
    return signatures.reason === 'unsupported key' ? EXIT.usage : EXIT.problem;
  } catch (err) {
    // A registry failure while reading signatures is an error (exit 2), not a verdict on the image; the shared
    // fatal handler would map it to 1, which here means "not verified".
    if (!(err instanceof RegdoctorError)) throw err;
    writeStderr(`regdoctor: ${err.cause}: ${err.message}\n`);
    return EXIT.usage;
  } finally {
    await ctx.session.close();
  }
};
export default run;
