// The structure of a pull-failure message, found by linear scans: which pull attempts it reports, which bracketed
// group each position sits in, and which registry operation (token, ping, manifest, blob, unpack) a position is
// nested inside. The rules (./rules.ts) say what words mean; this says where they stand.

/**
 * The kubelet tries each matching credential in turn and, when all fail, reports them together as
 * `[err1, err2]` (k8s.io/apimachinery util/errors Aggregate); each element is a runtime's answer over gRPC.
 * Split there so that one attempt's wrapper cannot claim another attempt's cause.
 */
const ATTEMPT_START = /, (?=rpc error: code = |Error response from daemon: )/g;

/** hashicorp/go-multierror's list ("2 errors occurred:\n\t* …\n\t* …"), as podman reports each candidate it tried. */
const LIST_ITEM = /\n\t?\* (?=\S)/g;

export interface Attempt {
  text: string;
  /** Offset of `text` in the message. */
  at: number;
}

export function splitAttempts(text: string): Attempt[] {
  if (/ errors? occurred:\n/.test(text)) return splitList(text);
  const cuts: number[] = [];
  for (const m of text.matchAll(ATTEMPT_START)) cuts.push(m.index ?? 0);
  if (cuts.length === 0) return [{ text, at: 0 }];
  const open = aggregateOpen(text, cuts[0] as number);
  const out: Attempt[] = [];
  let from = open === -1 ? 0 : open + 1;
  for (const cut of cuts) {
    out.push({ text: text.slice(from, cut), at: from });
    from = cut + 2;
  }
  const close = open === -1 ? -1 : groupEnds(text)[open + 1];
  out.push({ text: text.slice(from, close !== undefined && close > from ? close : text.length), at: from });
  return out;
}

function splitList(text: string): Attempt[] {
  const out: Attempt[] = [];
  let from = 0;
  for (const m of text.matchAll(LIST_ITEM)) {
    const at = m.index ?? 0;
    if (at > from) out.push({ text: text.slice(from, at), at: from });
    from = at + m[0].length;
  }
  out.push({ text: text.slice(from), at: from });
  return out;
}

/** The outermost "[" still open at `pos`: where the kubelet's aggregate starts. */
function aggregateOpen(text: string, pos: number): number {
  const open: number[] = [];
  for (let i = 0; i < pos; i++) {
    const c = text[i];
    if (c === '[' || c === '(') open.push(i);
    else if ((c === ']' || c === ')') && open.length > 0) open.pop();
  }
  return open.find((i) => text[i] === '[') ?? -1;
}

/**
 * For each position, the end of the innermost bracketed group `[…]` or `(…)` that contains it (or the end of the
 * text). A wrapping rule claims what is nested after it only up to there: a mirror's failure listed inside
 * "(Mirrors also failed: [...])" does not claim the primary failure that follows.
 */
export function groupEnds(text: string): Int32Array {
  const close = new Int32Array(text.length).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[' || c === '(') stack.push(i);
    else if ((c === ']' || c === ')') && stack.length > 0) {
      const o = stack.pop() as number;
      if ((text[o] === '[') === (c === ']')) close[o] = i;
    }
  }
  const ends = new Int32Array(text.length);
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    while (open.length > 0 && (open[open.length - 1] as number) < i) open.pop();
    ends[i] = open.length > 0 ? (open[open.length - 1] as number) : text.length;
    if (close[i] !== -1) open.push(close[i] as number);
  }
  return ends;
}

/** What the runtime was doing when an error happened: the same words mean different things in each. */
export type Operation = 'auth' | 'ping' | 'manifest' | 'blob' | 'unpack';

// Words that open an operation, from the wrapping format strings of containerd, containers/image, moby and the
// ECS agent, and the request URLs Go's net/http puts in front of a transport error. containers/image's
// "initializing source" covers the ping, the token and the manifest (newImageSourceAttempt loads the manifest);
// a blob error inside it has its own words ("reading blob", "writing blob").
const OPERATION_MARKERS: readonly [Operation, RegExp][] = [
  [
    'auth',
    /failed to authorize|failed to fetch (?:anonymous|oauth) token|Requesting bearer token|Trying to obtain access token|unable to retrieve auth token|decoding bearer token|getting username and password|\/(?:service\/|oauth2\/|v2\/)?token\b|\/token\?|fetch(?:ing)? (?:an? )?(?:bearer |access )?token/g,
  ],
  [
    'ping',
    /pinging (?:container |docker )?registry|error pinging|invalid registry endpoint|\/v2\/?"?: |login attempt to/g,
  ],
  [
    'manifest',
    /failed to resolve (?:reference|ref|image|source metadata)|reading manifest|Error reading manifest|manifest for \S+ not found|\/manifests\/|pull image manifest has been retried|choosing an image from manifest list|reading digest|initializing source /gi,
  ],
  [
    'blob',
    /failed to copy|httpReadSeeker|\/blobs\/(?:sha256|sha512):|fetching blob|reading blob|copying blob|failed commit on ref|error pulling image configuration|download failed|failed to read expected number of bytes|writing blob|Error downloading|ref pull has been retried|could not fetch content|failed to fetch (?:layer|blob)/g,
  ],
  [
    'unpack',
    /failed to extract layer|failed to unpack image|\bunpack: |ApplyLayer|failed to register layer|Error processing tar file|applying layer|failed to prepare extraction snapshot|storing blob to file/g,
  ],
];

export interface OperationMark {
  op: Operation;
  at: number;
}

export function operationMarks(text: string): OperationMark[] {
  const out: OperationMark[] = [];
  for (const [op, re] of OPERATION_MARKERS) {
    re.lastIndex = 0;
    for (const m of text.matchAll(re)) out.push({ op, at: m.index ?? 0 });
  }
  return out.sort((a, b) => a.at - b.at);
}

/** The innermost operation opened before `pos` (Go errors nest outer-to-inner, left to right). */
export function operationAt(marks: readonly OperationMark[], pos: number): Operation | null {
  let found: Operation | null = null;
  for (const m of marks) {
    if (m.at >= pos) break;
    found = m.op;
  }
  return found;
}
