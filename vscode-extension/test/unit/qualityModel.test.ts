import { describe, expect, it } from "vitest";
import { buildQualityTree, failingFunctionLines, fileDescription, functionDescription } from "../../src/views/qualityModel";
import { analysis, fileAnalysis, fn } from "./helpers";

const example = () => [analysis("shop/pricing.py"), analysis("shop/deploy.py"), analysis("shop/orders.py"), analysis("bad.py")];

describe("buildQualityTree", () => {
  it("puts files failing the gate first, then the most complex, with functions worst first", () => {
    const tree = buildQualityTree(example(), { filter: "all" });
    expect(tree.map((f) => f.path)).toEqual(["shop/orders.py", "shop/deploy.py", "bad.py", "shop/pricing.py"]);
    expect(tree[0]).toMatchObject({ maxComplexity: 14, gatePassed: false, maintainability: 48.3077, miRank: "A" });
    expect(tree[0].functions).toEqual([expect.objectContaining({ qualname: "process_order", complexity: 14, rank: "C", failing: true })]);
    const pricing = tree[3];
    // equal complexity: in source order
    const lines = pricing.functions.map((f) => f.line);
    expect(pricing.functions.map((f) => f.complexity)).toEqual([2, 2]);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it("orders functions by complexity, then line", () => {
    const a = fileAnalysis("m.py", { functions: [fn("a", 1, 2), fn("b", 10, 7), fn("c", 20, 7), fn("d", 30, 1)] });
    expect(buildQualityTree([a], { filter: "all" })[0].functions.map((f) => f.qualname)).toEqual(["b", "c", "a", "d"]);
  });

  it("filters to the current file", () => {
    expect(buildQualityTree(example(), { filter: "current", current: "shop/deploy.py" }).map((f) => f.path)).toEqual(["shop/deploy.py"]);
    expect(buildQualityTree(example(), { filter: "current" })).toEqual([]);
  });

  it("filters to changed files", () => {
    const changed = new Set(["shop/pricing.py", "README.md"]);
    expect(buildQualityTree(example(), { filter: "changed", changed }).map((f) => f.path)).toEqual(["shop/pricing.py"]);
  });

  it("filters to files failing the gate, keeping only the functions that fail it", () => {
    const tree = buildQualityTree(example(), { filter: "failing" });
    expect(tree.map((f) => f.path)).toEqual(["shop/orders.py", "shop/deploy.py", "bad.py"]);
    expect(tree[0].functions.map((f) => f.qualname)).toEqual(["process_order"]);
    expect(tree[1].functions).toEqual([]); // deploy.py fails on findings, not on complexity
  });

  it("describes files and functions", () => {
    const [orders] = buildQualityTree(example(), { filter: "all" });
    expect(fileDescription(orders)).toBe("MI 48.3 (A) · max CC 14 · gate ✗ 2");
    expect(functionDescription(orders.functions[0])).toBe("CC 14 · rank C · fails gate");
    expect(failingFunctionLines(analysis("shop/orders.py"))).toEqual(new Set([10]));
  });
});
