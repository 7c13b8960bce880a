// A periodic task that never overlaps itself: the next run is scheduled when the previous one has finished.

export class Poller {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly intervalMs: () => number,
    private readonly task: () => Promise<void>,
  ) {}

  start(): void {
    this.stopped = false;
    void this.runNow();
  }

  /** Runs the task now (joining a run in progress) and schedules the next one. */
  runNow(): Promise<void> {
    if (this.running) {
      return this.running;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.running = this.task()
      .catch(() => undefined)
      .finally(() => {
        this.running = undefined;
        if (!this.stopped) {
          this.timer = setTimeout(() => void this.runNow(), this.intervalMs());
        }
      });
    return this.running;
  }

  dispose(): void {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
  }
}
