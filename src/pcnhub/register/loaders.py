"""Load NHS open data files and local configurations into the register.

:func:`import_file` recognises the file (:func:`pcnhub.ingest.detect_kind`; a .zip's CSV files each, with
:func:`import_all`, in one transaction), parses it with the pure
parsers of :mod:`pcnhub.ingest` and writes the result inside one transaction: any problem leaves the
database exactly as it was, and the :class:`~pcnhub.domain.errors.InputError` (or other error) is
raised again.  Existing rows are read into dictionaries once and changes are written with bulk
operations, so a national file loads in seconds (the machinery every import shares is in
:mod:`pcnhub.register.loading`).  Importing the same file again changes nothing;
each import is recorded as an :class:`~pcnhub.register.models.ImportRun`.

What each kind of file writes:

* epraccur: practices (kind practice) with address, dates and status; each practice's parent
  commissioner (a sub-ICB location, created as a stub named by its code if unknown) from the date it
  joined that commissioner (its open date when ODS gives none) to the date it left.
* practice map: practices, PCNs, sub-ICB locations (CCGs), ICBs (STPs) and regions with their names
  and ONS codes; parentages practice -> sub-ICB, PCN -> sub-ICB (the most common sub-ICB of its
  practices), sub-ICB -> ICB, ICB -> region; memberships practice -> PCN.  These are snapshots on
  the extract date, folded into history with :func:`pcnhub.domain.history.apply_snapshot`: a
  practice that moved has its old membership ended the day before.  A practice the file lists as
  unallocated (PCN_CODE "U") is in no PCN from the extract date.  The file is a census
  (:mod:`pcnhub.register.census`): a practice it leaves out although it lists the practice's sub-ICB
  location has gone (it leaves its PCN and its location), and a location left with no practices
  leaves its ICB.
* ePCN: PCNs with their open and close dates, address and sub-ICB location (from the open date);
  memberships with their published start and end dates (a membership the register holds of the same practice
  and PCN over some of the same days, e.g. from a practice map's snapshots, takes the published dates, so
  the two are one membership, not two overlapping ones); where the
  version has the nominated payee columns, each named payee into the network's governance from the file's
  date (``date``, else the day of the import), the other arrangements kept; a payee the register does not
  know is added as a partner organisation (other provider).
* list sizes (all, quinary, single-age): :class:`ListSize` on the extract date from the all-ages
  rows of practices and PCNs, and :class:`ListSizeBand` per sex and age band.  Every practice and
  PCN must already be in the register.  A census too: a practice left out of a sub-ICB location the
  file lists leaves its PCN and location on the extract date.
* configuration CSV (needs ``date``): a PCN per name with a local code (see :func:`local_code`), in
  a place (``area``, or the file's ``area`` column) whose parent is the ICB of its practices on
  ``date`` when the register knows it; memberships as snapshots on ``date``; list sizes on ``date``.
  Every practice must already be in the register.
* practice clusters and networks by place (local lists naming practices or networks, not their codes):
  see :mod:`pcnhub.register.local_lists`.  Names that cannot be matched are warnings, kept on the
  :class:`ImportRun` with the rest of what the import found (its ``notes``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from django.db import transaction
from django.db.models import F

from pcnhub.domain.errors import InputError
from pcnhub.domain.money.years import FinancialYear
from pcnhub.ingest import (
    ConfigurationRow,
    EpcnMember,
    EpcnNetwork,
    Kind,
    detect_kind,
    read_configuration,
    read_epcn,
    read_epraccur,
    read_list_sizes,
    read_practice_map,
)
from pcnhub.ingest.archives import extracted_csvs, is_archive, member_name
from pcnhub.register import census, closures, lineage
from pcnhub.register.loading import (
    Bars,
    ListSizeWriter,
    Organisations,
    Session,
    digest_and_lines,
)
from pcnhub.register.models import (
    ImportRun,
    ListSize,
    ListSizeBand,
    Governance,
    Membership,
    Organisation,
    OrgKind,
    Parentage,
    PartnerType,
)

LOG = logging.getLogger(__name__)

_ONE_DAY: Final = dt.timedelta(days=1)


_KINDS_WITH_EXTRACT_DATE: Final = frozenset({Kind.PRACTICE_MAP, Kind.LIST_SIZES, Kind.QUINARY_AGE, Kind.SINGLE_AGE})
#: Local lists, which need the date they apply from and may be recorded up to the next financial year.
LOCAL_KINDS: Final = frozenset({Kind.CONFIGURATION, Kind.CLUSTERS, Kind.PLACE_NETWORKS})


def import_file(
    path: str | os.PathLike[str],
    kind: str | None = None,
    *,
    date: dt.date | None = None,
    area: str | None = None,
    user: str = "",
    progress: bool = True,
    skip_unknown: bool = False,
) -> ImportRun:
    """Import one file into the register, all or nothing, and return the record of the import.

    ``kind`` is one of :class:`pcnhub.ingest.Kind` (recognised from the contents when None).
    ``date`` is the date a configuration CSV applies from (required for one), or the publication
    date of an ePCN or epraccur file; files carrying an extract date must not disagree with it.
    ``area`` names the place of a configuration's (or a cluster file's) PCNs when the file has no ``area``
    column.
    ``skip_unknown`` skips, rather than rejects, list-size and configuration rows for practices
    (and PCNs) the register does not have.  Progress bars go to the console unless ``progress`` is
    false.  Raises :class:`InputError` for bad input, having written nothing.  A .zip is imported as
    :func:`import_all` does, returning the record of its last file.
    """
    source = Path(path)
    if is_archive(source):
        return import_all(source, kind, date=date, area=area, user=user, progress=progress,
                          skip_unknown=skip_unknown)[-1]
    kind = Kind(kind) if kind else detect_kind(source)
    if kind in LOCAL_KINDS and date is None:
        what = "a configuration" if kind is Kind.CONFIGURATION else f"a local list ({kind.value})"
        raise InputError.single(source.name, f"{what} needs the date it applies from (--date YYYY-MM-DD)")
    today = dt.date.today()
    if date is not None:
        _check_date(source.name, kind, date, today)
    started = time.perf_counter()
    digest, lines = digest_and_lines(source)
    with Bars(progress) as bars, transaction.atomic():
        session = Session(source, kind, bars, lines, skip_unknown)
        loader = _LOADERS.get(kind) or _MORE_LOADERS.get(kind)
        if loader is None:
            raise InputError.single(source.name, f"pcnhub cannot import {kind.value} files here (no importer loaded)")
        extract_date = loader(session, date, area)
        if kind not in LOCAL_KINDS and extract_date is not None and extract_date > today:
            raise InputError.single(source.name, f"the extract date {extract_date} is after today ({today}): an "
                                    "extract cannot be from the future", field="EXTRACT_DATE")
        if date is not None and kind in _KINDS_WITH_EXTRACT_DATE and date != extract_date:
            raise InputError.single(source.name, f"the file's extract date is {extract_date}, not {date}")
        if kind in MEMBERSHIP_KINDS or kind is Kind.EPRACCUR:
            closures.end_closed_memberships()
            census.end_memberships_of_the_gone()
        if kind in MEMBERSHIP_KINDS or session.memberships_changed:
            # what this file's date shows (the earlier dates' unclear networks were reported by their own files)
            unclear = [u for u in lineage.refresh().unclear if u.date == (extract_date or date)]
            codes = dict(Organisation.objects.filter(pk__in={u.pcn for u in unclear}).values_list("pk", "code"))
            session.unclear = sorted({codes[u.pcn] for u in unclear})
            if session.unclear:
                session.warnings.append(
                    f"{len(session.unclear)} networks began or ended with no clear predecessor or successor (a "
                    f"commissioner records their lineage): {', '.join(session.unclear)}")
        run = ImportRun.objects.create(
            kind=kind.value,
            file_name=source.name,
            sha256=digest,
            extract_date=extract_date or date,
            rows=session.rows,
            created=session.tally.created,
            updated=session.tally.updated,
            unchanged=session.tally.unchanged,
            seconds=round(time.perf_counter() - started, 3),
            imported_by=user,
            warnings="\n".join(session.warnings),
            notes="\n".join(session.notes),
        )
    if session.unclear:
        LOG.warning("%s: %d networks began or ended with no clear predecessor or successor (record their lineage): %s",
                    source.name, len(session.unclear), ", ".join(session.unclear[:10]))
    if session.skipped:
        codes = ", ".join(sorted(session.skipped)[:10])
        LOG.warning("%s: skipped %d codes not in the register: %s", source.name, len(session.skipped), codes)
    return run


def import_all(path: str | os.PathLike[str], kind: str | None = None, **options: Any) -> list[ImportRun]:
    """Import a file, or every CSV file of a .zip (epraccur, then PCN files, then list sizes: the order of
    :class:`Kind`) all or nothing together; the records of the imports, in the order made.  Problems in a
    file of an archive name it as ``archive.zip/file.csv``.  ``options`` are those of :func:`import_file`."""
    source = Path(path)
    if not is_archive(source):
        return [import_file(source, kind, **options)]
    with extracted_csvs(source) as members, transaction.atomic():
        current = source
        try:
            kinds = {}
            for current in members:
                kinds[current] = Kind(kind) if kind else detect_kind(current)
            runs = []
            for current in sorted(members, key=lambda member: list(Kind).index(kinds[member])):
                runs.append(import_file(current, kinds[current], **options))
        except InputError as err:
            file = member_name(source, current.name) if current is not source else err.file
            raise InputError(file, err.problems, truncated=err.truncated) from None
        return runs


def _check_date(file: str, kind: Kind, date: dt.date, today: dt.date) -> None:
    """A configuration may be recorded up to the end of the next financial year (a network agreed for next
    April); any other file's date is when it was published, never after today."""
    if kind in LOCAL_KINDS:
        horizon = FinancialYear(FinancialYear.containing(today).start_year + 1).end
        if date > horizon:
            raise InputError.single(file, f"--date {date} is after {horizon}, the end of the next financial year: a "
                                    "configuration is recorded for when it applies, at most that far ahead")
    elif date > today:
        raise InputError.single(file, f"--date {date} is after today ({today}): a file cannot be published in the "
                                "future")


def local_code(kind: str, name: str, *within: str) -> str:
    """A register code for an organisation without an ODS code, such as a local PCN or a place.

    "L-", up to eight letters and digits of the name, "-" and five hex digits of a hash of the
    kind, the names it is ``within`` (e.g. its area) and its name: at most 16 characters, always
    the same for the same names (ignoring case and spacing), so re-imports find the same row.
    """
    letters = re.sub(r"[^A-Z0-9]", "", name.upper())[:8] or "X"
    key = "|".join(" ".join(part.split()).casefold() for part in (kind, *within, name))
    return f"L-{letters}-{hashlib.sha256(key.encode()).hexdigest()[:5].upper()}"


# --- the importers, one per kind ---------------------------------------------------------------


def _load_epraccur(session: Session, date: dt.date | None, area: str | None) -> dt.date | None:
    orgs = session.organisations()
    links: list[tuple[str, str, dt.date, dt.date | None]] = []
    for practice in session.reading(read_epraccur(session.path)):
        orgs.upsert(
            practice.code,
            OrgKind.PRACTICE,
            row=practice.row,
            name=practice.name,
            address=practice.address,
            postcode=practice.postcode,
            open_date=practice.open_date,
            close_date=practice.close_date,
            status=practice.status,
        )
        joined = practice.joined_commissioner or practice.open_date
        if practice.commissioner and joined is not None:
            orgs.stub(practice.commissioner, OrgKind.SUB_ICB, row=practice.row, field="commissioner")
            links.append((practice.code, practice.commissioner, joined, practice.left_commissioner))
    orgs.flush()
    parents = session.parentages(OrgKind.SUB_ICB)
    for practice_code, commissioner, joined, left in links:
        child = orgs.id(practice_code)
        parents.snapshot(child, joined, orgs.id(commissioner))
        if left is not None:
            parents.snapshot(child, left + _ONE_DAY, None)
    parents.flush()
    return None


def _load_practice_map(session: Session, date: dt.date | None, area: str | None) -> dt.date | None:
    mappings = list(session.reading(read_practice_map(session.path)))
    extract = mappings[0].extract_date
    orgs = session.organisations()
    orgs.names_on = extract
    pcn_sub_icbs: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mappings:
        orgs.upsert(
            m.region_code,
            OrgKind.REGION,
            row=m.row,
            field="COMM_REGION_CODE",
            name=m.region_name,
            **_given(ons_code=m.region_ons_code),
        )
        orgs.upsert(
            m.icb_code, OrgKind.ICB, row=m.row, field="STP_CODE", name=m.icb_name, **_given(ons_code=m.icb_ons_code)
        )
        orgs.upsert(
            m.sub_icb_code,
            OrgKind.SUB_ICB,
            row=m.row,
            field="CCG_CODE",
            name=m.sub_icb_name,
            **_given(ons_code=m.sub_icb_ons_code),
        )
        orgs.upsert(
            m.practice_code,
            OrgKind.PRACTICE,
            row=m.row,
            field="PRACTICE_CODE",
            name=m.practice_name,
            **_given(postcode=m.practice_postcode),
        )
        if m.pcn_code is not None:
            orgs.upsert(m.pcn_code, OrgKind.PCN, row=m.row, field="PCN_CODE", name=m.pcn_name)
            pcn_sub_icbs[m.pcn_code][m.sub_icb_code] += 1
    orgs.flush()

    to_sub_icb = session.parentages(OrgKind.SUB_ICB)
    to_icb = session.parentages(OrgKind.ICB)
    to_region = session.parentages(OrgKind.REGION)
    memberships = session.memberships()
    for m in mappings:
        to_region.snapshot(orgs.id(m.icb_code), extract, orgs.id(m.region_code))
        to_icb.snapshot(orgs.id(m.sub_icb_code), extract, orgs.id(m.icb_code))
        to_sub_icb.snapshot(orgs.id(m.practice_code), extract, orgs.id(m.sub_icb_code))
        memberships.snapshot(orgs.id(m.practice_code), extract, orgs.id(m.pcn_code) if m.pcn_code else None)
    for pcn_code, sub_icbs in pcn_sub_icbs.items():
        to_sub_icb.snapshot(orgs.id(pcn_code), extract, orgs.id(_most_common(sub_icbs)))

    # The file is a census (see census): what it leaves out of the locations it lists is no longer there.
    practices = _practice_ids()
    census.leave_unlisted(extract, {orgs.id(m.practice_code) for m in mappings},
                          {orgs.id(m.sub_icb_code) for m in mappings}, practices, to_sub_icb, memberships)
    census.empty_locations_leave(extract, practices, to_sub_icb, to_icb)

    for timeline in (to_region, to_icb, to_sub_icb, memberships):
        timeline.flush()
    return extract


def _practice_ids() -> set[int]:
    return set(Organisation.objects.filter(kind=OrgKind.PRACTICE).values_list("pk", flat=True))


def _load_epcn(session: Session, date: dt.date | None, area: str | None) -> dt.date | None:
    with session.bars.spinner(f"reading {session.name}"):
        epcn = read_epcn(session.path)
    session.rows = len(epcn.networks) + len(epcn.members)
    orgs = session.organisations()
    for n in epcn.networks:
        _sub_icb(orgs, n.sub_icb_code, n.sub_icb_name, n.row, "Current Sub ICB Loc Code")
        orgs.upsert(
            n.code,
            OrgKind.PCN,
            row=n.row,
            field="PCN Code",
            name=n.name,
            open_date=n.open_date,
            close_date=n.close_date,
            address=n.address,
            postcode=n.postcode,
        )
    described = {n.code for n in epcn.networks}
    for m in epcn.members:
        orgs.upsert(
            m.practice_code, OrgKind.PRACTICE, row=m.row, field="Partner Organisation Code", name=m.practice_name
        )
        _sub_icb(orgs, m.practice_sub_icb_code, m.practice_sub_icb_name, m.row, "Practice Parent Sub ICB Loc Code")
        _sub_icb(orgs, m.pcn_sub_icb_code, m.pcn_sub_icb_name, m.row, "PCN Parent Sub ICB Loc Code")
        if m.pcn_code not in described:
            orgs.upsert(m.pcn_code, OrgKind.PCN, row=m.row, field="PCN Code", name=m.pcn_name)
    named = [n for n in epcn.networks if n.payee_code]
    for n in named:  # a payee the register does not know (a federation, a trust): a partner organisation
        if n.payee_code not in orgs.by_code:
            orgs.upsert(n.payee_code, OrgKind.PARTNER, row=n.row, field="Nominated Payee Code",
                        name=n.payee_name or n.payee_code, partner_type=PartnerType.OTHER_PROVIDER)
    orgs.flush()

    parents = session.parentages(OrgKind.SUB_ICB)
    on = date or epcn.saved or dt.date.today()
    for n in epcn.networks:
        pcn = orgs.id(n.code)
        start = _current_from(n, on, known=bool(parents.intervals(pcn)))
        if start is not None:
            parents.snapshot(pcn, start, orgs.id(n.sub_icb_code))
        if n.close_date is not None:
            parents.snapshot(pcn, n.close_date + _ONE_DAY, None)
    parents.flush()

    new, changed, gone = _published_memberships(session, orgs, epcn.members)
    session.write("memberships", Membership, new, changed, ["start", "end"])
    Membership.objects.filter(pk__in=gone).delete()
    session.tally.updated += len(gone)
    session.tally.unchanged += len(epcn.members) - len(new) - len(changed)
    if named:
        _record_payees(session, {orgs.id(n.code): orgs.id(n.payee_code) for n in named},
                       date or dt.date.today())
    return None


def _current_from(network: EpcnNetwork, on: dt.date, *, known: bool) -> dt.date | None:
    """The day from which an ePCN file's "Current" sub-ICB code is recorded as the PCN's: its open date when the
    register knows none (the best there is), else the file's date (``--date``, else the day it was saved), so an
    earlier file's code (a CCG's, before the sub-ICB locations) keeps its days; None (not recorded) when the
    register knows one and the PCN closed before that day: ODS gives a closed PCN the codes of later reorganisations
    (a PCN closed in March 2022 has a sub-ICB code of July 2022), which say nothing of its open days; None too
    for a PCN with no open date."""
    if network.open_date is None or not known:
        return network.open_date
    if network.close_date is not None and network.close_date < on:
        return None
    return max(on, network.open_date)


def _published_memberships(session: Session, orgs: Organisations, members: Iterable[EpcnMember]) -> tuple[
        list[Membership], list[Membership], list[int]]:
    """The ePCN's memberships against the register's: ``(new, changed, gone)``.  A published membership takes
    over the register's memberships of the same practice and PCN that share a day with it (its dates win; one
    is kept, the others are gone), else it is new.  Memberships of another PCN are left as they are."""
    held: dict[tuple[int, int], list[Membership]] = defaultdict(list)
    for row in Membership.objects.only("id", "practice_id", "pcn_id", "start", "end"):
        held[(row.practice_id, row.pcn_id)].append(row)
    new: list[Membership] = []
    changed: dict[int, Membership] = {}
    gone: list[int] = []
    for m in sorted(members, key=lambda m: m.start):
        rows = held[(orgs.id(m.practice_code), orgs.id(m.pcn_code))]
        shared = sorted((row for row in rows if _overlap(row.start, row.end, m.start, m.end)),
                        key=lambda row: (row.start != m.start, row.start or dt.date.min))
        if not shared:
            row = Membership(practice_id=orgs.id(m.practice_code), pcn_id=orgs.id(m.pcn_code), start=m.start,
                             end=m.end, source=session.name)
            rows.append(row)
            new.append(row)
            continue
        row, *others = shared
        for other in others:
            rows.remove(other)
            if other.pk is None:
                new.remove(other)
            else:
                changed.pop(other.pk, None)
                gone.append(other.pk)
        if (row.start, row.end) != (m.start, m.end):
            row.start, row.end = m.start, m.end
            if row.pk is not None:
                changed[row.pk] = row
    return new, list(changed.values()), gone


def _overlap(start: dt.date | None, end: dt.date | None, other_start: dt.date, other_end: dt.date | None) -> bool:
    """Whether the periods share a day (None: open)."""
    return ((start is None or other_end is None or start <= other_end)
            and (end is None or end >= other_start))


def _record_payees(session: Session, payee_of: Mapping[int, int], on: dt.date) -> None:
    """Each network's nominated payee (``payee_of``: PCN id -> payee id) into its governance from ``on`` (the file's
    publication date): the current arrangements kept with the new payee from that day (their row ended the day
    before; the row itself when it starts that day), a first row where there is none, nothing where the payee is
    the same.  Governance recorded from a later date than the file is left as it is, and said so."""
    latest: dict[int, Governance] = {}
    for row in Governance.objects.filter(pcn_id__in=list(payee_of)).order_by("start"):
        latest[row.pcn_id] = row
    new: list[Governance] = []
    changed: list[Governance] = []
    later: list[int] = []
    for pcn, payee in payee_of.items():
        row = latest.get(pcn)
        if row is not None and row.applies_on(on) and row.nominated_payee_id == payee:
            session.tally.unchanged += 1
        elif row is not None and row.start is not None and row.start > on:
            later.append(pcn)
        elif row is not None and row.start == on:
            row.nominated_payee_id = payee
            changed.append(row)
        else:
            kept = {}
            if row is not None and row.applies_on(on):
                row.end = on - _ONE_DAY
                changed.append(row)
                kept = {"delivery_model": row.delivery_model, "network_agreement": row.network_agreement,
                        "network_agreement_date": row.network_agreement_date}
            new.append(Governance(pcn_id=pcn, start=on, nominated_payee_id=payee, **kept))
    session.write("nominated payees", Governance, new, changed, ["end", "nominated_payee"])
    if later:
        codes = sorted(Organisation.objects.filter(pk__in=later).values_list("code", flat=True))
        session.warnings.append(
            f"{len(later)} networks have governance recorded from after {on}; their nominated payee in this file was "
            f"not recorded: {', '.join(codes)}")


def _load_list_sizes(session: Session, date: dt.date | None, area: str | None) -> dt.date | None:
    scheme = {Kind.QUINARY_AGE: ListSizeBand.Scheme.QUINARY, Kind.SINGLE_AGE: ListSizeBand.Scheme.SINGLE}.get(
        session.kind
    )
    orgs = session.organisations()
    writer: ListSizeWriter | None = None
    listed: set[int] = set()
    listed_sub_icbs: set[int] = set()
    for count in session.reading(read_list_sizes(session.path, scheme)):
        if writer is None:
            writer = ListSizeWriter(session, count.extract_date, scheme)
        kind = OrgKind.PRACTICE if count.org_type == "GP" else OrgKind.PCN
        org = orgs.get(count.code, kind)
        if org is None:
            session.unknown(count.code, count.row, count.code_field, kind)
            continue
        if kind == OrgKind.PRACTICE and count.sub_icb_code:
            listed.add(org.pk)
            location = orgs.get(count.sub_icb_code, OrgKind.SUB_ICB)
            if location is not None:
                listed_sub_icbs.add(location.pk)
        if count.age_from is not None:
            writer.band(org.pk, count.sex, count.age_band, count.age_from, count.patients)
        elif count.sex == ListSizeBand.Sex.ALL:
            writer.registered(org.pk, count.patients)
    session.problems.raise_if_any()
    assert writer is not None  # read_list_sizes raises for a file without rows
    writer.flush(final=True)
    if listed_sub_icbs:  # a census of the practices with registered patients, like the maps (see census)
        to_sub_icb, memberships = session.parentages(OrgKind.SUB_ICB), session.memberships()
        gone = census.leave_unlisted(writer.date, listed, listed_sub_icbs, _practice_ids(), to_sub_icb, memberships)
        to_sub_icb.flush()
        memberships.flush()
        session.memberships_changed = bool(gone)
    return writer.date


def _load_configuration(session: Session, date: dt.date | None, area: str | None) -> dt.date | None:
    assert date is not None  # import_file insists
    rows = list(session.reading(read_configuration(session.path)))
    orgs = session.organisations()
    orgs.names_on = date
    known = []
    for row in rows:
        if orgs.get(row.practice_code, OrgKind.PRACTICE) is None:
            session.unknown(row.practice_code, row.row, "practice_code", OrgKind.PRACTICE)
        else:
            known.append(row)
    session.problems.raise_if_any()

    def area_of(row: ConfigurationRow) -> str:
        return row.area or (area or "").strip()

    practice_ids = [orgs.id(row.practice_code) for row in known]
    sub_icb_of = _parents_on_or_latest(practice_ids, OrgKind.SUB_ICB, date)
    icb_of = _icb_of_practices(practice_ids, date)
    place_icbs: dict[str, Counter[int]] = defaultdict(Counter)
    pcn_sub_icbs: dict[str, Counter[int]] = defaultdict(Counter)
    for row in known:
        sub_icb = sub_icb_of.get(orgs.id(row.practice_code))
        place = area_of(row)
        if place:
            orgs.upsert(local_code(OrgKind.PLACE, place), OrgKind.PLACE, row=row.row, field="area", name=place)
            icb = icb_of.get(orgs.id(row.practice_code))
            if icb is not None:
                place_icbs[place][icb] += 1
        if row.pcn:
            orgs.upsert(local_code(OrgKind.PCN, row.pcn, place), OrgKind.PCN, row=row.row, field="pcn", name=row.pcn)
            if not place and sub_icb is not None:
                pcn_sub_icbs[row.pcn][sub_icb] += 1
    orgs.flush()

    to_place = session.parentages(OrgKind.PLACE)
    to_icb = session.parentages(OrgKind.ICB)
    to_sub_icb = session.parentages(OrgKind.SUB_ICB)
    memberships = session.memberships()
    sizes = ListSizeWriter(session, date, None)
    for row in known:
        practice = orgs.id(row.practice_code)
        place = area_of(row)
        pcn = orgs.id(local_code(OrgKind.PCN, row.pcn, place)) if row.pcn else None
        memberships.snapshot(practice, date, pcn)
        sizes.registered(practice, row.list_size)
        if pcn is not None and place:
            to_place.snapshot(pcn, date, orgs.id(local_code(OrgKind.PLACE, place)))
    for place, icbs in place_icbs.items():
        to_icb.snapshot(orgs.id(local_code(OrgKind.PLACE, place)), date, _most_common(icbs))
    for pcn_name, sub_icbs in pcn_sub_icbs.items():
        to_sub_icb.snapshot(orgs.id(local_code(OrgKind.PCN, pcn_name, "")), date, _most_common(sub_icbs))
    for timeline in (to_place, to_icb, to_sub_icb, memberships):
        timeline.flush()
    sizes.flush(final=True)
    for row in known:
        if row.weighted is not None or row.adjusted is not None:
            ListSize.objects.filter(organisation_id=orgs.id(row.practice_code), date=date).update(
                weighted=row.weighted, adjusted=row.adjusted
            )
    return date


#: The kinds of file that change memberships: the lineage of networks is inferred again after each.
MEMBERSHIP_KINDS: Final = frozenset({Kind.PRACTICE_MAP, Kind.EPCN, Kind.CONFIGURATION, Kind.CLUSTERS})

_LOADERS: Final[Mapping[Kind, Callable[[Session, dt.date | None, str | None], dt.date | None]]] = {
    Kind.EPRACCUR: _load_epraccur,
    Kind.EPCN: _load_epcn,
    Kind.PRACTICE_MAP: _load_practice_map,
    Kind.LIST_SIZES: _load_list_sizes,
    Kind.QUINARY_AGE: _load_list_sizes,
    Kind.SINGLE_AGE: _load_list_sizes,
    Kind.CONFIGURATION: _load_configuration,
}
#: Importers of further kinds, from modules built on this one (:func:`add_loader`).
_MORE_LOADERS: dict[Kind, Callable[[Session, dt.date | None, str | None], dt.date | None]] = {}


def add_loader(kind: Kind, loader: Callable[[Session, dt.date | None, str | None], dt.date | None]) -> None:
    """Import files of ``kind`` with ``loader``: how :mod:`pcnhub.register.local_lists`, which builds on this
    module, adds its importers (it is imported when the register app is ready, see ``apps.py``)."""
    _MORE_LOADERS[kind] = loader


def _parents_on_or_latest(child_ids: Iterable[int], kind: str, date: dt.date) -> dict[int, int]:
    """Each child's parent of ``kind`` on ``date``; failing that, its most recently recorded one.

    Open data record geography as dated snapshots (a 2019 CCG, a 2022 sub-ICB location), so a
    configuration dated between snapshots is placed by the nearest record rather than left unplaced.
    """
    links = (
        Parentage.objects.filter(child_id__in=list(child_ids), parent__kind=kind)
        .order_by("child_id", F("start").asc(nulls_first=True))
        .values_list("child_id", "parent_id", "start", "end")
    )
    on_date: dict[int, int] = {}
    latest: dict[int, int] = {}
    for child, parent, start, end in links:
        latest[child] = parent
        if (start is None or start <= date) and (end is None or end >= date):
            on_date[child] = parent
    return {**latest, **on_date}


def _icb_of_practices(practice_ids: list[int], date: dt.date) -> dict[int, int]:
    """Each practice's ICB through its sub-ICB locations: on ``date`` if recorded, else the latest."""
    icb: dict[int, int] = {}
    for practice, sub_icb in _parents_on_or_latest(practice_ids, OrgKind.SUB_ICB, date).items():
        icb_of_sub = _parents_on_or_latest([sub_icb], OrgKind.ICB, date)
        if sub_icb in icb_of_sub:
            icb[practice] = icb_of_sub[sub_icb]
    # A former CCG may have no ICB of its own: try every sub-ICB the practice has been in.
    missing = [p for p in practice_ids if p not in icb]
    if missing:
        subs = Parentage.objects.filter(child_id__in=missing, parent__kind=OrgKind.SUB_ICB).order_by(
            F("start").asc(nulls_first=True)
        )
        for practice, sub_icb in subs.values_list("child_id", "parent_id"):
            found = _parents_on_or_latest([sub_icb], OrgKind.ICB, date).get(sub_icb)
            if found is not None:
                icb[practice] = found
    return icb


def _sub_icb(orgs: Organisations, code: str, name: str, row: int, field: str) -> None:
    """Name a sub-ICB location if the file does, else make sure it is in the register."""
    if not code:
        return
    if name:
        orgs.upsert(code, OrgKind.SUB_ICB, row=row, field=field, name=name)
    else:
        orgs.stub(code, OrgKind.SUB_ICB, row=row, field=field)


def _given(**values: str) -> dict[str, str]:
    """The values that are not blank (a file without ONS codes leaves those in the register alone)."""
    return {name: value for name, value in values.items() if value}


def _most_common(counts: Counter[Any]) -> Any:
    """The most common value, the lowest of equals, so the choice does not depend on file order."""
    return min(counts, key=lambda value: (-counts[value], value))
