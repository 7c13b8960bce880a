// The text of the "add `# nosec BXXX` with a reason" quick fix (pure).

/** Index of the `#` that starts the line's comment, outside string literals; -1 when there is none. */
export function commentStart(line: string): number {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === "\\") {
        i++;
      } else if (line.startsWith(quote, i)) {
        i += quote.length - 1;
        quote = undefined;
      }
    } else if (c === "#") {
      return i;
    } else if (c === "'" || c === '"') {
      quote = line.startsWith(c.repeat(3), i) ? c.repeat(3) : c;
      i += quote.length - 1;
    }
  }
  return -1;
}

export function cleanReason(reason: string): string {
  return reason.replace(/[\r\n#]+/g, " ").replace(/\s+/g, " ").trim();
}

/**
 * The line with `testId` suppressed for bandit: `# nosec B602 - reason` appended, or the id added to an existing
 * `# nosec B404` list. Undefined when nothing is to change (the id is already there, or a bare `# nosec`
 * already suppresses everything on the line).
 */
export function addNosec(line: string, testId: string, reason: string): string | undefined {
  const why = cleanReason(reason);
  const hash = commentStart(line);
  if (hash >= 0) {
    const comment = line.slice(hash);
    const nosec = /#\s*nosec\b(:?\s*)((?:[A-Za-z]\d{3}(?:\s*,\s*)?)*)/i.exec(comment);
    if (nosec) {
      const ids = nosec[2].split(/[\s,]+/).filter(Boolean);
      if (ids.length === 0 || ids.some((id) => id.toUpperCase() === testId.toUpperCase())) {
        return undefined;
      }
      const listEnd = hash + nosec.index + nosec[0].replace(/[\s,]+$/, "").length;
      return `${line.slice(0, listEnd)}, ${testId}${line.slice(listEnd)}`;
    }
  }
  const code = line.replace(/\s+$/, "");
  return `${code}  # nosec ${testId}${why ? ` - ${why}` : ""}`;
}
