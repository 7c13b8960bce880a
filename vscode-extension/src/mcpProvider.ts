// devreliab for editor agents: VS Code's MCP server definition provider (agent mode finds the tools with no
// configuration). Hosts without the API (before VS Code 1.101) skip it silently.

import * as vscode from "vscode";
import { MCP_PROVIDER_ID } from "./common/constants";
import type { Logger } from "./common/logger";
import { mcpDefinitions } from "./common/mcpDefinitions";
import type { Settings } from "./common/settings";
import * as api from "./vscodeapi";

export function registerMcpProvider(
  context: vscode.ExtensionContext,
  settings: () => Settings,
  log: Logger,
): vscode.EventEmitter<void> | undefined {
  if (!api.hasMcpProviderApi()) {
    log.info("this editor has no MCP server definition provider API; agents can use .vscode/mcp.json instead");
    return undefined;
  }
  const changed = new vscode.EventEmitter<void>();
  const version = api.extensionVersion(context);
  try {
    context.subscriptions.push(
      changed,
      api.registerMcpServerDefinitionProvider(MCP_PROVIDER_ID, {
        onDidChangeMcpServerDefinitions: changed.event,
        provideMcpServerDefinitions: () => {
          if (!settings().registerMcpServer || !api.isWorkspaceTrusted()) {
            return [];
          }
          const folders = api.getWorkspaceFolders().map((f) => ({ name: f.name, path: f.uri.fsPath }));
          return mcpDefinitions(folders, settings(), undefined, (m) => log.warn(m)).map((d) =>
            api.newMcpStdioServerDefinition(d.label, d.command, d.args, d.cwd, version),
          );
        },
        resolveMcpServerDefinition: (server: vscode.McpServerDefinition) => server,
      }),
    );
    log.info("registered the devreliab MCP server definition provider");
  } catch (error) {
    log.warn(`could not register the MCP server definition provider: ${String(error)}`);
    return undefined;
  }
  return changed;
}
