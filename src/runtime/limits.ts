// How much of a node's configuration regdoctor follows. Each limit is far above a real node's configuration and
// far below what a hostile or broken one can hold (a 1 MiB hosts.toml has room for 16 000 `[host]` tables). Past a
// limit regdoctor keeps the first ones in the runtime's order and says so in a finding: the plan is then the
// runtime's up to that point, and the runtime itself goes further.
import { MAX_FILE_BYTES, MAX_TOTAL_BYTES } from './fs.ts';
import type { Finding } from './types.ts';

/** Endpoints kept for one image (containerd `[host]`s, mirrors, search registries × mirrors). */
export const MAX_ENDPOINTS = 64;
/** Drop-in files read from one directory (registries.conf.d, crio.conf.d, a unit's .service.d). */
export const MAX_DROPINS = 100;
/** CA and client files kept for one endpoint. */
export const MAX_TLS_FILES = 16;
/** EnvironmentFile= files read for one service. */
export const MAX_ENVIRONMENT_FILES = 32;
/** Findings kept for one plan (the agent's result holds 128). */
export const MAX_FINDINGS = 100;

/** The finding for a limit reached: `count` things (at least) where regdoctor follows `limit`. */
export function tooMany(
  code: `TOO_MANY_${string}`,
  o: { what: string; count: number | string; limit: number; consequence: string; fix: string; from: string },
): Finding {
  return {
    code,
    severity: 'warning',
    cause: null,
    message: `${o.count} ${o.what}: regdoctor follows the first ${o.limit}; ${o.consequence}`,
    fix: o.fix,
    from: o.from,
  };
}

/** The first MAX_DROPINS `*.conf` names, and a finding when there were more or the directory could not be listed whole. */
export function firstDropIns(
  listing: { entries: { name: string; isDir: boolean }[]; truncated: boolean } | null,
  dir: string,
  reader: string,
): { names: string[]; findings: Finding[] } {
  const all = (listing?.entries ?? []).filter((e) => !e.isDir && e.name.endsWith('.conf')).map((e) => e.name);
  if (all.length <= MAX_DROPINS && !listing?.truncated) return { names: all, findings: [] };
  return {
    names: all.slice(0, MAX_DROPINS),
    findings: [
      tooMany('TOO_MANY_DROPINS', {
        what: `drop-in files in ${dir}${listing?.truncated ? ' (the directory holds more entries than regdoctor lists, so which come first by name is not known)' : ''}`,
        count: listing?.truncated ? 'Too many' : all.length,
        limit: MAX_DROPINS,
        consequence: `${reader} reads them all, so settings made in the later files are not shown here`,
        fix: `merge the drop-ins of ${dir} into a few files`,
        from: dir,
      }),
    ],
  };
}

/** The first MAX_TLS_FILES CA files of an endpoint; a finding in `findings` when there were more. */
export function firstCaFiles(files: string[], host: string, from: string, findings: Finding[]): string[] {
  if (files.length <= MAX_TLS_FILES) return files;
  findings.push(
    tooMany('TOO_MANY_CA_FILES', {
      what: `CA files for ${host}`,
      count: files.length,
      limit: MAX_TLS_FILES,
      consequence: 'a certificate in a later file is not trusted by regdoctor, though the runtime trusts it',
      fix: 'put the CA certificates in one bundle file',
      from,
    }),
  );
  return files.slice(0, MAX_TLS_FILES);
}

const MIB = 1024 * 1024;

/**
 * A file regdoctor will not read (over its size limits) although the runtime would: what the runtime makes of it
 * is unknown, so the plan stops here rather than guess.
 */
export function notRead(file: string, detail: string, reader: string): Finding {
  return {
    code: 'CONFIG_NOT_READ',
    stops: 'before-request',
    severity: 'error',
    cause: null,
    message: `${file} is not read (${detail}): ${reader} reads it, but regdoctor reads at most ${MAX_FILE_BYTES / MIB} MiB a file and ${MAX_TOTAL_BYTES / MIB} MiB a node, so it cannot say how this node pulls`,
    fix: `look at ${file} by hand: a real configuration is a few KiB`,
    from: file,
  };
}
