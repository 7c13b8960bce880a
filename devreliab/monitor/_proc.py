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
