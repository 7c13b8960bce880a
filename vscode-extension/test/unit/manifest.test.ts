// package.json is the extension's identity; these ids are a contract with the e2e tests and with the code.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMANDS, MCP_PROVIDER_ID, VIEWS } from "../../src/common/constants";
import { DEFAULT_SETTINGS, SETTING_KEYS } from "../../src/common/settings";

const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));
const contributes = pkg.contributes;

describe("package.json", () => {
  it("has the identity devreliab.devreliab and an engine code-server 4.139 satisfies", () => {
    expect(`${pkg.publisher}.${pkg.name}`).toBe("devreliab.devreliab");
    expect(pkg.engines.vscode).toBe("^1.101.0");
    expect(pkg.main).toBe("./dist/extension.js");
  });

  it("contributes the DevReliab container with exactly the four views", () => {
    expect(contributes.viewsContainers.activitybar).toEqual([expect.objectContaining({ id: "devreliab", title: "DevReliab" })]);
    expect(contributes.views.devreliab.map((v: { id: string; name: string }) => [v.id, v.name])).toEqual([
      [VIEWS.quality, "Quality"],
      [VIEWS.security, "Security"],
      [VIEWS.conflicts, "Conflicts"],
      [VIEWS.health, "Health"],
    ]);
    expect(contributes.views.devreliab[3].type).toBe("webview");
  });

  it("contributes every command the code registers, and a setting for every setting the code reads", () => {
    const contributed = new Set(contributes.commands.map((c: { command: string }) => c.command));
    expect(Object.values(COMMANDS).filter((c) => !contributed.has(c))).toEqual([]);
    const settings = Object.keys(contributes.configuration.properties).map((k) => k.replace(/^devreliab\./, "")).sort();
    expect(settings).toEqual(Object.values(SETTING_KEYS).sort());
    for (const [field, value] of Object.entries(DEFAULT_SETTINGS)) {
      expect(contributes.configuration.properties[`devreliab.${SETTING_KEYS[field as keyof typeof SETTING_KEYS]}`].default).toEqual(value);
    }
  });

  it("gives the settings a folder can differ in resource scope (one server per folder reads its own)", () => {
    const props = contributes.configuration.properties;
    for (const key of ["serverCommand", "interpreter", "analyzeOnType", "codeLens.minComplexity"]) {
      expect(props[`devreliab.${key}`].scope).toBe("resource");
    }
  });

  it("offers the MCP server definition provider and validates devreliab.jsonc with the copied schema", () => {
    expect(contributes.mcpServerDefinitionProviders).toEqual([{ id: MCP_PROVIDER_ID, label: "devreliab" }]);
    expect(contributes.jsonValidation).toEqual([{ fileMatch: "devreliab.jsonc", url: "./schemas/devreliab.schema.json" }]);
    expect(pkg.scripts.build).toContain("copy-schema");
  });
});
