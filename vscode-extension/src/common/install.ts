// The "not installed" message's action: install devreliab into the workspace's .venv from a source the user
// names (pure: it builds the shell command, the caller runs it in a terminal the user can watch).
//
// devreliab is not on PyPI: the source is a clone of its repository or a wheel built from one
// (`devreliab.installSource`). Without one, the action opens that setting.

import * as path from "node:path";
import { nodeProbes, venvPython, type Probes } from "./serverCommand";

export const INSTALL_ACTION = "Install into .venv";
export const INSTALL_SETTING = "devreliab.installSource";

/** POSIX shell quoting (single quotes); PowerShell accepts the same form for plain paths. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * The command line that installs devreliab from `source` into `root/.venv`, creating the venv when it is
 * missing (`python3 -m venv .venv`). `source` may be relative to the workspace folder. Undefined without a source.
 */
export function installCommand(root: string, source: string, hasVenv: boolean, platform: NodeJS.Platform): string | undefined {
  if (!source.trim()) {
    return undefined;
  }
  const resolved = path.resolve(root, source.trim());
  const python = venvPython(root, platform);
  const steps = hasVenv ? [] : [`${platform === "win32" ? "python" : "python3"} -m venv ${quote(path.join(root, ".venv"))}`];
  steps.push(`${quote(python)} -m pip install ${quote(resolved)}`);
  return steps.join(" && ");
}

export type InstallStep = { kind: "terminal"; command: string } | { kind: "openSetting"; setting: string };

/** What the install action does for workspace folder `root`: run the install, or ask for a source first. */
export function installStep(root: string, source: string, probes: Probes = nodeProbes): InstallStep {
  const hasVenv = probes.isExecutable(venvPython(root, probes.platform));
  const command = installCommand(root, source, hasVenv, probes.platform);
  return command ? { kind: "terminal", command } : { kind: "openSetting", setting: INSTALL_SETTING };
}
