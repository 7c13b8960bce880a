// Conflicts (pure): the `devreliab-conflict:` URIs of a conflict's sides and the labels of the view.

import type { ConflictSummary, ConflictTexts } from "../common/types";

export type ConflictSide = "base" | "theirs" | "ours" | "merged";

export interface ConflictRef {
  id: string;
  side: ConflictSide;
  path: string;
}

const SIDES: ConflictSide[] = ["base", "theirs", "ours", "merged"];

/** path and query of `devreliab-conflict:/<path>?id=<id>&side=<side>` (the path keeps the file name, so the
 * diff editor picks the language from it). */
export function conflictUriParts(ref: ConflictRef): { path: string; query: string } {
  return {
    path: `/${ref.path.replace(/^\/+/, "")}`,
    query: `id=${encodeURIComponent(ref.id)}&side=${ref.side}`,
  };
}

export function parseConflictUri(path: string, query: string): ConflictRef | undefined {
  const params = new URLSearchParams(query);
  const id = params.get("id");
  const side = params.get("side") as ConflictSide | null;
  if (!id || !side || !SIDES.includes(side)) {
    return undefined;
  }
  return { id, side, path: path.replace(/^\/+/, "") };
}

export function sideText(texts: ConflictTexts, side: ConflictSide): string {
  switch (side) {
    case "base":
      return texts.base ?? "";
    case "theirs":
      return texts.theirs ?? "";
    case "ours":
      return texts.ours;
    case "merged":
      return texts.merged;
  }
}

export function conflictLabel(conflict: ConflictSummary): string {
  return conflict.path;
}

/** Who and when, in the words of the person at the editor: the agent (the client name the server recorded)
 * whose write conflicted, and the conflict's kind when the server says (e.g. `overwritten`). */
export function conflictDescription(conflict: ConflictSummary, now: number = Date.now() / 1000): string {
  const kind = conflict.kind ? `${conflict.kind} · ` : "";
  return `${kind}${conflict.client}'s write · ${ago(now - conflict.created)} · ${conflict.id}`;
}

/** What a comparison shows, naming the agent (the person at the editor need not have made either change). */
export function comparisonDescription(left: ConflictSide, right: ConflictSide, conflict: ConflictSummary): string {
  const words: Record<ConflictSide, string> = { base: "the version both started from", theirs: "on disk", ours: `${conflict.client}'s write`, merged: "the merge" };
  if (left === "base") {
    return right === "theirs" ? "the change now on disk" : `${conflict.client}'s change`;
  }
  return `${words[left]} ↔ ${words[right]}`;
}

export function ago(seconds: number): string {
  if (seconds < 60) return `${Math.max(0, Math.round(seconds))}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

/** The pairs offered under a conflict in the view: [left, right, title]. */
export const COMPARISONS: [ConflictSide, ConflictSide, string][] = [
  ["theirs", "ours", "theirs ↔ ours"],
  ["base", "theirs", "base ↔ theirs"],
  ["base", "ours", "base ↔ ours"],
];

/** Whether a text still holds conflict markers (`<<<<<<<`, `=======`, `>>>>>>>` at a line start). */
export function hasConflictMarkers(text: string): boolean {
  return /^(<{7}|>{7})( |$)/m.test(text) && /^={7}$/m.test(text);
}

/** The message shown after a resolution, from resolve_conflict's answer. */
export function resolutionMessage(path: string, result: { status: string; version?: string | null; conflict_id?: string }): { ok: boolean; text: string } {
  if (result.status === "conflict") {
    return { ok: false, text: `${path} changed again meanwhile: the resolution conflicts too (new conflict ${result.conflict_id ?? "?"}).` };
  }
  return { ok: true, text: `${path}: conflict resolved (${result.status}${result.version ? `, ${result.version.slice(0, 19)}…` : ""}).` };
}
