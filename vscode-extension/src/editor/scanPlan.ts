// Which files a workspace scan analyses, in which order (pure): the files open in editors first, then the
// rest in path order, up to the cap (`devreliab.maxScanFiles`); the scan says what it left out.

export interface ScanPlan {
  files: string[];
  /** Python files of the workspace the cap left out */
  skipped: number;
  total: number;
}

export function scanPlan(all: readonly string[], open: ReadonlySet<string>, maxFiles: number): ScanPlan {
  const unique = [...new Set(all)];
  const first = unique.filter((f) => open.has(f));
  const rest = unique.filter((f) => !open.has(f)).sort();
  const files = [...first, ...rest].slice(0, Math.max(0, maxFiles));
  return { files, skipped: unique.length - files.length, total: unique.length };
}

/** The progress line: "120 of 2,786 files", and what the cap left out. */
export function scanProgress(done: number, plan: ScanPlan): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return `${n(done)} of ${n(plan.files.length)} files` + (plan.skipped ? ` (${n(plan.skipped)} more over devreliab.maxScanFiles)` : "");
}

/** Shown in the notification area only for scans this big; smaller ones show in the Quality view. */
export const NOTIFY_SCAN_FILES = 200;
