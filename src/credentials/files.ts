// Where credentials live on the machine regdoctor runs on, and reading one such file.

import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { RegdoctorError, UsageError } from '../cause/index.ts';
import { parseDockerConfigJson, parseDockercfg } from './dockerconfig.ts';
import { invalid, isObject, parseJsonText, pickField } from './json.ts';
import type { DockerConfigFile } from './types.ts';

/** Larger than any real credential file; guards against pointing --docker-config at something huge. */
const MAX_CONFIG_BYTES = 10 * 1024 * 1024;

/**
 * Candidate credential files in the order they are searched: Docker's ($DOCKER_CONFIG/config.json,
 * ~/.docker/config.json, legacy ~/.dockercfg), then containers-auth.json(5)'s ($REGISTRY_AUTH_FILE,
 * $XDG_RUNTIME_DIR/containers/auth.json, $XDG_CONFIG_HOME/containers/auth.json). Files need not exist.
 */
export function defaultDockerConfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.HOME || homedir();
  const paths: string[] = [];
  if (env.DOCKER_CONFIG) paths.push(join(env.DOCKER_CONFIG, 'config.json'));
  paths.push(join(home, '.docker', 'config.json'), join(home, '.dockercfg'));
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  paths.push(join(env.XDG_CONFIG_HOME || join(home, '.config'), 'containers', 'auth.json'));
  return [...new Set(paths)];
}

/** config.json when it has any config.json field or nothing at all; the bare .dockercfg map otherwise. */
function isDockercfgFormat(text: string, path: string): boolean {
  const root = parseJsonText(text, path);
  if (!isObject(root)) return basename(path) === '.dockercfg';
  const known = ['auths', 'credHelpers', 'credsStore'].some((f) => pickField(root, f) !== undefined);
  if (known || Object.keys(root).length === 0) return false;
  return basename(path) === '.dockercfg' || Object.values(root).every((v) => isObject(v) || v === null);
}

/** Reads a Docker/containers credential file, detecting config.json vs .dockercfg format. */
export async function loadDockerConfig(path: string): Promise<DockerConfigFile> {
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`cannot read docker config ${path}: not a file`);
    if (info.size > MAX_CONFIG_BYTES) throw invalid(path, `is larger than ${MAX_CONFIG_BYTES} bytes`);
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof UsageError || e instanceof RegdoctorError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read docker config ${path}: ${code === 'ENOENT' ? 'no such file' : code}`);
  }
  if (isDockercfgFormat(text, path)) return { entries: parseDockercfg(text, path), credHelpers: {} };
  return parseDockerConfigJson(text, path);
}
