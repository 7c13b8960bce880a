"""This process's CPU time, resident memory and open files, read from /proc/self (Linux); None elsewhere."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class ProcessStats:
    cpu_seconds: float | None
    rss_bytes: int | None
    open_fds: int | None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def cpu_seconds() -> float | None:
    try:
        usage = resource.getrusage(resource.RUSAGE_SELF)
    except OSError:  # pragma: no cover - getrusage does not fail on Linux
        return None
    return usage.ru_utime + usage.ru_stime


def rss_bytes() -> int | None:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


def open_fds() -> int | None:
    try:
        return len(os.listdir("/proc/self/fd")) - 1  # listdir's own descriptor
    except OSError:
        return None


def read() -> ProcessStats:
    return ProcessStats(cpu_seconds(), rss_bytes(), open_fds())


def run_state(pid: int, started: float | None = None) -> str | None:
    """The scheduler state of process ``pid`` (``R``, ``S``, ``T`` stopped, ``Z``…; /proc/PID/stat), or None
    when no such process runs (or it is another process that reused the pid: one that started well after
    ``started``, wall time)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    if not fields:
        return None
    if started is not None and not _started_before(fields, started):
        return None
    return fields[0]


def _started_before(fields: list[str], started: float) -> bool:
    """Whether the process of these /proc stat fields started no later than ``started`` (+2 s)."""
    try:
        ticks = int(fields[19])  # starttime, in clock ticks since boot (field 22 of stat)
        with open("/proc/stat", "rb") as fh:
            boot = next(int(line.split()[1]) for line in fh if line.startswith(b"btime"))
    except (OSError, ValueError, IndexError, StopIteration):
        return True
    return bool(boot + ticks / os.sysconf("SC_CLK_TCK") <= started + 2.0)


def file_bytes(*paths: str) -> int:
    """The total size of the files that exist among ``paths``."""
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:
            continue
    return total


def cpu_wait_seconds() -> float | None:
    """How long this process's threads have waited on a run queue for a CPU, in total (``schedstat``; Linux)."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return None
    total = 0
    for tid in tasks:
        try:
            with open(f"/proc/self/task/{tid}/schedstat", "rb") as fh:
                total += int(fh.read().split()[1])
        except (OSError, ValueError, IndexError):
            continue  # a thread that just ended
    return total / 1e9
