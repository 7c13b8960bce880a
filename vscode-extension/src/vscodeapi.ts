// The thin seam: every direct call into the `vscode` API that the extension makes goes through here, so the
// logic modules (src/common, the *Model files, src/editor's pure parts) never import `vscode` and run in plain
// unit tests.

import * as vscode from "vscode";

export function createLogOutputChannel(name: string): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(name, { log: true });
}

export function getConfiguration(section: string, scope?: vscode.ConfigurationScope): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration(section, scope);
}

export function onDidChangeConfiguration(listener: (e: vscode.ConfigurationChangeEvent) => unknown): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(listener);
}

export function registerCommand(command: string, callback: (...args: any[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(command, callback);
}

export function executeCommand<T = unknown>(command: string, ...rest: unknown[]): Thenable<T> {
  return vscode.commands.executeCommand<T>(command, ...rest);
}

export function showErrorMessage(message: string, ...items: string[]): Thenable<string | undefined> {
  return vscode.window.showErrorMessage(message, ...items);
}

export function showWarningMessage(message: string, options: vscode.MessageOptions, ...items: string[]): Thenable<string | undefined> {
  return vscode.window.showWarningMessage(message, options, ...items);
}

export function showInformationMessage(message: string, ...items: string[]): Thenable<string | undefined> {
  return vscode.window.showInformationMessage(message, ...items);
}

export function showInputBox(options: vscode.InputBoxOptions): Thenable<string | undefined> {
  return vscode.window.showInputBox(options);
}

export function showQuickPick<T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions): Thenable<T | undefined> {
  return vscode.window.showQuickPick(items, options);
}

/** Run a shell command line in a new terminal the user sees (for installs the user asked for). */
export function runInTerminal(name: string, cwd: string, commandLine: string): void {
  const terminal = vscode.window.createTerminal({ name, cwd });
  terminal.show();
  terminal.sendText(commandLine);
}

export function openExternal(url: string): Thenable<boolean> {
  return vscode.env.openExternal(vscode.Uri.parse(url));
}

export function createStatusBarItem(id: string, priority: number): vscode.StatusBarItem {
  return vscode.window.createStatusBarItem(id, vscode.StatusBarAlignment.Left, priority);
}

export function getWorkspaceFolders(): readonly vscode.WorkspaceFolder[] {
  return vscode.workspace.workspaceFolders ?? [];
}

export function onDidChangeWorkspaceFolders(listener: () => unknown): vscode.Disposable {
  return vscode.workspace.onDidChangeWorkspaceFolders(listener);
}

export function onDidSaveTextDocument(listener: (d: vscode.TextDocument) => unknown): vscode.Disposable {
  return vscode.workspace.onDidSaveTextDocument(listener);
}

export function onDidOpenTextDocument(listener: (d: vscode.TextDocument) => unknown): vscode.Disposable {
  return vscode.workspace.onDidOpenTextDocument(listener);
}

export function onDidChangeTextDocument(listener: (e: vscode.TextDocumentChangeEvent) => unknown): vscode.Disposable {
  return vscode.workspace.onDidChangeTextDocument(listener);
}

export function onDidCloseTextDocument(listener: (d: vscode.TextDocument) => unknown): vscode.Disposable {
  return vscode.workspace.onDidCloseTextDocument(listener);
}

export function textDocuments(): readonly vscode.TextDocument[] {
  return vscode.workspace.textDocuments;
}

export function onDidChangeActiveTextEditor(listener: (e: vscode.TextEditor | undefined) => unknown): vscode.Disposable {
  return vscode.window.onDidChangeActiveTextEditor(listener);
}

export function activeTextEditor(): vscode.TextEditor | undefined {
  return vscode.window.activeTextEditor;
}

export function createDiagnosticCollection(name: string): vscode.DiagnosticCollection {
  return vscode.languages.createDiagnosticCollection(name);
}

export function getDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri);
}

export function registerCodeLensProvider(selector: vscode.DocumentSelector, provider: vscode.CodeLensProvider): vscode.Disposable {
  return vscode.languages.registerCodeLensProvider(selector, provider);
}

export function registerCodeActionsProvider(
  selector: vscode.DocumentSelector,
  provider: vscode.CodeActionProvider,
  metadata: vscode.CodeActionProviderMetadata,
): vscode.Disposable {
  return vscode.languages.registerCodeActionsProvider(selector, provider, metadata);
}

export function createTreeView<T>(viewId: string, options: vscode.TreeViewOptions<T>): vscode.TreeView<T> {
  return vscode.window.createTreeView(viewId, options);
}

export function registerWebviewViewProvider(viewId: string, provider: vscode.WebviewViewProvider): vscode.Disposable {
  return vscode.window.registerWebviewViewProvider(viewId, provider, { webviewOptions: { retainContextWhenHidden: false } });
}

export function registerTextDocumentContentProvider(scheme: string, provider: vscode.TextDocumentContentProvider): vscode.Disposable {
  return vscode.workspace.registerTextDocumentContentProvider(scheme, provider);
}

export function openTextDocument(uri: vscode.Uri): Thenable<vscode.TextDocument> {
  return vscode.workspace.openTextDocument(uri);
}

export function openUntitledDocument(content: string, language?: string): Thenable<vscode.TextDocument> {
  return vscode.workspace.openTextDocument({ content, language });
}

export function showTextDocument(document: vscode.TextDocument | vscode.Uri, options?: vscode.TextDocumentShowOptions): Thenable<vscode.TextEditor> {
  return vscode.window.showTextDocument(document as vscode.TextDocument, options);
}

export function applyEdit(edit: vscode.WorkspaceEdit): Thenable<boolean> {
  return vscode.workspace.applyEdit(edit);
}

export function setContext(key: string, value: unknown): Thenable<unknown> {
  return vscode.commands.executeCommand("setContext", key, value);
}

/** A progress with counts: in the notification area with a Cancel button (`notify`), else on the Quality view.
 * `report(message, increment)` sets the line and advances the bar (percent); `cancelled()` says whether the user
 * pressed Cancel. */
export function withCountedProgress<R>(
  title: string,
  notify: boolean,
  task: (report: (message: string, increment: number) => void, cancelled: () => boolean) => Promise<R>,
): Thenable<R> {
  const location = notify ? vscode.ProgressLocation.Notification : { viewId: "devreliab.quality" };
  return vscode.window.withProgress({ location, title, cancellable: notify }, (progress, token) =>
    task((message, increment) => progress.report({ message, increment }), () => token.isCancellationRequested),
  );
}

export function withProgress<R>(title: string, task: () => Promise<R>): Thenable<R> {
  return vscode.window.withProgress({ location: { viewId: "devreliab.quality" }, title }, task);
}

export function extensionVersion(context: vscode.ExtensionContext): string {
  return String((context.extension.packageJSON as { version?: string }).version ?? "0.0.0");
}

/** Whether this host has the MCP server definition provider API (VS Code 1.101+). */
export function hasMcpProviderApi(): boolean {
  const lm = (vscode as { lm?: { registerMcpServerDefinitionProvider?: unknown } }).lm;
  const definition = (vscode as { McpStdioServerDefinition?: unknown }).McpStdioServerDefinition;
  return typeof lm?.registerMcpServerDefinitionProvider === "function" && typeof definition === "function";
}

export function registerMcpServerDefinitionProvider(id: string, provider: vscode.McpServerDefinitionProvider): vscode.Disposable {
  return vscode.lm.registerMcpServerDefinitionProvider(id, provider);
}

export function newMcpStdioServerDefinition(
  label: string,
  command: string,
  args: string[],
  cwd: string,
  version: string,
): vscode.McpStdioServerDefinition {
  const definition = new vscode.McpStdioServerDefinition(label, command, args, {}, version);
  definition.cwd = vscode.Uri.file(cwd);
  return definition;
}

export function isWorkspaceTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

export function onDidGrantWorkspaceTrust(listener: () => unknown): vscode.Disposable {
  return vscode.workspace.onDidGrantWorkspaceTrust(listener);
}

export function createFileSystemWatcher(root: string, glob: string): vscode.FileSystemWatcher {
  return vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), glob));
}

/** The part of the Python extension's API (ms-python.python `exports.environments`) devreliab uses. */
interface PythonEnvironments {
  getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
  resolveEnvironment(env: { id: string; path: string } | string): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

async function pythonEnvironments(): Promise<PythonEnvironments | undefined> {
  const extension = vscode.extensions.getExtension<{ environments?: PythonEnvironments }>("ms-python.python");
  if (!extension) {
    return undefined;
  }
  const exports = extension.isActive ? extension.exports : await extension.activate();
  return exports?.environments;
}

/** The interpreter the Python extension selected for `folder`, when that extension is installed. */
export async function selectedPythonInterpreter(folder: string): Promise<string | undefined> {
  const environments = await pythonEnvironments();
  if (!environments) {
    return undefined;
  }
  const active = environments.getActiveEnvironmentPath(vscode.Uri.file(folder));
  const resolved = await environments.resolveEnvironment(active);
  return resolved?.executable?.uri?.fsPath ?? active.path;
}

/** Calls `listener` when the user selects another interpreter in the Python extension. */
export async function onDidChangePythonInterpreter(listener: () => unknown): Promise<vscode.Disposable | undefined> {
  const environments = await pythonEnvironments();
  return environments?.onDidChangeActiveEnvironmentPath(() => listener());
}

export function hasPythonExtension(): boolean {
  return vscode.extensions.getExtension("ms-python.python") !== undefined;
}

export function fileUri(file: string): vscode.Uri {
  return vscode.Uri.file(file);
}

/** Closes the editor tabs (text or diff) showing a document `matches` picks; false when there was none. */
export async function closeTabsShowing(matches: (uri: vscode.Uri) => boolean): Promise<boolean> {
  const tabs = vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => {
      const input = tab.input;
      if (input instanceof vscode.TabInputTextDiff) return matches(input.original) || matches(input.modified);
      if (input instanceof vscode.TabInputText) return matches(input.uri);
      return false;
    });
  return tabs.length > 0 ? vscode.window.tabGroups.close(tabs) : false;
}
