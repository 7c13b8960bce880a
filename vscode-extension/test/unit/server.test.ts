import { describe, expect, it } from "vitest";
import { MemoryLogger } from "../../src/common/logger";
import type { DevreliabApi } from "../../src/common/mcpClient";
import { NotRunningError, ServerManager, type StateChange } from "../../src/common/server";

/** A fake server whose start and close take a tick each and record overlaps. */
class Fakes {
  active = 0;
  maxActive = 0;
  inFlight = 0;
  maxInFlight = 0;
  started = 0;
  closed = 0;
  failNext = false;
  exits: (() => void)[] = [];
  events: string[] = [];

  connect = async (onExit: () => void): Promise<DevreliabApi> => {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.events.push("start");
    await new Promise((r) => setTimeout(r, 5));
    this.inFlight--;
    if (this.failNext) {
      this.failNext = false;
      throw new Error("spawn devreliab ENOENT");
    }
    const id = ++this.started;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    this.exits.push(onExit);
    const fakes = this;
    return {
      pid: 1000 + id,
      async close() {
        fakes.inFlight++;
        fakes.maxInFlight = Math.max(fakes.maxInFlight, fakes.inFlight);
        fakes.events.push(`close ${1000 + id}`);
        await new Promise((r) => setTimeout(r, 5));
        fakes.inFlight--;
        fakes.active--;
        fakes.closed++;
      },
    } as unknown as DevreliabApi;
  };
}

describe("ServerManager", () => {
  it("never runs two lifecycle operations at once, and never two servers", async () => {
    const f = new Fakes();
    const m = new ServerManager(f.connect, new MemoryLogger());
    await Promise.all([m.start(), m.restart(), m.stop(), m.restart(), m.start()]);
    expect(f.maxInFlight).toBe(1);
    expect(f.maxActive).toBe(1);
    expect(m.state).toBe("running");
    expect(f.active).toBe(1);
  });

  it("runs operations in the order they were asked for", async () => {
    const f = new Fakes();
    const m = new ServerManager(f.connect, new MemoryLogger());
    const first = m.start();
    const stopped = m.stop();
    const second = m.start();
    expect((await first)?.pid).toBe(1001);
    await stopped;
    expect((await second)?.pid).toBe(1002);
    expect(f.events).toEqual(["start", "close 1001", "start"]);
  });

  it("joins restarts asked for while one is still waiting in the queue", async () => {
    const f = new Fakes();
    const m = new ServerManager(f.connect, new MemoryLogger());
    const start = m.start();
    const r1 = m.restart();
    const r2 = m.restart();
    expect(r2).toBe(r1);
    await Promise.all([start, r1, r2]);
    expect(f.started).toBe(2);
    expect(f.closed).toBe(1);
  });

  it("reports a failed start and recovers on the next restart", async () => {
    const f = new Fakes();
    const log = new MemoryLogger();
    const m = new ServerManager(f.connect, log);
    const states: StateChange[] = [];
    m.onDidChangeState((s) => states.push(s));
    f.failNext = true;
    expect(await m.start()).toBeUndefined();
    expect(m.state).toBe("failed");
    expect(m.message).toContain("ENOENT");
    await expect(m.ready()).rejects.toBeInstanceOf(NotRunningError);
    expect(log.lines.some((l) => l.startsWith("error devreliab server did not start"))).toBe(true);
    const client = await m.restart();
    expect(client?.pid).toBe(1001);
    expect(await m.ready()).toBe(client);
    expect(states.map((s) => s.state)).toEqual(["starting", "failed", "starting", "running"]);
  });

  it("ready() waits for a start in progress", async () => {
    const f = new Fakes();
    const m = new ServerManager(f.connect, new MemoryLogger());
    void m.start();
    const client = await m.ready();
    expect(client.pid).toBe(1001);
  });

  it("notices when the running server exits, but not when an old one does", async () => {
    const f = new Fakes();
    const m = new ServerManager(f.connect, new MemoryLogger());
    await m.start();
    await m.restart();
    f.exits[0](); // the first server's exit arrives late: ignored
    expect(m.state).toBe("running");
    f.exits[1]();
    expect(m.state).toBe("failed");
    expect(m.client).toBeUndefined();
  });
});
