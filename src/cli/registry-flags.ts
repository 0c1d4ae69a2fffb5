// Flags shared by every command that talks to a registry (probe, inspect, …) and what they turn into.
import { RegdoctorError, UsageError } from '../cause/index.ts';
import { loadDockerConfig } from '../credentials/index.ts';
import { registerSecret } from '../credentials/index.ts';
import { stderrLogger } from '../output/index.ts';
import { parseDuration } from '../util/duration.ts';
import { checkRegularFile, readCaFile } from '../util/files.ts';
import { hostPlatform, parsePlatform, type Platform } from '../platform/index.ts';
import type { CredentialSource } from '../registry/auth.ts';
import { dockerConfigSource } from '../registry/credsource.ts';
import { createSession, type Session, type SessionOptions } from '../registry/session.ts';
import { parseReference, type Reference } from '../reference/index.ts';
import { repositoryFor, type Repository } from '../registry/repository.ts';
import { Budget, PROBE_BUDGET, type BudgetLimits } from '../transport/budget.ts';
import type { Options } from './command.ts';
import { outputFormat, type OutputFormat } from './output.ts';
import { REGISTRY_HOST_FLAGS, REGISTRY_HOST_FLAGS_HELP, registryHosts } from './registry-hosts.ts';

export { REGISTRY_HOST_FLAGS, REGISTRY_HOST_FLAGS_HELP, registryHosts } from './registry-hosts.ts';

const MAX_TIMEOUT_MS = 24 * 3600 * 1000;

export const REGISTRY_FLAGS = {
  platform: { type: 'string' },
  'docker-config': { type: 'string' },
  username: { type: 'string', short: 'u' },
  'password-stdin': { type: 'boolean' },
  'ca-file': { type: 'string', multiple: true },
  'insecure-skip-tls-verify': { type: 'boolean' },
  'plain-http': { type: 'boolean' },
  ...REGISTRY_HOST_FLAGS,
  timeout: { type: 'string' },
  deadline: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export const REGISTRY_FLAGS_HELP = `Registry flags:
  --platform OS/ARCH[/VARIANT]   platform to resolve (default: linux/<this machine's arch>)
  --docker-config FILE           Docker config.json (or .dockercfg) to take credentials from
                                 (default: $DOCKER_CONFIG/config.json, ~/.docker/config.json, ~/.dockercfg)
  -u, --username NAME            username; with --password-stdin, the password is read from stdin
  --password-stdin               read the password from standard input
  --ca-file FILE                 extra CA certificate(s) (PEM) to trust, repeatable
  --insecure-skip-tls-verify     do not verify the TLS certificate of the image's registry
  --plain-http                   talk to the image's registry over plain HTTP
${REGISTRY_HOST_FLAGS_HELP}
  --timeout DURATION             per-request timeout, Go-style: 5s, 500ms, 1m (default 10s)
  --deadline DURATION            time allowed for each image in all, every request and redirect included
                                 (default 60s); a registry that answers slowly but within --timeout every
                                 time cannot hold a probe longer than this
  -v, --verbose                  print every request and response to stderr (credentials shown as ***)`;

/** The help line of -o for a command with these formats. */
export function outputHelp(formats: readonly OutputFormat[]): string {
  const flag = `  -o, --output ${formats.join('|')}`;
  const column = 33;
  return `${flag.length < column ? flag.padEnd(column) : `${flag}\n${' '.repeat(column)}`}output format (default text)`;
}

type Values = {
  [K in keyof typeof REGISTRY_FLAGS]?: (typeof REGISTRY_FLAGS)[K] extends { multiple: true }
    ? string[]
    : (typeof REGISTRY_FLAGS)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

export interface RegistryContext {
  session: Session;
  platform: Platform;
  credentials: CredentialSource;
  plainHttp: (registry: string) => boolean;
  output: OutputFormat;
  verbose: boolean;
  timeoutMs: number;
  /** Each image's total allowance (--deadline). */
  deadlineMs: number;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A Go-style duration flag (--timeout, --deadline): positive, at most a day. */
export function durationFlag(flag: string, text: string | undefined, defaultMs: number): number {
  const ms = text !== undefined ? parseDuration(text) : defaultMs;
  if (ms <= 0) throw new UsageError(`--${flag} must be positive`);
  // Node timers fire at once past 2^31-1 ms (~24.8 days): a huge value would time every request out
  // immediately and blame the network. No registry operation needs more than a day.
  if (ms > MAX_TIMEOUT_MS) throw new UsageError(`--${flag} must be at most 24h`);
  return ms;
}

/** --timeout: default 10 s. */
export function timeoutFlag(text: string | undefined): number {
  return durationFlag('timeout', text, 10_000);
}

/** --deadline: one probe's whole allowance, default PROBE_BUDGET's. */
export function deadlineFlag(text: string | undefined): number {
  return durationFlag('deadline', text, PROBE_BUDGET.deadlineMs);
}

/** --ca-file: each file read and every certificate in it checked; the PEM texts. */
export async function readCaFiles(files: readonly string[]): Promise<string[]> {
  const ca: string[] = [];
  for (const f of files) ca.push(await readCaFile(f, '--ca-file'));
  return ca;
}

/** --docker-config: must be a readable regular file. */
/**
 * --docker-config: a readable regular file that parses. A broken file on this machine is the user's input error
 * (exit 2), not a pull secret problem in a cluster to be fixed with kubectl.
 */
export async function checkDockerConfig(dockerConfig: string | undefined): Promise<void> {
  if (dockerConfig === undefined) return;
  await checkRegularFile(dockerConfig, '--docker-config');
  try {
    await loadDockerConfig(dockerConfig);
  } catch (err) {
    if (!(err instanceof RegdoctorError)) throw err;
    const what = err.message.startsWith(`${dockerConfig}: `)
      ? err.message.slice(dockerConfig.length + 2)
      : err.message;
    throw new UsageError(`--docker-config ${dockerConfig}: ${what}`);
  }
}

/**
 * The session the registry flags describe (--timeout, --ca-file, the insecure hosts, -v): the registry commands and
 * the cluster commands (scan, agent) read the same flags, and build their sessions here.
 */
export function flagSession(o: {
  timeoutMs: number;
  ca: string[];
  insecure: SessionOptions['insecure'];
  verbose: boolean;
}): Session {
  return createSession({
    timeoutMs: o.timeoutMs,
    ca: o.ca,
    insecure: o.insecure,
    log: o.verbose ? stderrLogger(() => '') : undefined,
  });
}

/**
 * Builds the session and options a registry command needs. `registries` are the registries named by the images
 * on the command line: --insecure-skip-tls-verify and --plain-http apply to those hosts only, never to redirect
 * targets or token realms elsewhere. `formats` are the -o values the command supports.
 */
export async function registryContext(
  values: Values,
  registries: Set<string>,
  formats: readonly OutputFormat[] = ['text', 'json', 'yaml'],
): Promise<RegistryContext> {
  const output = outputFormat(values.output, formats);
  const timeoutMs = timeoutFlag(values.timeout);
  const deadlineMs = deadlineFlag(values.deadline);
  const platform = values.platform ? parsePlatform(values.platform) : hostPlatform();
  let password: string | undefined;
  if (values['password-stdin']) {
    if (!values.username) throw new UsageError('--password-stdin needs --username');
    if (process.stdin.isTTY)
      throw new UsageError('--password-stdin: standard input is a terminal; pipe the password in');
    password = (await readStdin()).replace(/\r?\n$/, '');
    if (!password) throw new UsageError('--password-stdin: standard input was empty');
    registerSecret(password);
  } else if (values.username) {
    throw new UsageError('--username needs --password-stdin (passwords are never taken as flags)');
  }
  const ca = await readCaFiles(values['ca-file'] ?? []);
  await checkDockerConfig(values['docker-config']);
  const verbose = Boolean(values.verbose);
  const hosts = registryHosts(values, {
    insecure: values['insecure-skip-tls-verify'] ? registries : [],
    plain: values['plain-http'] ? registries : [],
  });
  const session = flagSession({ timeoutMs, ca, insecure: hosts.insecure, verbose });
  return {
    session,
    platform,
    credentials: dockerConfigSource({
      dockerConfig: values['docker-config'],
      username: values.username,
      password,
    }),
    plainHttp: hosts.plainHttp,
    output,
    verbose,
    timeoutMs,
    deadlineMs,
  };
}

/**
 * A registry basic (tags, manifest, digest) on its one IMAGE argument: a bad reference is a usage error; `fn` gets
 * the run's context, the reference, what it names in its repository (digest, else tag) and the repository — with
 * the run's credentials in the kubelet's order, its plain-HTTP choice and --deadline for the whole operation.
 */
export async function withRepository(
  values: Values,
  positionals: string[],
  command: string,
  formats: readonly OutputFormat[],
  fn: (ctx: RegistryContext, ref: Reference, target: string, repo: Repository) => Promise<number>,
  limits: BudgetLimits = {},
): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError(`${command} takes exactly one IMAGE; see \`regdoctor ${command} --help\``);
  let ref: Reference;
  try {
    ref = parseReference(positionals[0]!);
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message}`);
  }
  const ctx = await registryContext(values, new Set([ref.registry]), formats);
  try {
    const repo = repositoryFor(ctx.session, ref, {
      plainHttp: ctx.plainHttp(ref.registry),
      credentials: (await ctx.credentials(ref)).candidates,
      budget: new Budget({ ...PROBE_BUDGET, deadlineMs: ctx.deadlineMs, ...limits }),
    });
    return await fn(ctx, ref, ref.digest ?? ref.tag ?? 'latest', repo);
  } finally {
    await ctx.session.close();
  }
}
