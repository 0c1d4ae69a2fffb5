import { readFile, stat } from 'node:fs/promises';
import { RegdoctorError, UsageError } from '../../cause/index.ts';
import { redact } from '../../credentials/index.ts';
import { parseReference } from '../../reference/index.ts';
import { probeJson, renderProbeText } from '../../report/probe.ts';
import { style } from '../../report/style.ts';
import { verifyImage, type CosignResult } from '../../verify/cosign.ts';
import { loadPublicKey, type TrustedKey } from '../../verify/key.ts';
import { EXIT, parseFlags, useColour, type Command } from '../command.ts';
import { REGISTRY_FLAGS, REGISTRY_FLAGS_HELP, registryContext } from '../registry-flags.ts';

const HELP = `Usage: regdoctor verify IMAGE --key cosign.pub [flags]

Verifies cosign key-based signatures stored the classic way: the manifest at tag sha256-<hex>.sig in the image's
repository, one application/vnd.dev.cosign.simplesigning.v1+json layer per signature, the signature in the
dev.cosignproject.cosign/signature annotation. A signature counts when it verifies with the key AND its payload
names the digest the image resolved to (for a multi-platform image, the index digest, as cosign signs it).

Supported: ECDSA P-256 keys (DER signatures) and RSA keys of 2048 bits or more (PKCS#1 v1.5, or PSS), PEM.
Not supported in this version: Sigstore bundles attached through the OCI 1.1 referrers API (cosign v3's default
format), keyless (certificate) verification, signatures in another repository (COSIGN_REPOSITORY), and the
Rekor transparency log, which is NOT checked (like cosign verify --insecure-ignore-tlog).

Examples:
  regdoctor verify ghcr.io/org/app:v2 --key cosign.pub
  regdoctor verify registry.local:5000/app@sha256:… --key cosign.pub --plain-http -o json

Flags:
  --key FILE                     PEM public key to trust (cosign.pub), required
${REGISTRY_FLAGS_HELP}

Exit codes: 0 verified; 1 not verified (no signature, wrong key, tampered payload, signature for another
image); 2 error (bad or unsupported key, unreachable registry or image that cannot be pulled, usage).
`;

async function readKey(path: string): Promise<TrustedKey> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`--key ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  });
  if (!info.isFile()) throw new UsageError(`--key ${path}: not a regular file`);
  // A public key is well under a kilobyte; a large file is the wrong file.
  if (info.size > 64 * 1024) throw new UsageError(`--key ${path}: too large to be a public key`);
  return loadPublicKey(await readFile(path, 'utf8'), path);
}

function renderText(image: string, key: TrustedKey, r: CosignResult, colour: boolean): string {
  const s = style(colour);
  const lines = [`${s.bold(image)}  ${s.dim(r.digest)}`];
  lines.push(s.dim(`  key: ${key.description}; signatures: ${r.signatureTag}`));
  for (const v of r.signatures) {
    const mark = v.ok ? s.green('✔') : s.red('✘');
    lines.push(`  ${mark} ${v.layerDigest}  ${v.ok ? v.message : `${v.reason}: ${v.message}`}`);
  }
  lines.push(
    r.verified
      ? `${s.green('VERIFIED')}  ${r.message}`
      : `${s.red(s.bold('NOT VERIFIED'))} (${r.reason}) — ${r.message}`,
  );
  lines.push(s.dim('  note: the Rekor transparency log was not checked (key-based verification only)'));
  return lines.join('\n') + '\n';
}

function cosignJson(image: string, key: TrustedKey, r: CosignResult): Record<string, unknown> {
  return {
    image,
    digest: r.digest,
    verified: r.verified,
    reason: r.reason,
    message: r.message,
    key: { type: key.kind, description: key.description },
    signatureTag: r.signatureTag,
    signatures: r.signatures,
    transparencyLog: r.transparencyLog,
  };
}

const run: Command = async (argv) => {
  const { values, positionals } = parseFlags(argv, { ...REGISTRY_FLAGS, key: { type: 'string' } });
  if (values.help) {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError('verify takes exactly one IMAGE; see `regdoctor verify --help`');
  if (!values.key) throw new UsageError('verify needs --key FILE (the cosign public key)');
  const image = positionals[0]!;
  const key = await readKey(values.key);
  const registries = new Set<string>();
  try {
    registries.add(parseReference(image).registry);
  } catch {
    // the probe reports it
  }
  const ctx = await registryContext(values, registries);
  const colour = ctx.output === 'text' && useColour();
  try {
    const { probe, cosign } = await verifyImage(image, ctx.session, {
      platform: ctx.platform,
      credentials: ctx.credentials,
      plainHttp: ctx.plainHttp,
      key,
    });
    if (!cosign) {
      // Nothing can be said about signatures of an image that cannot be reached: an error, not "not verified".
      const out =
        ctx.output === 'json'
          ? `${JSON.stringify({ image, digest: null, verified: false, reason: 'error', message: probe.summary, probe: probeJson(probe) })}\n`
          : renderProbeText(probe, { colour, verbose: ctx.verbose });
      process.stdout.write(redact(out));
      return EXIT.usage;
    }
    const out =
      ctx.output === 'json'
        ? `${JSON.stringify(cosignJson(image, key, cosign))}\n`
        : renderText(image, key, cosign, colour);
    process.stdout.write(redact(out));
    if (cosign.verified) return EXIT.ok;
    return cosign.reason === 'unsupported key' ? EXIT.usage : EXIT.problem;
  } catch (err) {
    // A registry failure while reading signatures is an error (exit 2), not a verdict on the image; the shared
    // fatal handler would map it to 1, which here means "not verified".
    if (!(err instanceof RegdoctorError)) throw err;
    process.stderr.write(redact(`regdoctor: ${err.cause}: ${err.message}\n`));
    return EXIT.usage;
  } finally {
    await ctx.session.close();
  }
};
export default run;
