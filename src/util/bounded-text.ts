// Limits on reading structured text from outside (snapshots, manifests, policies, reports, API answers) and the
// readers that keep to them. Each limit is far above what a real input needs and far below what a hostile one
// would cost: 16 MB of `---` lines made 4 million YAML documents (3.9 GB, 109 s), 40 MB of '[' made JSON.parse
// take 2 GB, and the YAML parser needs about 50 bytes of memory and 1 µs per byte of input.
import { Composer, Lexer, LineCounter, Parser, type Document } from 'yaml';
import { JsonSplitter, type JsonPart } from './json-split.ts';

/** Nesting of arrays and objects: a Kubernetes object, even a CRD with its schema, needs a few dozen levels. */
export const MAX_NESTING = 1000;
/** YAML documents in one input: a rendered chart has hundreds. */
export const MAX_YAML_DOCUMENTS = 50_000;
/**
 * YAML text in one input. The YAML parser builds a document model of ~50 bytes per byte of input: `scan
 * --snapshot` of a kubectl YAML dump took 4.6 s of CPU and 460 MB at 8 MiB, 16 s and 1.5 GB at 30 MiB; 4 MiB keeps
 * a whole process under 300 MB. JSON, read by the JSON reader, has no such cost, and is what the message asks for.
 */
export const YAML_MAX_BYTES = 4 * 1024 * 1024;

/** A limit crossed; the message says which and where, and how to get under it. Callers add the input's name. */
export class InputLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputLimitError';
  }
}

const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;

/** What is wrong with YAML over YAML_MAX_BYTES, and what to do instead. */
export function yamlTooLarge(): string {
  return `is YAML larger than ${mib(YAML_MAX_BYTES)}; reading YAML takes about 50 times its size in memory, so save it as JSON (kubectl get … -o json)`;
}

/** Whether text (after leading whitespace) starts like JSON: an object or an array. */
export function looksLikeJson(text: string | Buffer): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = typeof text === 'string' ? text.charCodeAt(i) : text[i]!;
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) continue;
    return c === 0x7b || c === 0x5b;
  }
  return false;
}

/**
 * Every top-level value of a JSON text (several for JSON lines), each whole, with nesting bounded. Throws
 * JsonSplitError for a syntax error or too deep a nesting.
 */
export function jsonValues(text: string | Buffer, maxDepth = MAX_NESTING): unknown[] {
  const splitter = new JsonSplitter(maxDepth);
  const parts: JsonPart[] = [...splitter.push(typeof text === 'string' ? Buffer.from(text) : text)];
  parts.push(...splitter.end());
  const out: unknown[] = [];
  let elements: unknown[] = [];
  for (const p of parts) {
    if (p.type === 'element') {
      elements.push(p.value);
      continue;
    }
    if (p.value === undefined) out.push(elements);
    else if (p.elements !== null) out.push({ ...(p.value as object), items: elements });
    else out.push(p.value);
    elements = [];
  }
  return out;
}

/**
 * One pass of the YAML lexer (cheap: no nodes are built) that refuses, where it happens, nesting of flow
 * collections (`[`, `{`) past MAX_NESTING and more document starts than MAX_YAML_DOCUMENTS.
 */
function prescan(text: string): void {
  let depth = 0;
  let docs = 0;
  let offset = 0;
  const where = (at: number) => {
    const counter = new LineCounter();
    counter.addNewLine(0);
    for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1))
      counter.addNewLine(i + 1);
    const p = counter.linePos(at);
    return `line ${p.line}, column ${p.col}`;
  };
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      if (++depth > MAX_NESTING)
        throw new InputLimitError(`nests deeper than ${MAX_NESTING} levels (${where(offset)})`);
    } else if (token === ']' || token === '}') depth--;
    else if (token === '---' && ++docs > MAX_YAML_DOCUMENTS) throw tooManyDocuments();
    // The lexer's own markers (document, flow end, scalar) are not source text.
    if (token !== '\x02' && token !== '\x18' && token !== '\x1f') offset += token.length;
  }
}

const tooManyDocuments = () =>
  new InputLimitError(`holds more than ${MAX_YAML_DOCUMENTS.toLocaleString('en')} YAML documents`);

/**
 * The documents of a YAML text one at a time, within the size, document and nesting limits (InputLimitError).
 * Each document's errors carry their line and column in the message, never the text around them.
 */
export function* yamlDocuments(text: string): Generator<Document.Parsed> {
  if (Buffer.byteLength(text) > YAML_MAX_BYTES) throw new InputLimitError(yamlTooLarge());
  prescan(text);
  const lines = new LineCounter();
  const composer = new Composer({});
  let n = 0;
  for (const doc of composer.compose(new Parser(lines.addNewLine).parse(text))) {
    if (++n > MAX_YAML_DOCUMENTS) throw tooManyDocuments();
    for (const err of doc.errors) {
      const pos = lines.linePos(err.pos[0]);
      err.linePos = [pos];
      err.message = `${err.message.split('\n')[0]} at line ${pos.line}, column ${pos.col}`;
    }
    yield doc;
  }
}
