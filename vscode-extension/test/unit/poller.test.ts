import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Poller } from "../../src/common/poller";
import { AnalysisStore } from "../../src/views/analysisStore";
import { fileAnalysis } from "./helpers";

describe("Poller", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("never overlaps runs: a run asked for during one joins it, the next is scheduled after it ends", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const poller = new Poller(
      () => 1000,
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 300));
        running--;
      },
    );
    poller.start();
    const joined = poller.runNow();
    await vi.advanceTimersByTimeAsync(300);
    await joined;
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(300);
    poller.dispose();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it("keeps polling after a failing run", async () => {
    let runs = 0;
    const poller = new Poller(() => 100, async () => {
      runs++;
      throw new Error("server gone");
    });
    poller.start();
    await vi.advanceTimersByTimeAsync(350);
    expect(runs).toBe(4);
    poller.dispose();
  });
});

describe("AnalysisStore", () => {
  it("keeps the latest analysis per path and tells which paths changed", () => {
    const store = new AnalysisStore();
    const changes: string[][] = [];
    store.onDidChange((paths) => changes.push(paths));
    store.set(fileAnalysis("a.py", { maintainability: 10 }));
    store.set(fileAnalysis("a.py", { maintainability: 90 }));
    store.setMany([fileAnalysis("b.py"), fileAnalysis("c.py")]);
    store.delete("b.py");
    store.delete("missing.py");
    expect(store.get("a.py")?.maintainability).toBe(90);
    expect(store.all().map((a) => a.path)).toEqual(["a.py", "c.py"]);
    expect(changes).toEqual([["a.py"], ["a.py"], ["b.py", "c.py"], ["b.py"]]);
  });
});
