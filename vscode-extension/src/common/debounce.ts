// Debouncing per key (one timer per file): the last call within `delayMs` wins.

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class KeyedDebouncer<K> {
  private pending = new Map<K, unknown>();

  constructor(
    private readonly delayMs: () => number,
    private readonly run: (key: K) => void | Promise<void>,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Schedules `run(key)` after the delay, replacing a call for the same key that has not run yet. */
  trigger(key: K): void {
    const previous = this.pending.get(key);
    if (previous !== undefined) {
      this.timers.clearTimeout(previous);
    }
    const handle = this.timers.setTimeout(() => {
      this.pending.delete(key);
      void Promise.resolve()
        .then(() => this.run(key))
        .catch(() => undefined);
    }, Math.max(0, this.delayMs()));
    this.pending.set(key, handle);
  }

  get size(): number {
    return this.pending.size;
  }

  dispose(): void {
    for (const handle of this.pending.values()) {
      this.timers.clearTimeout(handle);
    }
    this.pending.clear();
  }
}
