"""What every import of the register shares (:mod:`pcnhub.register.loaders` and the loaders built on it): the
import's session (the file, its progress bars, its problems and counts), the register's organisations in memory
with the creations and updates an import makes, dated relations folded snapshot by snapshot
(:class:`Timelines`), list sizes written while a large file is read, and the bulk writes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Protocol, TypeVar

from django.db import connection, models
from django.utils import timezone
from rich.progress import TaskID

from pcnhub.domain.errors import InputError
from pcnhub.domain.history import Interval, apply_snapshot, value_on
from pcnhub.ingest import Kind
from pcnhub.ingest.tabular import Problems
from pcnhub.progress import progress_bars
from pcnhub.register.models import (
    ListSize,
    ListSizeBand,
    Membership,
    Organisation,
    OrganisationName,
    OrgKind,
    Parentage,
)

#: Rows per INSERT / UPDATE statement.
BATCH_SIZE: Final = 500
#: Pending list-size rows that trigger a write while a large file is still being read.
FLUSH_EVERY: Final = 20_000


class Numbered(Protocol):
    """A parsed record, which knows its row in the file."""

    @property
    def row(self) -> int: ...


R = TypeVar("R", bound=Numbered)

#: The longest text each of an organisation's columns holds.
MAX_LENGTHS: Final = {f.name: f.max_length for f in Organisation._meta.get_fields() if getattr(f, "max_length", None)}


def kind_name(kind: str) -> str:
    """The kind of organisation in a sentence: "GP practice", "primary care network"."""
    label = str(OrgKind(kind).label)
    return label if label[:2].isupper() else label[0].lower() + label[1:]


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class Bars:
    """Rich progress bars on the console (stderr), one per phase; silent when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.progress = progress_bars(width=40, enabled=enabled)

    def __enter__(self) -> Bars:
        self.progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.progress.stop()

    def task(self, description: str, total: int | None) -> TaskID:
        return self.progress.add_task(description, total=total)

    @contextmanager
    def spinner(self, description: str) -> Iterator[None]:
        """A bar for a phase whose progress is not known, complete when the phase ends."""
        task = self.task(description, None)
        yield
        self.progress.update(task, total=1, completed=1)


class Session:
    """One import: the file, its progress bars, the register in memory, and the counts of changes."""

    def __init__(self, path: Path, kind: Kind, bars: Bars, lines: int, skip_unknown: bool) -> None:
        self.path = path
        self.name = path.name
        self.kind = kind
        self.bars = bars
        self.lines = lines
        self.skip_unknown = skip_unknown
        self.problems = Problems(path.name)
        self.tally = Tally()
        self.rows = 0
        self.skipped: set[str] = set()
        #: the codes of networks that began or ended with no clear lineage (:func:`lineage.refresh`)
        self.unclear: list[str] = []
        #: What the import could not do (names not matched ...), one sentence each: recorded and reported.
        self.warnings: list[str] = []
        #: What else the import found worth saying (names matched, populations compared ...).
        self.notes: list[str] = []
        self._orgs: Organisations | None = None
        #: whether a file of a kind that gives no memberships ended some (a list-size census: see census)
        self.memberships_changed = False

    def reading(self, records: Iterable[R]) -> Iterator[R]:
        """The records, counted into :attr:`rows`, with a progress bar of the file's lines."""
        progress = self.bars.progress
        task = self.bars.task(f"reading {self.name}", self.lines)
        for record in records:
            self.rows += 1
            if self.rows % 500 == 0:
                progress.update(task, completed=record.row)
            yield record
        progress.update(task, completed=self.lines)

    def organisations(self) -> Organisations:
        if self._orgs is None:
            self._orgs = Organisations(self)
        return self._orgs

    def parentages(self, parent_kind: str) -> Timelines:
        """The history of each organisation's parent of ``parent_kind``."""
        rows = Parentage.objects.filter(parent__kind=parent_kind)
        return Timelines(self, f"parents ({kind_name(parent_kind)})", rows, "child_id", "parent_id")

    def memberships(self) -> Timelines:
        """The history of each practice's PCN."""
        return Timelines(self, "memberships", Membership.objects.all(), "practice_id", "pcn_id")

    def unknown(self, code: str, row: int, field: str, kind: str) -> None:
        """A row for an organisation the register does not have: skipped, or a problem."""
        if self.skip_unknown:
            self.skipped.add(code)
            return
        self.problems.add(
            row,
            field,
            f"{code} is not in the register as a {kind_name(kind)} (import epraccur or the practice map first)",
        )

    def write(
        self, what: str, model: type[models.Model], new: list[Any], changed: list[Any], fields: list[str]
    ) -> None:
        """Insert ``new`` and update ``fields`` of ``changed`` in batches, with a progress bar."""
        if not new and not changed:
            return
        task = self.bars.task(f"writing {what}", len(new) + len(changed))
        for start in range(0, len(new), BATCH_SIZE):
            batch = new[start : start + BATCH_SIZE]
            model.objects.bulk_create(batch)
            self.bars.progress.advance(task, len(batch))
        for start in range(0, len(changed), BATCH_SIZE):
            batch = changed[start : start + BATCH_SIZE]
            update_rows(model, batch, fields)
            self.bars.progress.advance(task, len(batch))
        self.tally.created += len(new)
        self.tally.updated += len(changed)


class Organisations:
    """Every organisation in the register by code, with the creations and updates an import makes."""

    FIELDS: Final = ("name", "ons_code", "postcode", "address", "open_date", "close_date", "status")

    def __init__(self, session: Session) -> None:
        self.session = session
        self.by_code: dict[str, Organisation] = {
            org.code: org for org in Organisation.objects.only("id", "code", "kind", "source", *self.FIELDS)
        }
        self.new: dict[str, Organisation] = {}
        self.changed: dict[str, Organisation] = {}
        self.seen: set[str] = set()
        #: The names a dated file gives (code -> name on ``names_on``): kept as each organisation's dated names.
        self.names_on: dt.date | None = None
        self.dated_names: dict[str, str] = {}

    def get(self, code: str, kind: str) -> Organisation | None:
        org = self.by_code.get(code)
        return org if org is not None and org.kind == kind else None

    def id(self, code: str) -> int:
        pk: int = self.by_code[code].pk
        return pk

    def upsert(self, code: str, kind: str, *, row: int, field: str = "code", **values: Any) -> None:
        """Create the organisation, or bring ``values`` up to date; its ``source`` notes the file.

        A text longer than its column is a problem at its row (SQLite would keep it whole, PostgreSQL refuse it).
        """
        for name, value in values.items():
            limit = MAX_LENGTHS.get(name)
            if limit is not None and isinstance(value, str) and len(value) > limit:
                self.session.problems.fail(row, name, f"is {len(value):,} characters long; the register keeps at "
                                                      f"most {limit}")
        org = self._existing(code, kind, row, field)
        self.seen.add(code)
        if self.names_on is not None and "name" in values:
            self.dated_names[code] = values["name"]
        if org is None:
            self.by_code[code] = self.new[code] = Organisation(code=code, kind=kind, source=self.session.name, **values)
            return
        different = {name: value for name, value in values.items() if getattr(org, name) != value}
        if different:
            for name, value in different.items():
                setattr(org, name, value)
            org.source = self.session.name
            if code not in self.new:
                self.changed[code] = org

    def stub(self, code: str, kind: str, *, row: int, field: str) -> None:
        """Make sure the organisation exists, named by its code if it has to be created."""
        if self._existing(code, kind, row, field) is None:
            self.upsert(code, kind, row=row, field=field, name=code)

    def _existing(self, code: str, kind: str, row: int, field: str) -> Organisation | None:
        org = self.by_code.get(code)
        if org is not None and org.kind != kind:
            have, want = OrgKind(org.kind).label, OrgKind(kind).label
            self.session.problems.fail(
                row, field, f"{code} is already in the register as another kind of organisation ({have}), not {want}"
            )
        return org

    def flush(self) -> None:
        self.session.write(
            "organisations",
            Organisation,
            list(self.new.values()),
            list(self.changed.values()),
            [*self.FIELDS, "source"],
        )
        self.session.tally.unchanged += len(self.seen) - len(self.new) - len(self.changed)
        self.new.clear()
        self.changed.clear()
        self.seen.clear()
        if self.dated_names:
            self._name_history()

    def _name_history(self) -> None:
        """Fold this file's names into each organisation's dated names; the organisation's name is its newest
        (a file older than one imported before does not rename it back)."""
        assert self.names_on is not None
        names = Timelines(self.session, "names", OrganisationName.objects.all(), "organisation_id", "name")
        newest: dict[int, str] = {}
        for code, name in self.dated_names.items():
            pk = self.id(code)
            names.snapshot(pk, self.names_on, name)
            last = max(names.intervals(pk), key=lambda interval: interval[0] or dt.date.min)
            newest[pk] = last[2]
        names.flush()
        renamed = [org for org in self.by_code.values() if org.pk in newest and org.name != newest[org.pk]]
        now = timezone.now()
        for org in renamed:
            org.name, org.updated = newest[org.pk], now
        Organisation.objects.bulk_update(renamed, ["name", "updated"], batch_size=BATCH_SIZE)
        self.dated_names.clear()


class Timelines:
    """Dated rows of one relation (a practice's PCN, an organisation's parent of one kind) by subject.

    Snapshots are folded into each subject's intervals in memory; :meth:`flush` then writes the
    difference from the rows in the database: starts and ends moved, rows added, rows joined away.
    """

    def __init__(
        self, session: Session, what: str, rows: models.QuerySet[Any], subject_field: str, value_field: str
    ) -> None:
        self.session = session
        self.what = what
        self.model: type[models.Model] = rows.model
        self.subject_field = subject_field
        self.value_field = value_field
        self.stored: dict[int, list[tuple[int, Interval[int]]]] = defaultdict(list)
        for pk, subject, value, start, end in rows.values_list("id", subject_field, value_field, "start", "end"):
            self.stored[subject].append((pk, (start, end, value)))
        self.current: dict[int, list[Interval[int]]] = {}

    def subjects(self) -> set[int]:
        return set(self.stored) | set(self.current)

    def intervals(self, subject: int) -> list[Interval[int]]:
        if subject in self.current:
            return self.current[subject]
        return [interval for _, interval in self.stored.get(subject, ())]

    def on(self, subject: int, date: dt.date) -> int | None:
        return value_on(self.intervals(subject), date)

    def snapshot(self, subject: int, date: dt.date, value: int | None) -> None:
        """Fold "``subject`` had ``value`` (None: nothing) on ``date``" into the subject's history."""
        self.current[subject] = apply_snapshot(self.intervals(subject), date, value)

    def flush(self) -> None:
        new: list[models.Model] = []
        changed: list[models.Model] = []
        gone: list[int] = []
        unchanged = 0
        for subject, intervals in self.current.items():
            stored = list(self.stored.get(subject, ()))
            wanted = list(intervals)
            for item in list(stored):
                if item[1] in wanted:
                    wanted.remove(item[1])
                    stored.remove(item)
                    unchanged += 1
            for start, end, value in wanted:
                same_value = [item for item in stored if item[1][2] == value]
                match = next((item for item in same_value if item[1][0] == start or item[1][1] == end), None)
                match = match or next(iter(same_value), None)
                if match is None:
                    fields = {self.subject_field: subject, self.value_field: value}
                    new.append(self.model(start=start, end=end, source=self.session.name, **fields))
                else:
                    stored.remove(match)
                    changed.append(self.model(pk=match[0], start=start, end=end))
            gone.extend(pk for pk, _ in stored)
        self.session.write(self.what, self.model, new, changed, ["start", "end"])
        for first in range(0, len(gone), BATCH_SIZE):
            self.model.objects.filter(pk__in=gone[first : first + BATCH_SIZE]).delete()
        self.session.tally.updated += len(gone)
        self.session.tally.unchanged += unchanged
        self.current.clear()


class ListSizeWriter:
    """Upserts list sizes and age bands on one date, writing while a large file is still being read."""

    def __init__(self, session: Session, date: dt.date, scheme: str | None) -> None:
        self.session = session
        self.date = date
        self.scheme = scheme
        self.sizes: dict[int, tuple[int, int]] = {
            org: (pk, registered)
            for pk, org, registered in ListSize.objects.filter(date=date).values_list(
                "id", "organisation_id", "registered"
            )
        }
        self.bands: dict[tuple[int, str, str], tuple[int, int, int]] = {}
        if scheme is not None:
            self.bands = {
                (org, sex, band): (pk, age_from, patients)
                for pk, org, sex, band, age_from, patients in ListSizeBand.objects.filter(
                    date=date, scheme=scheme
                ).values_list("id", "organisation_id", "sex", "age_band", "age_from", "patients")
            }
        self.new_sizes: list[ListSize] = []
        self.changed_sizes: list[ListSize] = []
        self.new_bands: list[ListSizeBand] = []
        self.changed_bands: list[ListSizeBand] = []

    def registered(self, org: int, patients: int) -> None:
        existing = self.sizes.get(org)
        if existing is None:
            self.new_sizes.append(
                ListSize(organisation_id=org, date=self.date, registered=patients, source=self.session.name)
            )
        elif existing[1] != patients:
            self.changed_sizes.append(ListSize(pk=existing[0], registered=patients, source=self.session.name))
        else:
            self.session.tally.unchanged += 1
        self.flush()

    def band(self, org: int, sex: str, band: str, age_from: int, patients: int) -> None:
        existing = self.bands.get((org, sex, band))
        if existing is None:
            self.new_bands.append(
                ListSizeBand(
                    organisation_id=org,
                    date=self.date,
                    scheme=self.scheme,
                    sex=sex,
                    age_band=band,
                    age_from=age_from,
                    patients=patients,
                    source=self.session.name,
                )
            )
        elif existing[1:] != (age_from, patients):
            self.changed_bands.append(
                ListSizeBand(pk=existing[0], age_from=age_from, patients=patients, source=self.session.name)
            )
        else:
            self.session.tally.unchanged += 1
        self.flush()

    def flush(self, *, final: bool = False) -> None:
        """Write what is pending: always when ``final``, else once there is a lot of it."""
        pending = len(self.new_sizes) + len(self.changed_sizes) + len(self.new_bands) + len(self.changed_bands)
        if not final and pending < FLUSH_EVERY:
            return
        self.session.write("list sizes", ListSize, self.new_sizes, self.changed_sizes, ["registered", "source"])
        self.session.write(
            "age bands", ListSizeBand, self.new_bands, self.changed_bands, ["age_from", "patients", "source"]
        )
        for pending_rows in (self.new_sizes, self.changed_sizes, self.new_bands, self.changed_bands):
            pending_rows.clear()


def update_rows(model: type[models.Model], rows: list[Any], fields: list[str]) -> None:
    """``UPDATE ... WHERE id = ...`` of ``fields`` for each row, as one executemany.

    Much faster than ``bulk_update``, whose ``CASE WHEN`` expressions take Django longer to build
    than the database takes to run.  A model with a last-changed time (``updated``) gets it set too.
    """
    meta = model._meta
    if any(field.name == "updated" for field in meta.fields) and "updated" not in fields:
        now = timezone.now()
        for row in rows:
            row.updated = now
        fields = [*fields, "updated"]
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    params = [
        [column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns] + [row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def digest_and_lines(path: Path) -> tuple[str, int]:
    """The file's SHA-256 and its number of lines (for the progress bar)."""
    digest = hashlib.sha256()
    lines = 0
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
                lines += chunk.count(b"\n")
    except OSError as err:
        raise InputError.single(path.name, f"the file cannot be read ({err.strerror or err})") from None
    return digest.hexdigest(), lines
