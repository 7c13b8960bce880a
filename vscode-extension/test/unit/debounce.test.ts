import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KeyedDebouncer } from "../../src/common/debounce";

describe("KeyedDebouncer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs once per key after the last trigger within the delay", async () => {
    const runs: string[] = [];
    const d = new KeyedDebouncer<string>(() => 500, (key) => void runs.push(key));
    d.trigger("a.py");
    await vi.advanceTimersByTimeAsync(300);
    d.trigger("a.py");
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toEqual([]);
    d.trigger("b.py");
    await vi.advanceTimersByTimeAsync(200);
    expect(runs).toEqual(["a.py"]);
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toEqual(["a.py", "b.py"]);
    expect(d.size).toBe(0);
  });

  it("reads the delay at each trigger and survives a failing run", async () => {
    let delay = 100;
    const runs: string[] = [];
    const d = new KeyedDebouncer<string>(() => delay, (key) => {
      runs.push(key);
      throw new Error("boom");
    });
    d.trigger("x");
    await vi.advanceTimersByTimeAsync(100);
    delay = 1000;
    d.trigger("x");
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toEqual(["x"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual(["x", "x"]);
  });

  it("cancels everything pending on dispose", async () => {
    const runs: string[] = [];
    const d = new KeyedDebouncer<string>(() => 10, (key) => void runs.push(key));
    d.trigger("a");
    d.trigger("b");
    d.dispose();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toEqual([]);
  });
});
