// WWW-Authenticate parsing (RFC 7235 §4.1, RFC 9110 §11.6.1): one field can hold several challenges, each a scheme
// followed by either a token68 or comma-separated auth-params. Registries and the proxies in front of them send
// sloppy headers, so this is lenient (unquoted values may hold '/' or ':') and drops what it cannot read.

export interface Challenge {
  /** Lower case: 'bearer', 'basic', … */
  scheme: string;
  /** Lower-case parameter names: realm, service, scope, error, error_description, … The first occurrence wins. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge uses it instead of parameters. */
  token68?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(?:,|$))/y;

class Reader {
  pos = 0;
  constructor(readonly s: string) {}
  get done(): boolean {
    return this.pos >= this.s.length;
  }
  peek(): string {
    return this.s[this.pos] ?? '';
  }
  skipWhitespace(): boolean {
    const start = this.pos;
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
    return this.pos > start;
  }
  token(): string {
    const start = this.pos;
    while (!this.done && TCHAR.test(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
  quoted(): string {
    this.pos++; // opening quote
    let out = '';
    while (!this.done) {
      const c = this.s[this.pos++]!;
      if (c === '"') return out;
      if (c === '\\' && !this.done) out += this.s[this.pos++];
      else out += c;
    }
    return out; // unterminated: keep what there is
  }
  bareValue(): string {
    const start = this.pos;
    while (!this.done && !/[,\s]/.test(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }
  /** Skips to just past the next top-level comma (or the end), stepping over quoted strings. */
  recover(): void {
    while (!this.done) {
      const c = this.peek();
      if (c === '"') this.quoted();
      else {
        this.pos++;
        if (c === ',') return;
      }
    }
  }
  /** After an element: whitespace and one comma. A missing comma is forgiven; the next element starts here. */
  endOfElement(): void {
    this.skipWhitespace();
    if (this.peek() === ',') this.pos++;
  }
}

function parseOne(header: string, out: Challenge[]): void {
  const r = new Reader(header);
  let current: Challenge | null = null;
  while (true) {
    while (r.skipWhitespace() || r.peek() === ',') if (r.peek() === ',') r.pos++;
    if (r.done) return;
    const name = r.token();
    if (name === '') {
      r.recover();
      continue;
    }
    const spaced = r.skipWhitespace();
    if (r.peek() === '=') {
      // name=value belongs to the challenge being read; without one it is junk.
      r.pos++;
      r.skipWhitespace();
      const value = r.peek() === '"' ? r.quoted() : r.bareValue();
      const key = name.toLowerCase();
      if (current && key !== '__proto__' && !Object.hasOwn(current.params, key)) current.params[key] = value;
      r.endOfElement();
      continue;
    }
    current = { scheme: name.toLowerCase(), params: {} };
    out.push(current);
    if (!spaced || r.peek() === ',' || r.done) continue;
    TOKEN68.lastIndex = r.pos;
    const t68 = TOKEN68.exec(header);
    if (t68) {
      current.token68 = t68[0];
      r.pos += t68[0].length;
      r.endOfElement();
      current = null; // a token68 challenge takes no parameters
    }
  }
}

/** Every challenge in one or more WWW-Authenticate field values. Never throws; unreadable input gives []. */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const h of Array.isArray(header) ? header : header === undefined ? [] : [header]) {
    if (typeof h === 'string') parseOne(h, out);
  }
  return out;
}

/**
 * Splits a token scope (`repository:host:5000/a/b:pull,push registry:catalog:*`) into its parts. The resource name
 * can contain ':' (a registry port), so the actions start after the last ':'. A deprecated resource class
 * (`repository(plugin)`) is dropped from the type.
 */
export function parseScope(scope: string): { type: string; name: string; actions: string[] }[] {
  const out: { type: string; name: string; actions: string[] }[] = [];
  for (const item of scope.split(/\s+/)) {
    const first = item.indexOf(':');
    const last = item.lastIndexOf(':');
    if (first <= 0 || last === first) continue;
    const type = item.slice(0, first).replace(/\([^)]*\)$/, '');
    const name = item.slice(first + 1, last);
    if (type === '' || name === '') continue;
    out.push({
      type,
      name,
      actions: item
        .slice(last + 1)
        .split(',')
        .filter((a) => a !== ''),
    });
  }
  return out;
}
