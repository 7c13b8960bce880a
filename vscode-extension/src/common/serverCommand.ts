// Which command starts `devreliab serve` for a workspace folder.
//
// Order: the `devreliab.serverCommand` setting, the `devreliab.interpreter` setting (what the user set for
// devreliab wins), the interpreter selected in the Python extension (`python -P -m devreliab`), `devreliab` on
// PATH, the workspace's `.venv` interpreter. When none is there, a message with the install hint.

import { accessSync, constants as fsConstants, statSync } from "node:fs";
import * as path from "node:path";
import { INSTALL_HINT } from "./constants";
import type { Settings } from "./settings";

export interface ServerSpec {
  command: string;
  args: string[];
  cwd: string;
  /** how the command was found, for the log */
  origin: "serverCommand" | "interpreter" | "pythonExtension" | "path" | "venv";
}

export type Resolution = { ok: true; spec: ServerSpec } | { ok: false; message: string };

export interface Probes {
  /** absolute path of an executable on PATH, or undefined */
  which(command: string): string | undefined;
  /** whether a file exists and is executable */
  isExecutable(file: string): boolean;
  platform: NodeJS.Platform;
}

export function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) {
      return false;
    }
    accessSync(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function which(command: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): string | undefined {
  if (command.includes("/") || (platform === "win32" && command.includes("\\"))) {
    return isExecutable(command) ? path.resolve(command) : undefined;
  }
  const exts = platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) {
      continue;
    }
    for (const ext of exts) {
      const candidate = path.join(dir, command + ext);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

export const nodeProbes: Probes = {
  which: (command) => which(command),
  isExecutable,
  platform: process.platform,
};

export function venvPython(root: string, platform: NodeJS.Platform): string {
  return platform === "win32" ? path.join(root, ".venv", "Scripts", "python.exe") : path.join(root, ".venv", "bin", "python");
}

function serveArgs(root: string): string[] {
  return ["serve", "--root", root];
}

/**
 * `python -P -m devreliab`: `-m` alone would put the current directory (the workspace) first on sys.path, so a
 * workspace's own `rich/`, `mcp/` or `pydantic/` would be imported, and run, inside the server. `-P` (Python 3.11+,
 * which devreliab requires) leaves it off.
 */
const PYTHON_MODULE = ["-P", "-m", "devreliab"];

export function notFoundMessage(root: string, tried: string): string {
  return (
    `devreliab was not found (${tried}). Install it with ${INSTALL_HINT} — into the workspace's .venv or ` +
    `an environment on PATH — or point the setting devreliab.serverCommand or devreliab.interpreter at it. ` +
    `Workspace: ${root}`
  );
}

/**
 * `selectedPython`: the interpreter the Python extension selected for the folder (when it is installed), tried
 * after the settings; leave it out to skip it (e.g. when it proved to lack devreliab).
 */
export function resolveServerCommand(settings: Settings, root: string, probes: Probes = nodeProbes, selectedPython?: string): Resolution {
  if (settings.serverCommand.length > 0) {
    const [first, ...rest] = settings.serverCommand;
    const found = probes.which(first);
    if (!found) {
      return { ok: false, message: notFoundMessage(root, `devreliab.serverCommand: '${first}' is not an executable`) };
    }
    return { ok: true, spec: { command: found, args: [...rest, ...serveArgs(root)], cwd: root, origin: "serverCommand" } };
  }
  if (settings.interpreter) {
    const python = probes.which(settings.interpreter);
    if (!python) {
      return { ok: false, message: notFoundMessage(root, `devreliab.interpreter: '${settings.interpreter}' is not an executable`) };
    }
    return { ok: true, spec: { command: python, args: [...PYTHON_MODULE, ...serveArgs(root)], cwd: root, origin: "interpreter" } };
  }
  if (selectedPython && probes.isExecutable(selectedPython)) {
    return { ok: true, spec: { command: selectedPython, args: [...PYTHON_MODULE, ...serveArgs(root)], cwd: root, origin: "pythonExtension" } };
  }
  const onPath = probes.which("devreliab");
  if (onPath) {
    return { ok: true, spec: { command: onPath, args: serveArgs(root), cwd: root, origin: "path" } };
  }
  const python = venvPython(root, probes.platform);
  if (probes.isExecutable(python)) {
    return { ok: true, spec: { command: python, args: [...PYTHON_MODULE, ...serveArgs(root)], cwd: root, origin: "venv" } };
  }
  return { ok: false, message: notFoundMessage(root, `not on PATH, and no ${path.relative(root, python)} in the workspace`) };
}

/** Whether a failed server's stderr says the interpreter lacks the package. */
export function looksLikeMissingPackage(stderr: string): boolean {
  return /No module named '?devreliab'?/.test(stderr);
}
