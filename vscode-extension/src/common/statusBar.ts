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
