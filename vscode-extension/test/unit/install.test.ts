import { describe, expect, it } from "vitest";
import { installCommand, installStep, INSTALL_SETTING } from "../../src/common/install";
import type { Probes } from "../../src/common/serverCommand";

function probes(executables: string[]): Probes {
  return { which: () => undefined, isExecutable: (file) => executables.includes(file), platform: "linux" };
}

describe("installStep", () => {
  it("asks for devreliab.installSource when no source is set", () => {
    expect(installStep("/ws", "", probes([]))).toEqual({ kind: "openSetting", setting: INSTALL_SETTING });
    expect(installStep("/ws", "   ", probes([]))).toEqual({ kind: "openSetting", setting: "devreliab.installSource" });
  });

  it("creates the .venv when it is missing, then pip-installs the source into it", () => {
    expect(installStep("/ws", "/src/devreliab", probes([]))).toEqual({
      kind: "terminal",
      command: "python3 -m venv /ws/.venv && /ws/.venv/bin/python -m pip install /src/devreliab",
    });
  });

  it("installs into an existing .venv and resolves a relative source against the workspace folder", () => {
    expect(installStep("/ws", "../dist/devreliab-0.1.0-py3-none-any.whl", probes(["/ws/.venv/bin/python"]))).toEqual({
      kind: "terminal",
      command: "/ws/.venv/bin/python -m pip install /dist/devreliab-0.1.0-py3-none-any.whl",
    });
  });
});

describe("installCommand", () => {
  it("quotes paths with spaces or shell characters", () => {
    expect(installCommand("/my ws", "/src/dev'reliab", true, "linux")).toBe(
      "'/my ws/.venv/bin/python' -m pip install '/src/dev'\\''reliab'",
    );
  });
});
