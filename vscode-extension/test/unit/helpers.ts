import { readFileSync } from "node:fs";
import { join } from "node:path";
import { normaliseAnalysis } from "../../src/common/mcpClient";
import type { FileAnalysis, Health, Metrics } from "../../src/common/types";

/** Real answers of `devreliab serve` on fixtures/example (and a file with a syntax error), recorded. */
const recorded = JSON.parse(readFileSync(join(__dirname, "fixtures", "analyses.json"), "utf8")) as Record<string, unknown>;

export function analysis(path: string): FileAnalysis {
  return normaliseAnalysis(recorded[path] as FileAnalysis);
}

export const health = recorded.health as Health;
export const metrics = recorded.metrics as Metrics;

/** A file of the bundled example project (fixtures/example). */
export function exampleText(path: string): string {
  return readFileSync(join(__dirname, "..", "..", "..", "fixtures", "example", path), "utf8");
}

export function fn(qualname: string, line: number, complexity: number, rank = "A") {
  return { qualname, kind: "function", line, complexity, rank };
}

export function fileAnalysis(path: string, partial: Partial<FileAnalysis> = {}): FileAnalysis {
  return normaliseAnalysis({ path, gate: { passed: true, failing: [], failing_count: 0 }, ...partial });
}
