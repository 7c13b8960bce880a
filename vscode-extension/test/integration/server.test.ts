// The extension's MCP client code against the real `devreliab serve` (DEVRELIAB_SERVE, default this checkout's
// .venv/bin/devreliab; the server is spawned with this process's environment, PYTHONPATH included) on a
// temporary copy of fixtures/example.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryLogger } from "../../src/common/logger";
import { isAbort } from "../../src/common/latest";
import { DevreliabClient, RESOURCES, ToolError } from "../../src/common/mcpClient";
import { serverFailureReason } from "../../src/common/serverError";
import { ServerManager } from "../../src/common/server";
import { functionBranches } from "../../src/editor/branches";
import { analysisDiagnostics, diagnosticColumns } from "../../src/editor/diagnostics";
import { lensSpecs } from "../../src/editor/lensModel";
import { renderHealthHtml } from "../../src/views/healthModel";
import { buildQualityTree } from "../../src/views/qualityModel";
import { groupFindings } from "../../src/views/securityModel";

const REPO = resolve(__dirname, "..", "..", "..");
const [COMMAND, ...PREFIX] = (process.env.DEVRELIAB_SERVE || join(REPO, ".venv", "bin", "devreliab")).trim().split(/\s+/);

let root: string;
const clients: DevreliabClient[] = [];

function launch() {
  return { command: COMMAND, args: [...PREFIX, "serve", "--root", root], cwd: root };
}

async function connect(name = "test", onResourceUpdated?: (uri: string) => void): Promise<DevreliabClient> {
  let stderr = "";
  try {
    const client = await DevreliabClient.connect(launch(), { clientName: name, onStderr: (t) => (stderr += t), onResourceUpdated });
    clients.push(client);
    return client;
  } catch (error) {
    throw new Error(`could not start ${COMMAND}: ${String(error)}\n${stderr}`);
  }
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "devreliab-vscode-"));
  cpSync(join(REPO, "fixtures", "example"), root, { recursive: true, filter: (src) => !src.includes(".devreliab") });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  rmSync(root, { recursive: true, force: true });
});

describe("the MCP client against devreliab serve", () => {
  let client: DevreliabClient;

  beforeAll(async () => {
    client = await connect("editor");
  });

  it("lists the tools the extension calls", async () => {
    const names = await client.toolNames();
    for (const tool of ["analyze_file", "health", "metrics", "list_conflicts", "resolve_conflict", "read_file", "write_file", "list_directory"]) {
      expect(names).toContain(tool);
    }
  });

  it("analyses the example: the Quality tree, the Problems entries and the Security groups come out of real answers", async () => {
    const listing = await client.listDirectory(".", 20, 10_000);
    const files = listing.entries.filter((e) => e.type === "file" && e.path.endsWith(".py")).map((e) => e.path).sort();
    expect(files).toEqual(["shop/__init__.py", "shop/deploy.py", "shop/orders.py", "shop/pricing.py"]);
    const analyses = await Promise.all(files.map((f) => client.analyzeFile(f)));

    const tree = buildQualityTree(analyses, { filter: "all" });
    expect(tree[0].path).toBe("shop/orders.py");
    expect(tree[0].functions[0]).toMatchObject({ qualname: "process_order", complexity: 14, rank: "C", failing: true });

    const orders = analyses.find((a) => a.path === "shop/orders.py")!;
    expect(analysisDiagnostics(orders).map((d) => [d.kind, d.line])).toEqual([["maintainability", 0], ["complexity", 9]]);

    const deploy = analyses.find((a) => a.path === "shop/deploy.py")!;
    const b602 = analysisDiagnostics(deploy).find((d) => d.code === "B602")!;
    expect(b602).toMatchObject({ level: "error", line: 13, cweHref: "https://cwe.mitre.org/data/definitions/78.html", column: expect.any(Number) });
    expect(b602.href).toMatch(/^https:\/\/bandit\.readthedocs\.io\/.*b602/); // the code links to the rule's page
    expect(groupFindings(analyses)[0].severity).toBe("HIGH");
  });

  it("gives each file its own analysis when many are asked for at once", async () => {
    // devreliab 0.1 mixes up analyses running concurrently in one server process; the client must not let them.
    // Fresh files (nothing cached yet), each with its own findings on its own lines:
    const files: string[] = [];
    for (let i = 0; i < 8; i++) {
      const path = `shop/gen_${i}.py`;
      const padding = "\n".repeat(i);
      const body = i % 2 === 0 ? "import hashlib\n\n\ndef h(b):\n    return hashlib.md5(b).hexdigest()\n" : "import subprocess\n\n\ndef run(c):\n    return subprocess.call(c, shell=True)\n";
      expect((await client.writeFile(path, `${padding}${body}`, "absent")).status).toBe("created");
      files.push(path);
    }
    files.push("shop/__init__.py", "shop/pricing.py");
    const answers = await Promise.all(files.map((f) => client.analyzeFile(f)));
    for (const [i, f] of files.entries()) {
      const again = await client.analyzeFile(f); // one at a time, for comparison
      const ids = (a: typeof again) => a.findings.map((x) => `${x.path}:${x.line}:${x.test_id}`);
      expect({ f, path: answers[i].path, findings: ids(answers[i]) }).toEqual({ f, path: f, findings: ids(again) });
      expect(ids(again).every((id) => id.startsWith(`${f}:`))).toBe(true);
    }
  });

  it("finds branches that add up to the server's complexity for every function", async () => {
    const branchy = [
      "def everything(xs, y, z):",
      '    """if and or for while: not counted"""',
      "    total = [x for x in xs if x and x > 0]",
      "    label = 'big' if y > 10 else 'small'",
      "    for x in xs:",
      "        if x or y:",
      "            continue",
      "    else:",
      "        pass",
      "    while z:",
      "        z -= 1",
      "    try:",
      "        y = 1 / z",
      "    except ZeroDivisionError:",
      "        y = 0",
      "    except (TypeError, ValueError):",
      "        y = -1",
      "    else:",
      "        y += 1",
      "    assert y is not None",
      "    match y:",
      "        case 0:",
      "            pass",
      "        case 1 | 2:",
      "            pass",
      "        case _:",
      "            pass",
      "    def helper(a):",
      "        return a if a else None",
      "    return total, label, {k: v for k, v in zip(xs, xs) if k if v}",
      "",
      "",
      "class Shop:",
      "    def price(self, item, tier):",
      "        if tier == 'gold' and item.price > 100 or item.sale:",
      "            return item.price * 0.9",
      "        elif tier == 'silver':",
      "            return item.price * 0.95",
      "        return item.price",
      "",
    ].join("\n");
    const write = await client.writeFile("shop/branchy.py", branchy, "absent");
    expect(write.status).toBe("created");
    for (const path of ["shop/orders.py", "shop/pricing.py", "shop/deploy.py", "shop/branchy.py"]) {
      const analysis = await client.analyzeFile(path);
      const source = readFileSync(join(root, path), "utf8");
      expect(analysis.functions.length).toBeGreaterThan(0);
      for (const f of analysis.functions) {
        expect({ path, qualname: f.qualname, complexity: functionBranches(source, f.line)?.complexity }).toEqual({ path, qualname: f.qualname, complexity: f.complexity });
      }
    }
  });

  it("reports health and metrics with the fields the Health view shows", async () => {
    const [health, metrics] = await Promise.all([client.health(), client.metrics()]);
    expect(["ok", "degraded", "failing"]).toContain(health.status);
    expect(Array.isArray(health.reasons)).toBe(true);
    expect(typeof health.open_conflicts).toBe("number");
    expect(metrics.tools.analyze_file.calls).toBeGreaterThan(0);
    expect(typeof metrics.tools.analyze_file.mean_ms).toBe("number");
    expect(metrics.cache).toMatchObject({ hits: expect.any(Number), misses: expect.any(Number), max_bytes: expect.any(Number) });
    // after the scan the cache is no longer empty: what the Health view shows once the first scan is done
    expect(metrics.cache.entries).toBeGreaterThan(0);
    expect(metrics.cache.hits + metrics.cache.misses).toBeGreaterThan(0);
    const html = renderHealthHtml({ serverState: "running", health, metrics, nonce: "n", cspSource: "x" });
    expect(html).toContain("<td>analyze_file</td>");
    expect(html).not.toContain("cache: – hits (0/0)");
  });

  it("reads a file's text and version from read_file, complete in either channel", async () => {
    const path = "shop/deploy.py";
    const disk = readFileSync(join(root, path), "utf8");
    const read = await client.readFile(path);
    expect(read.content).toBe(disk);
    expect(read).toMatchObject({ path, version: expect.stringMatching(/^sha256:/), total_lines: disk.split("\n").length - (disk.endsWith("\n") ? 1 : 0) });
    // the contract (docs/mcp-tools.md, "Answers"): a client of unknown habits gets the text in both channels
    const raw = await client.callToolAnswer("read_file", { path });
    expect(raw.text).toBe(`[${path} | version ${read.version} | ${read.total_lines} lines]\n${disk}`);
    expect(raw.structured).toMatchObject({ path, version: read.version, content: disk });
    const again = await client.callTool<{ unchanged?: boolean }>("read_file", { path, if_version: read.version });
    expect(again).toMatchObject({ path, version: read.version, unchanged: true });
  });

  it("refuses to read a conflict that does not exist", async () => {
    await expect(client.conflict("000000000000")).rejects.toThrow();
  });

  it("analyses an unsaved buffer: findings of the typed text, on their columns, linked to bandit's rule page", async () => {
    const path = "shop/pricing.py";
    const disk = readFileSync(join(root, path), "utf8");
    const typed = `${disk}\n\ndef run():\n    import subprocess\n    subprocess.call(input(), shell=True)\n`;
    const live = await client.analyzeFile(path, { content: typed });
    const b602 = live.findings.find((f) => f.test_id === "B602")!;
    expect(b602.line).toBe(typed.split("\n").indexOf("    subprocess.call(input(), shell=True)") + 1);
    const [spec] = analysisDiagnostics(live).filter((d) => d.code === "B602");
    expect(spec.href).toMatch(/^https:\/\/bandit\.readthedocs\.io\/.*b602/);
    expect(spec.cweHref).toBe("https://cwe.mitre.org/data/definitions/78.html");
    const text = "    subprocess.call(input(), shell=True)";
    expect(diagnosticColumns(spec, text.length, 4)).toEqual([4, text.length]);
    // the disk is untouched and its analysis has no such finding
    expect(readFileSync(join(root, path), "utf8")).toBe(disk);
    expect((await client.analyzeFile(path)).findings.some((f) => f.test_id === "B602")).toBe(false);
  });

  it("never sends an analysis cancelled while it waits, and the newest answer is the typed text's", async () => {
    const path = "shop/pricing.py";
    const disk = readFileSync(join(root, path), "utf8");
    const before = (await client.metrics()).tools.analyze_file.calls;
    const ahead = client.analyzeFile("shop/orders.py"); // sent at once: the next ones wait behind it
    const stale = new AbortController();
    const first = client.analyzeFile(path, { content: `${disk}\nx = eval(input())\n`, signal: stale.signal });
    const outcome = first.then(() => "answered", (error: unknown) => error);
    stale.abort();
    const newest = await client.analyzeFile(path, { content: `${disk}\ny = 1\n` });
    await ahead;
    expect(isAbort(await outcome)).toBe(true);
    expect(newest.findings.some((f) => f.test_id === "B307")).toBe(false);
    const after = (await client.metrics()).tools.analyze_file.calls;
    expect(after - before).toBe(2); // the one ahead and the newest: the cancelled request never reached the server
  });

  it("puts the lenses of a decorated function above its decorators and none on trivial functions", async () => {
    const branches = Array.from({ length: 6 }, (_, n) => `    if x == ${n}:\n        return ${n}\n`).join("");
    const source = `import functools\n\n\n@functools.cache\ndef branchy(x):\n${branches}    return -1\n\n\ndef trivial():\n    return 1\n`;
    const analysis = await client.analyzeFile("shop/lenses.py", { content: source });
    const lenses = lensSpecs(analysis, source.split("\n"), 5);
    expect(lenses.map((l) => [l.qualname, l.anchor, l.line])).toEqual([["branchy", 3, 5]]);
  });

  it("turns a tool refusal into a ToolError with the server's advice", async () => {
    await expect(client.analyzeFile("../outside.py")).rejects.toBeInstanceOf(ToolError);
  });
});

describe("a server that cannot start", () => {
  it("says why with the config file's line and column, taken from its stderr", async () => {
    const broken = mkdtempSync(join(tmpdir(), "devreliab-vscode-broken-"));
    try {
      writeFileSync(join(broken, "devreliab.jsonc"), '{\n  "gates": {\n    "complexity_below": 10,,\n  }\n}\n');
      let stderr = "";
      const launched = DevreliabClient.connect(
        { command: COMMAND, args: [...PREFIX, "serve", "--root", broken], cwd: broken },
        { onStderr: (t) => (stderr += t) },
      );
      await expect(launched).rejects.toThrow();
      const reason = serverFailureReason(stderr);
      expect(reason).toMatch(/devreliab\.jsonc: .*line 3, column \d+/);
      expect(reason).not.toMatch(/^[+|-]/);
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});

describe("conflicts between two writers, resolved through resolve_conflict", () => {
  it("shows both sides of a conflict made by two writes and resolves it with edited content", async () => {
    // the editor's own server hears of a conflict made through other agents' servers
    const updates: string[] = [];
    const editor = await connect("editor", (uri) => updates.push(uri));
    expect(await editor.subscribe(RESOURCES.conflicts)).toBe(true);
    expect(await editor.subscribe(RESOURCES.health)).toBe(true);
    const alice = await connect("alice");
    const bob = await connect("bob");
    const path = "shop/pricing.py";
    const original = (await alice.readFile(path)).content!;
    await bob.readFile(path);
    const lines = original.split("\n");
    const mine = [...lines];
    mine[0] = "# alice was here";
    const theirs = [...lines];
    theirs[0] = "# bob was here";
    expect((await alice.writeFile(path, mine.join("\n"))).status).toBe("written");
    const clash = await bob.writeFile(path, theirs.join("\n"));
    expect(clash.status).toBe("conflict");
    expect(clash.conflict_id).toBeTruthy();

    // both resources change: the open conflicts, and health's open_conflicts (the Health view refreshes on it)
    const deadline = Date.now() + 20_000;
    while (!(updates.includes(RESOURCES.conflicts) && updates.includes(RESOURCES.health)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(updates).toContain(RESOURCES.conflicts);
    expect(updates).toContain(RESOURCES.health);
    expect((await editor.health()).open_conflicts).toBeGreaterThanOrEqual(1);

    const open = await editor.listConflicts();
    const conflict = open.find((c) => c.id === clash.conflict_id)!;
    expect(conflict).toMatchObject({ path, status: "open" });

    // the diff editor's three sides: the devreliab://conflict/{conflict_id} resource, read through the editor's
    // own server (the conflict was made through bob's)
    const texts = await editor.conflict(conflict.id);
    expect(texts.conflict).toMatchObject({ id: conflict.id, path, status: "open", base_version: conflict.base_version, incoming_version: conflict.incoming_version });
    expect(texts.base).toBe(original);
    expect(texts.theirs).toBe(mine.join("\n"));
    expect(texts.ours).toBe(theirs.join("\n"));
    expect(texts.merged).toContain("<<<<<<<");

    const resolved = [...lines];
    resolved[0] = "# alice and bob were here";
    const result = await alice.resolveConflict(conflict.id, "content", resolved.join("\n"));
    expect(result.status).toMatch(/^(written|merged)$/);
    expect((await alice.listConflicts()).map((c) => c.id)).not.toContain(conflict.id);
    expect(readFileSync(join(root, path), "utf8")).toBe(resolved.join("\n"));
  });

  it("takes mine (ours) and takes theirs", async () => {
    const a = await connect("a");
    const b = await connect("b");
    const path = "shop/orders.py";
    for (const resolution of ["ours", "theirs"] as const) {
      const text = (await a.readFile(path)).content!;
      await b.readFile(path);
      const first = text.replace(/^"""[^\n]*/, `"""a ${resolution}"""`);
      const second = text.replace(/^"""[^\n]*/, `"""b ${resolution}"""`);
      await a.writeFile(path, first);
      const clash = await b.writeFile(path, second);
      expect(clash.status).toBe("conflict");
      const result = await a.resolveConflict(clash.conflict_id!, resolution);
      expect(result.status).not.toBe("conflict");
      expect(readFileSync(join(root, path), "utf8")).toBe(resolution === "ours" ? second : first);
    }
  });
});

describe("the server lifecycle", () => {
  it("restarts into a new process, one at a time", async () => {
    const log = new MemoryLogger();
    const manager = new ServerManager((onExit) => DevreliabClient.connect(launch(), { onClose: onExit }), log);
    const first = await manager.start();
    expect(first?.pid).toBeTruthy();
    const [r1, r2] = await Promise.all([manager.restart(), manager.restart()]);
    expect(r1).toBe(r2);
    expect(r1!.pid).not.toBe(first!.pid);
    expect((await (await manager.ready()).health()).status).toBeTruthy();
    await manager.dispose();
    expect(manager.state).toBe("stopped");
  });

  it("fails clearly when the command does not exist", async () => {
    const manager = new ServerManager(
      (onExit) => DevreliabClient.connect({ command: join(root, "no-such-devreliab"), args: ["serve"] }, { onClose: onExit, timeoutMs: 10_000 }),
      new MemoryLogger(),
    );
    expect(await manager.start()).toBeUndefined();
    expect(manager.state).toBe("failed");
    await manager.dispose();
  });
});
