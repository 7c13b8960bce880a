// One workspace folder served: its own `devreliab serve`, its settings (resource scope), its analyses, Problems
// entries and health. The window (devreliab.ts) holds one per folder and shows the active one in its views.

import * as path from "node:path";
import * as vscode from "vscode";
import { COMMANDS, CONFIG_SECTION, INSTALL_HINT, SERVER_NAME } from "./common/constants";
import { Emitter } from "./common/events";
import { Coalescer } from "./common/coalesce";
import { INSTALL_ACTION, installStep } from "./common/install";
import { LineBuffer } from "./common/lines";
import { errorMessage, type Logger } from "./common/logger";
import { DevreliabClient, RESOURCES } from "./common/mcpClient";
import { ServerManager } from "./common/server";
import { looksLikeMissingPackage, resolveServerCommand, type ServerSpec } from "./common/serverCommand";
import { serverFailureReason } from "./common/serverError";
import { needsRestart, readSettings, type Settings } from "./common/settings";
import type { Health, Metrics } from "./common/types";
import { AnalysisController } from "./editor/analysisController";
import { AnalysisStore } from "./views/analysisStore";
import * as api from "./vscodeapi";

const SELECT_INTERPRETER = "Select Interpreter";

/** What the window hears from a folder. */
export interface SessionEvents {
  /** state, health or metrics changed: update the status bar and the Health view */
  changed(session: FolderSession): void;
  /** the server announced a change of the open conflicts */
  conflictsChanged(session: FolderSession): void;
}

export class FolderSession implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private lastStderr = "";
  settings: Settings;
  health: Health | undefined;
  metrics: Metrics | undefined;
  healthError: string | undefined;
  lastConflictCount = -1;

  readonly server: ServerManager;
  readonly store = new AnalysisStore();
  readonly controller: AnalysisController;
  private readonly scanned = new Emitter<void>();
  readonly onDidScan = this.scanned.event;

  constructor(
    readonly root: string,
    readonly name: string,
    private readonly context: vscode.ExtensionContext,
    private readonly log: Logger,
    private readonly events: SessionEvents,
  ) {
    this.settings = this.readSettings();
    this.server = new ServerManager((onExit) => this.connect(onExit), log);
    this.controller = new AnalysisController(root, this.server, this.store, () => this.settings, log);
    this.server.onDidChangeState(() => this.events.changed(this));
    this.disposables.push(this.controller, { dispose: () => this.store.dispose() }, { dispose: () => this.scanned.dispose() });
    this.watchForRestart();
  }

  /** The settings of this folder (resource scope: its .vscode/settings.json counts). */
  private readSettings(): Settings {
    return readSettings(api.getConfiguration(CONFIG_SECTION, api.fileUri(this.root)));
  }

  /** Re-reads the settings; restarts the server when the command that starts it changed. */
  settingsChanged(): void {
    const before = this.settings;
    this.settings = this.readSettings();
    if (needsRestart(before, this.settings)) {
      this.log.info(`${this.name}: server settings changed; restarting`);
      void this.restart();
    }
  }

  async start(): Promise<void> {
    if (await this.server.start()) {
      await this.afterStart();
    } else {
      this.events.changed(this);
    }
  }

  async restart(): Promise<void> {
    if (await this.server.restart()) {
      await this.afterStart();
    } else {
      this.events.changed(this);
    }
  }

  /** Rescans (or restarts a server that is not running). */
  async refresh(): Promise<void> {
    if (this.server.state !== "running") {
      await this.restart();
      return;
    }
    await this.scanThenPoll();
  }

  private async afterStart(): Promise<void> {
    void this.subscribe();
    this.events.conflictsChanged(this);
    this.controller.analyzeOpenDocuments();
    await this.scanThenPoll();
  }

  /** Scans the folder, then asks for health and metrics at once: the scan filled the server's cache and its
   * tool statistics, and the Health view should not show the empty start-up numbers until the next poll. */
  private async scanThenPoll(): Promise<void> {
    await this.controller.scanWorkspace();
    if (this.server.state === "running") {
      await this.poll();
    }
    this.scanned.fire();
  }

  private readonly poller = new Coalescer(() => this.pollOnce());

  /** Asks for health and metrics; a burst of devreliab://health announcements makes one more call, not one each. */
  poll(): Promise<void> {
    return this.poller.run();
  }

  private async pollOnce(): Promise<void> {
    const client = this.server.client;
    if (!client) {
      this.health = undefined;
      this.events.changed(this);
      return;
    }
    try {
      const [health, metrics] = await Promise.all([client.health(), client.metrics()]);
      this.health = health;
      this.metrics = metrics;
      this.healthError = undefined;
      if (health.open_conflicts !== this.lastConflictCount) {
        this.lastConflictCount = health.open_conflicts;
        this.events.conflictsChanged(this);
      }
    } catch (error) {
      this.healthError = errorMessage(error);
      this.health = undefined;
    }
    this.events.changed(this);
  }

  private async subscribe(): Promise<void> {
    try {
      const client = await this.server.ready();
      for (const uri of [RESOURCES.conflicts, RESOURCES.health]) {
        if (!(await client.subscribe(uri))) {
          this.log.info(`${this.name}: the server offers no resource subscriptions; conflicts are polled`);
          return;
        }
      }
    } catch (error) {
      this.log.warn(`${this.name}: subscribing to the server's resources: ${errorMessage(error)}`);
    }
  }

  private onResourceUpdated(uri: string): void {
    this.log.trace(`${this.name}: resource updated: ${uri}`);
    if (uri === RESOURCES.conflicts) {
      this.events.conflictsChanged(this);
    } else if (uri === RESOURCES.health) {
      void this.poll();
    }
  }

  // -- starting the server -------------------------------------------------------------------------------
  private async connect(onExit: () => void): Promise<DevreliabClient> {
    const root = this.root;
    const selected = await this.selectedPython();
    const resolution = resolveServerCommand(this.settings, root, undefined, selected);
    if (!resolution.ok) {
      this.offerInstall(resolution.message, "Open Settings", () => {
        void api.executeCommand("workbench.action.openSettings", "devreliab.");
      });
      throw new Error(resolution.message);
    }
    const viaPython = resolution.spec.origin === "pythonExtension";
    try {
      return await this.launch(resolution.spec, onExit, !viaPython);
    } catch (error) {
      // the interpreter selected for the project's code need not have devreliab: the rest of the chain may
      const fallback = viaPython && looksLikeMissingPackage(this.lastStderr) ? resolveServerCommand(this.settings, root) : undefined;
      if (!fallback || !fallback.ok) {
        throw viaPython ? this.reportStartFailure(resolution.spec, error) : error;
      }
      this.log.info(`${this.name}: devreliab is not installed in the selected interpreter ${resolution.spec.command}; trying ${fallback.spec.origin}`);
      return this.launch(fallback.spec, onExit, true);
    }
  }

  /** The Python extension's interpreter for the folder, when it is installed and answers within 15 s (an
   * extension that never finishes activating must not keep devreliab's server from starting). */
  private async selectedPython(): Promise<string | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        this.log.warn(`${this.name}: the Python extension did not name its interpreter within 15 s; going on without it`);
        resolve(undefined);
      }, 15_000);
    });
    try {
      const python = await Promise.race([api.selectedPythonInterpreter(this.root), late]);
      if (python) this.log.info(`${this.name}: the Python extension selected ${python}`);
      return python;
    } catch (error) {
      this.log.warn(`asking the Python extension for its interpreter: ${errorMessage(error)}`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  private async launch(spec: ServerSpec, onExit: () => void, report: boolean): Promise<DevreliabClient> {
    this.lastStderr = "";
    this.log.info(`${this.name}: starting ${[spec.command, ...spec.args].join(" ")} (from ${spec.origin})`);
    const lines = new LineBuffer();
    const logLines = (all: string[]) => {
      for (const line of all) {
        if (line.trim()) this.log.info(`[server ${this.name}] ${line}`);
      }
    };
    try {
      return await DevreliabClient.connect(spec, {
        clientName: "devreliab-vscode",
        clientVersion: api.extensionVersion(this.context),
        onStderr: (text) => {
          this.lastStderr = (this.lastStderr + text).slice(-16_000);
          logLines(lines.push(text));
        },
        onClose: () => {
          logLines(lines.flush());
          onExit();
        },
        onResourceUpdated: (uri) => this.onResourceUpdated(uri),
      });
    } catch (error) {
      logLines(lines.flush());
      throw report ? this.reportStartFailure(spec, error) : error;
    }
  }

  /** Shows why the server did not start — the reason from its stderr, e.g. the config error with its line
   * and column — with an action that helps; the Error to fail the start with. */
  private reportStartFailure(spec: ServerSpec, error: unknown): Error {
    const stderr = this.lastStderr.trim();
    const showLog = () => void api.executeCommand(COMMANDS.showLog);
    if (looksLikeMissingPackage(stderr)) {
      const message = `devreliab is not installed in ${spec.command}. Install it with ${INSTALL_HINT}, or set devreliab.interpreter / devreliab.serverCommand.`;
      this.offerInstall(message, "Show Log", showLog);
      return new Error(message);
    }
    const reason = serverFailureReason(stderr) ?? errorMessage(error);
    const message = `${SERVER_NAME} server failed to start: ${reason}`;
    const config = /devreliab\.jsonc/.test(reason) ? "Open devreliab.jsonc" : undefined;
    void this.log.showErrorOnce(message, ...(config ? [config] : []), "Show Log").then((choice) => {
      if (choice === "Show Log") showLog();
      else if (choice && choice === config) void api.showTextDocument(api.fileUri(path.join(this.root, "devreliab.jsonc")));
    });
    return new Error(message);
  }

  /** A "not installed" error with the install action (see common/install.ts), Select Interpreter when the
   * Python extension is there (picking one restarts the server), and one other action. */
  private offerInstall(message: string, other: string, onOther: () => void): void {
    const select = api.hasPythonExtension() ? SELECT_INTERPRETER : undefined;
    void this.log.showErrorOnce(message, INSTALL_ACTION, ...(select ? [select] : []), other).then((choice) => {
      if (choice === other) {
        onOther();
      } else if (choice && choice === select) {
        void api.executeCommand("python.setInterpreter");
      } else if (choice === INSTALL_ACTION) {
        const step = installStep(this.root, this.settings.installSource);
        if (step.kind === "openSetting") {
          void api.executeCommand("workbench.action.openSettings", step.setting);
          return;
        }
        this.log.info(`installing: ${step.command}`);
        api.runInTerminal("devreliab install", this.root, step.command);
        void api.showInformationMessage("devreliab: installing into .venv in the terminal; run DevReliab: Restart Server when it has finished.");
      }
    });
  }

  /** A changed devreliab.jsonc (fixed, or broken) or another interpreter selected in the Python extension
   * restarts the server, so a fixed config recovers without a manual restart. */
  private watchForRestart(): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = (why: string) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        if (!api.isWorkspaceTrusted()) return;
        this.log.info(`${this.name}: ${why}; restarting the server`);
        void this.restart();
      }, 300);
    };
    const watcher = api.createFileSystemWatcher(this.root, "devreliab.jsonc");
    this.disposables.push(
      watcher,
      watcher.onDidChange(() => soon("devreliab.jsonc changed")),
      watcher.onDidCreate(() => soon("devreliab.jsonc was created")),
      watcher.onDidDelete(() => soon("devreliab.jsonc was deleted")),
      { dispose: () => timer && clearTimeout(timer) },
    );
    void api.onDidChangePythonInterpreter(() => soon("the Python extension selected another interpreter")).then(
      (d) => d && this.disposables.push(d),
      () => undefined,
    );
  }

  snapshot() {
    const running = this.server.state === "running";
    return {
      serverState: this.server.state,
      serverMessage: this.server.message,
      health: running ? this.health : undefined,
      metrics: running ? this.metrics : undefined,
      error: this.healthError,
      updated: new Date(),
    };
  }

  async dispose(): Promise<void> {
    for (const d of this.disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // keep disposing the rest
      }
    }
    await this.server.dispose();
  }
}
