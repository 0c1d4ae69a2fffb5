// JSON helpers that read documents the way Go's encoding/json does for the kubelet and the Docker CLI, and that
// never echo input: V8's SyntaxError messages quote a slice of the text, which may hold a password.

import { RegdoctorError } from '../cause/index.ts';

export function invalid(source: string, what: string): RegdoctorError {
  return new RegdoctorError('PULL_SECRET_INVALID', `${source}: ${what}`, { source });
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

export function parseJsonText(text: string, source: string): unknown {
  if (text.trim() === '') throw invalid(source, 'is empty (the kubelet finds no credentials in it)');
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const message = e instanceof Error ? e.message : '';
    const pos = /position (\d+)/.exec(message);
    const where = pos ? ` at ${lineAndColumn(text, Number(pos[1]))}` : '';
    const truncated = /end of (JSON )?input/i.test(message) ? ' (the text ends too early)' : '';
    throw invalid(source, `is not valid JSON${where}${truncated}`);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `a ${typeof v}`;
}

/** bytes.EqualFold for an ASCII field name, including Go's two non-ASCII folds (ſ→s, K→k). */
function foldEquals(key: string, field: string): boolean {
  if (key.length !== field.length) return false;
  for (let i = 0; i < key.length; i++) {
    const k = key[i] === '\u017f' ? 's' : key[i] === '\u212a' ? 'k' : (key[i] as string).toLowerCase();
    if (k !== (field[i] as string).toLowerCase()) return false;
  }
  return true;
}

/**
 * The value Go's json.Unmarshal would store in a struct field: field names match case-insensitively and, when
 * several keys match, the last one in the document wins.
 */
export function pickField(obj: Record<string, unknown>, field: string): unknown {
  let value: unknown = undefined;
  for (const [k, v] of Object.entries(obj)) if (foldEquals(k, field)) value = v;
  return value;
}
