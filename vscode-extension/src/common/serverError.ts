// What a server that failed to start said, in one line a person can act on.
//
// `devreliab serve` that cannot start (a broken devreliab.jsonc, say) exits with a Python traceback on stderr;
// its last line is a frame border (`+------`), not the reason. The reason is the exception line
// (`devreliab._errors.ConfigError: …/devreliab.jsonc: not valid JSON … at line 3, column 28`), possibly inside
// exception groups (`  |   ` prefixes). devreliab's own errors are shown as their message alone.

const EXCEPTION_LINE = /^[\s|+]*((?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*(?:Error|Exception|Exit|Interrupt)))(?:: (.*))?$/;
const GROUPS = new Set(["ExceptionGroup", "BaseExceptionGroup"]);
/** the CLI's own clean error lines: `devreliab: error: …`, `devreliab serve: …` */
const CLI_LINE = /^(?:devreliab(?: \w+)?: (?:error: )?)(.+)$/;

interface Reason {
  qualified: string;
  name: string;
  message: string;
}

function exceptionOf(line: string): Reason | undefined {
  const match = EXCEPTION_LINE.exec(line);
  if (!match || GROUPS.has(match[2]) || /Traceback \(most recent call last\)/.test(line)) {
    return undefined;
  }
  return { qualified: match[1], name: match[2], message: (match[3] ?? "").trim() };
}

/** The line of `stderr` that says why the server stopped, or undefined when stderr has no such line. */
export function serverFailureReason(stderr: string): string | undefined {
  const lines = stderr.split(/\r?\n/);
  let found: Reason | undefined;
  for (const line of lines) {
    found = exceptionOf(line) ?? found;
  }
  if (found) {
    const ours = found.qualified.startsWith("devreliab.");
    return ours && found.message ? found.message : found.message ? `${found.name}: ${found.message}` : found.name;
  }
  for (const line of lines.reverse()) {
    const cli = CLI_LINE.exec(line.trim());
    if (cli) {
      return cli[1];
    }
  }
  const last = lines.map((l) => l.trim()).find((l) => l && !/^[+|\-\s^~]*$/.test(l));
  return last;
}
