// Keeps analyses current: on open, while typing (the unsaved buffer) and on save each Python file is analysed
// by the server (debounced async MCP calls, never on the UI thread; a newer analysis of a file cancels the one
// still running); the whole workspace is scanned on start and on Refresh. Until the answer for an edited
// buffer arrives, edits that add or remove lines move the stored analysis with them. Results go to the
// AnalysisStore; the Problems panel and the lenses follow it.

import * as path from "node:path";
import * as vscode from "vscode";
import { DIAGNOSTIC_SOURCE } from "../common/constants";
import { KeyedDebouncer } from "../common/debounce";
import { isAbort, LatestPerKey } from "../common/latest";
import { errorMessage, type Logger } from "../common/logger";
import { ToolError } from "../common/mcpClient";
import { isExcluded, isPython, relativeTo } from "../common/paths";
import type { ServerManager } from "../common/server";
import type { Settings } from "../common/settings";
import type { AnalysisStore } from "../views/analysisStore";
import * as api from "../vscodeapi";
import { analysisDiagnostics, diagnosticColumns, type DiagnosticSpec } from "./diagnostics";
import { movesLines, shiftAnalysis, type LineChange } from "./lineShift";
import { NOTIFY_SCAN_FILES, scanPlan, scanProgress } from "./scanPlan";


const LEVELS: Record<DiagnosticSpec["level"], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
};

export function toDiagnostic(spec: DiagnosticSpec, document?: vscode.TextDocument): vscode.Diagnostic {
  let range = new vscode.Range(spec.line, 0, spec.line, Number.MAX_SAFE_INTEGER);
  if (document && spec.line < document.lineCount) {
    const text = document.lineAt(spec.line);
    const [start, end] = diagnosticColumns(spec, text.text.length, text.firstNonWhitespaceCharacterIndex);
    range = new vscode.Range(spec.line, start, spec.line, end);
  }
  const diagnostic = new vscode.Diagnostic(range, spec.message, LEVELS[spec.level]);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = spec.href ? { value: spec.code, target: vscode.Uri.parse(spec.href) } : spec.code;
  return diagnostic;
}

export class AnalysisController implements vscode.Disposable {
  private readonly diagnostics = api.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly debouncer: KeyedDebouncer<string>;
  private readonly latest = new LatestPerKey<string>();
  private readonly disposables: vscode.Disposable[] = [];
  private scanning: Promise<void> | undefined;

  constructor(
    readonly root: string,
    private readonly server: ServerManager,
    private readonly store: AnalysisStore,
    private readonly settings: () => Settings,
    private readonly log: Logger,
  ) {
    this.debouncer = new KeyedDebouncer<string>(() => this.settings().debounceMs, (rel) => this.analyze(rel));
    this.disposables.push(
      this.diagnostics,
      api.onDidSaveTextDocument((doc) => this.onSave(doc)),
      api.onDidOpenTextDocument((doc) => this.onOpen(doc)),
      api.onDidChangeTextDocument((e) => this.onType(e)),
      api.onDidCloseTextDocument((doc) => this.onClose(doc)),
      this.store.onDidChange((paths) => this.publish(paths)),
    );
    // agents and git change files behind the editor's back: follow the disk too
    const watcher = api.createFileSystemWatcher(root, "**/*.py");
    this.disposables.push(
      watcher,
      watcher.onDidChange((uri) => this.onDiskChange(uri, false)),
      watcher.onDidCreate((uri) => this.onDiskChange(uri, true)),
      watcher.onDidDelete((uri) => {
        const rel = this.relative(uri);
        if (rel) this.store.delete(rel);
      }),
    );
  }

  private onDiskChange(uri: vscode.Uri, created: boolean): void {
    const rel = this.relative(uri);
    if (!rel || !this.settings().analyzeOnSave || isExcluded(rel)) {
      return;
    }
    if (created || this.store.get(rel)) {
      this.debouncer.trigger(rel);
    }
  }

  /** The workspace path of a Python file devreliab analyses (never one under .venv, site-packages, …). */
  relative(uri: vscode.Uri): string | undefined {
    if (uri.scheme !== "file" || !isPython(uri.fsPath)) {
      return undefined;
    }
    const rel = relativeTo(this.root, uri.fsPath);
    return rel && !isExcluded(rel) ? rel : undefined;
  }

  uriOf(rel: string): vscode.Uri {
    return vscode.Uri.file(path.join(this.root, rel));
  }

  private onSave(doc: vscode.TextDocument): void {
    const rel = this.relative(doc.uri);
    if (rel && this.settings().analyzeOnSave) {
      this.debouncer.trigger(rel);
    }
  }

  private onOpen(doc: vscode.TextDocument): void {
    const rel = this.relative(doc.uri);
    if (rel && this.settings().analyzeOnSave && !this.store.get(rel)) {
      this.debouncer.trigger(rel);
    }
  }

  private onType(e: vscode.TextDocumentChangeEvent): void {
    const rel = e.contentChanges.length > 0 ? this.relative(e.document.uri) : undefined;
    if (!rel) {
      return;
    }
    const changes: LineChange[] = e.contentChanges.map((c) => ({ startLine: c.range.start.line, endLine: c.range.end.line, text: c.text }));
    const known = this.store.get(rel);
    if (known && movesLines(changes)) {
      this.store.set(shiftAnalysis(known, changes));
    }
    if (this.settings().analyzeOnType) {
      this.debouncer.trigger(rel);
    }
  }

  private onClose(doc: vscode.TextDocument): void {
    // closed without saving: the disk's text counts again
    const rel = doc.isDirty ? this.relative(doc.uri) : undefined;
    if (rel && this.store.get(rel)) {
      this.debouncer.trigger(rel);
    }
  }

  /** The open editor buffer of `rel` when it has unsaved changes. */
  private dirtyDocument(rel: string): vscode.TextDocument | undefined {
    const uri = this.uriOf(rel).toString();
    return api.textDocuments().find((d) => d.isDirty && d.uri.toString() === uri);
  }

  /** Analyses one file now (its unsaved buffer when it has one); failures are logged, never thrown. A newer
   * analysis of the same file cancels this one; an answer for text that changed since is dropped. */
  async analyze(rel: string): Promise<void> {
    const ticket = this.latest.begin(rel);
    const doc = this.dirtyDocument(rel);
    const version = doc?.version;
    try {
      const client = await this.server.ready();
      const analysis = await client.analyzeFile(rel, { content: doc?.getText(), signal: ticket.signal });
      if (ticket.isCurrent() && (!doc || doc.version === version)) {
        this.store.set(analysis);
      }
    } catch (error) {
      if (isAbort(error) || ticket.signal.aborted) {
        this.log.trace(`analyze_file ${rel}: superseded`);
      } else if (error instanceof ToolError) {
        // e.g. the file was deleted or is excluded: forget what we knew
        this.log.info(`analyze_file ${rel}: ${error.message}`);
        this.store.delete(rel);
      } else {
        this.log.warn(`analyze_file ${rel}: ${errorMessage(error)}`);
      }
    } finally {
      ticket.done();
    }
  }

  /** Analyses every Python file of the workspace (as the server lists it), open files first, one at a time,
   * with a progress of counts (in the notification area, with Cancel, for big workspaces). */
  scanWorkspace(): Promise<void> {
    this.scanning ??= this.scan().then(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scan(): Promise<void> {
    try {
      const client = await this.server.ready();
      const listing = await client.listDirectory(".", 20, 10_000);
      const open = new Set(api.textDocuments().map((d) => this.relative(d.uri)).filter((r): r is string => !!r));
      const all = listing.entries.filter((e) => e.type === "file" && isPython(e.path) && !isExcluded(e.path)).map((e) => e.path);
      const plan = scanPlan(all, open, this.settings().maxScanFiles);
      if (plan.skipped || listing.truncated) {
        const more = listing.truncated ? " (the listing stopped at 10,000 entries)" : "";
        this.log.warn(`${this.root}: analysing ${plan.files.length} of ${plan.total} Python files${more}; raise devreliab.maxScanFiles for more`);
      }
      const notify = plan.files.length >= NOTIFY_SCAN_FILES;
      const started = Date.now();
      const done = await api.withCountedProgress(`devreliab: analysing ${path.basename(this.root)}`, notify, async (report, cancelled) => {
        let count = 0;
        for (const rel of plan.files) {
          if (cancelled()) break;
          await this.analyze(rel);
          count++;
          report(scanProgress(count, plan), 100 / plan.files.length);
        }
        return count;
      });
      const stopped = done < plan.files.length ? ` (cancelled after ${done} of ${plan.files.length})` : "";
      this.log.info(`${this.root}: analysed ${done} files in ${Date.now() - started} ms${stopped}`);
    } catch (error) {
      this.log.warn(`workspace scan: ${errorMessage(error)}`);
    }
  }

  /** Files open in editors now, analysed again (after a restart). */
  analyzeOpenDocuments(): void {
    for (const doc of api.textDocuments()) {
      const rel = this.relative(doc.uri);
      if (rel) {
        this.debouncer.trigger(rel);
      }
    }
  }

  private publish(paths: string[]): void {
    const open = new Map(api.textDocuments().map((d) => [d.uri.toString(), d]));
    for (const rel of paths) {
      const uri = this.uriOf(rel);
      const analysis = this.store.get(rel);
      if (!analysis) {
        this.diagnostics.delete(uri);
        continue;
      }
      const doc = open.get(uri.toString());
      this.diagnostics.set(uri, analysisDiagnostics(analysis).map((spec) => toDiagnostic(spec, doc)));
    }
  }

  dispose(): void {
    this.debouncer.dispose();
    this.latest.dispose();
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
