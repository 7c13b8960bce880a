"""Replays real merges: every .py file changed on both sides of a merge commit, merged again by each merger.

For each two-parent merge commit reachable from REV (one merge base; criss-cross merges are skipped): base = the
merge base, theirs = the first parent (what was there), ours = the second parent (what came in), answer = the
file in the committed merge. A scenario is a .py file changed on both sides to different contents and present in
the merge. Each merger's result is counted as clean or not and, when clean, as identical to the committed merge or
"clean but different" (a silent mis-merge unless the person changed the file further while merging).

Usage: .venv/bin/python benchmarks/merge_replay.py REPO[@REV] ... [--max-merges N] [--json FILE]
(the corpus: ``scripts/fetch-merge-corpus``, which prints the REPO@REV arguments).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess  # nosec B404 - runs git merge-file, the anchor
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from merge_corpus import Scenario, scenarios
from merge_report import Tally, count, difference, table

from devreliab.vfs import merge

Merger = Callable[[str, str, str, str], tuple[bool, str]]


def git_merge_file(base: str, theirs: str, ours: str, path: str) -> tuple[bool, str]:
    """Plain ``git merge-file`` (git's default conflict style), the anchor."""
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for name, text in (("theirs", theirs), ("base", base), ("ours", ours)):
            p = os.path.join(tmp, name)
            Path(p).write_bytes(text.encode("utf-8", "surrogatepass"))
            names.append(p)
        proc = subprocess.run(["git", "merge-file", "-p", *names], capture_output=True, check=False)  # nosec
    return proc.returncode == 0, proc.stdout.decode("utf-8", "surrogatepass")


def _devreliab(mode: str, engine: str) -> Merger:
    def run(base: str, theirs: str, ours: str, path: str) -> tuple[bool, str]:
        outcome = merge(base, theirs, ours, path, mode=mode, engine=engine)  # type: ignore[arg-type]
        return outcome.clean, outcome.text
    return run


MERGERS: dict[str, Merger] = {
    "git merge-file": git_merge_file,
    "devreliab line (git engine)": _devreliab("line", "git"),
    "devreliab line (pure Python)": _devreliab("line", "python"),
    "devreliab entity (git engine)": _devreliab("entity", "git"),
    "devreliab entity (pure Python)": _devreliab("entity", "python"),
}


def replay(targets: list[str], limit: int | None) -> tuple[int, dict[str, Tally]]:
    tallies = {name: Tally() for name in MERGERS}
    total = 0
    for target in targets:
        repo, _, rev = target.partition("@")
        for s in scenarios(repo, rev or "HEAD", limit):
            total += 1
            if total % 100 == 0:
                print(f"... {total} scenarios", file=sys.stderr, flush=True)
            _replay_one(s, tallies, f"{_label(repo)} {s.commit[:10]} {s.path}")
    return total, tallies


def _replay_one(s: Scenario, tallies: dict[str, Tally], where: str) -> None:
    git_clean = None
    for name, merger in MERGERS.items():
        t0 = time.perf_counter()
        clean, text = merger(s.base, s.theirs, s.ours, s.path)
        tally = tallies[name]
        tally.times.append(time.perf_counter() - t0)
        git_clean = clean if git_clean is None else git_clean
        count(tally, clean, text == s.answer, git_clean, where)
        if clean and text != s.answer:
            kind = difference(text, s.answer)
            tally.kinds[kind] = tally.kinds.get(kind, 0) + 1


def _label(repo: str) -> str:
    path = Path(repo)
    return path.parent.name if path.name in ("repo", ".git") else path.name.removesuffix(".git")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", help="REPO[@REV]: a git repository (bare or not) and where to start")
    parser.add_argument("--max-merges", type=int, default=None, help="merge commits per repository (newest first)")
    parser.add_argument("--json", help="also write the counts and the mis-merged scenarios here")
    parser.add_argument("--examples", action="store_true", help="list clean-but-different scenarios per merger")
    args = parser.parse_args(argv)
    total, tallies = replay(args.targets, args.max_merges)
    print(table(total, tallies))
    if args.examples:
        for name, t in tallies.items():
            print(f"\n{name}: {t.kinds}", *t.examples, sep="\n  ")
    if args.json:
        Path(args.json).write_text(json.dumps({"scenarios": total, "mergers": {
            n: {k: v for k, v in vars(t).items() if k != "times"} for n, t in tallies.items()}}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
