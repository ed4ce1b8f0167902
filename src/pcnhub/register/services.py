"""Queries over the register that pages, API and CLI share.

Geography (which ICB a practice or PCN sits in) is taken across all recorded dates, because
open data record CCG mergers only as new snapshots; memberships, list sizes and governance are
taken as they stood on the date asked for.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Q

from pcnhub.domain import rules
from pcnhub.domain.contiguity import DEFAULT_MAX_EDGE_KM, ContiguityStatus, checked_status, with_contiguity
from pcnhub.register.models import (
    AgreementStatus,
    BandPolicy,
    ClinicalDirector,
    Governance,
    ImportRun,
    ListSize,
    Membership,
    Organisation,
    OrganisationName,
    OrgKind,
    Parentage,
    RuleException,
    Succession,
)

if TYPE_CHECKING:  # locations loads the postcode data's numpy code: imported where practices are located
    from pcnhub.register.locations import PracticeLocations

AREA_KINDS = (OrgKind.REGION, OrgKind.ICB, OrgKind.SUB_ICB, OrgKind.PLACE)
#: The longest search text (an ODS code or part of a name) read: the search page cuts a longer one there, the
#: API's ``?q=`` answers it 422.
MAX_QUERY = 100


def parse_date(value: str | None, default: dt.date | None = None) -> dt.date | None:
    """``YYYY-MM-DD`` to a date; blank gives ``default``; anything else raises ValueError."""
    if value is None or not str(value).strip():
        return default
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def latest_data_date() -> dt.date:
    """The newest date the register has memberships or list sizes for, but never after today (a configuration
    recorded for next April does not move every page there); today if the register is empty."""
    today = dt.date.today()
    dates = [
        Membership.objects.filter(start__lte=today).aggregate(d=Max("start"))["d"],
        ListSize.objects.filter(date__lte=today).aggregate(d=Max("date"))["d"],
    ]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else today


#: The tables whose rows make up the register a page reads (the import log first).
FINGERPRINTED = (ImportRun, Organisation, Parentage, Membership, ListSize, ClinicalDirector, Governance, RuleException,
                 BandPolicy, Succession)


def register_fingerprint() -> str:
    """A short text that changes whenever the register does: the number of rows and the highest id of each of
    :data:`FINGERPRINTED`, in one query.

    Every import adds an :class:`ImportRun` (so a re-import that updates list sizes in place changes it too);
    the register's pages end memberships, governance and exceptions by adding rows. A cache keyed on it
    (the designer's proposals) therefore starts afresh after any import or edit. Changes made in place
    outside an import (an administrator correcting a postcode) do not change it: what reads such fields
    keys on them too.
    """
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT {i}, COUNT(*), MAX({quote(model._meta.pk.column)}) FROM {quote(model._meta.db_table)}"
        for i, model in enumerate(FINGERPRINTED)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        rows = sorted(cursor.fetchall())
    return "-".join(f"{count}.{last or 0}" for _, count, last in rows)


#: Cache keys of :func:`cached` start with this.
CACHED_KEY = "pcnhub:figures:"
#: Cache key of the token :func:`note_change` renews.
CHANGED_KEY = "pcnhub:changed"


#: Whether :func:`one_change` is gathering the rows saved into one change (:func:`note_change` waits).
_GATHERING: ContextVar[bool] = ContextVar("pcnhub_gathering_changes", default=False)


def note_change(**kwargs) -> None:
    """A row of the register or of network money was saved or deleted one at a time (the admin, the pages):
    a new token, so that what :func:`cached` keeps is computed afresh even when the change added no row
    (an organisation renamed or closed, a postcode corrected). Connected to the models' ``post_save`` and
    ``post_delete`` by the apps; bulk imports are seen by :func:`register_fingerprint` instead. Inside
    :func:`one_change`, once at its end."""
    if not _GATHERING.get():
        cache.set(CHANGED_KEY, uuid.uuid4().hex, None)


@contextmanager
def one_change() -> Iterator[None]:
    """Rows saved one at a time inside the block renew the token once, at its end, rather than once each (with
    the database cache, a renewal is five queries: building a register row by row cost more in renewals than in
    rows)."""
    if _GATHERING.get():  # inside another: that one renews
        yield
        return
    gathering = _GATHERING.set(True)
    try:
        yield
    finally:
        _GATHERING.reset(gathering)
        note_change()


def change_token() -> str:
    """The token of the last change made one row at a time; a new one if the cache has lost it, never an
    old one again."""
    token = cache.get(CHANGED_KEY)
    if token is None:
        cache.add(CHANGED_KEY, uuid.uuid4().hex, None)
        token = cache.get(CHANGED_KEY, "")
    return token


def data_fingerprint() -> str:
    """:func:`register_fingerprint` and :func:`change_token`: changes with every import, every row added and
    every row saved or deleted one at a time."""
    return f"{register_fingerprint()}|{change_token()}"


def cached(name: str, parts: list, compute, fingerprint: str | None = None):
    """``compute()``, kept in the site's cache (shared by every worker) under ``name``, ``parts`` (what the
    result depends on besides the data, e.g. an organisation and a date) and ``fingerprint`` (the data it is
    computed from; default :func:`data_fingerprint`), for ``PCNHUB_FIGURES_CACHE_SECONDS``. Only for figures
    that are the same for every user allowed to see them: who may is decided before asking."""
    fingerprint = data_fingerprint() if fingerprint is None else fingerprint
    text = json.dumps([name, parts, fingerprint], default=str)
    key = CACHED_KEY + hashlib.sha256(text.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, settings.PCNHUB_FIGURES_CACHE_SECONDS)
    return found


def children_ids(parent_ids: set[int]) -> set[int]:
    """Everything beneath the given organisations in the geography (at any recorded date)."""
    found = set(parent_ids)
    frontier = set(parent_ids)
    while frontier:
        kids = set(Parentage.objects.filter(parent_id__in=frontier).values_list("child_id", flat=True))
        frontier = kids - found
        found |= frontier
    return found


#: ODS's status of a practice that provides no services but has not closed: not one of an area's open practices
#: unless a PCN lists it.
DORMANT: Final = "dormant"


def gone_from_files(date: dt.date) -> set[int]:
    """The practices no longer in the national files on ``date``: every link they had to a sub-ICB location ended
    before it (a census left them out: see :mod:`pcnhub.register.census`)."""
    links = Parentage.objects.filter(child__kind=OrgKind.PRACTICE, parent__kind=OrgKind.SUB_ICB)
    placed = links.filter(Q(end__isnull=True) | Q(end__gte=date)).values_list("child_id", flat=True)
    return set(links.exclude(child_id__in=placed).values_list("child_id", flat=True).distinct())


def last_listed(practice: Organisation) -> dt.date | None:
    """The last day a practice was in the national files (its last link to a sub-ICB location ended then), or None
    while it is still in them (or was never placed)."""
    ends = list(Parentage.objects.filter(child=practice, parent__kind=OrgKind.SUB_ICB).values_list("end", flat=True))
    return max(ends) if ends and None not in ends else None


def area_members(area: Organisation, date: dt.date) -> tuple[list[Organisation], list[Organisation]]:
    """The PCNs and the open practices of an area on a date.

    PCNs: those placed in the area, and those with a member practice in the area on the date.
    Practices: those placed in the area and open on the date (not dormant, not gone from the national files:
    :func:`gone_from_files`), and members of the area's PCNs.
    """
    inside = children_ids({area.pk})
    geo = Organisation.objects.filter(pk__in=inside)
    pcn_ids = set(geo.filter(kind=OrgKind.PCN).values_list("pk", flat=True))
    practice_ids = set(
        geo.filter(kind=OrgKind.PRACTICE)
        .filter(Q(open_date__isnull=True) | Q(open_date__lte=date), Q(close_date__isnull=True) | Q(close_date__gte=date))
        .exclude(status=DORMANT)
        .values_list("pk", flat=True)
    ) - gone_from_files(date)
    memberships = Membership.objects.on(date)
    pcn_ids |= set(memberships.filter(practice_id__in=practice_ids).values_list("pcn_id", flat=True))
    pcn_ids = set(memberships.filter(pcn_id__in=pcn_ids).values_list("pcn_id", flat=True))
    practice_ids |= set(memberships.filter(pcn_id__in=pcn_ids).values_list("practice_id", flat=True))
    pcns = list(Organisation.objects.filter(pk__in=pcn_ids).order_by("name"))
    practices = list(Organisation.objects.filter(pk__in=practice_ids).order_by("name"))
    return pcns, practices


def area_member_counts(areas: Iterable[Organisation], date: dt.date) -> dict[int, tuple[int, int]]:
    """``{area pk: (PCNs, practices)}``: the numbers :func:`area_members` gives for each area, for any number of
    areas in four queries (the geography, the PCNs and practices with their opening dates, the practices gone
    from the files, the memberships on the date) rather than several per area."""
    children: dict[int, set[int]] = defaultdict(set)
    for child, parent in Parentage.objects.values_list("child_id", "parent_id"):
        children[parent].add(child)
    pcns: set[int] = set()
    open_practices: set[int] = set()
    for pk, kind, opened, closed, status in Organisation.objects.filter(
            kind__in=(OrgKind.PCN, OrgKind.PRACTICE)).values_list("pk", "kind", "open_date", "close_date", "status"):
        if kind == OrgKind.PCN:
            pcns.add(pk)
        elif (opened is None or opened <= date) and (closed is None or closed >= date) and status != DORMANT:
            open_practices.add(pk)
    open_practices -= gone_from_files(date)
    pcns_of: dict[int, set[int]] = defaultdict(set)
    members_of: dict[int, set[int]] = defaultdict(set)
    for practice, pcn in Membership.objects.on(date).values_list("practice_id", "pcn_id"):
        pcns_of[practice].add(pcn)
        members_of[pcn].add(practice)
    counts = {}
    for area in areas:
        inside, frontier = {area.pk}, {area.pk}
        while frontier:
            frontier = {kid for node in frontier for kid in children.get(node, ())} - inside
            inside |= frontier
        pcn_ids = inside & pcns
        practice_ids = inside & open_practices
        pcn_ids |= {pcn for practice in practice_ids for pcn in pcns_of.get(practice, ())}
        pcn_ids = {pcn for pcn in pcn_ids if pcn in members_of}
        practice_ids |= {practice for pcn in pcn_ids for practice in members_of[pcn]}
        counts[area.pk] = (len(pcn_ids), len(practice_ids))
    return counts


def list_sizes_on(org_ids, date: dt.date) -> dict[int, ListSize]:
    """Each organisation's latest list size on or before ``date``."""
    rows = ListSize.objects.filter(organisation_id__in=list(org_ids), date__lte=date).order_by("organisation_id", "date")
    latest: dict[int, ListSize] = {}
    for row in rows:
        latest[row.organisation_id] = row
    return latest


@dataclass
class MemberRow:
    practice: Organisation
    list_size: ListSize | None
    membership: Membership

    @property
    def registered(self) -> int | None:
        return self.list_size.registered if self.list_size else None


@dataclass
class NetworkRow:
    pcn: Organisation
    members: list[MemberRow]
    clinical_directors: list[ClinicalDirector] = field(default_factory=list)
    governance: Governance | None = None
    exceptions: list[RuleException] = field(default_factory=list)
    findings: list[rules.Finding] = field(default_factory=list)
    #: The band the network was checked against, and the band policy it came from (None: the DES band or a band
    #: asked for).
    band: rules.Band = rules.DEFAULT_BAND
    policy: BandPolicy | None = None

    @property
    def list_size(self) -> int:
        return sum(m.registered or 0 for m in self.members)

    @property
    def missing_list_sizes(self) -> list[str]:
        return [m.practice.code for m in self.members if m.list_size is None]


@dataclass
class Landscape:
    area: Organisation | None
    date: dt.date
    networks: list[NetworkRow]
    uncovered: list[Organisation]
    result: rules.CheckResult
    band: rules.Band
    #: How contiguity was checked: practices located, placed approximately, not placed (with reasons).
    contiguity: ContiguityStatus | None = None
    #: Every practice of the area on the date, and where each is (for pages that draw or reuse them).
    practices: list[Organisation] = field(default_factory=list)
    locations: PracticeLocations | None = None
    #: The area's recorded band policy on the date (None: the DES band applies).
    policy: BandPolicy | None = None

    @property
    def total(self) -> int:
        return sum(n.list_size for n in self.networks)

    @property
    def practice_count(self) -> int:
        return sum(len(n.members) for n in self.networks)


def network_rows(pcns: list[Organisation], date: dt.date) -> list[NetworkRow]:
    """Members, list sizes and governance of each PCN on a date, in a fixed number of queries."""
    pcn_ids = [p.pk for p in pcns]
    by_pcn: dict[int, list[Membership]] = defaultdict(list)
    memberships = Membership.objects.on(date).filter(pcn_id__in=pcn_ids).select_related("practice")
    for m in memberships:
        by_pcn[m.pcn_id].append(m)
    sizes = list_sizes_on({m.practice_id for ms in by_pcn.values() for m in ms}, date)
    directors: dict[int, list[ClinicalDirector]] = defaultdict(list)
    for cd in ClinicalDirector.objects.on(date).filter(pcn_id__in=pcn_ids):
        directors[cd.pcn_id].append(cd)
    governance: dict[int, Governance] = {}
    for g in Governance.objects.on(date).filter(pcn_id__in=pcn_ids).select_related("nominated_payee").order_by("start"):
        governance[g.pcn_id] = g
    exceptions: dict[int, list[RuleException]] = defaultdict(list)
    for e in RuleException.objects.on(date).filter(pcn_id__in=pcn_ids):
        exceptions[e.pcn_id].append(e)
    rows = []
    for pcn in pcns:
        members = sorted(
            (MemberRow(m.practice, sizes.get(m.practice_id), m) for m in by_pcn.get(pcn.pk, [])),
            key=lambda r: r.practice.code,
        )
        rows.append(NetworkRow(pcn, members, directors.get(pcn.pk, []), governance.get(pcn.pk), exceptions.get(pcn.pk, [])))
    return rows


def to_domain(row: NetworkRow, band: rules.Band | None = None) -> rules.Network:
    """A register PCN as the rules check sees it: governance the register has no record of is "not recorded"
    (a warning), never taken as met.  ``band``: the band it is held to, when not the configuration's."""
    gov = row.governance
    return rules.Network(
        band=band,
        name=row.pcn.name,
        code=row.pcn.code,
        practices=[rules.PracticeEntry(m.practice.code, m.practice.name, m.registered) for m in row.members],
        clinical_director=(", ".join(cd.name for cd in row.clinical_directors) if (row.clinical_directors or gov)
                           else rules.NOT_RECORDED),
        nominated_payee=(gov.nominated_payee.name if gov.nominated_payee else None) if gov else rules.NOT_RECORDED,
        network_agreement_signed=(gov.network_agreement == AgreementStatus.SIGNED) if gov else rules.NOT_RECORDED,
        exceptions={e.rule: e.reason for e in row.exceptions},
    )


def landscape(
    area: Organisation,
    date: dt.date,
    band: rules.Band | None = None,
    *,
    max_edge_km: float = DEFAULT_MAX_EDGE_KM,
) -> Landscape:
    """The PCN landscape of an area on a date, checked against the rules and for contiguity.

    ``band`` None: each network is held to its band policy (:func:`band_policies`; the DES band where none is
    recorded), and the landscape shows the area's.  A band given (a what-if) holds every network to it.

    Contiguity (:func:`pcnhub.domain.contiguity.with_contiguity`): the area's practices are
    located by :func:`pcnhub.register.locations.practice_locations` (recorded coordinates,
    else their postcode, all in one geocoding call) and joined in a neighbour graph; each
    PCN in several pieces gets a warning naming its stray practices (an exception if one is
    recorded for the PCN).  Practices that cannot
    be placed are left out of the graph and named in a warning on their PCN (and, with the
    reason, in ``contiguity.unlocated``); practices placed at a postcode sector or district
    mean are named in an info finding on their PCN.
    """
    from pcnhub.register.locations import practice_locations

    pcns, practices = area_members(area, date)
    rows = network_rows(pcns, date)
    policy = band_policy(area, date)
    held: dict[int, rules.Band] = {}
    if band is None:
        band = band_of_policy(policy)
        members = {r.pcn.pk: [m.practice.pk for m in r.members] for r in rows}
        policies = band_policies(members, date, members)
        for r in rows:
            r.policy = policies[r.pcn.pk]
        held = {pk: band_of_policy(p) for pk, p in policies.items()}
    networks = [to_domain(r, held[r.pcn.pk] if held.get(r.pcn.pk, band) != band else None) for r in rows]
    result = rules.check_configuration(networks, [p.code for p in practices], band)
    located = practice_locations(practices)
    postcodes = {p.code: p.postcode.strip().upper() for p in practices}
    approximate = {code: f"{postcodes[code]}, {how} mean" for code, how in located.approximate.items()}
    agreed = {r.pcn.code: e.reason for r in rows for e in r.exceptions if e.rule == rules.CONTIGUITY}
    result = with_contiguity(result, list(located.points.values()), approximate=approximate,
                             max_edge_km=max_edge_km, exceptions=agreed)
    status = checked_status(len(located.points), max_edge_km, approximate, located.unplaced)
    # Matched by ODS code: PCN names are not unique nationally (e.g. two SMARTCARE CENTRAL PCNs in 2022).
    by_code = {network.code: network for network in result.networks}
    for r in rows:
        checked = by_code.get(r.pcn.code)
        r.findings = list(checked.findings) if checked else []
        r.band = checked.band if checked else band
    covered = {m.practice.pk for r in rows for m in r.members}
    uncovered = [p for p in practices if p.pk not in covered]
    return Landscape(area, date, rows, uncovered, result, band, status, practices, located, policy)


def cached_landscape(area: Organisation, date: dt.date, band: rules.Band | None = None) -> Landscape:
    """:func:`landscape` with the default edge length, from the cache (see :func:`cached`): the landscape page,
    the API and the ICB's home page ask for the same one again and again."""
    return cached("landscape", [area.pk, date, repr(band)], lambda: landscape(area, date, band))


def checked_network(pcn: Organisation, date: dt.date, band: rules.Band | None = None, *,
                    contiguity: bool = True) -> NetworkRow:
    """The PCN on the date with the findings of the rules check on it alone (held to ``band``, else to its band
    policy) and, with ``contiguity``, of contiguity in its ICB."""
    [row] = network_rows([pcn], date)
    if band is None:
        row.policy = band_policies([pcn.pk], date, {pcn.pk: [m.practice.pk for m in row.members]})[pcn.pk]
        band = band_of_policy(row.policy)
    row.band = band
    row.findings = list(rules.check_configuration([to_domain(row)], None, band).findings)
    if contiguity:
        row.findings += network_contiguity(row, date)
    return row


def network_contiguity(row: NetworkRow, date: dt.date, max_edge_km: float = DEFAULT_MAX_EDGE_KM) -> list[rules.Finding]:
    """Contiguity findings of one PCN, judged among all the practices of its ICB on the date.

    The neighbour graph is built on every located practice of the PCN's ICB (or of its highest
    area when it has no ICB), as on that ICB's landscape, so the PCN page and the landscape agree.
    """
    from pcnhub.domain.contiguity import check_contiguity
    from pcnhub.domain.geography import build_graph
    from pcnhub.register.locations import practice_locations

    area = _top_area(row.pcn, date)
    if area is None:
        return []
    _, practices = area_members(area, date)
    located = practice_locations(practices)
    graph = build_graph(list(located.points.values()), max_edge_km=max_edge_km)
    agreed = {row.pcn.name: e.reason for e in row.exceptions if e.rule == rules.CONTIGUITY}
    return check_contiguity({row.pcn.name: [m.practice.code for m in row.members]}, graph, agreed)


def _top_area(org: Organisation, date: dt.date) -> Organisation | None:
    """The ICB above an organisation on a date, or the highest area below a region when there is none."""
    seen: set[int] = set()
    found = None
    current = org
    while current.pk not in seen:
        seen.add(current.pk)
        link = Parentage.objects.on(date).filter(child=current).select_related("parent").first()
        if link is None or link.parent.kind == OrgKind.REGION:
            break
        current = found = link.parent
        if current.kind == OrgKind.ICB:
            break
    return found


def ancestor_of_kind(org: Organisation, kind: str) -> Organisation | None:
    """The nearest organisation of ``kind`` above ``org`` in the geography (any date; latest link first)."""
    if org.kind == kind:
        return org
    seen, frontier = {org.pk}, [org.pk]
    while frontier:
        links = Parentage.objects.filter(child_id__in=frontier).select_related("parent").order_by("-start")
        frontier = []
        for link in links:
            if link.parent.kind == kind:
                return link.parent
            if link.parent_id not in seen:
                seen.add(link.parent_id)
                frontier.append(link.parent_id)
    return None


# --- Which ICB -----------------------------------------------------------------------------------


def _parents(child_ids: set[int], date: dt.date | None) -> dict[int, list[tuple[int, str]]]:
    """Each child's parents: those linked on ``date``, or else its most recently started link(s).

    With ``date`` None: every parent the child has ever had, most recent first.
    """
    links: dict[int, list[tuple]] = defaultdict(list)
    for child, parent, kind, start, end in Parentage.objects.filter(child_id__in=list(child_ids)).values_list(
        "child_id", "parent_id", "parent__kind", "start", "end"
    ):
        links[child].append((parent, kind, start, end))
    out: dict[int, list[tuple[int, str]]] = {}
    for child, rows in links.items():
        rows.sort(key=lambda r: r[2] or dt.date.min, reverse=True)
        if date is None:
            out[child] = [(p, k) for p, k, _, _ in rows]
            continue
        current = [(p, k) for p, k, s, e in rows if (s is None or s <= date) and (e is None or e >= date)]
        out[child] = current or [(p, k) for p, k, s, _ in rows if s == rows[0][2]]
    return out


def _parents_above(org_ids: Iterable[int], date: dt.date | None, *, past_icbs: bool) -> dict[int, list[tuple[int, str]]]:
    """:func:`_parents` of each organisation and of every area above it (above an ICB only if ``past_icbs``), one
    query per level, at most eight levels."""
    parents_of: dict[int, list[tuple[int, str]]] = {}
    queried: set[int] = set()
    frontier = set(org_ids)
    for _ in range(8):
        frontier -= queried
        if not frontier:
            break
        queried |= frontier
        parents_of.update(_parents(frontier, date))
        frontier = {p for o in frontier for p, kind in parents_of.get(o, []) if past_icbs or kind != OrgKind.ICB}
    return parents_of


def _walk(org_ids: Iterable[int], date: dt.date | None) -> dict[int, int]:
    """The first ICB above each organisation in the geography, one query per level."""
    parents_of = _parents_above(org_ids, date, past_icbs=False)
    found: dict[int, int] = {}
    for org in org_ids:
        seen, level = {org}, [org]
        while level and org not in found:
            upper = []
            for node in level:
                for parent, kind in parents_of.get(node, []):
                    if kind == OrgKind.ICB:
                        found.setdefault(org, parent)
                    elif parent not in seen:
                        seen.add(parent)
                        upper.append(parent)
            level = upper
    return found


def _icb_ids(org_ids: Iterable[int], date: dt.date) -> dict[int, int]:
    """Each organisation's ICB: through the geography of ``date``; failing that, of any recorded date."""
    org_ids = list(org_ids)
    found = _walk(org_ids, date)
    rest = [o for o in org_ids if o not in found]
    if rest:
        found.update(_walk(rest, None))
    return found


def icbs_of(pcn_members: dict[int, list[int]], date: dt.date) -> dict[int, Organisation]:
    """Each PCN's ICB; a PCN the geography does not place goes where most of its members are."""
    icb = _icb_ids(pcn_members, date)
    unplaced = [p for p in pcn_members if p not in icb]
    if unplaced:
        practice_icb = _icb_ids({m for p in unplaced for m in pcn_members[p]}, date)
        for p in unplaced:
            votes = Counter(practice_icb[m] for m in pcn_members[p] if m in practice_icb)
            if votes:
                icb[p] = votes.most_common(1)[0][0]
    orgs = Organisation.objects.in_bulk(set(icb.values()))
    return {p: orgs[i] for p, i in icb.items() if i in orgs}


def icb_of(pcn: Organisation, date: dt.date) -> Organisation | None:
    """The ICB a PCN sits in on ``date`` (through its sub-ICB location; failing that, its members')."""
    members = list(Membership.objects.on(date).filter(pcn=pcn).values_list("practice_id", flat=True))
    if not members:
        members = list(Membership.objects.filter(pcn=pcn).values_list("practice_id", flat=True))
    return icbs_of({pcn.pk: members}, date).get(pcn.pk)


# --- Band policies -------------------------------------------------------------------------------


def _lineage(org_ids: Iterable[int], date: dt.date) -> dict[int, list[int]]:
    """Each organisation and the areas above it on ``date``, nearest first (one query per level)."""
    org_ids = list(org_ids)
    parents_of = _parents_above(org_ids, date, past_icbs=True)
    lineage: dict[int, list[int]] = {}
    for org in org_ids:
        order, level, seen = [org], [org], {org}
        while level:
            upper = []
            for node in level:
                for parent, _ in parents_of.get(node, []):
                    if parent not in seen:
                        seen.add(parent)
                        order.append(parent)
                        upper.append(parent)
            level = upper
        lineage[org] = order
    return lineage


def band_policies(
    org_ids: Iterable[int], date: dt.date, members: dict[int, list[int]] | None = None
) -> dict[int, BandPolicy | None]:
    """The band policy each organisation is held to on ``date``: its own, else that of the nearest area above it
    with one (None: the DES band).  A PCN the geography does not place (``members`` maps it to its practices)
    takes the policy its member practices share."""
    org_ids = list(org_ids)
    applying: dict[int, BandPolicy] = {}
    for policy in BandPolicy.objects.on(date).select_related("area").order_by("start", "pk"):
        applying[policy.area_id] = policy  # of two that apply, the later-starting one
    if not applying:
        return dict.fromkeys(org_ids)
    members = members or {}
    lineage = _lineage([*org_ids, *(m for o in org_ids for m in members.get(o, []))], date)

    def nearest(org: int) -> BandPolicy | None:
        return next((applying[a] for a in lineage.get(org, [org]) if a in applying), None)

    found = {}
    for org in org_ids:
        policy = nearest(org)
        if policy is None and len(lineage.get(org, [])) <= 1 and members.get(org):
            shared = {nearest(m) for m in members[org]}
            policy = shared.pop() if len(shared) == 1 else None
        found[org] = policy
    return found


def band_policy(org: Organisation, date: dt.date) -> BandPolicy | None:
    """The band policy ``org`` (an area or a PCN) is held to on ``date`` (None: the DES band)."""
    members = None
    if org.kind == OrgKind.PCN:
        members = {org.pk: list(Membership.objects.on(date).filter(pcn=org).values_list("practice_id", flat=True))}
    return band_policies([org.pk], date, members)[org.pk]


def band_of_policy(policy: BandPolicy | None) -> rules.Band:
    return policy.band if policy is not None else rules.DEFAULT_BAND


def names_on(date: dt.date, kind: str) -> dict[int, str]:
    """The name each organisation of ``kind`` had on ``date`` (:class:`OrganisationName`): the dated name covering
    it, else the earliest one dated after it (the nearest known), else its current name."""
    found = dict(Organisation.objects.filter(kind=kind).values_list("pk", "name"))
    dated: dict[int, list[OrganisationName]] = defaultdict(list)
    for name in OrganisationName.objects.filter(organisation__kind=kind).order_by("organisation_id", "start"):
        dated[name.organisation_id].append(name)
    for pk, names in dated.items():
        covering = next((n for n in names if n.applies_on(date)), None)
        later = next((n for n in names if n.start is not None and n.start > date), None)
        chosen = covering or later
        if chosen is not None:
            found[pk] = chosen.name
    return found


def icbs_on(date: dt.date) -> list[Organisation]:
    """The ICBs of ``date``: those with a sub-ICB location under them then (an ICB merged away since, or not yet
    formed, is not one); every ICB when the geography records none on the date."""
    current = Parentage.objects.on(date).filter(parent__kind=OrgKind.ICB, child__kind=OrgKind.SUB_ICB)
    icbs = Organisation.objects.filter(kind=OrgKind.ICB)
    chosen = icbs.filter(pk__in=current.values("parent_id"))
    return list(chosen if chosen.exists() else icbs)
