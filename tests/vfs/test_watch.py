"""The optional watcher invalidates early and tells subscribers; reads stay correct without it."""

from __future__ import annotations

import queue
from pathlib import Path

from devreliab.vfs import ChangeEvent, Workspace


def wait_for(events: queue.Queue[ChangeEvent], path: str, timeout: float = 10.0) -> ChangeEvent:
    """The first event about ``path`` (bounded wait)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no event for {path} within {timeout} s"
        event = events.get(timeout=remaining)
        if path in (event.path, event.dest_path):
            return event


def test_subscribers_hear_about_changes_and_can_unsubscribe(ws: Workspace, root: Path) -> None:
    events: queue.Queue[ChangeEvent] = queue.Queue()
    unsubscribe = ws.subscribe(events.put)
    ws.start_watching()
    try:
        (root / "a.txt").write_text("x\n")
        assert wait_for(events, "a.txt").kind in ("created", "modified")
        ws.read("a.txt")
        (root / "a.txt").write_text("y\n")
        wait_for(events, "a.txt")
        assert ws.read("a.txt").content == "y\n"
        ws.write("b.txt", "z\n")
        assert wait_for(events, "b.txt").path == "b.txt"
        unsubscribe()
        unsubscribe()
    finally:
        ws.stop_watching()
        ws.stop_watching()


def test_watcher_invalidates_cache_entries(root: Path) -> None:
    (root / "a.txt").write_text("x\n")
    events: queue.Queue[ChangeEvent] = queue.Queue()
    with Workspace(root, racy_window_s=0) as ws:
        ws.read("a.txt")
        assert ws.cache_stats().entries == 1
        ws.subscribe(events.put)
        ws.start_watching()
        (root / "a.txt").unlink()
        assert wait_for(events, "a.txt").kind == "deleted"
        assert ws.cache_stats().entries == 0


def test_a_failing_subscriber_does_not_stop_the_others(ws: Workspace, root: Path) -> None:
    events: queue.Queue[ChangeEvent] = queue.Queue()

    def broken(event: ChangeEvent) -> None:
        raise RuntimeError("subscriber bug")

    ws.subscribe(broken)
    ws.subscribe(events.put)
    ws.start_watching()
    (root / "c.txt").write_text("x\n")
    assert wait_for(events, "c.txt").path == "c.txt"
