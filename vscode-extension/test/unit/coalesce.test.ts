import { describe, expect, it } from "vitest";
import { Coalescer } from "../../src/common/coalesce";

describe("Coalescer", () => {
  it("turns a burst of requests during a run into one more run", async () => {
    let runs = 0;
    let release: () => void = () => undefined;
    const c = new Coalescer(async () => {
      runs++;
      if (runs === 1) await new Promise<void>((r) => (release = r));
    });
    const first = c.run();
    const burst = [c.run(), c.run(), c.run()];
    release();
    await Promise.all([first, ...burst]);
    expect(runs).toBe(2);
    await c.run();
    expect(runs).toBe(3);
  });

  it("keeps going after a failed run", async () => {
    let runs = 0;
    const c = new Coalescer(async () => {
      runs++;
      throw new Error("server gone");
    });
    await c.run();
    await c.run();
    expect(runs).toBe(2);
  });
});
