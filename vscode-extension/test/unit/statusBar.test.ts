import { describe, expect, it } from "vitest";
import { formatStatus, withFolders } from "../../src/common/statusBar";
import { analysis, health } from "./helpers";

describe("formatStatus", () => {
  it("shows a healthy server and a passing file", () => {
    const s = formatStatus("running", health, analysis("shop/pricing.py"));
    expect(s).toMatchObject({ text: "$(pass) devreliab gate ✓", level: "ok", command: "devreliab.health.focus" });
  });

  it("shows a failing gate with its count and reasons in the tooltip", () => {
    const s = formatStatus("running", health, analysis("shop/orders.py"));
    expect(s.text).toBe("$(warning) devreliab gate ✗2"); // no pass icon beside a failing gate
    expect(s.level).toBe("warning");
    expect(s.tooltip).toContain("cyclomatic complexity 14");
  });

  it("shows degraded health, open conflicts and points the click at the conflicts", () => {
    const s = formatStatus("running", { ...health, status: "degraded", reasons: ["state store locked"], open_conflicts: 2 }, undefined);
    expect(s).toMatchObject({ text: "$(warning) devreliab $(git-merge)2", level: "warning", command: "devreliab.conflicts.focus" });
    expect(s.tooltip).toContain("state store locked");
  });

  it("shows a server that is not running as an error that opens the log", () => {
    expect(formatStatus("failed", undefined, undefined, "devreliab was not found")).toMatchObject({
      level: "error",
      command: "devreliab.showLog",
      tooltip: expect.stringContaining("devreliab was not found"),
    });
    expect(formatStatus("starting", undefined, undefined).text).toContain("sync~spin");
  });
});

describe("withFolders (multi-root)", () => {
  it("names the folder shown and lists every folder's state in the tooltip", () => {
    const view = formatStatus("running", health, analysis("shop/pricing.py"));
    const s = withFolders(view, "app", [
      { name: "app", state: "running", health: "ok" },
      { name: "lib", state: "running", health: "ok" },
    ]);
    expect(s.text).toBe("$(pass) devreliab app gate ✓");
    expect(s.tooltip).toContain("app: running, ok");
    expect(s.tooltip).toContain("lib: running, ok");
  });

  it("is never green while another folder's server is down, and says how many are", () => {
    const view = formatStatus("running", health, analysis("shop/pricing.py"));
    const s = withFolders(view, "app", [
      { name: "app", state: "running", health: "ok" },
      { name: "lib", state: "failed", message: "devreliab.jsonc: not valid JSON at line 3, column 28" },
    ]);
    expect(s).toMatchObject({ level: "error", command: "devreliab.showLog" });
    expect(s.text).toBe("$(error) devreliab app gate ✓ · 1 folder down");
    expect(s.tooltip).toContain("lib: failed — devreliab.jsonc: not valid JSON at line 3, column 28");
  });
});
