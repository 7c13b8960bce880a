import { describe, expect, it } from "vitest";
import { movesLines, shiftAnalysis, shiftLine } from "../../src/editor/lineShift";
import { fileAnalysis, fn } from "./helpers";

describe("shiftLine", () => {
  it("moves lines below an insertion down and leaves lines above it", () => {
    const twoNewLines = { startLine: 2, endLine: 2, text: "a\nb\n" };
    expect(shiftLine(10, twoNewLines)).toBe(12);
    expect(shiftLine(3, twoNewLines)).toBe(3); // the line the text was typed into
    expect(shiftLine(1, twoNewLines)).toBe(1);
  });

  it("moves lines below a deletion up; a deleted line lands at the deletion", () => {
    const deleteLines2to4 = { startLine: 1, endLine: 4, text: "" }; // 0-based 1..4 joined into one
    expect(shiftLine(10, deleteLines2to4)).toBe(7);
    expect(shiftLine(4, deleteLines2to4)).toBe(2);
    expect(shiftLine(2, deleteLines2to4)).toBe(2);
  });

  it("moves nothing when no line was added or removed", () => {
    expect(movesLines([{ startLine: 3, endLine: 3, text: "x = 1" }])).toBe(false);
    expect(movesLines([{ startLine: 3, endLine: 3, text: "\n" }])).toBe(true);
  });
});

describe("shiftAnalysis", () => {
  it("moves functions, findings, recommendations and the gate's failing entries together", () => {
    const a = fileAnalysis("m.py", {
      functions: [fn("top", 1, 1), fn("below", 20, 12, "C")],
      findings: [{ path: "m.py", test_id: "B602", severity: "HIGH", confidence: "HIGH", line: 22, message: "shell" }],
      recommendations: [{ path: "m.py", rule: "complexity", line: 20, problem: "too complex" }],
      gate: { passed: false, failing: ["m.py:20: cyclomatic complexity 12 of below"], failing_count: 1 },
    });
    const moved = shiftAnalysis(a, [{ startLine: 5, endLine: 5, text: "\n\n\n" }]);
    expect(moved.functions.map((f) => f.line)).toEqual([1, 23]);
    expect(moved.findings[0].line).toBe(25);
    expect(moved.recommendations[0].line).toBe(23);
    expect(moved.gate.failing).toEqual(["m.py:23: cyclomatic complexity 12 of below"]);
    expect(a.functions[1].line).toBe(20); // the stored analysis is not changed in place
  });
});
