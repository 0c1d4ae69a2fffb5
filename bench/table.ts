// Plain-text tables and target lines for the bench output: aligned columns, numbers right-aligned.

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => /^[\d.,×—-]/.test(r[i] ?? '')));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export interface Target {
  what: string;
  measured: string;
  met: boolean;
}

export function targets(list: Target[]): string {
  return list.map((t) => `  ${t.met ? '[met]   ' : '[MISSED]'} ${t.what}: ${t.measured}`).join('\n') + '\n';
}

export function heading(title: string): string {
  return `\n${title}\n${'═'.repeat(title.length)}\n`;
}
