// The server process's lifecycle: start, stop and restart, one at a time.
//
// Every lifecycle operation goes through one promise queue, so two restarts (a settings change and the
// command, say) never run two servers or close a client that is still starting. A restart requested while
// another is still waiting in the queue joins it instead of queueing a second one.

import { Emitter, type Event } from "./events";
import { errorMessage, type Logger } from "./logger";
import type { DevreliabApi } from "./mcpClient";

export type ServerState = "stopped" | "starting" | "running" | "failed";

export interface StateChange {
  state: ServerState;
  message?: string;
}

/** Starts a server; `onExit` is called when that server goes away by itself. */
export type Connect = (onExit: () => void) => Promise<DevreliabApi>;

export class NotRunningError extends Error {
  constructor(message = "the devreliab server is not running") {
    super(message);
    this.name = "NotRunningError";
  }
}

export class ServerManager {
  private queue: Promise<unknown> = Promise.resolve();
  private pendingRestart: Promise<DevreliabApi | undefined> | undefined;
  private current: DevreliabApi | undefined;
  private _state: ServerState = "stopped";
  private _message: string | undefined;
  private readonly changes = new Emitter<StateChange>();
  private disposed = false;

  readonly onDidChangeState: Event<StateChange> = this.changes.event;

  constructor(
    private readonly connect: Connect,
    private readonly log: Logger,
  ) {}

  get state(): ServerState {
    return this._state;
  }

  get message(): string | undefined {
    return this._message;
  }

  get client(): DevreliabApi | undefined {
    return this._state === "running" ? this.current : undefined;
  }

  /** Starts the server unless one is running. */
  start(): Promise<DevreliabApi | undefined> {
    return this.enqueue(async () => (this.current && this._state === "running" ? this.current : this.doStart()));
  }

  /** Stops the running server (if any) and starts a new one. */
  restart(): Promise<DevreliabApi | undefined> {
    if (this.pendingRestart) {
      return this.pendingRestart;
    }
    const restart = this.enqueue(async () => {
      this.pendingRestart = undefined;
      await this.doStop();
      return this.doStart();
    });
    this.pendingRestart = restart;
    return restart;
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  /** The running client, waiting for a start or restart in progress; throws NotRunningError otherwise. */
  async ready(): Promise<DevreliabApi> {
    await this.queue.catch(() => undefined);
    if (!this.current || this._state !== "running") {
      throw new NotRunningError(this._message ? `the devreliab server is not running: ${this._message}` : undefined);
    }
    return this.current;
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.disposed = true;
    this.changes.dispose();
  }

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op, op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private setState(state: ServerState, message?: string): void {
    this._state = state;
    this._message = message;
    this.changes.fire({ state, message });
  }

  private async doStart(): Promise<DevreliabApi | undefined> {
    if (this.disposed) {
      return undefined;
    }
    this.setState("starting");
    let client: DevreliabApi | undefined;
    try {
      client = await this.connect(() => this.onExit(client));
    } catch (error) {
      const message = errorMessage(error);
      this.log.error(`devreliab server did not start: ${message}`);
      this.current = undefined;
      this.setState("failed", message);
      return undefined;
    }
    this.current = client;
    this.log.info(`devreliab server running (pid ${client.pid ?? "?"})`);
    this.setState("running");
    return client;
  }

  private async doStop(): Promise<void> {
    const client = this.current;
    this.current = undefined;
    if (!client) {
      if (this._state !== "failed") {
        this.setState("stopped");
      }
      return;
    }
    try {
      await client.close();
      this.log.info(`devreliab server stopped (pid ${client.pid ?? "?"})`);
    } catch (error) {
      this.log.warn(`closing the devreliab server: ${errorMessage(error)}`);
    }
    this.setState("stopped");
  }

  private onExit(client: DevreliabApi | undefined): void {
    // only the client we still hold counts; a closed one reports its exit too
    if (client && client === this.current) {
      this.current = undefined;
      this.log.error("the devreliab server exited unexpectedly; run 'DevReliab: Restart Server' to start it again");
      this.setState("failed", "the server exited");
    }
  }
}
