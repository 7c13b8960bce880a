// The composition root: builds the server manager, views, editor features and the status bar, and wires them.

import { existsSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { INSTALL_ACTION, installStep } from "./common/install";
import { COMMANDS, CONFIG_SECTION, CONFLICT_SCHEME, cweUrl, INSTALL_HINT, SERVER_NAME, VIEWS } from "./common/constants";
import { createLogger, errorMessage, type Logger } from "./common/logger";
import { DevreliabClient, RESOURCES } from "./common/mcpClient";
import { Poller } from "./common/poller";
import { ServerManager } from "./common/server";
import { looksLikeMissingPackage, resolveServerCommand, type ServerSpec } from "./common/serverCommand";
import { serverFailureReason } from "./common/serverError";
import { needsRestart, readSettings, type Settings } from "./common/settings";
import { formatStatus } from "./common/statusBar";
import { StatusBarItem } from "./common/statusBarItem";
import type { Finding, Health, Metrics } from "./common/types";
import { AnalysisController } from "./editor/analysisController";
import { ComplexityLensProvider, showBranches } from "./editor/codeLens";
import { addNosecCommand, NosecActionProvider } from "./editor/nosecAction";
import { registerMcpProvider } from "./mcpProvider";
import { AnalysisStore } from "./views/analysisStore";
import { ConflictsView } from "./views/conflictsView";
import { HealthView } from "./views/healthView";
import { QualityView } from "./views/qualityView";
import { SecurityView } from "./views/securityView";
import * as api from "./vscodeapi";

/** The workspace folder the server serves: the first one holding devreliab.jsonc, else the first. */
function pickRoot(): string | undefined {
  const folders = api.getWorkspaceFolders().filter((f) => f.uri.scheme === "file");
  if (folders.length === 0) {
    return undefined;
  }
  const withConfig = folders.find((f) => {
    return existsSync(path.join(f.uri.fsPath, "devreliab.jsonc"));
  });
  return (withConfig ?? folders[0]).uri.fsPath;
}

const SELECT_INTERPRETER = "Select Interpreter";

export class Devreliab implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private settings: Settings;
  private lastStderr = "";
  private health: Health | undefined;
  private metrics: Metrics | undefined;
  private healthError: string | undefined;
  private lastConflictCount = -1;
  private root: string | undefined;

  readonly log: Logger;
  readonly server: ServerManager;
  readonly store = new AnalysisStore();
  private readonly status = new StatusBarItem();
  private controller: AnalysisController | undefined;
  private quality: QualityView | undefined;
  private conflicts: ConflictsView | undefined;
  private healthView: HealthView | undefined;
  private poller: Poller | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly channel: vscode.LogOutputChannel,
  ) {
    this.log = createLogger(channel, (message, ...actions) => api.showErrorMessage(message, ...actions));
    this.settings = readSettings(api.getConfiguration(CONFIG_SECTION));
    this.server = new ServerManager((onExit) => this.connect(onExit), this.log);
    this.disposables.push(channel, this.status, { dispose: () => void this.server.dispose() }, { dispose: () => this.store.dispose() });
  }

  /** Everything that must not wait for the server; then the server starts in the background. */
  activate(): void {
    const root = pickRoot();
    this.root = root;
    this.settings = this.readSettings();
    this.registerCommands();
    const mcpChanged = registerMcpProvider(this.context, () => this.settings, this.log);
    this.disposables.push(
      api.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(CONFIG_SECTION)) {
          return;
        }
        const before = this.settings;
        this.settings = this.readSettings();
        mcpChanged?.fire();
        if (needsRestart(before, this.settings)) {
          this.log.info("server settings changed; restarting");
          void this.restart();
        }
        this.healthView?.update(this.snapshot());
      }),
    );
    this.server.onDidChangeState(() => this.updateStatus());
    this.updateStatus();
    if (!root) {
      this.log.info("no folder is open; devreliab waits for a workspace folder");
      this.status.show({ text: "$(circle-slash) devreliab", tooltip: "devreliab: open a folder to analyse it", level: "ok", command: COMMANDS.showLog });
      this.registerHealthView(); // the view id must have a provider either way
      return;
    }
    this.log.info(`workspace root: ${root}`);
    this.activateForRoot(root);
    if (api.isWorkspaceTrusted()) {
      void this.startServer();
    } else {
      // the server would run the workspace's own Python (.venv): wait until the user trusts the folder
      this.log.info("the workspace is not trusted; devreliab starts its server once it is");
      this.status.show({ text: "$(shield) devreliab", tooltip: "devreliab: trust this workspace to start the server", level: "warning", command: "workbench.trust.manage" });
      this.disposables.push(api.onDidGrantWorkspaceTrust(() => void this.startServer()));
    }
  }

  private activateForRoot(root: string): void {
    const controller = new AnalysisController(root, this.server, this.store, () => this.settings, this.log);
    this.controller = controller;
    const uriOf = (rel: string) => controller.uriOf(rel);

    this.quality = new QualityView(this.store, root, uriOf);
    this.quality.view = api.createTreeView(VIEWS.quality, { treeDataProvider: this.quality, showCollapseAll: true });
    const security = new SecurityView(this.store, uriOf, () => ({ state: this.server.state, message: this.server.message }));
    security.view = api.createTreeView(VIEWS.security, { treeDataProvider: security, showCollapseAll: true });
    this.conflicts = new ConflictsView(this.server, this.log, (rel) => void controller.analyze(rel));
    this.conflicts.view = api.createTreeView(VIEWS.conflicts, { treeDataProvider: this.conflicts });
    this.registerHealthView();

    const lenses = new ComplexityLensProvider(this.store, (uri) => controller.relative(uri), () => this.settings);
    const python: vscode.DocumentSelector = [{ language: "python", scheme: "file" }];
    this.disposables.push(
      controller,
      this.quality,
      this.quality.view,
      security,
      security.view,
      this.conflicts,
      this.conflicts.view,
      lenses,
      api.registerCodeLensProvider(python, lenses),
      api.registerCodeActionsProvider(python, new NosecActionProvider(), NosecActionProvider.metadata),
      api.registerTextDocumentContentProvider(CONFLICT_SCHEME, this.conflicts),
      api.onDidChangeActiveTextEditor((editor) => this.onActiveEditor(editor)),
    );
    this.store.onDidChange(() => this.updateStatus());
    this.server.onDidChangeState(() => security.refresh());
    this.onActiveEditor(api.activeTextEditor());
    this.watchForRestart(root);

    this.poller = new Poller(() => this.settings.healthRefreshSeconds * 1000, () => this.poll());
    this.disposables.push(this.poller);
  }

  /** The settings of the folder served (resource scope: a folder's .vscode/settings.json counts). */
  private readSettings(): Settings {
    return readSettings(api.getConfiguration(CONFIG_SECTION, this.root ? api.fileUri(this.root) : undefined));
  }

  private registerHealthView(): void {
    if (this.healthView) {
      return;
    }
    this.healthView = new HealthView(
      () => this.settings.dashboardUrl,
      (command) => {
        if (command === "refresh") void this.poller?.runNow();
        else if (command === "restart") void this.restart();
        else void this.openDashboard();
      },
    );
    this.disposables.push(api.registerWebviewViewProvider(VIEWS.health, this.healthView));
  }

  private registerCommands(): void {
    const command = (id: string, fn: (...args: any[]) => unknown) =>
      this.disposables.push(
        api.registerCommand(id, async (...args: unknown[]) => {
          try {
            return await fn(...args);
          } catch (error) {
            await this.log.showErrorOnce(`devreliab: ${id} failed: ${errorMessage(error)}`);
            return undefined;
          }
        }),
      );
    command(COMMANDS.restartServer, () => this.restart());
    command(COMMANDS.showLog, () => this.channel.show(true));
    command(COMMANDS.refresh, () => this.refreshAll());
    command(COMMANDS.analyzeFile, () => {
      const editor = api.activeTextEditor();
      const rel = editor && this.controller?.relative(editor.document.uri);
      return rel ? this.controller?.analyze(rel) : api.showInformationMessage("devreliab: the active editor holds no Python file of the workspace.");
    });
    command(COMMANDS.filterAll, () => this.quality?.setFilter("all"));
    command(COMMANDS.filterCurrent, () => this.quality?.setFilter("current"));
    command(COMMANDS.filterChanged, () => this.quality?.setFilter("changed"));
    command(COMMANDS.filterFailing, () => this.quality?.setFilter("failing"));
    command(COMMANDS.showBranches, (uri: vscode.Uri, line: number, qualname: string, complexity: number) => showBranches(uri, line, qualname, complexity));
    command(COMMANDS.addNosec, (uri: vscode.Uri, line: number, testId: string, reason?: string) => addNosecCommand(uri, line, testId, reason));
    command(COMMANDS.openCwe, (node?: { finding?: Finding } | number) => {
      const cwe = typeof node === "number" ? node : node?.finding?.cwe;
      return cwe ? api.openExternal(cweUrl(cwe)) : undefined;
    });
    command(COMMANDS.conflictCompare, (arg: unknown) => this.conflicts?.compare(arg));
    command(COMMANDS.conflictTakeMine, (arg: unknown) => this.conflicts?.take(arg, "ours"));
    command(COMMANDS.conflictTakeTheirs, (arg: unknown) => this.conflicts?.take(arg, "theirs"));
    command(COMMANDS.conflictEditMerge, (arg: unknown) => this.conflicts?.editMerge(arg));
    command(COMMANDS.conflictAcceptMerge, () => this.conflicts?.acceptMerge());
    command(COMMANDS.openDashboard, () => this.openDashboard());
  }

  private async openDashboard(): Promise<void> {
    const url = this.settings.dashboardUrl;
    if (!url) {
      await api.showInformationMessage("devreliab: set devreliab.dashboardUrl to the address of a running `devreliab dashboard`.");
      return;
    }
    await api.openExternal(url);
  }

  private onActiveEditor(editor: vscode.TextEditor | undefined): void {
    const rel = editor && this.controller?.relative(editor.document.uri);
    this.quality?.setCurrent(rel);
    this.updateStatus();
  }

  private async connect(onExit: () => void): Promise<DevreliabClient> {
    const root = this.controller?.root;
    if (!root) {
      throw new Error("no workspace folder");
    }
    const selected = await this.selectedPython(root);
    const resolution = resolveServerCommand(this.settings, root, undefined, selected);
    if (!resolution.ok) {
      this.offerInstall(root, resolution.message, "Open Settings", () => {
        void api.executeCommand("workbench.action.openSettings", "devreliab.");
      });
      throw new Error(resolution.message);
    }
    try {
      return await this.launch(resolution.spec, onExit, root, resolution.spec.origin !== "pythonExtension");
    } catch (error) {
      // the interpreter selected for the project's code need not have devreliab: the rest of the chain may
      const fallback = resolution.spec.origin === "pythonExtension" && looksLikeMissingPackage(this.lastStderr) && resolveServerCommand(this.settings, root);
      if (!fallback || !fallback.ok) {
        if (resolution.spec.origin === "pythonExtension") this.reportStartFailure(resolution.spec, error, root);
        throw error;
      }
      this.log.info(`devreliab is not installed in the selected interpreter ${resolution.spec.command}; trying ${fallback.spec.origin}`);
      return this.launch(fallback.spec, onExit, root, true);
    }
  }

  /** The Python extension's interpreter for the folder, when it is installed and answers. */
  private async selectedPython(root: string): Promise<string | undefined> {
    try {
      const python = await api.selectedPythonInterpreter(root);
      if (python) this.log.info(`the Python extension selected ${python}`);
      return python;
    } catch (error) {
      this.log.warn(`asking the Python extension for its interpreter: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async launch(spec: ServerSpec, onExit: () => void, root: string, report: boolean): Promise<DevreliabClient> {
    this.lastStderr = "";
    this.log.info(`starting ${[spec.command, ...spec.args].join(" ")} (from ${spec.origin})`);
    try {
      return await DevreliabClient.connect(spec, {
        clientName: "devreliab-vscode",
        clientVersion: api.extensionVersion(this.context),
        onStderr: (text) => {
          this.lastStderr = (this.lastStderr + text).slice(-16_000);
          for (const line of text.split(/\r?\n/)) {
            if (line.trim()) this.log.info(`[server] ${line}`);
          }
        },
        onClose: onExit,
        onResourceUpdated: (uri) => this.onResourceUpdated(uri),
      });
    } catch (error) {
      throw report ? this.reportStartFailure(spec, error, root) : error;
    }
  }

  /** Shows why the server did not start — the reason from its stderr, e.g. the config error with its line
   * and column — with an action that helps; the Error to fail the start with. */
  private reportStartFailure(spec: ServerSpec, error: unknown, root: string): Error {
    const stderr = this.lastStderr.trim();
    const showLog = () => void api.executeCommand(COMMANDS.showLog);
    if (looksLikeMissingPackage(stderr)) {
      const message = `devreliab is not installed in ${spec.command}. Install it with ${INSTALL_HINT}, or set devreliab.interpreter / devreliab.serverCommand.`;
      this.offerInstall(root, message, "Show Log", showLog);
      return new Error(message);
    }
    const reason = serverFailureReason(stderr) ?? errorMessage(error);
    const message = `${SERVER_NAME} server failed to start: ${reason}`;
    const config = /devreliab\.jsonc/.test(reason) ? "Open devreliab.jsonc" : undefined;
    void this.log.showErrorOnce(message, ...(config ? [config] : []), "Show Log").then((choice) => {
      if (choice === "Show Log") showLog();
      else if (choice && choice === config) void api.showTextDocument(api.fileUri(path.join(root, "devreliab.jsonc")));
    });
    return new Error(message);
  }

  /** A changed devreliab.jsonc (fixed, or broken) or another interpreter selected in the Python extension
   * restarts the server, so a fixed config recovers without a manual restart. */
  private watchForRestart(root: string): void {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const soon = (why: string) => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        if (!api.isWorkspaceTrusted()) return;
        this.log.info(`${why}; restarting the server`);
        void this.restart();
      }, 300);
    };
    const watcher = api.createFileSystemWatcher(root, "devreliab.jsonc");
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

  /** Show a "not installed" error with the install action (see common/install.ts) and one other action. */
  private offerInstall(root: string, message: string, other: string, onOther: () => void): void {
    // with the Python extension, picking an interpreter that has devreliab is one click (and restarts the server)
    const select = api.hasPythonExtension() ? SELECT_INTERPRETER : undefined;
    void this.log.showErrorOnce(message, INSTALL_ACTION, ...(select ? [select] : []), other).then((choice) => {
      if (choice === other) {
        onOther();
      } else if (choice && choice === select) {
        void api.executeCommand("python.setInterpreter");
      } else if (choice === INSTALL_ACTION) {
        const step = installStep(root, this.settings.installSource);
        if (step.kind === "openSetting") {
          void api.executeCommand("workbench.action.openSettings", step.setting);
          return;
        }
        this.log.info(`installing: ${step.command}`);
        api.runInTerminal("devreliab install", root, step.command);
        void api.showInformationMessage("devreliab: installing into .venv in the terminal; run DevReliab: Restart Server when it has finished.");
      }
    });
  }

  private async startServer(): Promise<void> {
    const client = await this.server.start();
    if (client) {
      await this.afterStart();
    } else {
      this.healthView?.update(this.snapshot());
    }
  }

  private async restart(): Promise<void> {
    if (!this.controller) {
      return;
    }
    const client = await this.server.restart();
    if (client) {
      await this.afterStart();
    } else {
      this.healthView?.update(this.snapshot());
    }
  }

  private onResourceUpdated(uri: string): void {
    this.log.trace(`resource updated: ${uri}`);
    if (uri === RESOURCES.conflicts) {
      void this.conflicts?.refresh();
    } else if (uri === RESOURCES.health) {
      void this.poller?.runNow();
    }
  }

  private async subscribe(): Promise<void> {
    try {
      const client = await this.server.ready();
      for (const uri of [RESOURCES.conflicts, RESOURCES.health]) {
        if (!(await client.subscribe(uri))) {
          this.log.info("the server offers no resource subscriptions; conflicts are polled");
          return;
        }
      }
    } catch (error) {
      this.log.warn(`subscribing to the server's resources: ${errorMessage(error)}`);
    }
  }

  private async afterStart(): Promise<void> {
    void this.subscribe();
    this.poller?.start();
    void this.conflicts?.refresh();
    this.controller?.analyzeOpenDocuments();
    await this.scanThenRefreshHealth();
  }

  /** Scans the workspace, then asks for health and metrics at once: the scan filled the server's cache and
   * its tool statistics, and the Health view should not show the empty start-up numbers until the next poll. */
  private async scanThenRefreshHealth(): Promise<void> {
    await this.controller?.scanWorkspace();
    if (this.server.state === "running") {
      await this.poller?.runNow();
    }
  }

  private async refreshAll(): Promise<void> {
    if (this.server.state !== "running") {
      await this.restart();
      return;
    }
    await Promise.all([this.poller?.runNow(), this.conflicts?.refresh(), this.scanThenRefreshHealth()]);
  }

  private async poll(): Promise<void> {
    try {
      const client = await this.server.ready();
      const [health, metrics] = await Promise.all([client.health(), client.metrics()]);
      this.health = health;
      this.metrics = metrics;
      this.healthError = undefined;
      if (health.open_conflicts !== this.lastConflictCount) {
        this.lastConflictCount = health.open_conflicts;
        void this.conflicts?.refresh();
      }
    } catch (error) {
      this.healthError = errorMessage(error);
      this.health = undefined;
    }
    this.healthView?.update(this.snapshot());
    this.updateStatus();
  }

  private snapshot() {
    return {
      serverState: this.server.state,
      serverMessage: this.server.message,
      health: this.server.state === "running" ? this.health : undefined,
      metrics: this.server.state === "running" ? this.metrics : undefined,
      error: this.healthError,
      updated: new Date(),
    };
  }

  private updateStatus(): void {
    if (!this.controller) {
      return;
    }
    const editor = api.activeTextEditor();
    const rel = editor && this.controller.relative(editor.document.uri);
    const active = rel ? this.store.get(rel) : undefined;
    this.status.show(formatStatus(this.server.state, this.server.state === "running" ? this.health : undefined, active, this.server.message));
  }

  dispose(): void {
    for (const d of this.disposables.reverse()) {
      try {
        d.dispose();
      } catch {
        // keep disposing the rest
      }
    }
  }
}
