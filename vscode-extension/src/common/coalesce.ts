// One run at a time, and a burst of requests while it runs makes one more run, not one each.
//
// Used for list_conflicts: every write by any agent announces devreliab://conflicts, and asking once per
// announcement made the server's monitor see the editor "repeat the same call" like an agent stuck in a loop.

export class Coalescer {
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly task: () => Promise<void>) {}

  /** Runs the task, or (while it runs) asks for one more run after it; resolves when the runs are done. */
  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const loop = async () => {
      do {
        this.again = false;
        await this.task().catch(() => undefined);
      } while (this.again);
    };
    this.running = loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }
}
