import { describe, expect, it } from "vitest";
import { lensAnchor, lensSpecs } from "../../src/editor/lensModel";
import { fileAnalysis, fn } from "./helpers";

const SOURCE = [
  "import functools", //                      1
  "",
  "@functools.cache", //                      3
  "@app.route(",
  "    '/orders',",
  ")",
  "def handler(x):", //                       7
  "    return x",
  "",
  "class C:", //                              10
  "    x = compute(",
  "        1)",
  "    def plain(self):", //                  13
  "        return 1",
];

describe("lensAnchor", () => {
  it("draws the lens above the first decorator, stepping over a decorator's argument lines", () => {
    expect(lensAnchor(SOURCE, 7)).toBe(2);
  });

  it("stays on the def without decorators, even after a statement spanning lines", () => {
    expect(lensAnchor(SOURCE, 13)).toBe(12);
    expect(lensAnchor(SOURCE, 1)).toBe(0);
  });
});

describe("lensSpecs", () => {
  it("leaves trivial functions without a lens and always shows functions over the gate", () => {
    const analysis = fileAnalysis("m.py", {
      functions: [fn("handler", 7, 2), fn("C.plain", 13, 6, "B")],
      gate: { passed: false, failing: ["m.py:7: cyclomatic complexity 2 of handler (gate: below 2)"], failing_count: 1 },
    });
    expect(lensSpecs(analysis, SOURCE, 5).map((l) => [l.qualname, l.anchor, l.line, l.title])).toEqual([
      ["handler", 2, 7, "complexity 2 · rank A · over the gate"],
      ["C.plain", 12, 13, "complexity 6 · rank B"],
    ]);
    expect(lensSpecs({ ...analysis, gate: { passed: true, failing: [], failing_count: 0 } }, SOURCE, 5).map((l) => l.qualname)).toEqual(["C.plain"]);
  });
});
