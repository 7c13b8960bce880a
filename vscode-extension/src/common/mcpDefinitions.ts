// What the MCP server definition provider offers editor agents: one stdio server per workspace folder (pure).

import { SERVER_NAME } from "./constants";
import { resolveServerCommand, type Probes, nodeProbes } from "./serverCommand";
import type { Settings } from "./settings";

export interface McpDefinition {
  label: string;
  command: string;
  args: string[];
  cwd: string;
}

export function mcpDefinitions(
  folders: readonly { name: string; path: string }[],
  settings: Settings,
  probes: Probes = nodeProbes,
  log?: (message: string) => void,
): McpDefinition[] {
  const out: McpDefinition[] = [];
  for (const folder of folders) {
    const resolution = resolveServerCommand(settings, folder.path, probes);
    if (!resolution.ok) {
      log?.(`MCP server definition for ${folder.name}: ${resolution.message}`);
      continue;
    }
    const { command, args, cwd } = resolution.spec;
    out.push({ label: folders.length > 1 ? `${SERVER_NAME} (${folder.name})` : SERVER_NAME, command, args, cwd });
  }
  return out;
}
