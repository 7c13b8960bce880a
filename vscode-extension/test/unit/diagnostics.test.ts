import { describe, expect, it } from "vitest";
import { analysisDiagnostics, diagnosticColumns, parseFailing } from "../../src/editor/diagnostics";
import { analysis, fileAnalysis } from "./helpers";

describe("analysisDiagnostics", () => {
  it("maps the example's complexity and maintainability gate failures to errors on their lines, with the fix", () => {
    const specs = analysisDiagnostics(analysis("shop/orders.py"));
    expect(specs.map((d) => [d.line, d.level, d.kind, d.code])).toEqual([
      [0, "error", "maintainability", "maintainability"],
      [9, "error", "complexity", "complexity"],
    ]);
    expect(specs[1].message).toMatch(/^function process_order has cyclomatic complexity 14 \(rank C\); the gate requires below 10\n/);
    expect(specs[1].message).toContain("Extract lines 14");
  });

  it("maps each security finding once, an error when it fails the gate, with its CWE link and test id", () => {
    const specs = analysisDiagnostics(analysis("shop/deploy.py"));
    const byId = Object.fromEntries(specs.map((d) => [d.code, d]));
    expect(specs.every((d) => d.kind === "finding")).toBe(true);
    expect(specs).toHaveLength(analysis("shop/deploy.py").findings.length);
    expect(byId.B602).toMatchObject({ line: 13, level: "error", testId: "B602", href: "https://cwe.mitre.org/data/definitions/78.html" });
    expect(byId.B602.message).toContain("fails the quality gate");
    expect(byId.B324.level).toBe("error");
    expect(byId.B404).toMatchObject({ line: 5, level: "information" });
    expect(byId.B404.message).toContain("CWE-78, severity LOW, confidence HIGH");
  });

  it("reports a file that could not be analysed", () => {
    const specs = analysisDiagnostics(analysis("bad.py"));
    expect(specs).toEqual([
      expect.objectContaining({ line: 0, level: "error", kind: "error", message: expect.stringContaining("syntax error") }),
    ]);
    const notGated = analysisDiagnostics(fileAnalysis("x.py", { error: "file too large" }));
    expect(notGated).toEqual([expect.objectContaining({ level: "warning", kind: "error", message: "could not be analysed: file too large" })]);
  });

  it("gives nothing for a clean file", () => {
    expect(analysisDiagnostics(analysis("shop/pricing.py"))).toEqual([]);
  });

  it("treats a medium finding that does not fail the gate as a warning", () => {
    const a = fileAnalysis("m.py", {
      findings: [{ path: "m.py", test_id: "B108", severity: "MEDIUM", confidence: "MEDIUM", line: 3, message: "tmp", cwe: 377 }],
    });
    expect(analysisDiagnostics(a)).toEqual([expect.objectContaining({ line: 2, level: "warning", code: "B108" })]);
  });
});

describe("finding links and columns", () => {
  const finding = {
    path: "m.py", test_id: "B602", severity: "HIGH", confidence: "HIGH", line: 4, message: "shell=True", cwe: 78,
    col_offset: 4, end_col_offset: 34, more_info: "https://bandit.readthedocs.io/en/1.8.6/plugins/b602_subprocess_popen_with_shell_equals_true.html",
  };

  it("links the code to bandit's rule page and keeps the CWE link beside it", () => {
    const [spec] = analysisDiagnostics(fileAnalysis("m.py", { findings: [finding] }));
    expect(spec).toMatchObject({ href: finding.more_info, cweHref: "https://cwe.mitre.org/data/definitions/78.html", column: 4, endColumn: 34 });
    const [old] = analysisDiagnostics(fileAnalysis("m.py", { findings: [{ ...finding, more_info: undefined }] }));
    expect(old.href).toBe("https://cwe.mitre.org/data/definitions/78.html");
  });

  it("covers the finding's columns, and the line's text when the columns do not fit the line", () => {
    const [spec] = analysisDiagnostics(fileAnalysis("m.py", { findings: [finding] }));
    expect(diagnosticColumns(spec, 40, 4)).toEqual([4, 34]);
    expect(diagnosticColumns({ ...spec, endColumn: 2 }, 40, 4)).toEqual([4, 40]); // a finding spanning lines
    expect(diagnosticColumns({ ...spec, column: 99 }, 40, 4)).toEqual([4, 40]); // the line changed since
    expect(diagnosticColumns({ ...spec, column: undefined }, 40, 2)).toEqual([2, 40]);
  });
});

describe("parseFailing", () => {
  it("splits path, line and text, keeping colons in the text", () => {
    expect(parseFailing("a/b.py:14: B602 x: y")).toEqual({ path: "a/b.py", line: 14, text: "B602 x: y" });
    expect(parseFailing("no line here")).toBeUndefined();
  });
});
