import { describe, expect, it } from "vitest";
import { LineBuffer } from "../../src/common/lines";

describe("LineBuffer", () => {
  it("gives whole lines however the chunks split them", () => {
    const b = new LineBuffer();
    expect(b.push("  File \"x\", line 1\n    ^^^")).toEqual(['  File "x", line 1']);
    expect(b.push("^^^\r\nConfigError: bad")).toEqual(["    ^^^^^^"]);
    expect(b.flush()).toEqual(["ConfigError: bad"]);
    expect(b.flush()).toEqual([]);
  });
});
