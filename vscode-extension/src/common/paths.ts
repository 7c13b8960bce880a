// Workspace-relative paths as the server names them (forward slashes, no leading ./).

import * as path from "node:path";

/** `file` relative to `root` when inside it, else undefined. */
export function relativeTo(root: string, file: string): string | undefined {
  const rel = path.relative(root, file);
  if (!rel || rel.startsWith("..") || path.isAbsolute(rel)) {
    return undefined;
  }
  return rel.split(path.sep).join("/");
}

export function isPython(file: string): boolean {
  return file.endsWith(".py") || file.endsWith(".pyi");
}

/** Directories the server never analyses (its built-in excludes); files under them are not worth asking about. */
const BUILT_IN_EXCLUDES = new Set([
  ".git", ".hg", ".svn", ".devreliab", ".venv", "venv", ".tox", ".nox", "node_modules", "__pycache__",
  ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist", "site-packages",
]);

export function isExcluded(rel: string): boolean {
  return rel.split("/").some((part) => BUILT_IN_EXCLUDES.has(part) || part.endsWith(".egg-info"));
}
