import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../src/common/settings";
import { looksLikeMissingPackage, resolveServerCommand, type Probes } from "../../src/common/serverCommand";

function probes(executables: string[], onPath: Record<string, string> = {}): Probes {
  return {
    which: (command) => (command.startsWith("/") ? (executables.includes(command) ? command : undefined) : onPath[command]),
    isExecutable: (file) => executables.includes(file),
    platform: "linux",
  };
}

const root = "/ws";

describe("resolveServerCommand", () => {
  it("uses devreliab on PATH first", () => {
    const r = resolveServerCommand(DEFAULT_SETTINGS, root, probes(["/ws/.venv/bin/python"], { devreliab: "/usr/local/bin/devreliab" }));
    expect(r).toEqual({ ok: true, spec: { command: "/usr/local/bin/devreliab", args: ["serve", "--root", "/ws"], cwd: "/ws", origin: "path" } });
  });

  it("falls back to the workspace's .venv interpreter with -m devreliab", () => {
    const r = resolveServerCommand(DEFAULT_SETTINGS, root, probes(["/ws/.venv/bin/python"]));
    expect(r.ok && r.spec).toMatchObject({ command: "/ws/.venv/bin/python", args: ["-P", "-m", "devreliab", "serve", "--root", "/ws"], origin: "venv" });
  });

  it("prefers the serverCommand setting, then the interpreter setting, over PATH", () => {
    const p = probes(["/opt/dv", "/usr/bin/python3"], { devreliab: "/usr/local/bin/devreliab" });
    const bySetting = resolveServerCommand({ ...DEFAULT_SETTINGS, serverCommand: ["/opt/dv", "--quiet"], interpreter: "/usr/bin/python3" }, root, p);
    expect(bySetting.ok && bySetting.spec).toMatchObject({ command: "/opt/dv", args: ["--quiet", "serve", "--root", "/ws"], origin: "serverCommand" });
    const byInterpreter = resolveServerCommand({ ...DEFAULT_SETTINGS, interpreter: "/usr/bin/python3" }, root, p);
    expect(byInterpreter.ok && byInterpreter.spec).toMatchObject({ command: "/usr/bin/python3", args: ["-P", "-m", "devreliab", "serve", "--root", "/ws"], origin: "interpreter" });
  });

  it("uses the Python extension's selected interpreter after the settings and before PATH", () => {
    const p = probes(["/ws/.env/bin/python", "/usr/bin/python3"], { devreliab: "/usr/local/bin/devreliab" });
    const selected = resolveServerCommand(DEFAULT_SETTINGS, root, p, "/ws/.env/bin/python");
    expect(selected.ok && selected.spec).toMatchObject({ command: "/ws/.env/bin/python", args: ["-P", "-m", "devreliab", "serve", "--root", "/ws"], origin: "pythonExtension" });
    const setting = resolveServerCommand({ ...DEFAULT_SETTINGS, interpreter: "/usr/bin/python3" }, root, p, "/ws/.env/bin/python");
    expect(setting.ok && setting.spec.origin).toBe("interpreter");
    const gone = resolveServerCommand(DEFAULT_SETTINGS, root, p, "/ws/deleted/bin/python");
    expect(gone.ok && gone.spec.origin).toBe("path");
  });

  it("explains how to install devreliab when nothing is found", () => {
    const r = resolveServerCommand(DEFAULT_SETTINGS, root, probes([]));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain("pip install /path/to/devreliab");
    expect(!r.ok && r.message).toContain(".venv/bin/python");
  });

  it("names the setting when a configured command does not exist", () => {
    const r = resolveServerCommand({ ...DEFAULT_SETTINGS, interpreter: "/nope/python" }, root, probes([], { devreliab: "/usr/local/bin/devreliab" }));
    expect(!r.ok && r.message).toContain("devreliab.interpreter: '/nope/python'");
  });

  it("recognises Python's message for a missing package", () => {
    expect(looksLikeMissingPackage("/ws/.venv/bin/python: No module named devreliab\n")).toBe(true);
    expect(looksLikeMissingPackage("Traceback ... ModuleNotFoundError: No module named 'radon'")).toBe(false);
  });
});
