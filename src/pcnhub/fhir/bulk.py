"""FHIR Bulk Data export (system level, NDJSON): ``GET /fhir/$export`` and ``pcnhub export fhir``.

:func:`write_export` writes one ``<Type>.ndjson`` file per resource type into a folder, one resource a line, every
resource the user's scope allows (each type's ``export`` stream when it has one, else its search page after page),
and returns the manifest's ``output``.  ``since`` keeps the resources changed after that instant (``_since``).

The web kick-off (:class:`Exports`, used by :class:`pcnhub.fhir.server.Server`) follows the Bulk Data Access IG's
asynchronous pattern: ``Prefer: respond-async`` is required; the answer is 202 with ``Content-Location``, the job's
status URL; polling it answers 202 with ``X-Progress`` while the export runs (on a thread of the server process),
then 200 with the manifest (``transactionTime``, ``request``, ``requiresAccessToken``, ``output`` with each file's
URL and count, ``error``), or 500 with an OperationOutcome; ``DELETE`` on it cancels the job and removes its files.
A job and its files belong to the user who asked for it: anyone else gets 404.  Jobs are folders under
``settings.PCNHUB_FHIR_EXPORT_DIR`` with a ``job.json``, so they survive a restart (a job whose thread died with the
server is reported as an error).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from django.db import connection

from pcnhub.fhir.search import DateRange, FhirError, date_value, instant

#: Resources written to a file before its progress is saved.
PAGE: Final = 1_000
JOB_FILE: Final = "job.json"


@dataclass(frozen=True)
class Caller:
    """What the resource types see of a request in an export: the user's scope (no request, so no audit)."""

    scope: Any
    user: Any = None


def resources(kind, caller: Caller, since: DateRange | None) -> Iterator[dict]:
    """Every resource of ``kind`` the caller may see (changed after ``since``, if given)."""
    filters = {"_lastUpdated": [since]} if since is not None else {}
    if kind.export is not None:
        yield from kind.export(caller, filters)
        return
    offset = 0
    while True:
        page = kind.search(caller, filters, offset, PAGE)
        yield from page.resources
        offset += PAGE
        if offset >= page.total or not page.resources:
            return


def write_export(types: Sequence, caller: Caller, folder: Path, since: DateRange | None = None,
                 progress: Callable[[str, int], None] | None = None) -> list[dict]:
    """``<Type>.ndjson`` in ``folder`` for each type; ``[{"type", "file", "count"}]``."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in types:
        path = folder / f"{kind.name}.ndjson"
        count = 0
        with path.open("w", encoding="utf-8") as handle:
            for resource in resources(kind, caller, since):
                handle.write(json.dumps(resource, separators=(",", ":"), ensure_ascii=False))
                handle.write("\n")
                count += 1
                if progress is not None and count % PAGE == 0:
                    progress(kind.name, count)
        if progress is not None:
            progress(kind.name, count)
        written.append({"type": kind.name, "file": path.name, "count": count})
    return written


def since_range(text: str) -> DateRange:
    """``_since``: an instant (or a date); resources changed after it."""
    value = date_value("_since", text)
    return DateRange("ge", value.start, value.end)


class Exports:
    """The jobs of the web's ``$export`` in ``root`` (a folder each)."""

    def __init__(self, root: Callable[[], Path]) -> None:
        self._root = root
        self._running: dict[str, threading.Thread] = {}

    @property
    def root(self) -> Path:
        return self._root()

    def folder(self, job: str) -> Path:
        return self.root / job

    def start(self, types: Sequence, caller: Caller, user_id: int, request_url: str, since: DateRange | None,
              run_in_thread: Callable[[Callable[[], None]], threading.Thread] | None = None) -> str:
        job = uuid.uuid4().hex
        folder = self.folder(job)
        folder.mkdir(parents=True)
        state = {"user": user_id, "status": "in-progress", "request": request_url, "transactionTime": instant(),
                 "types": [k.name for k in types], "progress": "starting", "output": [], "error": ""}
        self._save(job, state)

        def work() -> None:
            try:
                def progress(name: str, count: int) -> None:
                    state["progress"] = f"{name}: {count:,} resources"
                    self._save(job, state)

                state["output"] = write_export(types, caller, folder, since, progress)
                state["status"] = "complete"
            except Exception as error:  # reported to the client as the job's error, and logged
                logging.getLogger("pcnhub.fhir").exception("FHIR export %s failed", job)
                state["status"], state["error"] = "error", f"The export failed: {type(error).__name__}"
            finally:
                if folder.exists():
                    self._save(job, state)
                self._running.pop(job, None)
                connection.close()  # the thread's own database connection

        thread = (run_in_thread or _thread)(work)
        self._running[job] = thread
        return job

    def state(self, job: str, user_id: int) -> dict:
        """The job's state for its own user (404 otherwise)."""
        path = self.folder(job) / JOB_FILE if _is_job(job) else None
        try:
            state = json.loads(path.read_text(encoding="utf-8")) if path is not None else None
        except (OSError, ValueError):
            state = None
        if state is None or state.get("user") != user_id:
            raise FhirError(404, "not-found", f"No export job {job} of yours")
        if state["status"] == "in-progress" and job not in self._running:
            state["status"], state["error"] = "error", "The export stopped: the server restarted while it ran"
        return state

    def cancel(self, job: str, user_id: int) -> None:
        self.state(job, user_id)
        shutil.rmtree(self.folder(job), ignore_errors=True)

    def file(self, job: str, user_id: int, name: str) -> Path:
        state = self.state(job, user_id)
        files = {o["file"] for o in state.get("output", ())}
        if state["status"] != "complete" or name not in files:
            raise FhirError(404, "not-found", f"No file {name} in export {job}")
        return self.folder(job) / name

    def _save(self, job: str, state: dict) -> None:
        path = self.folder(job) / JOB_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state), encoding="utf-8")
        os.replace(temporary, path)


def _thread(work: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=work, name="pcnhub-fhir-export", daemon=True)
    thread.start()
    return thread


def _is_job(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def manifest(state: dict, file_url: Callable[[str], str]) -> dict:
    return {"transactionTime": state["transactionTime"], "request": state["request"], "requiresAccessToken": True,
            "output": [{"type": o["type"], "url": file_url(o["file"]), "count": o["count"]} for o in state["output"]],
            "error": []}


def parse_types(text: str | None, known: Iterable[str]) -> list[str]:
    known = list(known)
    if text is None or not text.strip():
        return known
    wanted = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [t for t in wanted if t not in known]
    if unknown:
        raise FhirError(400, "not-supported", f"_type: {', '.join(unknown)} cannot be exported here (it exports "
                                              f"{', '.join(known)})")
    return wanted
