"""A folder made once per test session and shared by its xdist workers: a slow engine run (the pipeline or the
measures on Spark) is made by the first worker that needs it, under a lock, and read by the others, rather than
made again in every worker.  Without xdist (``worker_id`` "master") the folder is the test's own."""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path

DONE = ".made"


def made_once(tmp_path_factory, worker_id: str, name: str, make: Callable[[Path], None]) -> Path:
    """The folder ``name`` filled by ``make(folder)`` once for the whole session (all workers)."""
    if worker_id == "master":
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    # the workers' base folders are popen-gwN under one folder of this session alone
    folder = tmp_path_factory.getbasetemp().parent / f"shared-{name}"
    folder.mkdir(exist_ok=True)
    with (folder.parent / f"shared-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (folder / DONE).exists():
                make(folder)
                (folder / DONE).touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return folder
