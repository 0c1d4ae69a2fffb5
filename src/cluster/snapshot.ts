// The offline source: what `kubectl get pods,events,… -A -o json|yaml` prints, saved to a file, a directory of
// such files (a support bundle), or piped on stdin.
//
// Accepted shapes per file: one JSON value (a v1 `List`, a typed list such as `PodList` whose items carry no kind,
// a single object, or an array of those), YAML with one or more `---`-separated documents of the same, and JSON
// lines (`jq -c '.items[]'`). Structure errors (not JSON/YAML, a document that is not a Kubernetes object, a list
// without `items`) are a ClusterError naming the file and document; a list item without a kind and an object with
// a malformed field are `skipped` entries, so one bad object does not hide the rest of a large bundle.
import {
  InputLimitError,
  MAX_NESTING,
  YAML_MAX_BYTES,
  yamlDocuments,
  yamlTooLarge,
} from '../util/bounded-text.ts';
import { JsonSplitError, JsonSplitter } from '../util/json-split.ts';
import { ClusterError } from './errors.ts';
import { classify, listItems, normalizer, type ObjectClass, type Skipped } from './normalize.ts';
import { newestTimestamp } from './snapshot-time.ts';
import { inputText, readSnapshotInputs, SNAPSHOT_MAX_BYTES, type SnapshotInput } from './snapshot-read.ts';
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
  /** Receives each object as soon as it is read (the normalizer), so that no input is held whole. */
  add(object: unknown): void;
  skipped: Skipped[];
  /** Kinds of typed lists (`SecretList` → Secret), present even when empty. */
  listed: Set<string>;
  /** Classes of the objects read (eventsV1 counted as coreEvent). */
  present: Set<string>;
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
  into.add(o);
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** The documents of a YAML input (or of JSON the streaming reader refused: YAML flow style can start with '{'). */
export function yamlInputDocuments(name: string, text: string, jsonError?: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  try {
    for (const d of yamlDocuments(text)) {
      i++;
      const err = d.errors[0];
      if (err) {
        if (jsonError !== undefined)
          throw new ClusterError('input', `snapshot ${name} is not valid JSON: ${jsonError}`);
        // The position of the document in the stream is known only here; "document 1" when more may follow.
        const doc = i > 1 || d.range[2] < text.trimEnd().length ? ` (document ${i})` : '';
        throw new ClusterError(
          'input',
          `snapshot ${name}${doc} is not valid YAML: ${firstLine(err.message)}`,
        );
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
  } catch (err) {
    if (err instanceof InputLimitError) throw new ClusterError('input', `snapshot ${name} ${err.message}`);
    throw err;
  }
  return out;
}

/** `document N` names for a stream of documents: the first is the file itself, as long as it is the only one. */
const docName = (name: string, doc: number) => (doc === 0 ? name : `${name} document ${doc + 1}`);

/**
 * Streams one JSON input into `into`: each List item (or array element) is collected as soon as it is parsed.
 * Returns json: false, having collected nothing, when the text is not JSON after all (the caller reads it as
 * YAML, and reports this error if YAML refuses it too).
 */
async function streamJson(
  input: SnapshotInput,
  into: Collected,
): Promise<{ json: true; docs: number } | { json: false; error: string }> {
  const splitter = new JsonSplitter(MAX_NESTING);
  let docs = 0;
  let emitted = false;
  /** Items of a typed list (PodList) that came without a kind, before the list's own kind was read. */
  let kindless: { index: number; value: unknown }[] = [];
  const item = (doc: number, index: number, value: unknown) => {
    const where = `${docName(input.name, doc)} item ${index}`;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (typeof (value as { kind?: unknown }).kind === 'string') return collect(value, where, into, 1);
      return kindless.push({ index, value });
    }
    into.skipped.push({
      resource: where,
      reason: `not a Kubernetes object (${shapeOf(value)} without "kind")`,
    });
  };
  const handle = (parts: ReturnType<JsonSplitter['push']>) => {
    for (const p of parts) {
      emitted = true;
      if (p.type === 'element') {
        if (p.list) item(p.doc, p.index, p.value);
        else collect(p.value, `${docName(input.name, p.doc)} element ${p.index}`, into, 1);
        continue;
      }
      docs++;
      const where = docName(input.name, p.doc);
      if (p.value === undefined) continue; // a top-level array, its elements collected
      if (p.elements === null) {
        collect(p.value, where, into);
        continue;
      }
      // An object whose "items" array streamed past: it must be a list.
      const o = p.value as Record<string, unknown>;
      const kind = o.kind;
      if (typeof kind !== 'string' || kind === '')
        throw new ClusterError('input', `${where} is not a Kubernetes object (it has no "kind"); ${HINT}`);
      if (kind !== 'List' && !kind.endsWith('List'))
        throw new ClusterError('input', `${where}: a ${kind} with an "items" array is not a list; ${HINT}`);
      if (kind !== 'List') into.listed.add(kind.slice(0, -'List'.length));
      const typed = listItems({ kind, apiVersion: o.apiVersion, items: kindless.map((k) => k.value) });
      typed.forEach((value, n) => {
        const at = kindless[n]!.index;
        if (typeof (value as { kind?: unknown }).kind === 'string')
          collect(value, `${where} item ${at}`, into, 1);
        else
          into.skipped.push({
            resource: `${where} item ${at}`,
            reason: `not a Kubernetes object (${shapeOf(value)} without "kind")`,
          });
      });
      kindless = [];
    }
  };
  try {
    for await (const chunk of input.chunks()) {
      handle(splitter.push(chunk));
      // A read stream's buffered chunks arrive as microtasks: without this, one load would hold the event loop
      // (and an exporter's /metrics) from start to end.
      await new Promise((resolve) => setImmediate(resolve));
    }
    handle(splitter.end());
  } catch (err) {
    if (!(err instanceof JsonSplitError)) throw err;
    if (err.kind === 'depth')
      throw new ClusterError('input', `snapshot ${input.name} ${err.message.replace(/^nested/, 'nests')}`);
    // Nothing read yet: YAML's flow style starts with '{' too. Part of it read: it is broken JSON.
    if (!emitted) return { json: false, error: err.message };
    throw new ClusterError('input', `snapshot ${input.name} is not valid JSON: ${err.message}`);
  }
  return { json: true, docs };
}

/** A YAML input's text, refused before it is all read when it is over the YAML limit. */
async function yamlText(input: SnapshotInput): Promise<string> {
  const text = await inputText(input, YAML_MAX_BYTES);
  if (text === null) throw new ClusterError('input', `snapshot ${input.name} ${yamlTooLarge()}`);
  return text;
}

/** The first byte that is not whitespace tells JSON from YAML (null: nothing but whitespace). */
async function startsLikeJson(input: SnapshotInput): Promise<boolean | null> {
  for await (const chunk of input.chunks()) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
      return c === 0x7b || c === 0x5b;
    }
  }
  return null;
}

/** Reads every input, handing each object to `add` as it is read; returns what was seen besides the objects. */
export async function collectInputs(
  inputs: SnapshotInput[],
  add: (object: unknown) => void,
): Promise<Omit<Collected, 'add'>> {
  const present = new Set<string>();
  const into: Collected = {
    add(o) {
      const cls = classify(o as Record<string, unknown>);
      if (cls) present.add(cls === 'eventsV1' ? 'coreEvent' : cls);
      add(o);
    },
    skipped: [],
    listed: new Set(),
    present,
  };
  for (const input of inputs) {
    const start = await startsLikeJson(input);
    let docs = 0;
    let yaml: unknown[] | null = null;
    if (start === true) {
      const r = await streamJson(input, into);
      if (r.json) docs = r.docs;
      else yaml = yamlInputDocuments(input.name, await yamlText(input), r.error);
    } else if (start === false) {
      yaml = yamlInputDocuments(input.name, await yamlText(input));
    }
    if (yaml) {
      const many = yaml.length > 1;
      yaml.forEach((d, i) => collect(d, many ? `${input.name} document ${i + 1}` : input.name, into));
      docs = yaml.filter((d) => d !== null && d !== undefined).length;
    }
    if (docs > 0) continue;
    // In a bundle, an empty file is usually a dump command that printed nothing; alone, it is a mistake.
    if (inputs.length === 1) throw new ClusterError('input', `snapshot ${input.name} is empty; ${HINT}`);
    into.skipped.push({ resource: input.name, reason: 'empty file' });
  }
  const { add: _add, ...seen } = into;
  return seen;
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
export function absentKinds(seen: Omit<Collected, 'add'>, scope: ClusterScope): Skipped[] {
  return NEEDED.filter(
    (n) => !seen.present.has(n.cls) && !seen.listed.has(n.kind) && (!n.secrets || scope.secrets),
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
      const inputs = await read();
      const skipped: Skipped[] = [];
      const n = normalizer({ source: label, scope, skipped });
      const seen = await collectInputs(inputs, n.add);
      skipped.push(...seen.skipped, ...absentKinds(seen, scope));
      const state = n.state();
      const newest = newestTimestamp(state);
      return newest > 0 ? { ...state, observedAt: newest } : state;
    },
  };
}
