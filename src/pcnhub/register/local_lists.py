"""Import local lists that name practices or networks instead of giving their ODS codes (board papers' tables).

Called by :func:`pcnhub.register.loaders.import_file`, inside its transaction (this module adds its
importers with :func:`~pcnhub.register.loaders.add_loader` when the register app is ready): an error
leaves the register as it was.  Names are matched with :mod:`pcnhub.domain.names` (one candidate or none, never a
guess); a name that cannot be matched is a *warning* on the import (file, row, field, the name and the
candidates found) and is left out, and the rest is imported.  A file none of whose names match is an error.

* Practice clusters (:func:`load_clusters`, e.g. Milton Keynes' seven clusters of 2019): the clusters'
  practices are looked for among the practices open on the date, in the sub-ICB location (CCG) where
  most of the file's names match one practice each (Milton Keynes CCG, 04F, for Milton Keynes).  Each cluster is a
  network with a local code (:func:`~pcnhub.register.loaders.local_code`, as a configuration's) in a
  place (``area``, else named after that sub-ICB location) under the ICB of its practices; the matched
  practices are its members from the date, and the file's population its list size on the date (a
  note compares it with the sum of its matched practices' list sizes when the register has them).
* Networks by place (:func:`load_place_networks`, e.g. the 25 PCNs of Leicester, Leicestershire and
  Rutland in 2019): each place is matched by name to a sub-ICB location (CCG) of the register
  ("Leicester City" and "NHS Leicester City CCG") and becomes a place under its ICB; each network is
  matched by name to a PCN of that sub-ICB location ("Aegis Healthcare" and "AEGIS HEALTHCARE PCN")
  and reuses it, else gets a local code.  Either way it sits in its place from the date.  No practices
  are named, so no memberships are recorded: the register knows the network but not its members.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Q

from pcnhub.domain.errors import InputError
from pcnhub.domain.names import Candidate, Match, NameIndex, unique_matches
from pcnhub.ingest import Kind, read_clusters, read_place_networks
from pcnhub.ingest.local_lists import (
    CLUSTER,
    PCN,
    PLACE,
    PRACTICES,
    ClusterRow,
    NamedPractice,
)
from pcnhub.register.loaders import (
    _icb_of_practices,
    _most_common,
    _parents_on_or_latest,
    add_loader,
    local_code,
)
from pcnhub.register.loading import ListSizeWriter, Session
from pcnhub.register.models import ListSize, Organisation, OrgKind
from pcnhub.register.services import names_on


def load_clusters(session: Session, date: dt.date | None, area: str | None) -> dt.date | None:
    """Import a cluster file (see the module notes); returns ``date``."""
    assert date is not None  # import_file insists
    rows = list(session.reading(read_clusters(session.path)))
    names = [(row, practice) for row in rows for practice in row.practices]
    practices = _open_practices(date)
    sub_icb_of = _sub_icbs(OrgKind.PRACTICE, date)
    chosen = _area_of_names(session.name, [practice for _, practice in names], practices, sub_icb_of)
    sub_icb = Organisation.objects.get(pk=chosen)
    index = NameIndex(c for pk, c in practices.items() if sub_icb_of.get(pk) == chosen)
    matches = [index.match(practice.name, practice.postcode) for _, practice in names]
    unique, shared = unique_matches(matches)
    kept = {id(match) for match in unique}
    shared_with = {id(match): others for match, others in shared}
    for (row, practice), match in zip(names, matches, strict=True):
        if id(match) in kept:
            continue
        where = f"row {row.row}, {PRACTICES}: {practice.name!r} ({row.cluster})"
        if id(match) in shared_with:
            others = ", ".join(f"{o.name!r}" for o in shared_with[id(match)])
            session.warnings.append(f"{where} matches {match.found.describe()}, as {others} also does: not imported")
        else:
            session.warnings.append(f"{where} {match.problem} among the open practices of {_org_label(sub_icb)}: "
                                    "not imported")
    if not unique:
        raise InputError.single(session.name, f"no practice named in the file could be matched in {_org_label(sub_icb)}")
    place = (area or "").strip() or sub_icb.name
    matched = {id(match): match for match in unique}
    members: dict[str, list[Match]] = {
        row.cluster: [matched[id(m)] for (r, _), m in zip(names, matches, strict=True) if r is row and id(m) in matched]
        for row in rows
    }
    session.notes.append(f"{len(unique)} of {len(names)} practice names matched among the open practices of "
                         f"{_org_label(sub_icb)} on {date}; {len(names) - len(unique)} not")
    session.notes.extend(
        f"row {row.row}: {row.cluster}: " + ", ".join(f"{m.name} = {m.found.code} {m.found.name} ({m.how})"
                                                      for m in members[row.cluster])
        for row in rows if members[row.cluster]
    )

    orgs = session.organisations()
    place_code = local_code(OrgKind.PLACE, place)
    orgs.upsert(place_code, OrgKind.PLACE, row=rows[0].row, field="area", name=place)
    for row in rows:
        if members[row.cluster]:
            orgs.upsert(local_code(OrgKind.PCN, row.cluster, place), OrgKind.PCN, row=row.row, field=CLUSTER,
                        name=row.cluster)
    orgs.flush()

    member_ids = [orgs.id(m.found.code) for ms in members.values() for m in ms]
    icbs = Counter(_icb_of_practices(member_ids, date).values())
    to_place = session.parentages(OrgKind.PLACE)
    to_icb = session.parentages(OrgKind.ICB)
    memberships = session.memberships()
    sizes = ListSizeWriter(session, date, None)
    for row in rows:
        if not members[row.cluster]:
            session.warnings.append(f"row {row.row}, {CLUSTER}: {row.cluster!r}: none of its practices matched: "
                                    "not imported")
            continue
        pcn = orgs.id(local_code(OrgKind.PCN, row.cluster, place))
        to_place.snapshot(pcn, date, orgs.id(place_code))
        for match in members[row.cluster]:
            memberships.snapshot(orgs.id(match.found.code), date, pcn)
        if row.population is not None:
            sizes.registered(pcn, row.population)
            session.notes.append(_population_note(row, [orgs.id(m.found.code) for m in members[row.cluster]], date))
    if icbs:
        to_icb.snapshot(orgs.id(place_code), date, _most_common(icbs))
    for timeline in (to_place, to_icb, memberships):
        timeline.flush()
    sizes.flush(final=True)
    return date


def load_place_networks(session: Session, date: dt.date | None, area: str | None) -> dt.date | None:
    """Import a file of networks by place (see the module notes); returns ``date``."""
    assert date is not None  # import_file insists
    rows = list(session.reading(read_place_networks(session.path)))
    # each organisation under its name on the file's date (names are dated: a CCG then, an ICB's sub-ICB now)
    sub_icb_names = names_on(date, OrgKind.SUB_ICB)
    sub_icbs = NameIndex(
        Candidate(code, sub_icb_names[pk]) for pk, code in Organisation.objects.filter(kind=OrgKind.SUB_ICB)
        .values_list("pk", "code")
    )
    places = list(dict.fromkeys(row.place for row in rows))
    place_matches = {place: sub_icbs.match(place) for place in places}
    pcn_sub_icb = _sub_icbs(OrgKind.PCN, date)
    pcn_names = names_on(date, OrgKind.PCN)
    pcns = {pk: Candidate(code, pcn_names[pk]) for pk, code in
            Organisation.objects.filter(kind=OrgKind.PCN).values_list("pk", "code")}
    codes_to_pk = {code: pk for pk, code in Organisation.objects.filter(
        kind=OrgKind.SUB_ICB).values_list("pk", "code")}
    first_row = {place: next(row.row for row in rows if row.place == place) for place in places}
    indexes: dict[str, NameIndex] = {}
    for place, match in place_matches.items():
        if match.found is None:
            session.warnings.append(f"row {first_row[place]}, {PLACE}: {place!r} {match.problem} of a sub-ICB location "
                                    "(CCG) in the register: the place is in no ICB and its networks are not matched to "
                                    "the register's PCNs")
            indexes[place] = NameIndex(())
            continue
        sub_icb = codes_to_pk[match.found.code]
        indexes[place] = NameIndex(c for pk, c in pcns.items() if pcn_sub_icb.get(pk) == sub_icb)
        session.notes.append(f"place {place!r} is {match.found.describe()} ({match.how} match)")
    matches = [indexes[row.place].match(row.pcn) for row in rows]
    unique, shared = unique_matches(matches)
    reused = {id(match) for match in unique}
    shared_with = {id(match): others for match, others in shared}

    orgs = session.organisations()
    for place in places:
        orgs.upsert(local_code(OrgKind.PLACE, place), OrgKind.PLACE, row=first_row[place], field=PLACE, name=place)
    codes: list[str] = []
    for row, match in zip(rows, matches, strict=True):
        where = f"row {row.row}, {PCN}: {row.pcn!r} ({row.place})"
        if id(match) in reused:
            codes.append(match.found.code)
            session.notes.append(f"{where} is {match.found.describe()} ({match.how} match)")
            continue
        code = local_code(OrgKind.PCN, row.pcn, row.place)
        orgs.upsert(code, OrgKind.PCN, row=row.row, field=PCN, name=row.pcn)
        codes.append(code)
        if id(match) in shared_with:
            others = ", ".join(repr(o.name) for o in shared_with[id(match)])
            reason = f"matches {match.found.describe()}, as {others} also does"
        elif place_matches[row.place].found is None:
            reason = "has no sub-ICB location to be matched in"
        else:
            reason = f"{match.problem} among the PCNs of {place_matches[row.place].found.describe()}"
        session.warnings.append(f"{where} {reason}: imported as a new network, {code}")
    orgs.flush()
    session.notes.insert(0, f"{len(unique)} of {len(rows)} networks matched to PCNs in the register, "
                            f"{len(rows) - len(unique)} imported as new networks; no member practices are named, so "
                            "none are recorded")

    to_place = session.parentages(OrgKind.PLACE)
    to_icb = session.parentages(OrgKind.ICB)
    for row, code in zip(rows, codes, strict=True):
        to_place.snapshot(orgs.id(code), date, orgs.id(local_code(OrgKind.PLACE, row.place)))
    for place, match in place_matches.items():
        if match.found is not None:
            sub_icb = codes_to_pk[match.found.code]
            icb = _parents_on_or_latest([sub_icb], OrgKind.ICB, date).get(sub_icb)
            if icb is not None:
                to_icb.snapshot(orgs.id(local_code(OrgKind.PLACE, place)), date, icb)
    for timeline in (to_place, to_icb):
        timeline.flush()
    return date


def _open_practices(date: dt.date) -> dict[int, Candidate]:
    """The practices open on ``date``, by primary key, as candidates for names."""
    rows = (
        Organisation.objects.filter(kind=OrgKind.PRACTICE)
        .filter(Q(open_date__isnull=True) | Q(open_date__lte=date), Q(close_date__isnull=True) | Q(close_date__gte=date))
        .values_list("pk", "code", "postcode")
    )
    names = names_on(date, OrgKind.PRACTICE)
    return {pk: Candidate(code, names[pk], postcode) for pk, code, postcode in rows}


def _sub_icbs(kind: str, date: dt.date) -> dict[int, int]:
    """Each organisation of ``kind``'s sub-ICB location on ``date``, failing that its latest recorded one."""
    return _parents_on_or_latest(Organisation.objects.filter(kind=kind).values_list("pk", flat=True), OrgKind.SUB_ICB,
                                 date)


def _area_of_names(
    file: str, names: list[NamedPractice], practices: dict[int, Candidate], sub_icb_of: dict[int, int]
) -> int:
    """The sub-ICB location in which most of ``names`` match one practice each: the file's area.

    Areas are tried where some name is found at all (exactly or by words); raises InputError when no name
    is found anywhere, or two areas match as many names.
    """
    index = NameIndex(practices.values())
    pk_of = {c.code: pk for pk, c in practices.items()}
    tried = {sub_icb_of[pk_of[c.code]] for named in names for c in index.by_name(named.name)
             if pk_of[c.code] in sub_icb_of}
    if not tried:
        raise InputError.single(file, "no practice named in the file matches a practice open in the register on the "
                                "date (import epraccur or the practice map first)", field=PRACTICES)
    in_area: dict[int, list[Candidate]] = {area: [] for area in tried}
    for pk, candidate in practices.items():
        if sub_icb_of.get(pk) in in_area:
            in_area[sub_icb_of[pk]].append(candidate)
    votes = {area: sum(NameIndex(candidates).match(n.name, n.postcode).found is not None for n in names)
             for area, candidates in in_area.items()}
    best = max(votes.values())
    if not best:
        raise InputError.single(file, "no practice named in the file matches one practice of an area: each name "
                                "matches several practices or none", field=PRACTICES)
    top = sorted(pk for pk, count in votes.items() if count == best)
    if len(top) > 1:
        labels = ", ".join(_org_label(org) for org in Organisation.objects.filter(pk__in=top).order_by("code"))
        raise InputError.single(file, f"cannot tell which area the practices are in: {best} names match practices of "
                                f"each of {labels}", field=PRACTICES)
    return top[0]


def _population_note(row: ClusterRow, practice_ids: list[int], date: dt.date) -> str:
    """How the file's population of a cluster compares with its matched practices' list sizes."""
    assert row.population is not None
    nearest: dict[int, ListSize] = {}
    for size in ListSize.objects.filter(organisation_id__in=practice_ids):
        known = nearest.get(size.organisation_id)
        if known is None or abs((size.date - date).days) < abs((known.date - date).days):
            nearest[size.organisation_id] = size
    said = f"row {row.row}: {row.cluster}: population {row.population:,} in the file"
    if not nearest:
        return f"{said}; no list size is recorded for its {len(practice_ids)} matched practices"
    total = sum(size.registered for size in nearest.values())
    dates = ", ".join(sorted({size.date.isoformat() for size in nearest.values()}))
    change = (row.population - total) / total * 100 if total else 0.0
    missing = len(practice_ids) - len(nearest)
    unknown = f", {missing} of them not known" if missing else ""
    practices = "practice's list size is" if len(practice_ids) == 1 else "practices' list sizes sum to"
    return (f"{said}; its {len(practice_ids)} matched {practices} {total:,} (of {dates}{unknown}): the file gives "
            f"{change:+.1f}%")


def _org_label(org: Organisation | int) -> str:
    if isinstance(org, int):
        org = Organisation.objects.get(pk=org)
    return f"{org.name} ({org.code})" if org.name and org.name != org.code else org.code


add_loader(Kind.CLUSTERS, load_clusters)
add_loader(Kind.PLACE_NETWORKS, load_place_networks)

__all__ = ["load_clusters", "load_place_networks"]
