// The status-bar item: server health and the quality gate of the active file.

import { COMMANDS } from "./constants";
import type { ServerState } from "./server";
import type { FileAnalysis, Health } from "./types";

export interface StatusView {
  text: string;
  tooltip: string;
  /** "error" and "warning" colour the item */
  level: "ok" | "warning" | "error";
  command: string;
}

export interface FolderState {
  name: string;
  state: ServerState;
  message?: string;
  health?: string;
}

/** The item of a multi-root window: the shown folder's status, named, with every folder's state in the tooltip;
 * a folder whose server is not running turns the item red however well the shown one does. */
export function withFolders(view: StatusView, shown: string, folders: readonly FolderState[]): StatusView {
  const down = folders.filter((f) => f.state !== "running" && f.state !== "starting");
  const lines = folders.map((f) => `${f.name}: ${f.state === "running" ? `running${f.health ? `, ${f.health}` : ""}` : f.state}${f.message ? ` — ${f.message}` : ""}`);
  const othersDown = down.filter((f) => f.name !== shown).length;
  const level: StatusView["level"] = down.length > 0 ? "error" : view.level;
  const text = view.text.replace(/^(\$\([\w~-]+\)) devreliab/, (_m, icon: string) => `${down.length > 0 ? "$(error)" : icon} devreliab ${shown}`);
  return {
    text: othersDown > 0 ? `${text} · ${othersDown} folder${othersDown === 1 ? "" : "s"} down` : text,
    tooltip: `${view.tooltip}\n\nfolders:\n${lines.map((l) => `  • ${l}`).join("\n")}`,
    level,
    command: down.length > 0 ? COMMANDS.showLog : view.command,
  };
}

export function formatStatus(state: ServerState, health: Health | undefined, active: FileAnalysis | undefined, message?: string): StatusView {
  if (state === "starting") {
    return { text: "$(sync~spin) devreliab", tooltip: "devreliab: starting the server…", level: "ok", command: COMMANDS.showLog };
  }
  if (state !== "running") {
    return {
      text: "$(error) devreliab",
      tooltip: `devreliab: server ${state}${message ? ` — ${message}` : ""}. Click for the log.`,
      level: "error",
      command: COMMANDS.showLog,
    };
  }
  const lines: string[] = [];
  let level: StatusView["level"] = "ok";
  if (health) {
    lines.push(`health: ${health.status}`);
    for (const reason of health.reasons ?? []) {
      lines.push(`  • ${reason}`);
    }
    if (health.open_conflicts > 0) {
      lines.push(`open conflicts: ${health.open_conflicts}`);
    }
    if (health.status === "failing") {
      level = "error";
    } else if (health.status !== "ok") {
      level = "warning";
    }
  }
  let gate = "";
  if (active) {
    if (active.gate.passed) {
      gate = " gate ✓";
      lines.push(`${active.path}: gate passed`);
    } else {
      gate = ` gate ✗${active.gate.failing_count}`;
      lines.push(`${active.path}: gate failed (${active.gate.failing_count})`);
      for (const failing of active.gate.failing.slice(0, 5)) {
        lines.push(`  • ${failing}`);
      }
      if (level === "ok") {
        level = "warning";
      }
    }
  }
  const conflicts = health && health.open_conflicts > 0 ? ` $(git-merge)${health.open_conflicts}` : "";
  // one icon for the whole item, the worst of health and the active file's gate: never a pass beside a failure
  const icon = level === "error" ? "$(error)" : level === "warning" ? "$(warning)" : "$(pass)";
  return {
    text: `${icon} devreliab${gate}${conflicts}`,
    tooltip: lines.join("\n") || "devreliab",
    level,
    command: health && health.open_conflicts > 0 ? "devreliab.conflicts.focus" : "devreliab.health.focus",
  };
}
