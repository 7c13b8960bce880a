"""The state store: created on demand, WAL mode, shared by processes, rebuilt when corrupt."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from devreliab._store import StateStore


def test_store_is_created_with_its_own_gitignore_and_in_wal_mode(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    assert (tmp_path / ".devreliab" / ".gitignore").read_text() == "*\n"
    (mode,) = store.conn.execute("PRAGMA journal_mode").fetchone()
    assert mode == "wal"
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "analysis_cache" in tables


def test_a_store_that_is_not_a_database_is_moved_aside_and_rebuilt(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / ".devreliab").mkdir()
    (tmp_path / ".devreliab" / "state.db").write_bytes(b"this is not sqlite" * 100)
    with caplog.at_level(logging.WARNING, logger="devreliab.store"):
        store = StateStore(tmp_path)
    assert "rebuilding" in caplog.text
    store.conn.execute("INSERT INTO analysis_cache VALUES ('k', '{}', 2, 0)")
    assert list((tmp_path / ".devreliab").glob("state.db.corrupt-*"))


def test_a_store_with_damaged_pages_is_rebuilt(tmp_path: Path) -> None:
    store = StateStore(tmp_path)
    with store.transaction() as tx:
        tx.executemany("INSERT INTO analysis_cache VALUES (?, ?, 1, 0)", [(str(i), "x" * 3000) for i in range(200)])
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    db = tmp_path / ".devreliab" / "state.db"
    data = bytearray(db.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # smash the schema page, keep the header
    db.write_bytes(bytes(data))
    reopened = StateStore(tmp_path)
    (count,) = reopened.conn.execute("SELECT count(*) FROM analysis_cache").fetchone()
    assert count == 0


def _writer(root: str, worker: int) -> None:
    store = StateStore(Path(root))
    for i in range(50):
        with store.transaction() as tx:
            tx.execute("INSERT INTO analysis_cache VALUES (?, 'r', 1, 0)", (f"{worker}-{i}",))


def test_several_processes_write_the_store_at_once_without_losing_rows(tmp_path: Path) -> None:
    StateStore(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    conn = sqlite3.connect(tmp_path / ".devreliab" / "state.db")
    (count,) = conn.execute("SELECT count(*) FROM analysis_cache").fetchone()
    assert count == 200


def test_a_read_only_workspace_is_analysed_without_the_cache(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="devreliab-ro-"))
    try:
        (root / "a.py").write_text("def f(x):\n    return x\n")
        root.chmod(0o555)
        # a user who cannot write the workspace (root can write anywhere, so drop to nobody when root)
        prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] if os.geteuid() == 0 else []
        proc = subprocess.run([*prefix, sys.executable, "-m", "devreliab", "analyze", "."], cwd=root,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "analysis cache disabled" in proc.stderr and "cannot create the state store" in proc.stderr
        assert "Gate passed" in proc.stdout
        assert not (root / ".devreliab").exists()
    finally:
        root.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)


def test_a_crafted_analysis_cache_shipped_with_a_repository_cannot_hide_a_finding(tmp_path: Path) -> None:
    import json
    import os
    import shutil
    import subprocess
    import sys

    def analyze(root: Path, cache_home: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "devreliab", "analyze", "-f", "json", "."], cwd=root,
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "XDG_CACHE_HOME": str(cache_home)})

    attacker = tmp_path / "attacker"
    attacker.mkdir()
    (attacker / "evil.py").write_text("import subprocess\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n")
    assert analyze(attacker, tmp_path / "attacker-cache").returncode == 1
    # the attacker rewrites the cached result to say "no findings" and ships the state store with the code
    db = sqlite3.connect(attacker / ".devreliab" / "state.db")
    for key, result in list(db.execute("SELECT key, result FROM analysis_cache")):
        row = json.loads(result)
        row[6], row[7] = [], []  # findings, recommendations
        db.execute("UPDATE analysis_cache SET result = ? WHERE key = ?", (json.dumps(row), key))
    db.commit()
    db.close()
    assert analyze(attacker, tmp_path / "attacker-cache").returncode == 0  # the forgery works with their key

    victim = tmp_path / "victim"
    shutil.copytree(attacker, victim)
    result = analyze(victim, tmp_path / "victim-cache")
    assert result.returncode == 1
    assert json.loads(result.stdout)["gate"]["failing"][0]["rule"] == "B602"


def test_close_closes_the_connection_of_every_thread_that_used_the_store(tmp_path: Path) -> None:
    import threading

    store = StateStore(tmp_path)
    seen: list[sqlite3.Connection] = []

    def use() -> None:
        seen.append(store.conn)
        store.conn.execute("SELECT 1").fetchone()

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    seen.append(store.conn)
    store.close()
    for conn in seen:
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")
    assert store.conn.execute("SELECT 1").fetchone() == (1,)  # using it again reconnects


def test_a_rebuild_asked_for_by_mistake_moves_nothing_while_other_processes_write(tmp_path: Path) -> None:
    # a transient error in one process must not split the workspace's state: the store is checked again
    # under a lock, and only a database that really is damaged is moved aside
    StateStore(tmp_path)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w)) for w in range(4)]
    for p in procs:
        p.start()
    store = StateStore(tmp_path)
    for _ in range(5):
        store.rebuild("database disk image is malformed (transient)")
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    assert not list((tmp_path / ".devreliab").glob("state.db.corrupt-*"))
    (count,) = store.conn.execute("SELECT count(*) FROM analysis_cache").fetchone()
    assert count == 200


def test_a_store_that_cannot_be_opened_for_reasons_other_than_damage_is_an_error_not_a_rebuild(
        tmp_path: Path) -> None:
    from devreliab import StateStoreError

    StateStore(tmp_path)
    db = tmp_path / ".devreliab" / "state.db"
    db.chmod(0o444)
    (tmp_path / ".devreliab").chmod(0o555)  # read-only: WAL files cannot be created
    try:
        import os

        if os.geteuid() == 0:
            return_code = _open_as_nobody(tmp_path)
            assert return_code == 0
        else:
            with pytest.raises(StateStoreError):
                StateStore(tmp_path)
    finally:
        (tmp_path / ".devreliab").chmod(0o755)
        db.chmod(0o644)
    assert not list((tmp_path / ".devreliab").glob("state.db.corrupt-*"))


def _open_as_nobody(root: Path) -> int:
    """Open the store as an unprivileged user; exit 0 when that raised StateStoreError and moved nothing."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from devreliab._store import StateStore; "
            "from devreliab import StateStoreError\n"
            "try:\n    StateStore(Path(sys.argv[1]))\nexcept StateStoreError:\n    sys.exit(0)\nsys.exit(3)")
    root.chmod(0o755)
    root.parent.chmod(0o755)
    proc = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable,
                           "-c", code, str(root)], capture_output=True, text=True, timeout=120)
    return proc.returncode


_RECONNECT_WHILE_BUSY = """
import sys, threading
from pathlib import Path
from devreliab._store import StateStore

store = StateStore(Path(sys.argv[1]))
store.conn.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
stop = threading.Event()
errors = []

def busy() -> None:  # background threads at work, as the version store's writer and the sampler are
    while not stop.is_set():
        try:
            with store.transaction() as tx:
                tx.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(2000)])
            store.conn.execute("SELECT count(*), sum(x) FROM t").fetchall()
        except Exception as exc:
            errors.append(repr(exc))

workers = [threading.Thread(target=busy) for _ in range(2)]
for w in workers:
    w.start()
for _ in range(300):  # what a rebuild and a store file replaced under the process do: everyone reconnects
    store._drop_connections()
stop.set()
for w in workers:
    w.join()
print("survived", len(errors), errors[:3])
"""


def test_reconnecting_every_thread_never_closes_a_connection_another_thread_is_using(tmp_path: Path) -> None:
    """A rebuild (or a store file replaced under the process) makes every thread reconnect. Closing another
    thread's connection while it runs a statement crashes the process in SQLite (SIGSEGV): each thread must
    close its own. The crash takes a process down, so it runs in one."""
    proc = subprocess.run([sys.executable, "-c", _RECONNECT_WHILE_BUSY, str(tmp_path)], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONFAULTHANDLER": "1"})
    assert proc.returncode == 0 and "survived 0 []" in proc.stdout, (proc.returncode, proc.stdout, proc.stderr[-3000:])
