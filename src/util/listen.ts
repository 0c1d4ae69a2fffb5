// The --listen address of the long-running commands (exporter, webhook).
import { UsageError } from '../cause/index.ts';

export interface ListenAddress {
  /** undefined: every interface. */
  host: string | undefined;
  port: number;
}

/** `:PORT`, `PORT`, `HOST:PORT`, `[IPv6]:PORT`; `example` is the command's default port, for the message. */
export function parseListen(text: string, example: number): ListenAddress {
  const m = /^(?:\[([^\]]+)\]:|([^:[\]]*):)?(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new UsageError(
      `--listen ${JSON.stringify(text)}: expected [HOST]:PORT, e.g. :${example} or 127.0.0.1:${example}`,
    );
  }
  return { host: m[1] ?? (m[2] || undefined), port };
}
