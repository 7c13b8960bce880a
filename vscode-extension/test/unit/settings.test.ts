import { describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS, needsRestart, readSettings } from "../../src/common/settings";

const config = (values: Record<string, unknown>) => ({ get: <T>(key: string) => values[key] as T | undefined });

describe("readSettings", () => {
  it("gives the defaults when nothing is set", () => {
    expect(readSettings(config({}))).toEqual(DEFAULT_SETTINGS);
  });

  it("reads every setting and clamps numbers into their range", () => {
    const s = readSettings(
      config({
        serverCommand: ["/opt/venv/bin/devreliab", "--verbose"],
        interpreter: " /usr/bin/python3 ",
        analyzeOnSave: false,
        analyzeOnType: false,
        debounceMs: 99999,
        "codeLens.enabled": false,
        "codeLens.minComplexity": 0,
        healthRefreshSeconds: 0,
        dashboardUrl: "http://127.0.0.1:8766/",
        registerMcpServer: false,
        maxScanFiles: 123,
        "security.minSeverity": "medium",
        installSource: " ../devreliab ",
      }),
    );
    expect(s).toEqual({
      serverCommand: ["/opt/venv/bin/devreliab", "--verbose"],
      interpreter: "/usr/bin/python3",
      analyzeOnSave: false,
      analyzeOnType: false,
      debounceMs: 10000,
      codeLens: false,
      codeLensMinComplexity: 1,
      healthRefreshSeconds: 2,
      dashboardUrl: "http://127.0.0.1:8766/",
      registerMcpServer: false,
      maxScanFiles: 123,
      securityMinSeverity: "MEDIUM",
      installSource: "../devreliab",
    });
  });

  it("accepts a server command given as one string and ignores values of the wrong type", () => {
    const s = readSettings(config({ serverCommand: "  uvx devreliab ", debounceMs: "fast", codeLens: "yes" }));
    expect(s.serverCommand).toEqual(["uvx", "devreliab"]);
    expect(s.debounceMs).toBe(DEFAULT_SETTINGS.debounceMs);
    expect(s.codeLens).toBe(true);
  });

  it("still reads the old boolean devreliab.codeLens; codeLens.enabled wins over it", () => {
    expect(readSettings(config({ codeLens: false })).codeLens).toBe(false);
    expect(readSettings(config({ codeLens: false, "codeLens.enabled": true })).codeLens).toBe(true);
  });

  it("asks for a restart only when the command that starts the server changed", () => {
    const a = readSettings(config({}));
    expect(needsRestart(a, { ...a, debounceMs: 5 })).toBe(false);
    expect(needsRestart(a, { ...a, interpreter: "/usr/bin/python3" })).toBe(true);
    expect(needsRestart(a, { ...a, serverCommand: ["devreliab"] })).toBe(true);
  });
});

import { isExcluded, relativeTo } from "../../src/common/paths";

describe("paths", () => {
  it("names files relative to the root with forward slashes, and nothing outside it", () => {
    expect(relativeTo("/ws", "/ws/shop/a.py")).toBe("shop/a.py");
    expect(relativeTo("/ws", "/other/a.py")).toBeUndefined();
    expect(relativeTo("/ws", "/ws")).toBeUndefined();
  });

  it("knows the directories the server never analyses", () => {
    expect(isExcluded(".venv/lib/python3.11/site-packages/x.py")).toBe(true);
    expect(isExcluded("pkg.egg-info/x.py")).toBe(true);
    expect(isExcluded("shop/build_tools.py")).toBe(false);
  });
});
