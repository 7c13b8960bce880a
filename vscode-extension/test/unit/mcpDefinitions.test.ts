import { describe, expect, it } from "vitest";
import { mcpDefinitions } from "../../src/common/mcpDefinitions";
import type { Probes } from "../../src/common/serverCommand";
import { DEFAULT_SETTINGS } from "../../src/common/settings";

const probes: Probes = {
  which: () => undefined,
  isExecutable: (f) => f === "/a/.venv/bin/python",
  platform: "linux",
};

describe("mcpDefinitions", () => {
  it("offers one stdio server per folder where devreliab is found, and logs the others", () => {
    const logged: string[] = [];
    const defs = mcpDefinitions([{ name: "a", path: "/a" }, { name: "b", path: "/b" }], DEFAULT_SETTINGS, probes, (m) => logged.push(m));
    expect(defs).toEqual([{ label: "devreliab (a)", command: "/a/.venv/bin/python", args: ["-P", "-m", "devreliab", "serve", "--root", "/a"], cwd: "/a" }]);
    expect(logged[0]).toContain("pip install /path/to/devreliab");
  });

  it("names a single folder's server plainly", () => {
    expect(mcpDefinitions([{ name: "a", path: "/a" }], DEFAULT_SETTINGS, probes)[0].label).toBe("devreliab");
  });
});
