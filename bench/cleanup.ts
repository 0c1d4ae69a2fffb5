// Everything the bench starts registers its own undo here; run() undoes in reverse order and never throws, so one
// failed stop cannot leave the rest running.

export class Cleanup {
  private readonly undo: { what: string; fn: () => Promise<void> }[] = [];
  private done = false;

  add(what: string, fn: () => Promise<void>): void {
    this.undo.push({ what, fn });
  }

  async run(): Promise<void> {
    if (this.done) return;
    this.done = true;
    for (const { what, fn } of this.undo.reverse()) {
      try {
        await fn();
      } catch (e) {
        process.stderr.write(`bench: cleanup of ${what} failed: ${(e as Error).message}\n`);
      }
    }
  }
}
