// The one place that reads `devreliab.*` settings (contributed in package.json).

export interface Settings {
  /** argv prefix that starts the server; `serve --root DIR` is appended. Empty: resolved (see serverCommand). */
  serverCommand: string[];
  /** a Python interpreter with devreliab installed (`<interpreter> -m devreliab`). */
  interpreter: string;
  analyzeOnSave: boolean;
  /** analyse the unsaved buffer while typing (debounced) */
  analyzeOnType: boolean;
  debounceMs: number;
  codeLens: boolean;
  /** the lowest complexity that gets a lens (functions over the gate always do) */
  codeLensMinComplexity: number;
  healthRefreshSeconds: number;
  dashboardUrl: string;
  registerMcpServer: boolean;
  /** the Security view hides findings below this severity */
  securityMinSeverity: "LOW" | "MEDIUM" | "HIGH";
  /** the most Python files a workspace scan analyses (the rest: when opened) */
  maxScanFiles: number;
  /** a devreliab clone or built wheel the "Install into .venv" action installs from (relative: to the folder). */
  installSource: string;
}

export const DEFAULT_SETTINGS: Settings = {
  serverCommand: [],
  interpreter: "",
  analyzeOnSave: true,
  analyzeOnType: true,
  debounceMs: 500,
  codeLens: true,
  codeLensMinComplexity: 5,
  healthRefreshSeconds: 10,
  dashboardUrl: "",
  registerMcpServer: true,
  securityMinSeverity: "LOW",
  maxScanFiles: 5000,
  installSource: "",
};

/** Each setting's key under `devreliab.` in package.json, where it differs from its field name. */
export const SETTING_KEYS: Record<keyof Settings, string> = {
  ...(Object.fromEntries(Object.keys(DEFAULT_SETTINGS).map((k) => [k, k])) as Record<keyof Settings, string>),
  codeLens: "codeLens.enabled",
  codeLensMinComplexity: "codeLens.minComplexity",
  securityMinSeverity: "security.minSeverity",
};

/** What `vscode.workspace.getConfiguration("devreliab")` offers; a plain object in tests. */
export interface ConfigurationLike {
  get<T>(key: string): T | undefined;
}

function int(value: unknown, fallback: number, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return fallback;
  }
  return Math.min(max, Math.max(min, Math.round(value)));
}

function str(value: unknown, fallback: string): string {
  return typeof value === "string" ? value.trim() : fallback;
}

function severity(value: unknown, fallback: Settings["securityMinSeverity"]): Settings["securityMinSeverity"] {
  const upper = typeof value === "string" ? value.trim().toUpperCase() : "";
  return upper === "LOW" || upper === "MEDIUM" || upper === "HIGH" ? upper : fallback;
}

function bool(value: unknown, fallback: boolean): boolean {
  return typeof value === "boolean" ? value : fallback;
}

function argv(value: unknown): string[] {
  if (typeof value === "string") {
    // a single string is accepted as a whole command line split on whitespace (no quoting)
    return value.trim() ? value.trim().split(/\s+/) : [];
  }
  if (Array.isArray(value)) {
    return value.filter((part): part is string => typeof part === "string" && part.length > 0);
  }
  return [];
}

export function readSettings(config: ConfigurationLike): Settings {
  const d = DEFAULT_SETTINGS;
  return {
    serverCommand: argv(config.get("serverCommand")),
    interpreter: str(config.get("interpreter"), d.interpreter),
    analyzeOnSave: bool(config.get("analyzeOnSave"), d.analyzeOnSave),
    analyzeOnType: bool(config.get("analyzeOnType"), d.analyzeOnType),
    debounceMs: int(config.get("debounceMs"), d.debounceMs, 0, 10_000),
    codeLens: bool(config.get("codeLens.enabled"), bool(config.get("codeLens"), d.codeLens)),
    codeLensMinComplexity: int(config.get("codeLens.minComplexity"), d.codeLensMinComplexity, 1, 1000),
    healthRefreshSeconds: int(config.get("healthRefreshSeconds"), d.healthRefreshSeconds, 2, 3600),
    dashboardUrl: str(config.get("dashboardUrl"), d.dashboardUrl),
    registerMcpServer: bool(config.get("registerMcpServer"), d.registerMcpServer),
    securityMinSeverity: severity(config.get("security.minSeverity"), d.securityMinSeverity),
    maxScanFiles: int(config.get("maxScanFiles"), d.maxScanFiles, 0, 100_000),
    installSource: str(config.get("installSource"), d.installSource),
  };
}

/** Settings whose change needs a new server process. */
export function needsRestart(before: Settings, after: Settings): boolean {
  return before.interpreter !== after.interpreter || before.serverCommand.join("\0") !== after.serverCommand.join("\0");
}
