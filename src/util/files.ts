// Files a user names (a flag, a config key), checked up front so that a mistake is a usage error naming where
// it came from (`--ca-file x.pem: …`, `registries[0].caFile x.pem: …`), not a failing check later.
import { X509Certificate } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { UsageError } from '../cause/index.ts';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

const why = (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? 'no such file' : e.message);

/** A CA bundle: read, and every certificate in it parsed; the PEM text. */
export async function readCaFile(file: string, where: string): Promise<string> {
  const pem = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`${where} ${file}: ${why(e)}`);
  });
  const blocks = pem.match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new UsageError(`${where} ${file}: no PEM certificate in it`);
  // Node's TLS silently skips a block it cannot parse, which would surface as TLS_UNTRUSTED and send the user
  // hunting for the wrong CA; a damaged file is a usage error.
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw new UsageError(`${where} ${file}: certificate ${i + 1} is not valid: ${(e as Error).message}`);
    }
  });
  return pem;
}

/**
 * A readable regular file. A directory or pipe passes the access check, but the credential loader reads regular
 * files only; caught later, it would be reported as an UNKNOWN pull failure instead of a usage error.
 */
export async function checkRegularFile(file: string, where: string): Promise<void> {
  await access(file, constants.R_OK).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`${where} ${file}: ${why(e)}`);
  });
  if (!(await stat(file)).isFile()) throw new UsageError(`${where} ${file}: not a regular file`);
}
