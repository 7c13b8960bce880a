import { describe, expect, it } from "vitest";
import { SerialQueue } from "../../src/common/serial";

describe("SerialQueue", () => {
  it("runs tasks one at a time in order, and a failure does not stop the queue", async () => {
    const q = new SerialQueue();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    const task = (name: string, ms: number, fail = false) => async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      active--;
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([q.run(task("a", 20)), q.run(task("b", 1, true)), q.run(task("c", 5))]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : `failed ${(r.reason as Error).message}`))).toEqual(["a", "failed b", "c"]);
    expect(log).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
    expect(maxActive).toBe(1);
    expect(q.pending).toBe(0);
  });
});
