// Test certificates made with the openssl CLI. `openssl ca` is used for issuing because it is the one OpenSSL 3.0
// command that takes an explicit -startdate/-enddate, which is what an already-expired certificate needs.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './proc.ts';

export interface CertFiles {
  certPath: string;
  keyPath: string;
  certPem: string;
  keyPem: string;
}

export interface IssueOptions {
  /** File name stem inside the CA's directory; must be unique per CA. */
  name: string;
  commonName?: string;
  dns?: string[];
  ips?: string[];
  notBefore?: Date;
  notAfter?: Date;
}

export interface TestCA extends CertFiles {
  dir: string;
  /** A directory holding only `ca.crt`: what skopeo's --cert-dir and Docker's certs.d expect. */
  certDir: string;
  issue(opts: IssueOptions): Promise<CertFiles>;
}

const DAY = 86_400_000;

function asnTime(d: Date): string {
  // YYYYMMDDHHMMSSZ, which `openssl ca` accepts for both dates.
  return d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

function newKeyPem(): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function sanLine(dns: string[], ips: string[]): string {
  return [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(',');
}

const REQ_CONFIG = `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
`;

function caConfig(dir: string): string {
  return `[ ca ]
default_ca = test_ca
[ test_ca ]
database = ${dir}/index.txt
new_certs_dir = ${dir}/issued
certificate = ${dir}/ca.crt
private_key = ${dir}/ca.key
serial = ${dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no
[ policy_any ]
commonName = supplied
`;
}

/** Creates a CA (EC P-256, valid ten years) in `dir`. */
export async function createCA(dir: string, commonName = 'regdoctor test CA'): Promise<TestCA> {
  await mkdir(join(dir, 'issued'), { recursive: true });
  await mkdir(join(dir, 'certs.d'), { recursive: true });
  const keyPath = join(dir, 'ca.key');
  const certPath = join(dir, 'ca.crt');
  const reqConfig = join(dir, 'req.cnf');
  const keyPem = newKeyPem();
  await writeFile(keyPath, keyPem, { mode: 0o600 });
  await writeFile(reqConfig, REQ_CONFIG);
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '1000\n');
  await writeFile(join(dir, 'ca.cnf'), caConfig(dir));
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-config',
    reqConfig,
    '-extensions',
    'v3_ca',
    '-key',
    keyPath,
    '-subj',
    `/CN=${commonName}`,
    '-days',
    '3650',
    '-sha256',
    '-out',
    certPath,
  ]);
  const certPem = await readFile(certPath, 'utf8');
  await writeFile(join(dir, 'certs.d', 'ca.crt'), certPem);

  // `openssl ca` rewrites index.txt and serial, so issuing is serialised per CA.
  let queue: Promise<unknown> = Promise.resolve();
  const issue = (opts: IssueOptions): Promise<CertFiles> => {
    const next = queue.then(() => issueWith(dir, opts));
    queue = next.catch(() => undefined);
    return next;
  };
  return { dir, certDir: join(dir, 'certs.d'), certPath, keyPath, certPem, keyPem, issue };
}

async function issueWith(dir: string, opts: IssueOptions): Promise<CertFiles> {
  const keyPath = join(dir, `${opts.name}.key`);
  const certPath = join(dir, `${opts.name}.crt`);
  const csrPath = join(dir, `${opts.name}.csr`);
  const extPath = join(dir, `${opts.name}.ext`);
  const keyPem = newKeyPem();
  await writeFile(keyPath, keyPem, { mode: 0o600 });
  const san = sanLine(opts.dns ?? [], opts.ips ?? []);
  await writeFile(
    extPath,
    [
      '[ leaf ]',
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature',
      'extendedKeyUsage = serverAuth,clientAuth',
      'subjectKeyIdentifier = hash',
      'authorityKeyIdentifier = keyid',
      ...(san ? [`subjectAltName = ${san}`] : []),
      '',
    ].join('\n'),
  );
  await run('openssl', [
    'req',
    '-new',
    '-config',
    join(dir, 'req.cnf'),
    '-key',
    keyPath,
    '-subj',
    `/CN=${opts.commonName ?? opts.name}`,
    '-out',
    csrPath,
  ]);
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - DAY);
  const notAfter = opts.notAfter ?? new Date(now + 365 * DAY);
  await run('openssl', [
    'ca',
    '-batch',
    '-notext',
    '-config',
    join(dir, 'ca.cnf'),
    '-in',
    csrPath,
    '-out',
    certPath,
    '-startdate',
    asnTime(notBefore),
    '-enddate',
    asnTime(notAfter),
    '-extfile',
    extPath,
    '-extensions',
    'leaf',
  ]);
  return { certPath, keyPath, certPem: await readFile(certPath, 'utf8'), keyPem };
}

/** A certificate signed by its own key (no CA), for 127.0.0.1 and localhost. */
export async function selfSigned(dir: string, name = 'self-signed'): Promise<CertFiles> {
  await mkdir(dir, { recursive: true });
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  const keyPem = newKeyPem();
  await writeFile(keyPath, keyPem, { mode: 0o600 });
  const cfg = join(dir, `${name}.cnf`);
  await writeFile(
    cfg,
    `${REQ_CONFIG}[ leaf ]\nbasicConstraints = critical,CA:FALSE\nextendedKeyUsage = serverAuth\n` +
      `subjectAltName = ${sanLine(['localhost'], ['127.0.0.1'])}\n`,
  );
  await run('openssl', [
    'req',
    '-x509',
    '-new',
    '-config',
    cfg,
    '-extensions',
    'leaf',
    '-key',
    keyPath,
    '-subj',
    `/CN=${name}`,
    '-days',
    '30',
    '-sha256',
    '-out',
    certPath,
  ]);
  return { certPath, keyPath, certPem: await readFile(certPath, 'utf8'), keyPem };
}

export interface TestPki {
  /** The CA clients are given (pass `ca.certPem` as `ca`, or `ca.certDir` to skopeo). */
  ca: TestCA;
  /** Another CA, never given to clients. */
  otherCa: TestCA;
  /** For 127.0.0.1 and localhost, signed by `ca`, valid now. */
  valid: CertFiles;
  /** For 127.0.0.1 and localhost, signed by `ca`, notAfter two days ago. */
  expired: CertFiles;
  /** Signed by `ca`, not yet valid (notBefore in a year). */
  notYetValid: CertFiles;
  /** Signed by `ca`, SAN only `registry.example.test`: wrong for 127.0.0.1 and localhost. */
  wrongHost: CertFiles;
  /** For 127.0.0.1 and localhost, signed by `otherCa`. */
  untrusted: CertFiles;
  /** For 127.0.0.1 and localhost, self-signed. */
  selfSigned: CertFiles;
}

const LOCAL = { dns: ['localhost'], ips: ['127.0.0.1', '127.0.0.2'] };

/** The whole set of server certificates the probe's TLS tests need, under `dir`. */
export async function createPki(dir: string): Promise<TestPki> {
  const [ca, otherCa] = await Promise.all([
    createCA(join(dir, 'ca'), 'regdoctor test CA'),
    createCA(join(dir, 'other-ca'), 'regdoctor untrusted CA'),
  ]);
  const now = Date.now();
  const [valid, expired, notYetValid, wrongHost, untrusted, self] = await Promise.all([
    ca.issue({ name: 'valid', commonName: '127.0.0.1', ...LOCAL }),
    ca.issue({
      name: 'expired',
      commonName: '127.0.0.1',
      ...LOCAL,
      notBefore: new Date(now - 30 * DAY),
      notAfter: new Date(now - 2 * DAY),
    }),
    ca.issue({
      name: 'not-yet-valid',
      commonName: '127.0.0.1',
      ...LOCAL,
      notBefore: new Date(now + 365 * DAY),
      notAfter: new Date(now + 730 * DAY),
    }),
    ca.issue({ name: 'wrong-host', commonName: 'registry.example.test', dns: ['registry.example.test'] }),
    otherCa.issue({ name: 'untrusted', commonName: '127.0.0.1', ...LOCAL }),
    selfSigned(join(dir, 'self'), 'self-signed'),
  ]);
  return { ca, otherCa, valid, expired, notYetValid, wrongHost, untrusted, selfSigned: self };
}

/** Base64 DER of a PEM certificate, as JOSE `x5c` wants it. */
export function pemToDerBase64(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64');
}
