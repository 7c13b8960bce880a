import { describe, expect, it } from "vitest";
import { addNosec, cleanReason, commentStart } from "../../src/editor/nosec";

describe("addNosec", () => {
  it("appends the comment with the test id and the reason", () => {
    expect(addNosec('    subprocess.call(cmd, shell=True)   ', "B602", "cmd is a constant")).toBe(
      "    subprocess.call(cmd, shell=True)  # nosec B602 - cmd is a constant",
    );
  });

  it("adds the id to an existing nosec list, keeping its reason", () => {
    expect(addNosec("import subprocess  # nosec B404 - we need it", "B603", "args list")).toBe(
      "import subprocess  # nosec B404, B603 - we need it",
    );
    expect(addNosec("x = f()  # nosec: B404,B105", "B603", "")).toBe("x = f()  # nosec: B404,B105, B603");
  });

  it("changes nothing when the id is already there or a bare nosec covers the line", () => {
    expect(addNosec("x()  # nosec B602 - reviewed", "B602", "again")).toBeUndefined();
    expect(addNosec("x()  # nosec", "B602", "again")).toBeUndefined();
  });

  it("appends after an ordinary comment, and ignores # inside strings", () => {
    expect(addNosec("h = md5(b'#x')  # legacy", "B324", "not for security")).toBe("h = md5(b'#x')  # legacy  # nosec B324 - not for security");
    expect(addNosec('url = "http://x/#nosec"', "B310", "fixed url")).toBe('url = "http://x/#nosec"  # nosec B310 - fixed url');
  });

  it("keeps the reason on one line and without #", () => {
    expect(cleanReason("  first line\nsecond # third ")).toBe("first line second third");
    expect(addNosec("a()", "B101", "x\n# y")).toBe("a()  # nosec B101 - x y");
  });
});

describe("commentStart", () => {
  it("finds the comment outside single, double and triple quotes", () => {
    expect(commentStart("a = 1 # c")).toBe(6);
    expect(commentStart("a = '#' # c")).toBe(8);
    expect(commentStart('a = "\\"#" # c')).toBe(10);
    expect(commentStart('a = """#""" # c')).toBe(12);
    expect(commentStart("a = '#'")).toBe(-1);
  });
});
