import { describe, expect, it } from "vitest";
import { conflictResourceUri, parseConflictResource, readResultOf } from "../../src/common/mcpClient";
import {
  ago,
  comparisonDescription,
  conflictDescription,
  conflictUriParts,
  hasConflictMarkers,
  parseConflictUri,
  resolutionMessage,
  sideText,
} from "../../src/views/conflictsModel";

describe("devreliab-conflict URIs", () => {
  it("round-trip id, side and path, keeping the file name for the language", () => {
    const parts = conflictUriParts({ id: "c-1 2&x", side: "theirs", path: "shop/orders.py" });
    expect(parts).toEqual({ path: "/shop/orders.py", query: "id=c-1%202%26x&side=theirs" });
    expect(parseConflictUri(parts.path, parts.query)).toEqual({ id: "c-1 2&x", side: "theirs", path: "shop/orders.py" });
  });

  it("rejects unknown sides and missing ids", () => {
    expect(parseConflictUri("/a.py", "id=1&side=mine")).toBeUndefined();
    expect(parseConflictUri("/a.py", "side=ours")).toBeUndefined();
  });

  it("gives each side's text, an absent base as empty", () => {
    const texts = { base: null, theirs: "t", ours: "o", merged: "m" };
    expect(["base", "theirs", "ours", "merged"].map((s) => sideText(texts, s as never))).toEqual(["", "t", "o", "m"]);
  });
});

describe("conflict labels and results", () => {
  it("describes who and when", () => {
    expect(conflictDescription({ id: "7", path: "a.py", incoming_version: "sha256:1", client: "agent-2", created: 1000, status: "open" }, 1125)).toBe(
      "agent-2's write · 2m ago · 7",
    );
    const overwritten = { id: "8", path: "a.py", incoming_version: "sha256:1", client: "agent-3", created: 1000, status: "open", kind: "overwritten" };
    expect(conflictDescription(overwritten, 1000)).toBe("overwritten · agent-3's write · 0s ago · 8");
    expect([ago(5), ago(7200), ago(200000)]).toEqual(["5s ago", "2h ago", "2d ago"]);
  });

  it("names the agent in the comparisons instead of 'your change'", () => {
    const c = { id: "7", path: "a.py", incoming_version: "sha256:1", client: "agent-b", created: 1000, status: "open" };
    expect(comparisonDescription("theirs", "ours", c)).toBe("on disk ↔ agent-b's write");
    expect(comparisonDescription("base", "ours", c)).toBe("agent-b's change");
    expect(comparisonDescription("base", "theirs", c)).toBe("the change now on disk");
  });

  it("knows when a merge still has markers", () => {
    expect(hasConflictMarkers("a\n<<<<<<< on disk\nx\n=======\ny\n>>>>>>> incoming (yours)\n")).toBe(true);
    expect(hasConflictMarkers("a\n=======\nb\n")).toBe(false);
    expect(hasConflictMarkers("resolved\n")).toBe(false);
  });

  it("says when a resolution conflicted again", () => {
    expect(resolutionMessage("a.py", { status: "conflict", version: null, conflict_id: "9" })).toEqual({
      ok: false,
      text: "a.py changed again meanwhile: the resolution conflicts too (new conflict 9).",
    });
    expect(resolutionMessage("a.py", { status: "written", version: "sha256:abcdef0123456789abcdef" }).ok).toBe(true);
  });
});

describe("the devreliab://conflict/{conflict_id} resource", () => {
  const summary = { id: "0123456789ab", path: "shop/pricing.py", base_version: "sha256:b", current_version: "sha256:t", incoming_version: "sha256:o", client: "agent-b", created: 1, status: "open" };

  it("is addressed by the conflict's id", () => {
    expect(conflictResourceUri("0123456789ab")).toBe("devreliab://conflict/0123456789ab");
    expect(conflictResourceUri("a/b c")).toBe("devreliab://conflict/a%2Fb%20c");
  });

  it("gives the diff editor's texts and the conflict's summary", () => {
    const detail = parseConflictResource(JSON.stringify({ conflict: summary, base: "b\n", theirs: "t\n", ours: "o\n", merged: "<<<<<<< on disk\n" }));
    expect(detail).toEqual({ conflict: summary, base: "b\n", theirs: "t\n", ours: "o\n", merged: "<<<<<<< on disk\n" });
    expect(["base", "theirs", "ours", "merged"].map((s) => sideText(detail, s as never))).toEqual(["b\n", "t\n", "o\n", "<<<<<<< on disk\n"]);
  });

  it("reads a side the file did not have (created on both sides, deleted on disk) as null", () => {
    const detail = parseConflictResource(JSON.stringify({ conflict: { ...summary, base_version: null }, base: null, ours: "o", merged: "o" }));
    expect(detail).toMatchObject({ base: null, theirs: null, ours: "o" });
    expect(sideText(detail, "base")).toBe("");
  });

  it("refuses what is not a conflict", () => {
    expect(() => parseConflictResource(JSON.stringify({ conflicts: [] }))).toThrow(/not a conflict resource/);
    expect(() => parseConflictResource("no json")).toThrow();
  });
});

describe("read_file's answer", () => {
  it("takes the text from the structured content, or from the text channel after its header line", () => {
    const structured = { path: "a.py", version: "sha256:1", encoding: "utf-8", line_ending: "\n", total_lines: 2 };
    const header = "[a.py | version sha256:1 | 2 lines]\n";
    expect(readResultOf({ structured, text: header + "x = 1\ny = 2\n" })).toEqual({ ...structured, content: "x = 1\ny = 2\n" });
    expect(readResultOf({ structured: { ...structured, content: "x = 1\n" }, text: "[a.py | version sha256:1 | 1 lines] (the text is in the structured content's 'content')" }).content).toBe("x = 1\n");
    expect(readResultOf({ structured: { ...structured, total_lines: 0 }, text: "[a.py | version sha256:1 | empty file]\n" }).content).toBe(""); // an empty file
  });

  it("has no content when the file is unchanged", () => {
    expect(readResultOf({ structured: { path: "a.py", version: "sha256:1", unchanged: true }, text: "{}" })).toEqual({
      path: "a.py",
      version: "sha256:1",
      unchanged: true,
    });
  });
});
