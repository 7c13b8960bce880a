// The latest analyze_file answer of each file, shared by the views, diagnostics, code lenses and status bar.

import { Emitter } from "../common/events";
import type { FileAnalysis } from "../common/types";

export class AnalysisStore {
  private readonly byPath = new Map<string, FileAnalysis>();
  private readonly changes = new Emitter<string[]>();
  /** fires with the paths whose analysis changed */
  readonly onDidChange = this.changes.event;

  get(path: string): FileAnalysis | undefined {
    return this.byPath.get(path);
  }

  all(): FileAnalysis[] {
    return [...this.byPath.values()];
  }

  set(analysis: FileAnalysis): void {
    this.byPath.set(analysis.path, analysis);
    this.changes.fire([analysis.path]);
  }

  setMany(analyses: FileAnalysis[]): void {
    for (const a of analyses) {
      this.byPath.set(a.path, a);
    }
    this.changes.fire(analyses.map((a) => a.path));
  }

  delete(path: string): void {
    if (this.byPath.delete(path)) {
      this.changes.fire([path]);
    }
  }

  clear(): void {
    const paths = [...this.byPath.keys()];
    this.byPath.clear();
    this.changes.fire(paths);
  }

  dispose(): void {
    this.changes.dispose();
  }
}
