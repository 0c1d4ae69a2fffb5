// Label and field selectors as the API server parses and applies them (k8s.io/apimachinery labels.Parse and
// fields.ParseSelector), for the kube-api test server's lists and watches.
//   labels: `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, comma-separated (all must hold)
//   fields: `f=v`, `f==v`, `f!=v`, comma-separated; which fields exist depends on the resource
type Obj = Record<string, unknown>;

export type Selector = (obj: Obj) => boolean;

export class SelectorError extends Error {}

/** Splits on commas that are not inside parentheses. */
function requirements(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(k: string): string {
  if (!LABEL_KEY.test(k) || k.length > 316) throw new SelectorError(`invalid label key "${k}"`);
  return k;
}
function checkValue(v: string): string {
  if (!LABEL_VALUE.test(v) || v.length > 63) throw new SelectorError(`invalid label value: "${v}"`);
  return v;
}

const labelsOf = (o: Obj): Record<string, string> =>
  ((o.metadata as Obj | undefined)?.labels as Record<string, string> | undefined) ?? {};

export function parseLabelSelector(text: string): Selector {
  const tests: Selector[] = [];
  for (const r of requirements(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^!\s*(\S+)$/.exec(r))) {
      const k = checkKey(m[1]!);
      tests.push((o) => !Object.hasOwn(labelsOf(o), k));
    } else if ((m = /^(\S+?)\s*(!=|==|=)\s*(\S*)$/.exec(r))) {
      const [k, op, v] = [checkKey(m[1]!), m[2]!, checkValue(m[3]!)];
      tests.push(
        op === '!='
          ? (o) => labelsOf(o)[k] !== v
          : (o) => Object.hasOwn(labelsOf(o), k) && labelsOf(o)[k] === v,
      );
    } else if ((m = /^(\S+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(r))) {
      const k = checkKey(m[1]!);
      const values = new Set(m[3]!.split(',').map((v) => checkValue(v.trim())));
      tests.push(
        m[2] === 'in'
          ? (o) => Object.hasOwn(labelsOf(o), k) && values.has(labelsOf(o)[k]!)
          : (o) => !Object.hasOwn(labelsOf(o), k) || !values.has(labelsOf(o)[k]!),
      );
    } else if ((m = /^(\S+)$/.exec(r))) {
      const k = checkKey(m[1]!);
      tests.push((o) => Object.hasOwn(labelsOf(o), k));
    } else {
      throw new SelectorError(`unable to parse requirement: ${JSON.stringify(r)}`);
    }
  }
  return (o) => tests.every((t) => t(o));
}

/** The value of a dotted field path (`spec.nodeName`), as the API server's field set shows it ('' when unset). */
export function fieldValue(o: Obj, path: string): string {
  let cur: unknown = o;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Obj)[part];
  }
  return cur === undefined || cur === null ? '' : String(cur);
}

/**
 * A field selector over the fields the resource supports. An unsupported field is a 400, worded as the API server
 * words it for custom resources ("field label not supported: spec.nodeName").
 */
export function parseFieldSelector(text: string, supported: ReadonlySet<string>): Selector {
  const tests: Selector[] = [];
  for (const r of requirements(text)) {
    const m = /^([^=!\s]+)\s*(!=|==|=)\s*(.*)$/.exec(r);
    if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${r}'`);
    const [field, op, value] = [m[1]!, m[2]!, m[3]!];
    if (!supported.has(field)) throw new SelectorError(`field label not supported: ${field}`);
    tests.push(op === '!=' ? (o) => fieldValue(o, field) !== value : (o) => fieldValue(o, field) === value);
  }
  return (o) => tests.every((t) => t(o));
}
