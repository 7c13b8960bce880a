import { describe, expect, it } from "vitest";
import { shebangInterpreter } from "../../src/common/conflictTexts";
import {
  ago,
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
      "agent-2 · 2m ago · 7",
    );
    expect([ago(5), ago(7200), ago(200000)]).toEqual(["5s ago", "2h ago", "2d ago"]);
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

describe("shebangInterpreter", () => {
  it("reads the interpreter of a console script", () => {
    expect(shebangInterpreter("#!/work/main/.venv/bin/python3")).toBe("/work/main/.venv/bin/python3");
    expect(shebangInterpreter("#!/usr/bin/env python3.11")).toBe("python3.11");
    expect(shebangInterpreter("#!/bin/sh")).toBeUndefined();
    expect(shebangInterpreter("\x7fELF")).toBeUndefined();
  });
});
