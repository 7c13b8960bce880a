import { describe, expect, it } from "vitest";
import { emptySecurityMessage, findingDescription, findingLabel, findingLink, groupFindings, hiddenFindings } from "../../src/views/securityModel";
import { analysis, fileAnalysis } from "./helpers";

describe("groupFindings", () => {
  it("groups by severity, HIGH first, and sorts each group by path and line", () => {
    const groups = groupFindings([analysis("shop/orders.py"), analysis("shop/deploy.py")]);
    expect(groups.map((g) => g.severity)).toEqual(["HIGH", "MEDIUM", "LOW"].filter((s) => groups.some((g) => g.severity === s)));
    expect(groups[0].severity).toBe("HIGH");
    expect(groups[0].findings.map((f) => `${f.line}:${f.test_id}`).slice(0, 2)).toEqual(["14:B602", "18:B324"]);
    expect(groups.at(-1)!.severity).toBe("LOW");
    const total = groups.reduce((n, g) => n + g.findings.length, 0);
    expect(total).toBe(analysis("shop/deploy.py").findings.length);
  });

  it("merges files and leaves empty severities out", () => {
    const f = (path: string, line: number, severity: string) => ({ path, line, severity, test_id: "B101", confidence: "HIGH", message: "assert" });
    const groups = groupFindings([fileAnalysis("b.py", { findings: [f("b.py", 3, "LOW")] }), fileAnalysis("a.py", { findings: [f("a.py", 9, "low")] })]);
    expect(groups).toHaveLength(1);
    expect(groups[0].findings.map((x) => x.path)).toEqual(["a.py", "b.py"]);
  });

  it("labels a finding with its id, location, CWE and link", () => {
    const b602 = analysis("shop/deploy.py").findings.find((x) => x.test_id === "B602")!;
    expect(findingLabel(b602)).toBe("B602: subprocess call with shell=True identified, security issue.");
    expect(findingDescription(b602)).toBe("shop/deploy.py:14 · CWE-78 · high confidence");
    expect(findingLink(b602)).toBe("https://cwe.mitre.org/data/definitions/78.html");
    expect(findingLink({ ...b602, cwe: undefined })).toBeUndefined();
  });
});

describe("emptySecurityMessage", () => {
  it("never calls a project clean when the server is not running", () => {
    expect(emptySecurityMessage("failed", "devreliab was not found", 0)).toMatch(/^The devreliab server is not running: devreliab was not found/);
    expect(emptySecurityMessage("stopped", undefined, 3)).not.toContain("No security findings");
    expect(emptySecurityMessage("starting", undefined, 0)).toContain("Starting");
  });

  it("says how many files a running server analysed", () => {
    expect(emptySecurityMessage("running", undefined, 0)).toBe("No file analysed yet.");
    expect(emptySecurityMessage("running", undefined, 12)).toBe("No security findings in the 12 analysed files.");
  });
});

describe("the minimum severity", () => {
  it("hides the findings below it and counts them", () => {
    const analyses = [analysis("shop/deploy.py")];
    const all = groupFindings(analyses).reduce((n, g) => n + g.findings.length, 0);
    const medium = groupFindings(analyses, "MEDIUM");
    expect(medium.map((g) => g.severity)).not.toContain("LOW");
    const shown = medium.reduce((n, g) => n + g.findings.length, 0);
    expect(hiddenFindings(analyses, "MEDIUM")).toBe(all - shown);
    expect(hiddenFindings(analyses, "MEDIUM")).toBeGreaterThan(0);
    expect(hiddenFindings(analyses, "LOW")).toBe(0);
  });
});
