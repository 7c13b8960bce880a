// Quick fix on a security finding: add `# nosec BXXX - reason` to its line.

import * as vscode from "vscode";
import { COMMANDS, DIAGNOSTIC_SOURCE } from "../common/constants";
import * as api from "../vscodeapi";
import { addNosec } from "./nosec";

function testIdOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = typeof diagnostic.code === "object" ? diagnostic.code.value : diagnostic.code;
  return typeof code === "string" && /^B\d{3}$/.test(code) ? code : undefined;
}

export class NosecActionProvider implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      const testId = diagnostic.source === DIAGNOSTIC_SOURCE ? testIdOf(diagnostic) : undefined;
      if (!testId) {
        continue;
      }
      const action = new vscode.CodeAction(`Add \`# nosec ${testId}\` with a reason`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diagnostic];
      action.command = {
        title: action.title,
        command: COMMANDS.addNosec,
        arguments: [document.uri, diagnostic.range.start.line, testId],
      };
      actions.push(action);
      const cwe = /\bCWE-(\d+)\b/.exec(diagnostic.message);
      if (cwe) {
        const open = new vscode.CodeAction(`Open the description of CWE-${cwe[1]}`, vscode.CodeActionKind.QuickFix);
        open.diagnostics = [diagnostic];
        open.command = { title: open.title, command: COMMANDS.openCwe, arguments: [Number(cwe[1])] };
        actions.push(open);
      }
    }
    return actions;
  }
}

/** Asks for the reason, then edits the line (the edit is undoable like any other). */
export async function addNosecCommand(uri: vscode.Uri, line: number, testId: string, reason?: string): Promise<boolean> {
  const why =
    reason ??
    (await api.showInputBox({
      title: `Suppress ${testId} on line ${line + 1}`,
      prompt: "Why is this finding safe here? The reason is written into the comment.",
      placeHolder: "e.g. the command comes from our own config",
      validateInput: (value) => (value.trim() ? undefined : "Give a reason, so the next reader knows why"),
    }));
  if (why === undefined) {
    return false;
  }
  const document = await api.openTextDocument(uri);
  const current = document.lineAt(line).text;
  const next = addNosec(current, testId, why);
  if (next === undefined) {
    await api.showInformationMessage(`Line ${line + 1} already suppresses ${testId}.`);
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, document.lineAt(line).range, next);
  return api.applyEdit(edit);
}
