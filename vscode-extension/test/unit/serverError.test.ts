import { describe, expect, it } from "vitest";
import { serverFailureReason } from "../../src/common/serverError";

// the stderr of `devreliab serve` on a devreliab.jsonc with a stray comma (recorded, frames shortened)
const BROKEN_CONFIG = `  + Exception Group Traceback (most recent call last):
  |   File "/venv/bin/devreliab", line 6, in <module>
  |     sys.exit(main())
  | ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)
  +-+---------------- 1 ----------------
    | Exception Group Traceback (most recent call last):
    | ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)
    +-+---------------- 1 ----------------
        | Traceback (most recent call last):
        |   File "/work/devreliab/_config.py", line 212, in load_config
        | devreliab._errors.ConfigError: /ws/devreliab.jsonc: not valid JSON with comments at line 3, column 28 (// and # comments are allowed, /* */ is not)
        +------------------------------------
`;

describe("serverFailureReason", () => {
  it("finds devreliab's own error inside nested exception groups, not the frame border", () => {
    expect(serverFailureReason(BROKEN_CONFIG)).toBe(
      "/ws/devreliab.jsonc: not valid JSON with comments at line 3, column 28 (// and # comments are allowed, /* */ is not)",
    );
  });

  it("names other exceptions with their type", () => {
    const stderr = "Traceback (most recent call last):\n  File \"x\", line 1\nModuleNotFoundError: No module named 'devreliab'\n";
    expect(serverFailureReason(stderr)).toBe("ModuleNotFoundError: No module named 'devreliab'");
  });

  it("takes the CLI's clean error line, else the last line that is not decoration", () => {
    expect(serverFailureReason("devreliab: error: --root: /nope is not a directory\n")).toBe("--root: /nope is not a directory");
    expect(serverFailureReason("starting\nsomething odd happened\n+-----\n")).toBe("something odd happened");
    expect(serverFailureReason("")).toBeUndefined();
  });
});
