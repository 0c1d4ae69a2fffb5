// Turns what a runtime oracle printed into the messages a cluster shows: the runtime's own error, wrapped the
// way the CRI plugin (containerd) or CRI-O returns it over gRPC, and the kubelet's event around that.
//
// Format strings (read in the sources, see docs/classify.md):
//   containerd 1.6–2.x CRI plugin, image_pull.go PullImage: `failed to pull and unpack image %q: %w`
//   grpc-go status.Error: `rpc error: code = %s desc = %s`; containerd's errdefs.ToGRPC picks the code from the
//     wrapped error's class (ErrNotFound → NotFound, context.DeadlineExceeded → DeadlineExceeded, else Unknown)
//   CRI-O server/image_pull.go PullImage: the containers/image error as is, `RegistryUnavailable: %w` when the
//     dial was refused (crierrors.ErrRegistryUnavailable, CRI-O ≥1.29)
//   kubelet images/image_manager.go EnsureImageExists: `Failed to pull image %q: %v`
import type { Captured } from '../helpers/proc.ts';

/** `ctr: <error>`, the last such line ctr wrote before exiting non-zero. */
export function ctrError(res: Captured): string | null {
  const lines = res.stderr.split('\n').filter((l) => l.startsWith('ctr: '));
  return lines.length > 0 ? (lines[lines.length - 1] as string).slice('ctr: '.length) : null;
}

/** skopeo logs its fatal error through logrus: `level=fatal msg="<Go %q-quoted error>"`. */
export function skopeoError(res: Captured): string | null {
  const lines = res.stderr.split('\n').filter((l) => l.includes('level=fatal msg="'));
  const line = lines[lines.length - 1];
  if (!line) return null;
  const start = line.indexOf('msg="') + 'msg='.length;
  return goUnquote(line.slice(start));
}

/** Reads one Go double-quoted string literal (strconv.Quote output) from the start of `s`. */
export function goUnquote(s: string): string {
  let out = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '"') return out;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[++i] as string;
    if (e === 'x') {
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      out += String.fromCodePoint(parseInt(s.slice(i + 1, i + 1 + n), 16));
      i += n;
    } else out += ({ n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' } as Record<string, string>)[e] ?? e;
  }
  return out;
}

function grpcCode(err: string): string {
  if (/: not found$/.test(err)) return 'NotFound';
  if (/context deadline exceeded$/.test(err)) return 'DeadlineExceeded';
  if (/context canceled$/.test(err)) return 'Canceled';
  return 'Unknown';
}

export const grpc = (code: string, desc: string) => `rpc error: code = ${code} desc = ${desc}`;

/** What the kubelet gets back from containerd's CRI plugin for a pull that failed with `err`. */
export function containerdCri(ref: string, err: string): string {
  return grpc(grpcCode(err), `failed to pull and unpack image "${ref}": ${err}`);
}

/** What the kubelet gets back from CRI-O for a containers/image copy that failed with `err`. */
export function crioCri(err: string): string {
  return grpc('Unknown', /connect: connection refused/.test(err) ? `RegistryUnavailable: ${err}` : err);
}

/** The kubelet's Failed event. */
export function kubeletEvent(image: string, criError: string): string {
  return `Failed to pull image "${image}": ${criError}`;
}
