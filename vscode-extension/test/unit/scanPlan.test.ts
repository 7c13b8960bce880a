import { describe, expect, it } from "vitest";
import { scanPlan, scanProgress } from "../../src/editor/scanPlan";

describe("scanPlan", () => {
  it("analyses the open files first, then the rest in path order", () => {
    const plan = scanPlan(["b.py", "a.py", "z/open.py", "c.py"], new Set(["z/open.py"]), 10);
    expect(plan).toEqual({ files: ["z/open.py", "a.py", "b.py", "c.py"], skipped: 0, total: 4 });
  });

  it("says how many files the cap left out instead of dropping them silently", () => {
    const plan = scanPlan(["a.py", "b.py", "c.py", "d.py"], new Set(["d.py"]), 2);
    expect(plan).toEqual({ files: ["d.py", "a.py"], skipped: 2, total: 4 });
    expect(scanProgress(1, plan)).toBe("1 of 2 files (2 more over devreliab.maxScanFiles)");
    expect(scanProgress(1200, scanPlan(Array.from({ length: 2786 }, (_, i) => `f${i}.py`), new Set(), 5000))).toBe("1,200 of 2,786 files");
  });
});
