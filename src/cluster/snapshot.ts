// The offline source: what `kubectl get pods,events,… -A -o json|yaml` prints, saved to a file, a directory of
// such files (a support bundle), or piped on stdin.
//
// Accepted shapes per file: one JSON value (a v1 `List`, a typed list such as `PodList` whose items carry no kind,
// a single object, or an array of those), YAML with one or more `---`-separated documents of the same, and JSON
// lines (`jq -c '.items[]'`). Structure errors (not JSON/YAML, a document that is not a Kubernetes object, a list
// without `items`) are a ClusterError naming the file and document; a list item without a kind and an object with
// a malformed field are `skipped` entries, so one bad object does not hide the rest of a large bundle.
import { parseAllDocuments } from 'yaml';
import { ClusterError } from './errors.ts';
import { classify, listItems, normalize, type ObjectClass, type Skipped } from './normalize.ts';
import { newestTimestamp } from './snapshot-time.ts';
import { readSnapshotInputs, SNAPSHOT_MAX_BYTES, type SnapshotInput } from './snapshot-read.ts';
import type { Readable } from 'node:stream';
import type { ClusterScope, ClusterSource, ClusterState } from './types.ts';

export { SNAPSHOT_MAX_BYTES } from './snapshot-read.ts';

export interface SnapshotOptions {
  /** Budget for all input bytes together (default SNAPSHOT_MAX_BYTES). */
  maxBytes?: number;
  /** What `-` reads (default process.stdin). */
  stdin?: Readable;
}

const HINT = 'expected the output of `kubectl get … -o json` or `-o yaml`';

function shapeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') {
    const s = v.length > 40 ? `${v.slice(0, 40)}…` : v;
    return `text ${JSON.stringify(s)}`;
  }
  return `a ${typeof v}`;
}

interface Collected {
  objects: unknown[];
  skipped: Skipped[];
  /** Kinds of typed lists (`SecretList` → Secret), present even when empty. */
  listed: Set<string>;
}

/** Adds one document's objects; `where` names it in messages (`file`, `file document 3`). */
function collect(doc: unknown, where: string, into: Collected, depth = 0): void {
  if (doc === null || doc === undefined) return; // an empty YAML document, e.g. after a trailing `---`
  if (Array.isArray(doc)) {
    if (depth > 0)
      throw new ClusterError('input', `${where}: nested arrays are not Kubernetes objects; ${HINT}`);
    doc.forEach((d, i) => collect(d, `${where} element ${i}`, into, depth + 1));
    return;
  }
  if (typeof doc !== 'object') {
    throw new ClusterError('input', `${where} is ${shapeOf(doc)}, not a Kubernetes object; ${HINT}`);
  }
  const o = doc as Record<string, unknown>;
  const kind = o.kind;
  if (typeof kind !== 'string' || kind === '') {
    throw new ClusterError('input', `${where} is not a Kubernetes object (it has no "kind"); ${HINT}`);
  }
  if (kind === 'List' || (kind.endsWith('List') && 'items' in o)) {
    if (!Array.isArray(o.items)) {
      throw new ClusterError('input', `${where}: ${kind} has no "items" array`);
    }
    if (depth > 2) throw new ClusterError('input', `${where}: lists nested too deeply`);
    if (kind !== 'List') into.listed.add(kind.slice(0, -'List'.length));
    listItems({ kind, apiVersion: o.apiVersion, items: o.items }).forEach((item, i) => {
      if (
        item &&
        typeof item === 'object' &&
        !Array.isArray(item) &&
        typeof (item as { kind?: unknown }).kind === 'string'
      ) {
        collect(item, `${where} item ${i}`, into, depth + 1);
      } else {
        into.skipped.push({
          resource: `${where} item ${i}`,
          reason: `not a Kubernetes object (${shapeOf(item)} without "kind")`,
        });
      }
    });
    return;
  }
  into.objects.push(o);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

function looksLikeJson(text: string): boolean {
  const c = text.trimStart()[0];
  return c === '{' || c === '[';
}

/** JSON lines: every non-empty line one JSON object. Undefined when the text is not that. */
function jsonLines(text: string): unknown[] | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length < 2) return undefined;
  const out: unknown[] = [];
  for (const l of lines) {
    try {
      out.push(JSON.parse(l));
    } catch {
      return undefined;
    }
  }
  return out;
}

/**
 * V8's JSON.parse messages quote up to ten characters of the input around the error, and a snapshot holds
 * secrets: keep only V8's fixed wording and where it happened.
 */
function jsonErrorText(message: string, text: string): string {
  const at = / in JSON at position (\d+)/.exec(message);
  if (at) {
    const pos = Number(at[1]);
    const before = text.slice(0, pos);
    const line = before.split('\n').length;
    const column = pos - before.lastIndexOf('\n');
    return `${message.slice(0, at.index)} at line ${line}, column ${column}`;
  }
  if (message.startsWith('Unexpected end of JSON input')) return 'it ends early';
  if (message.startsWith('Unexpected token'))
    return 'unexpected token (an unquoted value or a stray character)';
  return 'syntax error';
}

/** The documents of one input. JSON goes through JSON.parse (much faster than the YAML parser on big dumps). */
export function parseDocuments(input: SnapshotInput): unknown[] {
  const { name, text } = input;
  let jsonError: string | undefined;
  if (looksLikeJson(text)) {
    try {
      return [JSON.parse(text)];
    } catch (err) {
      jsonError = jsonErrorText((err as Error).message, text);
      const lines = jsonLines(text);
      if (lines) return lines;
    }
  }
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [];
  const out: unknown[] = [];
  for (const [i, d] of list.entries()) {
    const err = d.errors[0];
    if (err) {
      if (jsonError !== undefined)
        throw new ClusterError('input', `snapshot ${name} is not valid JSON: ${jsonError}`);
      const doc = list.length > 1 ? ` (document ${i + 1})` : '';
      throw new ClusterError('input', `snapshot ${name}${doc} is not valid YAML: ${firstLine(err.message)}`);
    }
    try {
      out.push(d.toJS({ maxAliasCount: 100 }));
    } catch (e) {
      throw new ClusterError(
        'input',
        `snapshot ${name} is not usable YAML: ${firstLine((e as Error).message)}`,
      );
    }
  }
  return out;
}

/** Parses inputs into objects and list-level skipped entries. */
export function collectObjects(inputs: SnapshotInput[]): Collected {
  const into: Collected = { objects: [], skipped: [], listed: new Set() };
  for (const input of inputs) {
    const docs = parseDocuments(input);
    if (docs.every((d) => d === null || d === undefined)) {
      // In a bundle, an empty file is usually a dump command that printed nothing; alone, it is a mistake.
      if (inputs.length === 1) throw new ClusterError('input', `snapshot ${input.name} is empty; ${HINT}`);
      into.skipped.push({ resource: input.name, reason: 'empty file' });
      continue;
    }
    docs.forEach((d, i) =>
      collect(d, docs.length > 1 ? `${input.name} document ${i + 1}` : input.name, into),
    );
  }
  return into;
}

/**
 * The kinds a scan reads whose absence changes a verdict, by the resource name kubectl and `skipped` use. A
 * support bundle often leaves Secrets out: a secret absent from such a snapshot is unknown, not missing.
 */
const NEEDED: { cls: ObjectClass & string; kind: string; resource: string; secrets?: true }[] = [
  { cls: 'secret', kind: 'Secret', resource: 'secrets', secrets: true },
  { cls: 'serviceAccount', kind: 'ServiceAccount', resource: 'serviceaccounts' },
  { cls: 'node', kind: 'Node', resource: 'nodes' },
  { cls: 'coreEvent', kind: 'Event', resource: 'events' },
];

/** A `skipped` entry for each needed kind the snapshot holds no object (nor typed list) of. */
export function absentKinds(collected: Collected, scope: ClusterScope): Skipped[] {
  const present = new Set<string>();
  for (const o of collected.objects) {
    const cls = classify(o as Record<string, unknown>);
    if (cls) present.add(cls === 'eventsV1' ? 'coreEvent' : cls);
  }
  return NEEDED.filter(
    (n) => !present.has(n.cls) && !collected.listed.has(n.kind) && (!n.secrets || scope.secrets),
  ).map((n) => ({ resource: n.resource, reason: 'not in the snapshot' }));
}

export function snapshotSource(pathOrDash: string, opts: SnapshotOptions = {}): ClusterSource {
  const label = pathOrDash === '-' ? 'snapshot (stdin)' : `snapshot ${pathOrDash}`;
  // stdin can be read once; a second load() reuses what the first one read.
  let stdinInputs: Promise<SnapshotInput[]> | undefined;
  const read = (): Promise<SnapshotInput[]> => {
    const ro = {
      maxBytes: opts.maxBytes ?? SNAPSHOT_MAX_BYTES,
      stdin: opts.stdin ?? process.stdin,
    };
    if (pathOrDash !== '-') return readSnapshotInputs(pathOrDash, ro);
    stdinInputs ??= readSnapshotInputs('-', ro);
    return stdinInputs;
  };
  return {
    describe: () => label,
    defaultNamespace: () => Promise.resolve('default'),
    async load(scope: ClusterScope): Promise<ClusterState> {
      const collected = collectObjects(await read());
      const skipped = [...collected.skipped, ...absentKinds(collected, scope)];
      const state = normalize(collected.objects, { source: label, scope, skipped });
      const newest = newestTimestamp(state);
      return newest > 0 ? { ...state, observedAt: newest } : state;
    },
  };
}
