// Logging: everything goes to a LogOutputChannel; errors are shown to the user once per distinct message.

export interface LogSink {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string | Error): void;
}

export interface Logger extends LogSink {
  /** Logs the error and shows it to the user, but a given message only once per session. */
  showErrorOnce(message: string, ...actions: string[]): Promise<string | undefined>;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

export function createLogger(
  sink: LogSink,
  show: (message: string, ...actions: string[]) => PromiseLike<string | undefined>,
): Logger {
  const shown = new Set<string>();
  return {
    trace: (m) => sink.trace(m),
    debug: (m) => sink.debug(m),
    info: (m) => sink.info(m),
    warn: (m) => sink.warn(m),
    error: (m) => sink.error(m),
    async showErrorOnce(message, ...actions) {
      sink.error(message);
      if (shown.has(message)) {
        return undefined;
      }
      shown.add(message);
      try {
        return await show(message, ...actions);
      } catch {
        return undefined;
      }
    },
  };
}

/** A logger that keeps lines in memory (tests) . */
export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  readonly shown: string[] = [];
  trace(m: string): void { this.lines.push(`trace ${m}`); }
  debug(m: string): void { this.lines.push(`debug ${m}`); }
  info(m: string): void { this.lines.push(`info ${m}`); }
  warn(m: string): void { this.lines.push(`warn ${m}`); }
  error(m: string | Error): void { this.lines.push(`error ${errorMessage(m)}`); }
  async showErrorOnce(message: string): Promise<string | undefined> {
    this.error(message);
    if (!this.shown.includes(message)) {
      this.shown.push(message);
    }
    return undefined;
  }
}
