import { describe, expect, it } from "vitest";
import { isAbort, LatestPerKey } from "../../src/common/latest";

describe("LatestPerKey", () => {
  it("cancels the running request of a key when a newer one starts, and only for that key", () => {
    const latest = new LatestPerKey<string>();
    const first = latest.begin("a.py");
    const other = latest.begin("b.py");
    const second = latest.begin("a.py");
    expect(first.signal.aborted).toBe(true);
    expect(first.isCurrent()).toBe(false);
    expect(second.isCurrent()).toBe(true);
    expect(other.signal.aborted).toBe(false);
  });

  it("forgets finished requests, and a stale one's done() does not forget the newer one", () => {
    const latest = new LatestPerKey<string>();
    const first = latest.begin("a.py");
    const second = latest.begin("a.py");
    first.done();
    expect(latest.size).toBe(1);
    second.done();
    expect(latest.size).toBe(0);
  });

  it("aborts everything on dispose", () => {
    const latest = new LatestPerKey<string>();
    const t = latest.begin("a.py");
    latest.dispose();
    expect(t.signal.aborted).toBe(true);
  });

  it("recognises an aborted request's rejection", () => {
    const error = new Error("This operation was aborted");
    expect(isAbort(error)).toBe(true);
    expect(isAbort(Object.assign(new Error("x"), { name: "AbortError" }))).toBe(true);
    expect(isAbort(new Error("analyze_file failed"))).toBe(false);
  });
});
