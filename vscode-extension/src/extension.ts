// Activation and deactivation only; everything else is built in devreliab.ts.

import type * as vscode from "vscode";
import { OUTPUT_CHANNEL } from "./common/constants";
import { Devreliab } from "./devreliab";
import * as api from "./vscodeapi";

let instance: Devreliab | undefined;

export function activate(context: vscode.ExtensionContext): void {
  let channel: vscode.LogOutputChannel | undefined;
  try {
    channel = api.createLogOutputChannel(OUTPUT_CHANNEL);
    instance = new Devreliab(context, channel);
    context.subscriptions.push(instance);
    instance.activate();
  } catch (error) {
    // nothing is thrown out of activate: log it and tell the user once
    const message = `devreliab could not activate: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    channel?.error(message);
    void api.showErrorMessage(message.split("\n")[0]);
  }
}

export async function deactivate(): Promise<void> {
  const current = instance;
  instance = undefined;
  if (current) {
    await current.stopServers();
  }
}
