// "The latest request wins", per key: starting a request for a key cancels the one still running for it.
//
// Used for analyses of a buffer being typed into: each keystroke pause starts an analysis of the new text,
// the one for the old text is cancelled (its MCP request gets notifications/cancelled) and its answer, should
// it still arrive, is recognised as stale and dropped.

export interface Ticket {
  /** aborted when a newer request for the same key starts, or on dispose */
  readonly signal: AbortSignal;
  /** whether no newer request for the key has started since */
  isCurrent(): boolean;
  /** the request is over (keeps the map small) */
  done(): void;
}

export class LatestPerKey<K> {
  private readonly running = new Map<K, AbortController>();

  begin(key: K): Ticket {
    this.running.get(key)?.abort();
    const controller = new AbortController();
    this.running.set(key, controller);
    return {
      signal: controller.signal,
      isCurrent: () => this.running.get(key) === controller,
      done: () => {
        if (this.running.get(key) === controller) {
          this.running.delete(key);
        }
      },
    };
  }

  get size(): number {
    return this.running.size;
  }

  dispose(): void {
    for (const controller of this.running.values()) {
      controller.abort();
    }
    this.running.clear();
  }
}

/** Whether `error` is the rejection of an aborted request. */
export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || /\babort(ed)?\b/i.test(error.message));
}
