// A code lens above each function: its cyclomatic complexity and rank; a click lists the branches behind it.

import * as vscode from "vscode";
import { COMMANDS } from "../common/constants";
import type { Settings } from "../common/settings";
import type { FileAnalysis } from "../common/types";
import * as api from "../vscodeapi";
import { describeBranches, functionBranches } from "./branches";
import { lensSpecs } from "./lensModel";

export class ComplexityLensProvider implements vscode.CodeLensProvider {
  private readonly changes = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changes.event;

  /** `source`: the analysis of a document's file (if any) and the settings of its folder. */
  constructor(private readonly source: (uri: vscode.Uri) => { analysis: FileAnalysis | undefined; settings: Settings } | undefined) {}

  refresh(): void {
    this.changes.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const source = this.source(document.uri);
    const analysis = source?.analysis;
    if (!source || !analysis || !source.settings.codeLens) {
      return [];
    }
    const lines = document.getText().split(/\r?\n/);
    return lensSpecs(analysis, lines, source.settings.codeLensMinComplexity).map(
      (lens) =>
        new vscode.CodeLens(new vscode.Range(lens.anchor, 0, lens.anchor, 0), {
          title: lens.title,
          tooltip: `Which branches add to ${lens.qualname}'s complexity`,
          command: COMMANDS.showBranches,
          arguments: [document.uri, lens.line, lens.qualname, lens.complexity],
        }),
    );
  }

  dispose(): void {
    this.changes.dispose();
  }
}

/** The command behind the lens: a quick pick of the branches; picking one moves the cursor there. */
export async function showBranches(uri: vscode.Uri, line: number, qualname: string, complexity: number): Promise<void> {
  const document = await api.openTextDocument(uri);
  const text = document.getText();
  const result = functionBranches(text, line);
  if (!result) {
    await api.showInformationMessage(`devreliab: could not find the function ${qualname} at line ${line}.`);
    return;
  }
  const items = describeBranches(result, text.split(/\r?\n/)).map((b) => ({ label: b.label, detail: b.detail, line: b.line }));
  const note =
    result.complexity === complexity
      ? `${qualname}: complexity ${complexity} = 1 + ${result.branches.length} branches`
      : `${qualname}: complexity ${complexity} (the server's count); the branches found here add up to ${result.complexity}`;
  const picked = await api.showQuickPick(items, { title: note, placeHolder: items.length ? "Go to a branch" : "No branches: a straight line of code" });
  if (picked) {
    const editor = await api.showTextDocument(document, { preserveFocus: false });
    const position = new vscode.Position(picked.line - 1, 0);
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}
