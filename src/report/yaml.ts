// YAML output: the JSON form of a result with the same keys in the same order. Imported statically here and
// this module lazily by the commands: the bundle turns a dynamic import() of the CommonJS `yaml` package into a
// chunk with only a default export, so `(await import('yaml')).stringify` would be undefined.
import { stringify } from 'yaml';

/** Long strings stay on one line (no folding), as kubectl prints them. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0 });
}
