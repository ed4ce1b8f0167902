"""What an engine's output folder is, for those who read it: a fingerprint of its files, and the one reader.

``pcnhub phm run`` and ``pcnhub measures run`` write a folder of Parquet and JSON files; the pages keep what
they read of it in the site's cache under :func:`fingerprint` (each file's path, modification time and size),
so a new run, even one that writes the same paths, is read afresh.  What they read, they read through
:func:`shared_reader`: one DuckDB database per process, opened again when a run replaces the files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb

from pcnhub.analytics import limits


def fingerprint(folder: Path, files: Sequence[str]) -> str | None:
    """``path:mtime_ns:size`` of each of ``files`` in ``folder``, joined; None when one is missing."""
    try:
        stats = [(folder / name).stat() for name in files]
    except OSError:
        return None
    return ";".join(f"{folder / name}:{st.st_mtime_ns}:{st.st_size}" for name, st in zip(files, stats, strict=True))


def identity(path: str | os.PathLike[str]) -> tuple[int, int, int, int] | None:
    """A file's device, inode, modification time and size (None when it is missing): a file replaced by a new run
    has another, even when written at the same path within the same clock tick."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def _asked(memory_limit: str | None, threads: int | None) -> tuple:
    """What a reader's limits come from: the values given and the environment."""
    return memory_limit, threads, os.environ.get(limits.MEMORY_LIMIT_ENV), os.environ.get(limits.THREADS_ENV)


class _Database:
    """One in-memory DuckDB database and what it has read: the identity of each file."""

    def __init__(self, config: dict[str, object]) -> None:
        self.con = duckdb.connect(config=config)
        self.seen: dict[str, tuple[int, int, int, int] | None] = {}
        self.users = 0
        self.retired = False


class Reader:
    """Queries over the engines' output files for the pages: one in-memory DuckDB database per process, not one a
    query (opening one took ~30 ms; a cursor takes well under 1 ms).

    Each thread queries through a cursor of its own (DuckDB's rule: a connection is not to be shared by threads,
    its cursors are).  The files a query reads are named (``files``); when one of them is not the file the
    database read before (another inode, modification time or size: a new ``pcnhub phm run`` or ``pcnhub measures
    run`` replaced it), the reader opens a new database, so nothing of the old files is kept; the old one is
    closed once the queries running on it are done.  After a fork (a server's workers) the child opens its own.
    ``memory_limit`` and ``threads``: DuckDB's (:mod:`pcnhub.analytics.limits`).
    """

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None,
                 sources: tuple[str, str] = ("memory_limit", "threads")) -> None:
        self.asked = _asked(memory_limit, threads)
        self.config = limits.duckdb_config(memory_limit, threads, sources=sources)
        #: How many databases this reader has opened (for tests and benchmarks).
        self.opened = 0
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._database: _Database | None = None

    def _acquire(self, files: Sequence[str | os.PathLike[str]]) -> _Database:
        """The database to query ``files`` on (a new one if a file changed since), counted as in use."""
        found = {str(path): identity(path) for path in files}
        if self._pid != os.getpid():
            self._reset()  # a forked child: the parent's database is not ours to use (nor to close)
        with self._lock:
            database = self._database
            if database is None or any(p in database.seen and database.seen[p] != i for p, i in found.items()):
                if database is not None:
                    database.retired = True
                    if not database.users:
                        database.con.close()
                database = self._database = _Database(self.config)
                self.opened += 1
            database.seen.update(found)
            database.users += 1
            return database

    def _release(self, database: _Database) -> None:
        with self._lock:
            database.users -= 1
            if database.retired and not database.users:
                database.con.close()

    def query(self, sql: str, params: Sequence[Any] | Mapping[str, Any], files: Sequence[str | os.PathLike[str]]
              ) -> list[tuple]:
        """The rows of ``sql`` with ``params``, reading the Parquet ``files`` (their identity decides whether the
        database is still up to date)."""
        database = self._acquire(files)
        try:
            with self._lock:
                cursor = getattr(self._local, "cursor", None)
                if getattr(self._local, "database", None) is not database:
                    cursor = self._local.cursor = database.con.cursor()
                    self._local.database = database
            return cursor.execute(sql, params).fetchall()
        finally:
            self._release(database)

    def stream(self, sql: str, params: Sequence[Any] | Mapping[str, Any], files: Sequence[str | os.PathLike[str]],
               batch: int = 10_000) -> Iterator[tuple]:
        """The rows of ``sql`` one at a time, fetched ``batch`` at a time on a cursor of their own (for an export
        of millions of rows, which :meth:`query` would hold in memory all at once)."""
        database = self._acquire(files)
        try:
            with self._lock:
                cursor = database.con.cursor()
            try:
                cursor.execute(sql, params)
                while rows := cursor.fetchmany(batch):
                    yield from rows
            finally:
                cursor.close()
        finally:
            self._release(database)

    def close(self) -> None:
        """Close the database (a query afterwards opens a new one)."""
        with self._lock:
            if self._database is not None:
                self._database.retired = True
                if not self._database.users:
                    self._database.con.close()
                self._database = None


_READER: Reader | None = None
_READER_LOCK = threading.Lock()


def shared_reader(*, memory_limit: str | None = None, threads: int | None = None,
                  sources: tuple[str, str] = ("memory_limit", "threads")) -> Reader:
    """The process's :class:`Reader` (made on first use; made again when asked for other limits); ``sources``:
    where the limits come from, named by an error."""
    global _READER
    asked = _asked(memory_limit, threads)
    with _READER_LOCK:
        if _READER is None or _READER.asked != asked:
            if _READER is not None:
                _READER.close()
            _READER = Reader(memory_limit=memory_limit, threads=threads, sources=sources)
        return _READER
