// The status-bar item itself (formatting is in statusBar.ts).

import * as vscode from "vscode";
import * as api from "../vscodeapi";
import type { StatusView } from "./statusBar";

export class StatusBarItem implements vscode.Disposable {
  private readonly item = api.createStatusBarItem("devreliab.status", 50);

  constructor() {
    this.item.name = "devreliab";
    this.item.show();
  }

  show(view: StatusView): void {
    this.item.text = view.text;
    this.item.tooltip = view.tooltip;
    this.item.command = view.command;
    this.item.backgroundColor =
      view.level === "error"
        ? new vscode.ThemeColor("statusBarItem.errorBackground")
        : view.level === "warning"
          ? new vscode.ThemeColor("statusBarItem.warningBackground")
          : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}
