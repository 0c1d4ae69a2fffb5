// Everything the bench starts registers its own undo here; run() undoes in reverse order and never throws, so one
// failed stop cannot leave the rest running.

export class Cleanup {
  private readonly undo: { what: string; fn: () => Promise<void> }[] = [];
  private running: Promise<void> | null = null;

  add(what: string, fn: () => Promise<void>): void {
    // Something started after cleanup began (a signal arrived mid-setup) is undone at once.
    if (this.running) void this.running.then(() => this.undoOne(what, fn));
    else this.undo.push({ what, fn });
  }

  /** Idempotent: a second caller (a signal handler and a finally block) waits for the same cleanup. */
  run(): Promise<void> {
    this.running ??= this.undoAll();
    return this.running;
  }

  private async undoAll(): Promise<void> {
    for (const { what, fn } of this.undo.reverse()) await this.undoOne(what, fn);
  }

  private async undoOne(what: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      process.stderr.write(`bench: cleanup of ${what} failed: ${(e as Error).message}\n`);
    }
  }
}
