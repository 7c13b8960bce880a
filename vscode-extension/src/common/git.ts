// Files changed in git, for the Quality view's "changed files" filter.

import { execFile } from "node:child_process";

function git(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd: root, timeout: 20_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout),
    );
  });
}

/** NUL-separated path lists → set of paths (relative to the working directory git ran in). */
export function parsePathList(...outputs: string[]): Set<string> {
  const out = new Set<string>();
  for (const output of outputs) {
    for (const path of output.split("\0")) {
      if (path) {
        out.add(path.replace(/\\/g, "/"));
      }
    }
  }
  return out;
}

/** Changed (against HEAD, staged or not) and untracked files under `root`, relative to it. Empty without git. */
export async function changedFiles(root: string): Promise<Set<string>> {
  try {
    const [diff, untracked] = await Promise.all([
      git(root, ["diff", "--name-only", "--relative", "-z", "HEAD", "--", "."]).catch(() =>
        // no commit yet: everything in the index counts as changed
        git(root, ["diff", "--name-only", "--relative", "-z", "--cached", "--", "."]),
      ),
      git(root, ["ls-files", "--others", "--exclude-standard", "-z", "--", "."]),
    ]);
    return parsePathList(diff, untracked);
  } catch {
    return new Set();
  }
}
