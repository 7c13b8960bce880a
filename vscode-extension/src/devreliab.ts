// The composition root: one FolderSession (a server, its analyses and Problems entries) per workspace folder,
// and the window's views, editor features, commands and status bar, which show the active folder — the one
// holding the active editor's file, else the first folder with devreliab.jsonc, else the first.

import { existsSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { COMMANDS, CONFIG_SECTION, CONFLICT_SCHEME, cweUrl, VIEWS } from "./common/constants";
import { createLogger, errorMessage, type Logger } from "./common/logger";
import { Poller } from "./common/poller";
import { readSettings, type Settings } from "./common/settings";
import { formatStatus, withFolders } from "./common/statusBar";
import { StatusBarItem } from "./common/statusBarItem";
import type { Finding } from "./common/types";
import { ComplexityLensProvider, showBranches } from "./editor/codeLens";
import { addNosecCommand, NosecActionProvider } from "./editor/nosecAction";
import { FolderSession } from "./folderSession";
import { registerMcpProvider } from "./mcpProvider";
import { ConflictsView } from "./views/conflictsView";
import { HealthView } from "./views/healthView";
import { QualityView } from "./views/qualityView";
import { SecurityView } from "./views/securityView";
import * as api from "./vscodeapi";

/** The file-scheme workspace folders, the first holding devreliab.jsonc first. */
function servedFolders(): { root: string; name: string }[] {
  const folders = api.getWorkspaceFolders().filter((f) => f.uri.scheme === "file");
  const withConfig = folders.filter((f) => existsSync(path.join(f.uri.fsPath, "devreliab.jsonc")));
  const ordered = [...withConfig, ...folders.filter((f) => !withConfig.includes(f))];
  return ordered.map((f) => ({ root: f.uri.fsPath, name: f.name }));
}

export class Devreliab implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  /** window-wide settings (health refresh, dashboard, agent mode): those of the first folder */
  private settings: Settings;
  private readonly sessions: FolderSession[] = [];
  private shown: FolderSession | undefined;

  readonly log: Logger;
  private readonly status = new StatusBarItem();
  private quality: QualityView | undefined;
  private security: SecurityView | undefined;
  private conflicts: ConflictsView | undefined;
  private healthView: HealthView | undefined;
  private lenses: ComplexityLensProvider | undefined;
  private poller: Poller | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly channel: vscode.LogOutputChannel,
  ) {
    this.log = createLogger(channel, (message, ...actions) => api.showErrorMessage(message, ...actions));
    this.settings = readSettings(api.getConfiguration(CONFIG_SECTION));
    this.disposables.push(channel, this.status);
  }

  /** The sessions' servers (deactivate stops them). */
  async stopServers(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.server.stop().catch(() => undefined)));
  }

  /** Everything that must not wait for the servers; then they start in the background. */
  activate(): void {
    const folders = servedFolders();
    this.settings = folders[0] ? readSettings(api.getConfiguration(CONFIG_SECTION, api.fileUri(folders[0].root))) : this.settings;
    this.registerCommands();
    const mcpChanged = registerMcpProvider(this.context, () => this.settings, this.log);
    this.disposables.push(
      api.onDidChangeConfiguration((e) => {
        if (!e.affectsConfiguration(CONFIG_SECTION)) {
          return;
        }
        this.settings = folders[0] ? readSettings(api.getConfiguration(CONFIG_SECTION, api.fileUri(folders[0].root))) : readSettings(api.getConfiguration(CONFIG_SECTION));
        mcpChanged?.fire();
        for (const session of this.sessions) {
          if (e.affectsConfiguration(CONFIG_SECTION, api.fileUri(session.root))) session.settingsChanged();
        }
        this.lenses?.refresh();
        this.security?.refresh();
        this.updateHealthView();
      }),
    );
    if (folders.length === 0) {
      this.log.info("no folder is open; devreliab waits for a workspace folder");
      this.status.show({ text: "$(circle-slash) devreliab", tooltip: "devreliab: open a folder to analyse it", level: "ok", command: COMMANDS.showLog });
      this.registerHealthView(); // the view id must have a provider either way
      return;
    }
    for (const folder of folders) {
      this.log.info(`workspace folder: ${folder.root}`);
      const session = new FolderSession(folder.root, folder.name, this.context, this.log, {
        changed: (s) => this.onSessionChanged(s),
        conflictsChanged: (s) => {
          if (s === this.shown) void this.conflicts?.refresh();
        },
      });
      this.sessions.push(session);
      this.disposables.push({ dispose: () => void session.dispose() });
    }
    this.shown = this.sessions[0];
    this.registerViews(this.shown);
    if (api.isWorkspaceTrusted()) {
      this.startServers();
    } else {
      // the server would run the workspace's own Python (.venv): wait until the user trusts the folder
      this.log.info("the workspace is not trusted; devreliab starts its servers once it is");
      this.status.show({ text: "$(shield) devreliab", tooltip: "devreliab: trust this workspace to start the server", level: "warning", command: "workbench.trust.manage" });
      this.disposables.push(api.onDidGrantWorkspaceTrust(() => this.startServers()));
    }
  }

  private startServers(): void {
    this.poller?.start();
    for (const session of this.sessions) {
      void session.start();
    }
  }

  private registerViews(first: FolderSession): void {
    const multi = this.sessions.length > 1;
    this.quality = new QualityView(first.store, first.root, (rel) => first.controller.uriOf(rel));
    this.quality.view = api.createTreeView(VIEWS.quality, { treeDataProvider: this.quality, showCollapseAll: true });
    this.security = new SecurityView(first.store, (rel) => first.controller.uriOf(rel), () => this.shownServer(), () => this.shown?.settings.securityMinSeverity ?? "LOW");
    this.security.view = api.createTreeView(VIEWS.security, { treeDataProvider: this.security, showCollapseAll: true });
    this.conflicts = new ConflictsView(first.server, this.log, (rel) => void this.shown?.controller.analyze(rel));
    this.conflicts.view = api.createTreeView(VIEWS.conflicts, { treeDataProvider: this.conflicts });
    if (multi) {
      for (const view of [this.quality.view, this.security.view, this.conflicts.view]) view.description = first.name;
    }
    this.registerHealthView();

    this.lenses = new ComplexityLensProvider((uri) => this.lensSource(uri));
    const python: vscode.DocumentSelector = [{ language: "python", scheme: "file" }];
    this.disposables.push(
      this.quality,
      this.quality.view,
      this.security,
      this.security.view,
      this.conflicts,
      this.conflicts.view,
      this.lenses,
      api.registerCodeLensProvider(python, this.lenses),
      api.registerCodeActionsProvider(python, new NosecActionProvider(), NosecActionProvider.metadata),
      api.registerTextDocumentContentProvider(CONFLICT_SCHEME, this.conflicts),
      api.onDidChangeActiveTextEditor((editor) => this.onActiveEditor(editor)),
    );
    for (const session of this.sessions) {
      session.store.onDidChange(() => {
        this.lenses?.refresh();
        if (session === this.shown) this.updateStatus();
      });
      session.server.onDidChangeState(() => {
        if (session === this.shown) this.security?.refresh();
      });
    }
    this.onActiveEditor(api.activeTextEditor());
    this.poller = new Poller(() => this.settings.healthRefreshSeconds * 1000, () => this.pollAll());
    this.disposables.push(this.poller);
  }

  private shownServer(): { state: string; message?: string } {
    const server = this.shown?.server;
    return { state: server?.state ?? "stopped", message: server?.message };
  }

  private async pollAll(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.poll()));
  }

  /** The session whose folder holds `uri`, and the file's path in it. */
  private sessionOf(uri: vscode.Uri): { session: FolderSession; rel: string } | undefined {
    for (const session of this.sessions) {
      const rel = session.controller.relative(uri);
      if (rel) return { session, rel };
    }
    return undefined;
  }

  private lensSource(uri: vscode.Uri) {
    const found = this.sessionOf(uri);
    return found ? { analysis: found.session.store.get(found.rel), settings: found.session.settings } : undefined;
  }

  private registerHealthView(): void {
    if (this.healthView) {
      return;
    }
    this.healthView = new HealthView(
      () => this.settings.dashboardUrl,
      (command) => {
        if (command === "refresh") void this.shown?.poll();
        else if (command === "restart") void this.shown?.restart();
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
    command(COMMANDS.restartServer, () => this.restartShown());
    command(COMMANDS.showLog, () => this.channel.show(true));
    command(COMMANDS.refresh, () => Promise.all([this.shown?.refresh(), this.conflicts?.refresh()]));
    command(COMMANDS.analyzeFile, () => {
      const editor = api.activeTextEditor();
      const found = editor && this.sessionOf(editor.document.uri);
      return found ? found.session.controller.analyze(found.rel) : api.showInformationMessage("devreliab: the active editor holds no Python file of the workspace.");
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

  private async restartShown(): Promise<void> {
    await this.shown?.restart();
  }

  private async openDashboard(): Promise<void> {
    const url = this.settings.dashboardUrl;
    if (!url) {
      await api.showInformationMessage("devreliab: set devreliab.dashboardUrl to the address of a running `devreliab dashboard`.");
      return;
    }
    await api.openExternal(url);
  }

  /** The views follow the folder of the active editor's file. */
  private onActiveEditor(editor: vscode.TextEditor | undefined): void {
    const found = editor && this.sessionOf(editor.document.uri);
    if (found && found.session !== this.shown) {
      this.show(found.session);
    }
    this.quality?.setCurrent(found?.rel);
    this.updateStatus();
  }

  private show(session: FolderSession): void {
    this.shown = session;
    const uriOf = (rel: string) => session.controller.uriOf(rel);
    this.quality?.setSource(session.store, session.root, uriOf);
    this.security?.setSource(session.store, uriOf);
    this.conflicts?.setSource(session.server, (rel) => void session.controller.analyze(rel));
    for (const view of [this.quality?.view, this.security?.view, this.conflicts?.view]) {
      if (view) view.description = session.name;
    }
    void this.conflicts?.refresh();
    this.updateHealthView();
  }

  private onSessionChanged(session: FolderSession): void {
    if (session === this.shown) {
      this.updateHealthView();
    }
    this.updateStatus();
  }

  private updateHealthView(): void {
    if (this.shown) this.healthView?.update(this.shown.snapshot());
  }

  private updateStatus(): void {
    const session = this.shown;
    if (!session) {
      return;
    }
    const editor = api.activeTextEditor();
    const found = editor && this.sessionOf(editor.document.uri);
    const active = found && found.session === session ? session.store.get(found.rel) : undefined;
    const running = session.server.state === "running";
    const view = formatStatus(session.server.state, running ? session.health : undefined, active, session.server.message);
    const folders = this.sessions.map((s) => ({ name: s.name, state: s.server.state, message: s.server.message, health: s.health?.status }));
    this.status.show(this.sessions.length > 1 ? withFolders(view, session.name, folders) : view);
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
