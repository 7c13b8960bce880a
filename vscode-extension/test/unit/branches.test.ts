import { describe, expect, it } from "vitest";
import { describeBranches, functionBranches, logicalLines } from "../../src/editor/branches";
import { exampleText } from "./helpers";

const kinds = (source: string, line = 1) => functionBranches(source, line)?.branches.map((b) => `${b.line}:${b.kind}`);

describe("functionBranches", () => {
  it("adds up to the server's complexity for the example's process_order (14)", () => {
    const source = exampleText("shop/orders.py");
    const result = functionBranches(source, 10)!;
    expect(result.complexity).toBe(14);
    expect(result.defLine).toBe(10);
    expect(result.branches.map((b) => b.kind).sort()).toEqual(
      ["if", "for", "if", "if", "elif", "if", "elif", "elif", "elif", "if", "and", "or", "if"].sort(),
    );
  });

  it("skips strings, docstrings and comments that contain keywords", () => {
    const source = [
      "def f(x):",
      '    """if this and that or else: for while"""',
      "    # if x and y",
      "    s = 'if a or b'",
      '    t = f"{x} and {x}"',
      "    return s",
    ].join("\n");
    expect(kinds(source)).toEqual([]);
    expect(functionBranches(source, 1)!.complexity).toBe(1);
  });

  it("counts loops' and try's else but not an if's else, and each except", () => {
    const source = [
      "def f(xs):",
      "    for x in xs:",
      "        pass",
      "    else:",
      "        pass",
      "    try:",
      "        pass",
      "    except ValueError:",
      "        pass",
      "    except (KeyError, TypeError):",
      "        pass",
      "    else:",
      "        pass",
      "    finally:",
      "        pass",
      "    if xs:",
      "        pass",
      "    else:",
      "        pass",
      "    while xs:",
      "        xs.pop()",
      "    else:",
      "        pass",
    ].join("\n");
    expect(kinds(source)).toEqual(["2:for", "4:for-else", "8:except", "10:except", "12:try-else", "16:if", "20:while", "22:while-else"]);
  });

  it("counts comprehensions, conditional expressions, boolean operators and assert across continuation lines", () => {
    const source = [
      "def f(xs, y):",
      "    ys = [x for x in xs",
      "          if x and x > 1]",
      "    z = 1 if y else 2",
      "    assert y or z",
      "    return (ys,",
      "            z)",
    ].join("\n");
    expect(kinds(source)).toEqual(["2:comprehension-for", "3:comprehension-if", "3:and", "4:conditional expression", "5:assert", "5:or"]);
  });

  it("counts match cases but not the wildcard", () => {
    const source = ["def f(c):", "    match c:", "        case 1:", "            pass", "        case [x, y]:", "            pass", "        case _:", "            pass"].join("\n");
    expect(kinds(source)).toEqual(["3:case", "5:case"]);
  });

  it("leaves nested functions and classes out, and stops at the function's end", () => {
    const source = [
      "@decorator(a if b else c)",
      "async def outer(x):",
      "    def inner(y):",
      "        if y:",
      "            return 1",
      "    class K:",
      "        def m(self):",
      "            return self and 1",
      "    async for i in x:",
      "        pass",
      "    return inner",
      "",
      "def after(z):",
      "    if z:",
      "        pass",
    ].join("\n");
    const result = functionBranches(source, 1)!;
    expect(result.defLine).toBe(2);
    expect(result.endLine).toBe(11);
    expect(result.branches.map((b) => `${b.line}:${b.kind}`)).toEqual(["9:for"]);
    expect(kinds(source, 13)).toEqual(["14:if"]);
  });

  it("finds methods by their line inside a class", () => {
    const source = ["class A:", "    def m(self, v):", "        return v or self.d", "", "    def n(self):", "        pass"].join("\n");
    expect(kinds(source, 2)).toEqual(["3:or"]);
    expect(functionBranches(source, 5)!.complexity).toBe(1);
  });

  it("is undefined when there is no function at that line", () => {
    expect(functionBranches("x = 1\n", 1)).toBeUndefined();
  });

  it("describes branches per line, heaviest detail first by line order", () => {
    const source = ["def f(a, b):", "    if a and b:", "        pass"].join("\n");
    const described = describeBranches(functionBranches(source, 1)!, source.split("\n"));
    expect(described).toEqual([{ line: 2, weight: 2, label: "+2  line 2: if, and", detail: "if a and b:" }]);
  });

  it("splits logical lines at newlines outside brackets only", () => {
    const lines = logicalLines("a = (1,\n     2)\nb = '''x\ny'''\nif c: pass\n");
    expect(lines.map((l) => [l.line, l.words.map((w) => w.word).join(" ")])).toEqual([
      [1, "a"],
      [3, "b"],
      [5, "if c pass"],
    ]);
  });
});
