// The Health view (a webview): status and reasons on top, then latency per tool, cache and conflicts.

import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import type { Health, Metrics } from "../common/types";
import { renderHealthHtml } from "./healthModel";

export interface HealthSnapshot {
  serverState: string;
  serverMessage?: string;
  health?: Health;
  metrics?: Metrics;
  error?: string;
  updated?: Date;
}

export class HealthView implements vscode.WebviewViewProvider {
  private view: vscode.WebviewView | undefined;
  private snapshot: HealthSnapshot = { serverState: "starting" };

  constructor(
    private readonly dashboardUrl: () => string,
    private readonly onCommand: (command: "refresh" | "restart" | "openDashboard") => void,
  ) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, enableCommandUris: false, localResourceRoots: [] };
    view.webview.onDidReceiveMessage((message: { command?: string }) => {
      if (message.command === "refresh" || message.command === "restart" || message.command === "openDashboard") {
        this.onCommand(message.command);
      }
    });
    view.onDidChangeVisibility(() => {
      if (view.visible) {
        this.onCommand("refresh");
      }
    });
    this.render();
  }

  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  update(snapshot: HealthSnapshot): void {
    this.snapshot = snapshot;
    this.render();
  }

  private render(): void {
    if (!this.view) {
      return;
    }
    this.view.description = this.snapshot.health?.status ?? this.snapshot.serverState;
    this.view.webview.html = renderHealthHtml({
      ...this.snapshot,
      dashboardUrl: this.dashboardUrl() || undefined,
      nonce: randomBytes(16).toString("base64"),
      cspSource: this.view.webview.cspSource,
    });
  }
}
