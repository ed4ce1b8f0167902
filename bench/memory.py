"""Peak memory of a benchmark's processes, read from ``/proc``.

Each tool is measured in a process of its own so that its peak memory is its own: ``VmHWM``, the high-water mark
of the process's resident memory (DuckDB's, Arrow's and Polars' native memory included), which starts again at
``exec``.  ``resource.getrusage(...).ru_maxrss`` does not: Linux carries it over ``exec``, so a child started by
a process that had used more would report the parent's peak.  Without ``/proc``, ``ru_maxrss`` is the fallback (an
upper bound)."""

from __future__ import annotations

import resource
from pathlib import Path


def _vmhwm_mb(status: Path) -> float | None:
    for line in status.read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


def peak_mb() -> float:
    """This process's peak resident memory in MB (``VmHWM``; ``ru_maxrss`` without ``/proc``)."""
    try:
        found = _vmhwm_mb(Path("/proc/self/status"))
    except OSError:
        found = None
    return found if found is not None else round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def process_peak_mb(pid: int) -> float:
    """Another process's peak resident memory so far in MB (``VmHWM``), 0 if it is gone."""
    try:
        return _vmhwm_mb(Path(f"/proc/{pid}/status")) or 0.0
    except OSError:
        return 0.0


def descendants(pid: int) -> list[int]:
    """The processes started (directly or not) by ``pid``, from /proc (e.g. the JVM of a Spark session)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # ended meanwhile
            continue
        parent = int(text[text.rindex(")") + 2:].split()[1])  # after "pid (name) state"
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found
