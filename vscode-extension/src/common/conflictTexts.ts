// Base, theirs and ours of a conflict, for the diff editor.
//
// devreliab's MCP tools return a conflict's versions (list_conflicts) but not their texts. When the server offers
// a `show_conflict` tool it is used; otherwise the texts come from devreliab's public Python API
// (`Workspace(root).show_conflict(id)`) run by the same interpreter as the server.

import { execFile } from "node:child_process";
import { openSync, readSync, closeSync } from "node:fs";
import type { ConflictTexts } from "./types";

export const SHOW_CONFLICT_SCRIPT = [
  "import json, sys",
  "from devreliab import Workspace",
  "with Workspace(sys.argv[1]) as ws:",
  "    d = ws.show_conflict(sys.argv[2])",
  "    print(json.dumps({'base': d.base, 'theirs': d.theirs, 'ours': d.ours, 'merged': d.merged}))",
].join("\n");

/** The interpreter named by a script's `#!` line (a console-script like `.venv/bin/devreliab`), if any. */
export function shebangInterpreter(firstLine: string): string | undefined {
  const match = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(firstLine);
  if (!match) {
    return undefined;
  }
  // `#!/usr/bin/env python3` names the interpreter in the argument
  if (match[1].endsWith("/env") && match[2]) {
    return match[2];
  }
  return /python[\d.]*$/.test(match[1]) ? match[1] : undefined;
}

export function readFirstLine(file: string): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, "r");
    const buffer = Buffer.alloc(512);
    const n = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, n).toString("utf8").split("\n")[0];
  } catch {
    return "";
  } finally {
    if (fd !== undefined) {
      closeSync(fd);
    }
  }
}

/** The Python that runs the server: the spec's interpreter, else the `#!` line of the server command. */
export function pythonOf(spec: { command: string; python?: string }): string | undefined {
  return spec.python ?? shebangInterpreter(readFirstLine(spec.command));
}

export function conflictTextsFromPython(python: string, root: string, conflictId: string, timeoutMs = 30_000): Promise<ConflictTexts> {
  return new Promise((resolve, reject) => {
    execFile(
      python,
      ["-c", SHOW_CONFLICT_SCRIPT, root, conflictId],
      { cwd: root, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`could not read conflict ${conflictId}: ${stderr.trim().split("\n").pop() || error.message}`));
          return;
        }
        try {
          const out = JSON.parse(stdout) as ConflictTexts;
          resolve({ base: out.base ?? null, theirs: out.theirs ?? null, ours: out.ours ?? "", merged: out.merged ?? "" });
        } catch (e) {
          reject(new Error(`could not read conflict ${conflictId}: ${String(e)}`));
        }
      },
    );
  });
}
