"""NHS.UK styled pages over the register: home, landscape, PCN, practice and search.

Every organisation a page shows is looked up through the signed-in user's
:class:`~pcnhub.accounts.scope.Scope`: one outside it gives 403 (``403.html``), an unknown code 404
and query parameters a page cannot use 400 (``400.html``). Each table a page shows can be
downloaded: add ``?format=csv`` or ``?format=xlsx`` (and ``&table=<name>`` where a page has more
than one table).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Max, Min, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcnhub.accounts.models import Role
from pcnhub.accounts.scope import visible_organisation
from pcnhub.domain import rules
from pcnhub.pages import exports
from pcnhub.pages.views import BadRequest, bound_form, download_response, page, page_url, query_form, saved
from pcnhub.register import asof, lineage, listing, services
from pcnhub.pages.forms import DateForm, show_band
from pcnhub.register.forms import EDIT_FORMS, RULE_LABELS, BandPolicyForm, LandscapeForm, PCNEditForm
from pcnhub.register.models import (
    BandPolicy,
    ClinicalDirector,
    Governance,
    ListSize,
    ListSizeBand,
    Membership,
    Organisation,
    OrganisationName,
    OrgKind,
    Partnership,
    RuleException,
)

PAGE_SIZE = 50
#: PCNs on a page of the landscape (a row each, its member practices folded away in it).
LANDSCAPE_PAGE_SIZE = 20
MAX_QUERY = services.MAX_QUERY
AREA_ORDER = {kind: i for i, kind in enumerate(services.AREA_KINDS)}


def _visible(request: HttpRequest, code: str, kinds, what: str) -> Organisation:
    """The organisation of one of ``kinds`` with this code: 404 if unknown, 403 outside the user's scope."""
    return visible_organisation(request.scope, code, kinds, what)


def _data_range() -> tuple[dt.date | None, dt.date | None]:
    """The first and last dates the register holds memberships or list sizes for."""
    firsts = [
        Membership.objects.aggregate(d=Min("start"))["d"],
        ListSize.objects.aggregate(d=Min("date"))["d"],
    ]
    firsts = [d for d in firsts if d is not None]
    if not firsts:
        return None, None
    return min(firsts), services.latest_data_date()


# --- Home --------------------------------------------------------------------------------------


def _area_counts(areas: list[Organisation], date: dt.date) -> list[dict]:
    counts = services.cached("home-areas", [sorted(a.pk for a in areas), date],
                             lambda: services.area_member_counts(areas, date))
    return [{"area": area, "pcns": counts[area.pk][0], "practices": counts[area.pk][1]} for area in areas]


def _landscape_summary(area: Organisation, date: dt.date) -> dict:
    """The counts of the area's landscape that the home page shows: the PCNs to review are those the landscape
    lists with ``?findings=on`` (and those with errors, with ``?severity=error``)."""
    view = services.cached_landscape(area, date)
    return {"networks": len(view.networks), "practices": view.practice_count, "uncovered": len(view.uncovered),
            "total": view.total, "broken": view.result.broken, "findings": len(view.result.findings),
            "to_review": len(listing.listed(view.networks, listing.Filters(findings=True))),
            "with_errors": len(listing.listed(view.networks, listing.Filters(severity=rules.ERROR)))}


def _checked_network(pcn: Organisation, date: dt.date) -> services.NetworkRow:
    """The PCN checked on the date (contiguity among its ICB's practices included), from the cache."""
    return services.cached("checked-network", [pcn.pk, date], lambda: services.checked_network(pcn, date))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The user's starting point: counts of their ICB, PCN or practice (every ICB's for analysts and
    administrators), the costly ones kept in the cache under the register's fingerprint."""
    scope = request.scope
    date = asof.as_of(request)
    org = scope.organisation
    context: dict = {"date": date}
    if scope.unrestricted:
        context["areas"] = _area_counts(services.icbs_on(date), date)
    elif org is not None and scope.role == Role.ICB:
        context["area"] = org
        context["landscape"] = services.cached("home-landscape-2", [org.pk, date],
                                               lambda: _landscape_summary(org, date))
    elif org is not None and scope.role == Role.PCN:
        context["network"] = _checked_network(org, date)
    elif org is not None and scope.role == Role.PRACTICE:
        context["practice"] = org
        context["memberships"] = Membership.objects.on(date).filter(practice=org).select_related("pcn")
        context["list_size"] = services.list_sizes_on([org.pk], date).get(org.pk)
    return render(request, "register/home.html", context)


# --- Landscape ---------------------------------------------------------------------------------

LANDSCAPE_HEADERS = [
    "PCN code", "PCN name", "Practice code", "Practice name", "Registered list size", "List size date",
    "PCN list size", "Findings",
]


def _landscape_table(view: services.Landscape, networks, uncovered) -> exports.Table:
    """The PCNs listed (every page of them) with their members, then the practices in no PCN listed."""
    rows = []
    for net in networks:
        findings = "; ".join(f.message for f in net.findings)
        for m in net.members or [None]:
            rows.append([
                net.pcn.code, net.pcn.name,
                m.practice.code if m else None, m.practice.name if m else None,
                m.registered if m else None, m.list_size.date if m and m.list_size else None,
                net.list_size, findings,
            ])
    for practice, size in uncovered:
        rows.append([
            None, None, practice.code, practice.name, size.registered if size else None,
            size.date if size else None, None, "In no PCN",
        ])
    return exports.Table(f"landscape-{view.area.code}-{view.date.isoformat()}", LANDSCAPE_HEADERS, rows)


@require_http_methods(["GET", "HEAD", "POST"])
@page
def landscape(request: HttpRequest) -> HttpResponse:
    """An area's PCNs checked against the rules; a POST records the area's band policy (for who may edit it)."""
    scope = request.scope
    areas = sorted(
        scope.organisations(Organisation.objects.filter(kind__in=services.AREA_KINDS)),
        key=lambda a: (AREA_ORDER[a.kind], a.name),
    )
    own_icb = scope.organisation.code if scope.role == Role.ICB and scope.organisation else ""
    defaults = {"area": own_icb, "date": asof.as_of(request).isoformat()}
    form = query_form(request, LandscapeForm, defaults, areas=areas, day=asof.as_of(request))
    context: dict = {"form": form, "areas": areas}
    code = form.cleaned_data["area"]
    if not code:
        return render(request, "register/landscape.html", context)
    area = _visible(request, code, services.AREA_KINDS, "area")
    date = form.cleaned_data["date"]
    policy_form = None
    if scope.can_edit(area):
        policy_form = bound_form(request, BandPolicyForm, area=area, user=request.user, prefix="policy")
        done = saved(request, policy_form, page_url("landscape", [], area=area.code))
        if done:
            return done
    elif request.method == "POST":
        raise PermissionDenied(f"Your role ({scope.role_label}) does not allow changes to {area.code}'s band policy.")
    view = services.cached_landscape(area, date, form.cleaned_data["band"])
    show_band(form, view.band)
    for row in view.networks:
        row.findings = rules.condensed(row.findings)
    filters = form.filters
    sort = form.cleaned_data["sort"] or listing.DEFAULT_SORT
    networks = listing.listed(view.networks, filters, sort)
    sizes = services.list_sizes_on([p.pk for p in view.uncovered], date)
    all_uncovered = [(p, sizes.get(p.pk)) for p in view.uncovered]
    uncovered = [] if filters.narrows_pcns else listing.text_matches(all_uncovered, filters.q)
    download = download_response(request, {"landscape": lambda: _landscape_table(view, networks, uncovered)})
    if download:
        return download
    has_sizes = any(m.list_size for n in view.networks for m in n.members)
    listed = Paginator(networks, LANDSCAPE_PAGE_SIZE).get_page(form.cleaned_data["page"])
    context.update(
        query=form.data,
        area=area,
        date=date,
        view=view,
        filters=filters,
        listed=listed,
        page_range=list(listed.paginator.get_elided_page_range(listed.number)),
        columns=listing.columns(sort),
        shown_totals=listing.totals(networks),
        area_totals=listing.totals(view.networks),
        uncovered=uncovered,
        all_uncovered=all_uncovered,
        uncovered_total=sum(s.registered for _, s in uncovered if s),
        configuration_findings=[f for f in view.result.findings if f.network is None] if view.networks else [],
        errors=sum(1 for f in view.result.findings if f.severity == rules.ERROR),
        no_networks=not view.networks,
        no_sizes=bool(view.networks) and not has_sizes,
        # the dates of the list sizes the figures use (a configuration of one date may be sized by lists of
        # another), and the members with none, not counted as 0
        size_dates=sorted({m.list_size.date for n in view.networks for m in n.members if m.list_size}),
        unsized=sum(1 for n in view.networks for m in n.members if m.list_size is None),
        data_range=_data_range() if not (view.networks and has_sizes) else None,
        visible_ids=scope.visible_ids,
        policy_form=policy_form,
        band_given=form.cleaned_data["band"] is not None,
        inner_policies=_inner_policies(view),
        policies=BandPolicy.objects.filter(area=area).select_related("recorded_by").order_by("start"),
    )
    return render(request, "register/landscape.html", context, status=400 if policy_form and policy_form.errors else 200)


def _inner_policies(view: services.Landscape) -> list[tuple[BandPolicy, int]]:
    """The band policies of areas within the landscape's area that some of its PCNs are held to, each with how
    many PCNs."""
    counts: dict[int, int] = defaultdict(int)
    found: dict[int, BandPolicy] = {}
    for row in view.networks:
        if row.policy is not None and row.policy != view.policy:
            counts[row.policy.pk] += 1
            found[row.policy.pk] = row.policy
    return [(found[pk], counts[pk]) for pk in sorted(found, key=lambda pk: found[pk].area.name)]


# --- PCN ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SizeRow:
    """A PCN's registered patients on ``day``: ``counted`` members' latest list sizes on or before it (the newest
    of them of ``sizes_of``), ``missing`` members with none, as ``network`` (its code then)."""

    day: dt.date
    counted: int
    total: int
    sizes_of: dt.date
    missing: int
    network: Organisation


def _pcn_list_sizes(memberships: list[Membership]) -> list[SizeRow]:
    """A :class:`SizeRow` at each date a member's list size is recorded and each date the membership changed.

    On each date the members are those whose membership applies then (of any of ``memberships``' networks: one
    network under its codes over time), each with its latest list size on or before the date: the same numbers
    the PCN shows when viewed on that date.  A member with no list size by then is counted as missing, not as 0.
    """
    by_practice: dict[int, list[ListSize]] = defaultdict(list)
    for size in ListSize.objects.filter(organisation_id__in={m.practice_id for m in memberships}).order_by("date"):
        by_practice[size.organisation_id].append(size)
    dates_of = {pid: [s.date for s in sizes] for pid, sizes in by_practice.items()}
    history = []
    changes = {m.start for m in memberships if m.start} | {m.end + dt.timedelta(days=1) for m in memberships if m.end}
    for day in sorted({s.date for sizes in by_practice.values() for s in sizes} | changes):
        current = [m for m in memberships if m.applies_on(day)]
        members = {m.practice_id for m in current}
        latest = [
            by_practice[pid][i - 1]
            for pid in members
            for i in [bisect.bisect_right(dates_of.get(pid, []), day)]
            if i
        ]
        if latest:
            history.append(SizeRow(day, len(latest), sum(s.registered for s in latest), max(s.date for s in latest),
                                   len(members) - len(latest), current[0].pcn))
    return history


def _names_over_time(org: Organisation) -> list[OrganisationName]:
    """The organisation's dated names, oldest first, when it had more than one."""
    names = list(OrganisationName.objects.filter(organisation=org).order_by("start"))
    return names if len({n.name for n in names}) > 1 else []


def _pcn_page(request: HttpRequest, pcn: Organisation, failed: PCNEditForm | None = None) -> HttpResponse:
    """The PCN page; ``failed`` is an edit form that did not validate, shown with its errors."""
    scope = request.scope
    # a network that has ended is shown on its last day unless a date is asked for
    default = asof.as_of(request)
    ends = list(Membership.objects.filter(pcn=pcn).values_list("end", flat=True))
    if ends and None not in ends and asof.chosen(request) is None:
        default = min(default, max(ends))
    form = query_form(request, DateForm, {"date": default.isoformat()})
    date = form.cleaned_data["date"]
    # one network under each of its codes over time (a new code or name: lineage.same_network); on a date when it
    # had another code, its members then are shown
    identity = lineage.same_network(pcn)
    then = next((org for org, start, end in identity if (start is None or start <= date) and (end is None or end >= date)),
                pcn)
    row = _checked_network(then, date)
    # A network with no member practices recorded on the date (one a local list names without its practices,
    # or one before its first recorded members) has members the register does not know, not zero patients:
    # its list size cannot be checked, so no list-size finding is made for it.
    members_known = bool(row.members)
    findings = row.findings if members_known else [f for f in row.findings if f.rule != rules.LIST_SIZE_BAND]
    row.findings = rules.condensed(findings)
    own_size = services.list_sizes_on([then.pk], date).get(then.pk)
    history = list(Membership.objects.filter(pcn__in=[org for org, _, _ in identity])
                   .select_related("practice", "pcn").order_by("start", "practice__name"))
    sizes = _pcn_list_sizes(history)
    earlier, later = lineage.history(pcn)
    download = download_response(request, {
        "members": lambda: exports.Table(
            f"pcn-{pcn.code}-members-{date.isoformat()}",
            ["Practice code", "Practice name", "Registered list size", "List size date", "Member from", "DES signed"],
            [
                [m.practice.code, m.practice.name, m.registered, m.list_size.date if m.list_size else None,
                 m.membership.start, m.membership.des_signed]
                for m in row.members
            ],
        ),
        "history": lambda: exports.Table(
            f"pcn-{pcn.code}-membership-history",
            ["Practice code", "Practice name", "Network code", "From", "To", "DES signed", "Source"],
            [[m.practice.code, m.practice.name, m.pcn.code, m.start, m.end, m.des_signed, m.source] for m in history],
        ),
        "list-sizes": lambda: exports.Table(
            f"pcn-{pcn.code}-list-sizes",
            ["Date", "Network code then", "Member practices counted", "Registered list size", "List sizes of",
             "Members with no list size"],
            [[r.day, r.network.code, r.counted, r.total, r.sizes_of, r.missing] for r in sizes],
        ),
    })
    if download:
        return download
    edit_forms = []
    if scope.can_edit(pcn):
        edit_forms = [
            failed if failed is not None and failed.prefix == name else form_class(pcn=pcn, user=request.user, prefix=name)
            for name, form_class in EDIT_FORMS.items()
            if not form_class.commissioners_only or scope.role in (Role.ICB, Role.ADMIN)
        ]
    band = row.band
    context = {
        "query": form.data,
        "pcn": pcn,
        "date": date,
        "form": form,
        "row": row,
        "members_known": members_known,
        "own_size": own_size,
        "history": history,
        "directors": ClinicalDirector.objects.filter(pcn=pcn).select_related("practice").order_by("start", "name"),
        "governance_history": Governance.objects.filter(pcn=pcn).select_related("nominated_payee").order_by("start"),
        "partners": Partnership.objects.filter(pcn=pcn).select_related("partner").order_by("role", "partner__name"),
        "exceptions": [
            (e, RULE_LABELS.get(e.rule, e.rule))
            for e in RuleException.objects.filter(pcn=pcn).select_related("agreed_by").order_by("rule", "start")
        ],
        "sizes": sizes,
        "identity": identity if len(identity) > 1 else [],
        "then": then if then.pk != pcn.pk else None,
        "names": _names_over_time(pcn),
        "earlier": [link for link in earlier if link.kind != "continues"],
        "later": [link for link in later if link.kind != "continues"],
        "member_size_dates": sorted({m.list_size.date for m in row.members if m.list_size}),
        "chart": {
            "title": f"Registered patients of {pcn.name}'s member practices",
            "dates": [r.day.isoformat() for r in sizes],
            "values": [r.total for r in sizes],
            "band": [band.lower, band.upper],
        },
        "band": band,
        "edit_forms": edit_forms,
        "failed": failed,
        "visible_ids": scope.visible_ids,
    }
    return render(request, "register/pcn.html", context)


@require_GET
@page
def pcn_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _pcn_page(request, _visible(request, code, [OrgKind.PCN], "PCN"))


@require_POST
@page
def pcn_edit(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """Record governance, a Clinical Director, a partner or a rule exception for a PCN."""
    form_class = EDIT_FORMS.get(action)
    if form_class is None:
        raise Http404(f"There is no change called {action}.")
    pcn = _visible(request, code, [OrgKind.PCN], "PCN")
    scope = request.scope
    if not scope.can_edit(pcn) or form_class.commissioners_only and scope.role not in (Role.ICB, Role.ADMIN):
        raise PermissionDenied(f"Your role ({scope.role_label}) does not allow changes to {pcn.code}.")
    form = form_class(request.POST, pcn=pcn, user=request.user, prefix=action)
    return saved(request, form, page_url("pcn", [pcn.code])) or _pcn_page(request, pcn, form)


# --- Practice ----------------------------------------------------------------------------------


def _age_sex_bands(practice: Organisation) -> dict | None:
    """The practice's latest registered patients by age band and sex (five-year bands if published)."""
    latest = ListSizeBand.objects.filter(organisation=practice).aggregate(d=Max("date"))["d"]
    if latest is None:
        return None
    bands = list(ListSizeBand.objects.filter(organisation=practice, date=latest))
    schemes = {b.scheme for b in bands}
    scheme = ListSizeBand.Scheme.QUINARY if ListSizeBand.Scheme.QUINARY in schemes else ListSizeBand.Scheme.SINGLE
    bands = [b for b in bands if b.scheme == scheme]
    sexes = [s for s in ListSizeBand.Sex if any(b.sex == s for b in bands)]
    table: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for b in bands:
        table[(b.age_from, b.age_band)][b.sex] = b.patients
    rows = [(label.replace("_", " to "), [cells.get(s) for s in sexes]) for (_, label), cells in sorted(table.items())]
    return {
        "date": latest,
        "scheme": ListSizeBand.Scheme(scheme).label,
        "sexes": [s.label for s in sexes],
        "rows": rows,
        "totals": [sum(cells[i] or 0 for _, cells in rows) for i in range(len(sexes))],
    }


@require_GET
@page
def practice_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = request.scope
    practice = _visible(request, code, [OrgKind.PRACTICE], "practice")
    memberships = list(Membership.objects.filter(practice=practice).select_related("pcn").order_by("start"))
    sizes = list(ListSize.objects.filter(organisation=practice).order_by("date"))
    bands = _age_sex_bands(practice)
    tables = {
        "list-sizes": lambda: exports.Table(
            f"practice-{practice.code}-list-sizes",
            ["Date", "Registered", "Weighted", "Adjusted", "Source"],
            [[s.date, s.registered, s.weighted, s.adjusted, s.source] for s in sizes],
        ),
        "memberships": lambda: exports.Table(
            f"practice-{practice.code}-pcn-memberships",
            ["PCN code", "PCN name", "From", "To", "DES signed"],
            [[m.pcn.code, m.pcn.name, m.start, m.end, m.des_signed] for m in memberships],
        ),
    }
    if bands:
        tables["age-sex"] = lambda: exports.Table(
            f"practice-{practice.code}-age-sex-{bands['date'].isoformat()}",
            ["Age band", *bands["sexes"]],
            [[label, *cells] for label, cells in bands["rows"]],
        )
    download = download_response(request, tables)
    if download:
        return download
    context = {
        "query": request.GET,
        "practice": practice,
        "memberships": memberships,
        "sizes": sizes,
        "bands": bands,
        "names": _names_over_time(practice),
        "last_listed": services.last_listed(practice),
        "chart": {
            "title": f"Registered patients of {practice.name}",
            "dates": [s.date.isoformat() for s in sizes],
            "values": [s.registered for s in sizes],
            "band": None,
        },
        "visible_ids": scope.visible_ids,
    }
    return render(request, "register/practice.html", context)


# --- Search ------------------------------------------------------------------------------------


@require_GET
@page
def search(request: HttpRequest) -> HttpResponse:
    """Organisations in the user's scope by ODS code (exact matches first) or part of the name."""
    scope = request.scope
    q = request.GET.get("q", "").strip()[:MAX_QUERY]
    if "\x00" in q:  # PostgreSQL cannot compare text with a NUL character in it: a bad request, not an error
        raise BadRequest("A search cannot contain a NUL character.")
    context: dict = {"q": q, "results": None, "query": request.GET}
    if q:
        found = (
            scope.organisations()
            .filter(Q(code__iexact=q) | Q(name__icontains=q))
            .annotate(exact=Case(When(code__iexact=q, then=Value(0)), default=Value(1), output_field=IntegerField()))
            .order_by("exact", "name", "code")
        )
        download = download_response(request, {
            "results": lambda: exports.Table(
                f"search-{q}",
                ["ODS code", "Name", "Kind", "Postcode", "Status"],
                ([o.code, o.name, o.get_kind_display(), o.postcode, o.status] for o in found.iterator()),
            )
        })
        if download:
            return download
        results = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
        said = lineage.summaries({o.pk for o in results if o.kind == OrgKind.PCN})
        for org in results:
            org.lineage = said.get(org.pk, [])
        context.update(results=results, page_range=list(results.paginator.get_elided_page_range(results.number)))
    return render(request, "register/search.html", context)
