// Identity of the extension: ids used in package.json and by other engineers' end-to-end tests.

export const EXTENSION_ID = "devreliab.devreliab";
export const SERVER_NAME = "devreliab";
export const CONFIG_SECTION = "devreliab";
export const DIAGNOSTIC_SOURCE = "devreliab";
export const OUTPUT_CHANNEL = "DevReliab";
/** How to install devreliab, for messages: devreliab is not on PyPI, so from a clone or a wheel built from one. */
export const INSTALL_HINT = "`pip install /path/to/devreliab` (a clone) or `pip install devreliab-VERSION-py3-none-any.whl` (a built wheel)";

export const VIEW_CONTAINER = "devreliab";
export const VIEWS = {
  quality: "devreliab.quality",
  security: "devreliab.security",
  conflicts: "devreliab.conflicts",
  health: "devreliab.health",
} as const;

export const MCP_PROVIDER_ID = "devreliab.mcp";
export const CONFLICT_SCHEME = "devreliab-conflict";

export const COMMANDS = {
  restartServer: "devreliab.restartServer",
  showLog: "devreliab.showLog",
  refresh: "devreliab.refresh",
  analyzeFile: "devreliab.analyzeFile",
  filterAll: "devreliab.quality.filterAll",
  filterCurrent: "devreliab.quality.filterCurrent",
  filterChanged: "devreliab.quality.filterChanged",
  filterFailing: "devreliab.quality.filterFailing",
  showBranches: "devreliab.showBranches",
  openCwe: "devreliab.openCwe",
  addNosec: "devreliab.addNosec",
  conflictCompare: "devreliab.conflict.compare",
  conflictTakeMine: "devreliab.conflict.takeMine",
  conflictTakeTheirs: "devreliab.conflict.takeTheirs",
  conflictEditMerge: "devreliab.conflict.editMerge",
  conflictAcceptMerge: "devreliab.conflict.acceptMerge",
  openDashboard: "devreliab.openDashboard",
} as const;

/** Where a CWE is described. */
export function cweUrl(cwe: number): string {
  return `https://cwe.mitre.org/data/definitions/${cwe}.html`;
}
