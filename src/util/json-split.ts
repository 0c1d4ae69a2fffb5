// Splits JSON text that arrives in chunks into the values a caller wants one at a time: every element of a
// top-level array, and every element of a top-level object's "items" array (a Kubernetes List). An element is
// parsed by JSON.parse on its own as soon as its last byte has arrived, and only the unfinished element is kept
// between chunks: a 100 MB dump never becomes one 100 MB string, nor one tree. Several top-level values in a row
// (JSON lines) are several documents.
//
// The scan is a byte loop that tracks strings and nesting, so text nested deeper than `maxDepth` is refused before
// anything is built from it (JSON.parse of 40 MB of '[' took 2 GB). The structure above the elements — commas,
// colons, keys — is checked here; everything inside an element is checked by JSON.parse.

export class JsonSplitError extends Error {
  constructor(
    message: string,
    /** 1-based line and column of the offending byte. */
    readonly line: number,
    readonly column: number,
    readonly kind: 'syntax' | 'depth' | 'end',
  ) {
    super(message);
    this.name = 'JsonSplitError';
  }
}

export type JsonPart =
  /** An element of a top-level array (`list: false`) or of a top-level object's "items" array (`list: true`). */
  | { type: 'element'; doc: number; index: number; list: boolean; value: unknown }
  /**
   * A top-level value is complete. An object whose "items" were handed out as elements comes without them
   * (`elements` counts them; null when it had no "items" array); an array comes with `value` undefined.
   */
  | { type: 'end'; doc: number; value: unknown; elements: number | null };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LF = 0x0a;
const SPACE = 0x20;
/** Four spaces as one 32-bit word (the same in either byte order). */
const FOUR_SPACES = 0x20202020;
const NO_WORDS = new Int32Array(0);

/** The bytes skipInside() acts on: quotes, brackets, braces, LF. */
const SIGNIFICANT = new Uint8Array(256);
for (const c of [QUOTE, LBRACE, RBRACE, LBRACKET, RBRACKET, LF]) SIGNIFICANT[c] = 1;

/** Where the top-level object is between its tokens. */
const enum Obj {
  /** After `{`: a key or `}`. */
  First,
  /** After a comma: a key. */
  Key,
  Colon,
  Value,
  /** After a value: a comma or `}`. */
  Comma,
}

/** Where a split array (top-level, or the "items" array) is between its elements. */
const enum Arr {
  First,
  Value,
  Comma,
}

type Capture = 'element' | 'field' | 'top';

export class JsonSplitter {
  private buf: Buffer = Buffer.alloc(0);
  /** `buf` from index `aligned` on, as 32-bit words (the part that is 4-byte aligned in its ArrayBuffer). */
  private words: Int32Array<ArrayBufferLike> = NO_WORDS;
  private aligned = 0;
  /** Absolute offset of buf[0]. */
  private base = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private lineStart = 0;

  private doc = -1;
  private top: 'object' | 'array' | 'scalar' | null = null;
  private obj = Obj.First;
  private arr = Arr.First;
  private keyStart = -1;
  private key = '';
  private fields: [string, unknown][] = [];
  /** Inside the top-level object's "items" array. */
  private inItems = false;
  private elements: number | null = null;

  /** The value being captured: absolute start, the depth it starts at, whether it is a bare literal. */
  private capStart = -1;
  private capLevel = 0;
  private capLiteral = false;
  private capWhat: Capture = 'top';
  private capLine = 1;
  private capLineStart = 0;
  private parts: JsonPart[] = [];

  constructor(private readonly maxDepth: number) {}

  /** Scans one more chunk; returns the parts it completed. */
  push(chunk: Buffer): JsonPart[] {
    const keepFrom = this.capStart >= 0 ? this.capStart : this.keyStart;
    const scanned = this.base + this.buf.length;
    if (keepFrom < 0) {
      this.buf = chunk;
      this.base = scanned;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(keepFrom - this.base), chunk]);
      this.base = keepFrom;
    }
    const buf = this.buf;
    const aligned = (4 - (buf.byteOffset & 3)) & 3;
    const count = aligned < buf.length ? (buf.length - aligned) >> 2 : 0;
    this.aligned = count > 0 ? aligned : buf.length;
    this.words = count > 0 ? new Int32Array(buf.buffer, buf.byteOffset + aligned, count) : NO_WORDS;
    this.scan(scanned - this.base);
    return this.take();
  }

  /** The input is complete: the last parts, or a JsonSplitError when it stopped inside a value. */
  end(): JsonPart[] {
    const at = this.base + this.buf.length;
    if (this.capStart >= 0 && this.capLiteral && this.depth === this.capLevel) this.finish(at);
    if (this.depth > 0 || this.inString || this.capStart >= 0 || this.top !== null)
      throw this.error('end', 'it ends early (an unfinished value)', at);
    return this.take();
  }

  private take(): JsonPart[] {
    const out = this.parts;
    this.parts = [];
    return out;
  }

  private error(kind: JsonSplitError['kind'], what: string, at: number): JsonSplitError {
    const column = at - this.lineStart + 1;
    return new JsonSplitError(`${what} at line ${this.line}, column ${column}`, this.line, column, kind);
  }

  private unexpected(at: number): JsonSplitError {
    const c = String.fromCharCode(this.buf[at - this.base]!);
    return this.error('syntax', `unexpected ${JSON.stringify(c)}`, at);
  }

  private text(from: number, to: number): string {
    return this.buf.toString('utf8', from - this.base, to - this.base);
  }

  /** JSON.parse of a captured value. Its errors keep V8's wording and the position, never the text around it. */
  private parseCaptured(from: number, to: number): unknown {
    const text = this.text(from, to);
    try {
      return JSON.parse(text);
    } catch (err) {
      const message = (err as Error).message;
      const pos = / at position (\d+)/.exec(message);
      const at = from + (pos ? Buffer.byteLength(text.slice(0, Number(pos[1]))) : 0);
      let line = this.capLine;
      let lineStart = this.capLineStart;
      for (let i = from; i < at; i++) {
        if (this.buf[i - this.base] === LF) {
          line++;
          lineStart = i + 1;
        }
      }
      const what = /^Unexpected end/.test(message)
        ? 'it ends early'
        : /^Unexpected token/.test(message)
          ? 'unexpected token (an unquoted value or a stray character)'
          : (message.split(/ in JSON| at position|[,:]/)[0] ?? 'syntax error');
      const column = at - lineStart + 1;
      throw new JsonSplitError(`${what} at line ${line}, column ${column}`, line, column, 'syntax');
    }
  }

  private capture(at: number, what: Capture, literal: boolean): void {
    this.capStart = at;
    this.capLevel = this.depth;
    this.capLiteral = literal;
    this.capWhat = what;
    this.capLine = this.line;
    this.capLineStart = this.lineStart;
  }

  /** The captured value ends before `to`. */
  private finish(to: number): void {
    const from = this.capStart;
    this.capStart = -1;
    const value = this.parseCaptured(from, to);
    if (this.capWhat === 'element') {
      const index = this.elements ?? 0;
      this.parts.push({ type: 'element', doc: this.doc, index, list: this.inItems, value });
      this.elements = index + 1;
      this.arr = Arr.Comma;
    } else if (this.capWhat === 'field') {
      this.fields.push([this.key, value]);
      this.obj = Obj.Comma;
    } else {
      this.parts.push({ type: 'end', doc: this.doc, value, elements: null });
      this.top = null;
    }
  }

  private closeTop(): void {
    if (this.top === 'object') {
      const value = Object.fromEntries(this.fields);
      this.parts.push({ type: 'end', doc: this.doc, value, elements: this.elements });
    } else if (this.top === 'array') {
      this.parts.push({ type: 'end', doc: this.doc, value: undefined, elements: this.elements ?? 0 });
    }
    this.top = null;
    this.fields = [];
    this.elements = null;
  }

  private splitArray(): boolean {
    return (this.depth === 1 && this.top === 'array') || (this.depth === 2 && this.inItems);
  }

  /** A value (or a key) begins at `at`, its first byte `c`, at the current depth, outside any capture. */
  private valueStart(at: number, c: number): void {
    const literal = c !== QUOTE && c !== LBRACE && c !== LBRACKET;
    if (this.depth === 0) {
      if (this.top !== null) throw this.unexpected(at);
      this.doc++;
      if (c === LBRACE) {
        this.top = 'object';
        this.obj = Obj.First;
        this.fields = [];
        this.elements = null;
      } else if (c === LBRACKET) {
        this.top = 'array';
        this.arr = Arr.First;
        this.elements = 0;
      } else {
        this.top = 'scalar';
        this.capture(at, 'top', literal);
      }
      return;
    }
    if (this.depth === 1 && this.top === 'object') {
      if (this.obj === Obj.First || this.obj === Obj.Key) {
        if (c !== QUOTE) throw this.unexpected(at);
        this.keyStart = at;
        return;
      }
      if (this.obj !== Obj.Value) throw this.unexpected(at);
      if (this.key === 'items' && c === LBRACKET) {
        this.inItems = true;
        this.arr = Arr.First;
        this.elements = 0;
        return;
      }
      this.capture(at, 'field', literal);
      return;
    }
    if (this.splitArray()) {
      if (this.arr === Arr.Comma) throw this.unexpected(at);
      this.capture(at, 'element', literal);
    }
  }

  private scan(from: number): void {
    const buf = this.buf;
    const base = this.base;
    const n = buf.length;
    /** Where the next backslash is (n: none): strings without one are skipped by a native search. */
    let backslash = -1;
    let i = from;
    while (i < n) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        const quote = buf.indexOf(QUOTE, i);
        if (backslash < i) {
          backslash = buf.indexOf(BACKSLASH, i);
          if (backslash < 0) backslash = n;
        }
        if (backslash < (quote < 0 ? n : quote)) {
          // An escape first: step over it, then search again.
          i = backslash + 1;
          if (i < n) i++;
          else this.escaped = true;
          continue;
        }
        if (quote < 0) return; // the string goes on in the next chunk
        this.inString = false;
        this.stringEnd(base + quote);
        i = quote + 1;
        continue;
      }
      if (this.capStart >= 0 && this.depth > this.capLevel) {
        i = this.skipInside(i);
        continue;
      }
      const c = buf[i]!;
      switch (c) {
        case 0x20:
        case 0x09:
        case 0x0d:
        case LF:
          if (this.capStart >= 0 && this.capLiteral && this.depth === this.capLevel) this.finish(base + i);
          if (c === LF) {
            this.line++;
            this.lineStart = base + i + 1;
          }
          break;
        case QUOTE:
          if (this.capStart < 0) this.valueStart(base + i, c);
          this.inString = true;
          break;
        case LBRACE:
        case LBRACKET:
          if (this.capStart < 0) this.valueStart(base + i, c);
          if (++this.depth > this.maxDepth)
            throw this.error('depth', `nested deeper than ${this.maxDepth} levels`, base + i);
          break;
        case RBRACE:
        case RBRACKET:
          this.close(base + i, c);
          break;
        case COMMA:
          this.comma(base + i);
          break;
        case COLON:
          if (this.capStart >= 0) break;
          if (this.depth !== 1 || this.top !== 'object' || this.obj !== Obj.Colon)
            throw this.unexpected(base + i);
          this.obj = Obj.Value;
          break;
        default:
          if (this.capStart < 0) this.valueStart(base + i, c);
      }
      i++;
    }
  }

  /**
   * The hot loop: inside a captured value only nesting, strings and line ends matter (JSON.parse checks the rest),
   * so it runs on locals, and strings without a backslash are skipped by a native search. Returns where it
   * stopped: the end of the chunk, the value's end (after finishing it), or the start of a string with escapes
   * (left to the general loop).
   */
  private skipInside(from: number): number {
    const buf = this.buf;
    const n = buf.length;
    const level = this.capLevel;
    const max = this.maxDepth;
    let depth = this.depth;
    let line = this.line;
    let lineStart = this.lineStart;
    let backslash = -1;
    let i = from;
    const sync = () => {
      this.depth = depth;
      this.line = line;
      this.lineStart = lineStart;
    };
    // Indentation is most of an indented dump's bytes (a kubectl -o json of 10,000 pods: about half): runs of
    // spaces are skipped four bytes at a time where they are aligned for the word view.
    const words = this.words;
    const aligned = this.aligned;
    const wordCount = words.length;
    while (i < n) {
      // Most bytes are indentation, names and values: one table lookup each.
      while (i < n) {
        const b = buf[i]!;
        if (SIGNIFICANT[b] !== 0) break;
        i++;
        if (b === SPACE && ((i - aligned) & 3) === 0 && i >= aligned) {
          let w = (i - aligned) >> 2;
          while (w < wordCount && words[w] === FOUR_SPACES) w++;
          i = aligned + (w << 2);
        }
      }
      if (i >= n) break;
      const c = buf[i]!;
      if (c === QUOTE) {
        const quote = buf.indexOf(QUOTE, i + 1);
        if (backslash <= i) {
          backslash = buf.indexOf(BACKSLASH, i + 1);
          if (backslash < 0) backslash = n;
        }
        if (quote < 0 || backslash < quote) {
          sync();
          this.inString = true;
          return i + 1;
        }
        i = quote + 1;
        continue;
      }
      if (c === LBRACE || c === LBRACKET) {
        if (++depth > max) {
          sync();
          throw this.error('depth', `nested deeper than ${max} levels`, this.base + i);
        }
      } else if (c === RBRACE || c === RBRACKET) {
        if (depth - 1 === level) {
          sync();
          this.close(this.base + i, c);
          return i + 1;
        }
        depth--;
      } else if (c === LF) {
        line++;
        lineStart = this.base + i + 1;
      }
      i++;
    }
    sync();
    return i;
  }

  private stringEnd(at: number): void {
    if (this.keyStart >= 0) {
      const raw = this.text(this.keyStart, at + 1);
      this.keyStart = -1;
      try {
        this.key = String(JSON.parse(raw));
      } catch {
        throw this.error('syntax', 'a key that is not a valid JSON string', at);
      }
      this.obj = Obj.Colon;
      return;
    }
    if (this.capStart >= 0 && !this.capLiteral && this.depth === this.capLevel) this.finish(at + 1);
  }

  private comma(at: number): void {
    if (this.capStart >= 0) {
      if (this.depth > this.capLevel) return;
      this.finish(at); // a literal ends here (any other capture at this depth has ended already)
    }
    if (this.depth === 1 && this.top === 'object') {
      if (this.obj !== Obj.Comma) throw this.unexpected(at);
      this.obj = Obj.Key;
    } else if (this.splitArray()) {
      if (this.arr !== Arr.Comma) throw this.unexpected(at);
      this.arr = Arr.Value;
    } else if (this.depth === 0) throw this.unexpected(at);
  }

  private close(at: number, c: number): void {
    if (this.capStart >= 0 && this.capLiteral && this.depth === this.capLevel) this.finish(at);
    if (this.depth === 0) throw this.unexpected(at);
    if (this.capStart < 0) {
      if (this.depth === 1 && this.top === 'object') {
        if (c !== RBRACE || (this.obj !== Obj.First && this.obj !== Obj.Comma)) throw this.unexpected(at);
      } else if (this.splitArray()) {
        if (c !== RBRACKET || this.arr === Arr.Value) throw this.unexpected(at);
      }
    }
    this.depth--;
    if (this.capStart >= 0) {
      if (this.depth === this.capLevel) this.finish(at + 1);
      return;
    }
    if (this.depth === 1 && this.inItems) {
      this.inItems = false;
      this.obj = Obj.Comma;
    } else if (this.depth === 0) this.closeTop();
  }
}
