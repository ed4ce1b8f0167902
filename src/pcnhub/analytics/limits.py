"""How much of the machine DuckDB may use: its memory limit and its threads.

Every DuckDB that reads patient data (``pcnhub phm run``, ``pcnhub measures run``, ``pcnhub iif --data``, the
dataset check before them, the web pages' reader of the outputs) takes its limits from here:

* the memory limit: ``--memory-limit`` where a command has it, else the environment variable
  ``PCNHUB_DUCKDB_MEMORY_LIMIT``, else :data:`MEMORY_SHARE` of the machine's memory: the physical memory
  (``os.sysconf``, else ``/proc/meminfo``), or the memory limit of the process's control group when that is
  smaller (a container).  The rest is left to what DuckDB's limit does not count: Python and Arrow buffers
  outside DuckDB, the operating system and its page cache (the Parquet files are read through it), other
  processes.  DuckDB keeps to the limit by spilling to its ``temp_directory`` (out of core), so a larger
  limit makes a large run faster (less spilling), never necessary.
* the threads: ``--threads``, else ``PCNHUB_DUCKDB_THREADS``, else DuckDB's default (every core).

A limit is written as DuckDB writes one: a number and a unit (``8GB``, ``512MB``, ``1.5GiB``; KB, MB, GB, TB
are powers of 1000, KiB, MiB, GiB, TiB of 1024) or a share of the machine's memory (``50%``).  A bad value is a
``ValueError`` naming where it came from (the option or the environment variable).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

MEMORY_LIMIT_ENV: Final = "PCNHUB_DUCKDB_MEMORY_LIMIT"
THREADS_ENV: Final = "PCNHUB_DUCKDB_THREADS"
#: The default memory limit's share of the machine's memory (12 GB of 24 GB; 2 GB of a 4 GB laptop).
MEMORY_SHARE: Final = 0.5
#: The default when the machine's memory cannot be read.
FALLBACK_MEMORY_LIMIT: Final = 2 * 10**9
#: The smallest limit accepted: the pipeline ran out of memory at 32 MB even on 5,000 patients (64 MB ran it).
MINIMUM_MEMORY: Final = 64 * 2**20
#: DuckDB's units (lower case), in bytes.
UNITS: Final = {
    "b": 1, "byte": 1, "bytes": 1,
    "k": 10**3, "kb": 10**3, "kilobyte": 10**3, "kilobytes": 10**3,
    "m": 10**6, "mb": 10**6, "megabyte": 10**6, "megabytes": 10**6,
    "g": 10**9, "gb": 10**9, "gigabyte": 10**9, "gigabytes": 10**9,
    "t": 10**12, "tb": 10**12, "terabyte": 10**12, "terabytes": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}
_SIZE: Final = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*|%)\s*", re.IGNORECASE)
#: A control group's "no limit" is a huge number; anything above this is taken as none.
_NO_LIMIT: Final = 2**60
_CGROUP_FILES: Final = (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"))


def physical_memory() -> int | None:
    """The machine's physical memory in bytes (None when it cannot be read)."""
    try:
        found = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        if found > 0:
            return int(found)
    except (AttributeError, ValueError, OSError):
        pass
    try:
        for line in Path("/proc/meminfo").read_text(encoding="ascii").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def cgroup_memory(files: tuple[Path, ...] = _CGROUP_FILES) -> int | None:
    """The memory limit of the process's control group (cgroup v2, else v1), None when there is none."""
    for path in files:
        try:
            text = path.read_text(encoding="ascii").strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < _NO_LIMIT:
            return int(text)
    return None


def machine_memory() -> int | None:
    """The memory this process may use: the physical memory, or its control group's limit when smaller."""
    known = [size for size in (physical_memory(), cgroup_memory()) if size]
    return min(known) if known else None


def default_memory_limit() -> int:
    """:data:`MEMORY_SHARE` of :func:`machine_memory`, whole MiB (:data:`FALLBACK_MEMORY_LIMIT` if unknown)."""
    memory = machine_memory()
    if memory is None:
        return FALLBACK_MEMORY_LIMIT
    return max(MINIMUM_MEMORY, int(memory * MEMORY_SHARE) // 2**20 * 2**20)


def _size_text(size: int) -> str:
    return f"{size / 2**30:.1f} GiB" if size >= 2**30 else f"{size / 2**20:.0f} MiB"


def parse_memory(text: str, source: str = "--memory-limit") -> int:
    """The memory size ``text`` (``8GB``, ``512MB``, ``1.5GiB``, ``50%``) in bytes; ``ValueError`` naming
    ``source`` if it is not one, is below :data:`MINIMUM_MEMORY` or above the machine's memory."""
    found = _SIZE.fullmatch(str(text))
    unit = found.group(2).lower() if found else ""
    if found is None or (unit not in UNITS and unit != "%"):
        raise ValueError(f"{source}: {text!r} is not a memory size (a number and a unit: 8GB, 512MB, 1.5GiB, or a "
                         f"share of the machine's memory: 50%)")
    number = float(found.group(1))
    memory = machine_memory()
    if unit == "%":
        if not 0 < number <= 100:
            raise ValueError(f"{source}: {text!r} is not a share of the machine's memory (above 0% and at most 100%)")
        if memory is None:
            raise ValueError(f"{source}: {text!r}: this machine's memory cannot be read; give a size (e.g. 8GB)")
        size = int(memory * number / 100)
    else:
        size = int(number * UNITS[unit])
    if size < MINIMUM_MEMORY:
        raise ValueError(f"{source}: {text!r} is too little memory for DuckDB to run in (at least 64MiB)")
    if memory is not None and size > memory:
        raise ValueError(f"{source}: {text!r} is more than this machine's memory ({_size_text(memory)}); DuckDB "
                         f"spills what does not fit to disk, so a smaller limit is enough")
    return size


def memory_limit(value: str | None = None, *, source: str = "--memory-limit",
                 environ: Mapping[str, str] | None = None) -> str:
    """DuckDB's ``memory_limit`` as DuckDB reads it (``"12000MiB"``): ``value`` (from ``source``), else
    :data:`MEMORY_LIMIT_ENV`, else :func:`default_memory_limit`."""
    environ = os.environ if environ is None else environ
    if value is None or not str(value).strip():
        value, source = environ.get(MEMORY_LIMIT_ENV) or None, MEMORY_LIMIT_ENV
    size = default_memory_limit() if value is None else parse_memory(value, source)
    return f"{size // 2**20}MiB"


def parse_threads(text: str | int, source: str = "--threads") -> int:
    """A number of DuckDB threads (1 or more); ``ValueError`` naming ``source`` otherwise."""
    try:
        value = int(str(text).strip())
    except ValueError:
        raise ValueError(f"{source}: {text!r} is not a whole number of threads") from None
    if value < 1:
        raise ValueError(f"{source}: {text!r} is not 1 or more threads")
    return value


def threads(value: str | int | None = None, *, source: str = "--threads",
            environ: Mapping[str, str] | None = None) -> int | None:
    """DuckDB's ``threads``: ``value``, else :data:`THREADS_ENV`, else None (DuckDB's default: every core)."""
    environ = os.environ if environ is None else environ
    if value is None or not str(value).strip():
        value, source = environ.get(THREADS_ENV) or None, THREADS_ENV
    return None if value is None else parse_threads(value, source)


def duckdb_config(memory: str | None = None, thread_count: str | int | None = None, *,
                  sources: tuple[str, str] = ("--memory-limit", "--threads")) -> dict[str, object]:
    """The ``memory_limit`` and ``threads`` of a DuckDB connection's config (threads only when set); ``sources``:
    where ``memory`` and ``thread_count`` come from, named by an error."""
    config: dict[str, object] = {"memory_limit": memory_limit(memory, source=sources[0])}
    found = threads(thread_count, source=sources[1])
    if found is not None:
        config["threads"] = found
    return config
