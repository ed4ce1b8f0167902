"""Network money pages: a PCN's entitlements, an area's PCNs, England, and an ICB's rate overrides.

Who may see what is decided in :mod:`pcnhub.finance.permissions` (403 outside it, 404 for an
unknown code, 400 for query parameters a page cannot use). Every table downloads as CSV or Excel
(``?format=csv|xlsx&table=<name>``), as on the register's pages. Amounts come from
:mod:`pcnhub.finance.services`: the register's list sizes and the rates catalogue, with the ICB's
overrides in force.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pcnhub.accounts.models import Role
from pcnhub.domain.money import catalogue as c
from pcnhub.domain.money.rounding import ROUNDING_NOTE, Whole, gbp_whole, position, spread
from pcnhub.domain.money.years import FinancialYear
from pcnhub.finance import iif_output, permissions, services, views_iif
from pcnhub.finance.forms_money import (
    SORTS,
    AreaYearForm,
    CareHomeBedsForm,
    OverrideForm,
    WithdrawForm,
    YearForm,
    rate_text,
)
from pcnhub.finance.models import CareHomeBeds, RateOverride
from pcnhub.finance.views_common import query_year, year_default
from pcnhub.reference.rates import year_rates
from pcnhub.pages import charts, exports
from pcnhub.register import pickers
from pcnhub.register.models import Organisation, OrgKind
from pcnhub.pages.views import done, download_response, page, page_url, query_form, saved

STATUS_TAGS = {
    c.DERIVED: ("Derived", "nhsuk-tag--blue"),
    c.UNCERTAIN: ("Uncertain", "nhsuk-tag--orange"),
}
STATUS_LABELS = {c.VERIFIED: "Verified", c.DERIVED: "Derived", c.UNCERTAIN: "Uncertain"}
SCHEDULE_LABELS = {c.MONTHLY: "monthly", c.CLAIMS: "as claimed", c.YEAR_END: "after the year end"}


def gbp(amount: Decimal | None) -> str:
    """``£1,234.56``, or ``Not known``."""
    if amount is None:
        return "Not known"
    return f"-£{-amount:,.2f}" if amount < 0 else f"£{amount:,.2f}"


def _number(amount: Decimal | None) -> float | None:
    """An amount as a spreadsheet number."""
    return None if amount is None else float(amount)


def _tag(status: str) -> dict | None:
    if status not in STATUS_TAGS:
        return None
    text, css = STATUS_TAGS[status]
    return {"text": text, "css": css}


def _explain(line) -> str:
    """Where a line's figure comes from, in one sentence (the ``title`` of its cells)."""
    p = line.payment
    parts = []
    if line.override:
        parts.append(line.override.describe() + f" (catalogue source: {p.source})")
    else:
        parts.append(f"{STATUS_LABELS[line.status]}. Source: {p.source}")
    parts += [line.how, p.note]
    return ". ".join(part.rstrip(".") for part in parts if part) + "."


def _also_published(payment: c.Payment) -> list[str]:
    """The other published figures of a payment, one short sentence each ("Also published: ...")."""
    out = []
    for alt in payment.alternatives:
        what = []
        if alt.value is not None:
            what.append(f"£{alt.value:,} {alt.unit}" if alt.unit else rate_text(alt.value, payment.basis))
        if alt.start is not None:
            what.append(f"from {alt.start.day} {alt.start:%B %Y}")
        out.append(f"Also published: {', '.join(what)} ({alt.source}){'. ' + alt.note if alt.note else ''}")
    return out


def _explained(p: c.Payment) -> dict:
    """What a payment is for, who is paid and the document it comes from, for pages and downloads."""
    doc = p.document
    return {
        "purpose": p.explained.purpose if p.explained else "",
        "payee": p.explained.payee if p.explained else "",
        "explained_source": p.explained.source if p.explained else "",
        "document": doc.cite() if doc else "",
        "document_title": doc.title if doc else "",
        "document_year": doc.year if doc else "",
        "document_section": doc.section if doc else "",
        "document_note": doc.note if doc else "",
    }


def _line_view(line, whole: Whole | None = None) -> dict:
    """A payment line for the templates; with ``whole``, its amount in whole pounds (adding up to the total)."""
    p = line.payment
    pounds = whole.lines.get(p.key) if whole is not None and line.known else None
    return {
        "key": p.key,
        "name": p.name,
        "basis": c.BASIS_LABELS[p.basis],
        "quantity": line.quantity,
        "rate": rate_text(line.rate, p.basis),
        "amount": gbp_whole(pounds) if pounds is not None else gbp(line.amount),
        "known": line.known,
        "maximum": line.maximum,
        "counted": line.counted,
        "computed": line.earned is not None,
        "schedule": SCHEDULE_LABELS[p.schedule],
        "paid_to": "Member practices" if p.paid_to == c.TO_PRACTICES else "PCN",
        "period": f"{p.start.day} {p.start:%b %Y} to {p.end.day} {p.end:%b %Y}",
        "tag": _tag(line.status),
        "status": STATUS_LABELS[line.status],
        "override": line.override.describe() if line.override else "",
        "source": p.source,
        "note": "; ".join(filter(None, [line.how, p.note])),
        "also": _also_published(p),
        "title": _explain(line),
        **_explained(p),
    }


# --- PCN ---------------------------------------------------------------------------------------


def _payments_by_year(years: list[services.PcnMoney]) -> tuple[list[dict], list[dict]]:
    """Rows (one per payment key, in order of first appearance) and columns (one per year)."""
    keys: dict[str, str] = {}
    for money in years:
        for line in money.entitlement.lines:
            keys[line.payment.key] = line.payment.name
    rows = []
    wholes = [money.whole for money in years]
    for key, name in keys.items():
        cells = []
        for money, whole in zip(years, wholes):
            line = money.entitlement.line(key)
            if line is None:
                cells.append({"present": False, "title": f"Not a payment of the Network Contract in {money.year}."})
            else:
                cells.append({"present": True, "has_members": money.has_members, **_line_view(line, whole),
                              "value": line.amount if line.counted else None})
        rows.append({"key": key, "name": name, "cells": cells})
    columns = [
        {"year": m.year.label, "total": gbp_whole(w.total), "has_members": m.has_members, "registered": m.registered}
        for m, w in zip(years, wholes)
    ]
    return rows, columns


def _payments_table(pcn, years, rows) -> exports.Table:
    headers = ["Payment key", "Payment"]
    for m in years:
        headers += [f"{m.year} amount (GBP)", f"{m.year} status"]
    body = []
    for row in rows:
        out = [row["key"], row["name"]]
        for cell in row["cells"]:
            if not cell["present"]:
                out += [None, "not in this year"]
            elif cell["known"] and not cell["counted"]:
                out += [None, f"{cell['amount']} maximum, not counted in the total"]
            else:
                out += [_number(cell["value"]), cell["status"] + (" (ICB override)" if cell["override"] else "")]
        body.append(out)
    total = ["", "Total"]
    for m in years:
        total += [_number(m.total), ""]
    body.append(total)
    return exports.Table(f"pcn-{pcn.code}-payments-by-year", headers, body)


def _schedule(money: services.PcnMoney) -> list[dict]:
    """The selected year month by month: payments made monthly, claims if made evenly, and the total."""
    ent = money.entitlement
    monthly = {m: Decimal(0) for m in money.year.months()}
    claims = {m: Decimal(0) for m in money.year.months()}
    for line in ent.lines:
        target = claims if line.payment.schedule == c.CLAIMS else monthly
        for month, amount in line.schedule:
            if month in target:
                target[month] += amount
    rows = [
        {"label": f"{month:%B %Y}", "month": month.strftime("%Y-%m"), "monthly": monthly[month],
         "claims": claims[month], "total": monthly[month] + claims[month]}
        for month in money.year.months()
    ]
    rows.append({"label": "After the year end", "month": "after", "monthly": Decimal(0), "claims": Decimal(0),
                 "total": ent.after_year_end})
    return rows


def _schedule_table(money: services.PcnMoney, rows: list[dict]) -> exports.Table:
    body = [[r["label"], _number(r["monthly"]), _number(r["claims"]), _number(r["total"])] for r in rows]
    body.append(["Total", _number(sum((r["monthly"] for r in rows), Decimal(0))),
                 _number(sum((r["claims"] for r in rows), Decimal(0))), _number(money.total)])
    return exports.Table(
        f"pcn-{money.pcn.code}-monthly-{money.year.slug}",
        ["Month", "Monthly payments (GBP)", "Claims, if made evenly (GBP)", "Total (GBP)"], body,
    )


def _practice_split(money: services.PcnMoney) -> list[dict]:
    """The payments made to member practices, practice by practice (participation payment)."""
    out = []
    for line in money.entitlement.lines:
        if line.payment.paid_to != c.TO_PRACTICES:
            continue
        shares = {m.code: amount for m, amount in line.practices}
        rows = []
        for member in money.members:
            amount = shares.get(member.code)
            rows.append({"code": member.code, "name": member.name,
                         "quantity": member.population.of(line.payment.basis),
                         "amount": amount, "text": gbp(amount) if amount is not None else "No payment (DES not signed)"})
        out.append({"line": _line_view(line), "rows": rows, "total": gbp(line.amount), "amount": line.amount})
    return out


def _pcn_page(request: HttpRequest, pcn, beds_form: CareHomeBedsForm | None = None) -> HttpResponse:
    form = query_form(request, YearForm, year_default(request))
    year: FinancialYear = form.cleaned_data["year"]
    years = services.pcn_years(pcn)
    money = next(m for m in years if m.year == year)
    rows, columns = _payments_by_year(years)
    schedule = _schedule(money)
    split = _practice_split(money)
    whole = money.whole
    lines = [_line_view(line, whole) for line in money.entitlement.lines]
    download = download_response(request, {
        "payments": lambda: _payments_table(pcn, years, rows),
        "schedule": lambda: _schedule_table(money, schedule),
        "lines": lambda: exports.Table(
            f"pcn-{pcn.code}-payments-{year.slug}",
            ["Payment key", "Payment", "Basis", "Quantity", "Quantity note", "Rate", "Amount (GBP)",
             "Counted in the total", "Paid to", "Paid", "Status", "Override", "Source", "Note", "What it is for",
             "Who is paid", "Document", "Document year", "Document section"],
            [[line.payment.key, line.payment.name, c.BASIS_LABELS[line.payment.basis], line.quantity,
              money.population.stands_in(line.payment.basis), None if line.rate is None else float(line.rate),
              _number(line.amount),
              "yes" if line.known and line.counted else "no", v["paid_to"], v["schedule"],
              v["status"], v["override"], line.payment.source, v["note"], v["purpose"], v["payee"],
              v["document_title"], v["document_year"], v["document_section"] or v["document_note"]]
             for line, v in zip(money.entitlement.lines, lines)],
        ),
        "practices": lambda: exports.Table(
            f"pcn-{pcn.code}-practice-payments-{year.slug}",
            ["Payment", "Practice code", "Practice name", "Quantity", "Amount (GBP)"],
            [[s["line"]["name"], r["code"], r["name"], r["quantity"], _number(r["amount"])]
             for s in split for r in s["rows"]],
        ),
        "sources": lambda: exports.Table(
            f"pcn-{pcn.code}-sources",
            ["Year", "Payment key", "Payment", "Rate", "Status", "Override", "Source", "Note", "Also published",
             "What it is for", "Who is paid", "Wording from", "Document", "Document year", "Document section"],
            [[m.year.label, line.payment.key, line.payment.name, None if line.rate is None else float(line.rate),
              STATUS_LABELS[line.status], line.override.describe() if line.override else "", line.payment.source,
              "; ".join(filter(None, [line.how, line.payment.note])), "; ".join(_also_published(line.payment)),
              *(lambda e: [e["purpose"], e["payee"], e["explained_source"], e["document_title"], e["document_year"],
                           e["document_section"] or e["document_note"]])(_explained(line.payment))]
             for m in years for line in m.entitlement.lines],
        ),
    })
    if download:
        return download
    can_plan = permissions.can_edit_plans(request.scope, pcn)
    if can_plan and beds_form is None:
        recorded = CareHomeBeds.objects.filter(pcn=pcn, year=year.label).first()
        initial = {"beds": recorded.beds, "homes": recorded.homes} if recorded else {}
        beds_form = CareHomeBedsForm(pcn=pcn, year=year, user=request.user, initial=initial)
    beds_record = CareHomeBeds.objects.filter(pcn=pcn, year=year.label).select_related("updated_by").first()
    chart = {
        "kind": "stacked",
        "title": f"Network Contract payments of {pcn.name} by financial year",
        "years": [m.year.label for m in years],
        # at most eight payments, the smallest summed into "Other payments", each in its own colour
        "series": charts.group_series([
            {"name": row["name"], "values": [_number(cell.get("value")) if cell["present"] else None
                                             for cell in row["cells"]]}
            for row in rows
        ], other="Other payments"),
    }
    iif = iif_output.pcn_iif(pcn.code, year)
    iif_line = money.entitlement.iif
    iif_catalogue = iif_output.catalogue_or_none(year)
    context = {
        "query": form.data,
        "form": form,
        "pcn": pcn,
        "year": year,
        "money": money,
        "iif": iif,
        "iif_line": _line_view(iif_line, whole) if iif_line else None,
        "iif_earned": iif_line.earned if iif_line else None,
        "iif_forecast": views_iif.gbp_text(iif.forecast_gbp) if iif else "",
        "iif_point_value": views_iif.point_value_text(iif_catalogue) if iif_catalogue else "",
        "not_counted": [_line_view(line, whole) for line in money.entitlement.not_counted],
        "population": money.population,
        "defaulted": money.population.defaulted(),
        "summary": {
            "total": gbp_whole(whole.total), "to_pcn": gbp_whole(whole.to_pcn),
            "to_practices": gbp_whole(whole.to_practices),
            "per_head": gbp(money.per_head) if money.per_head is not None else "Not known (no registered patients)",
            "after_year_end": gbp_whole(whole.after_year_end),
        },
        "rounding_note": ROUNDING_NOTE,
        "explained": [_line_view(line) for line in money.entitlement.lines],
        "not_known": money.not_known,
        "uncertain": money.uncertain,
        "lines": lines,
        "rows": rows,
        "columns": columns,
        "years": years,
        "sources": [{"year": m.year.label, "lines": [_line_view(line) for line in m.entitlement.lines]}
                    for m in years],
        "schedule": [{**r, "monthly": gbp(r["monthly"]), "claims": gbp(r["claims"]), "total": gbp(r["total"])}
                     for r in schedule],
        "schedule_total": gbp(money.total),
        "exact_total": gbp(money.total),
        "split": split,
        "chart": chart,
        "overrides": [(year_rates(year).payment(key), o.describe()) for key, o in money.overrides.items()],
        "can_plan": can_plan,
        "beds_form": beds_form,
        "beds_record": beds_record,
        "beds_by": services.who(beds_record.updated_by) if beds_record and beds_record.updated_by else "",
        "has_beds_payment": any(p.basis == c.CARE_HOME_BEDS for p in year_rates(year).payments),
        "icb": money.icb,
        "can_see_icb": money.icb is not None and permissions.can_view_money(request.scope, money.icb),
    }
    return render(request, "finance/money_pcn.html", context)


@require_GET
@page
def pcn_money(request: HttpRequest, code: str) -> HttpResponse:
    return _pcn_page(request, permissions.money_pcn(request.scope, code))


@require_POST
@page
def pcn_beds(request: HttpRequest, code: str) -> HttpResponse:
    """Record the care home beds of a PCN for the year in ``?year=``."""
    pcn = permissions.editable_pcn(request.scope, code, what="{code}")
    _, year = query_year(request)
    form = CareHomeBedsForm(request.POST, pcn=pcn, year=year, user=request.user)
    url = page_url("finance:pcn", [pcn.code], "care-home-beds", year=year.label)
    return saved(request, form, url) or _pcn_page(request, pcn, form)


# --- Area --------------------------------------------------------------------------------------


def _spread_view(heads: list, average, what: str, names: list[tuple[str, object]] | None = None) -> dict | None:
    """The spread of per-head figures (lowest, quartiles, median, highest), computed from ``heads``; with
    ``names`` ((name, per head) pairs), the list from highest to lowest with each one's place."""
    found = spread(heads)
    if found is None:
        return None
    ranked = None
    if names is not None:
        ranked = [{"name": name, "per_head": gbp(value), "place": position(value, heads)}
                  for name, value in sorted(names, key=lambda n: (-n[1], n[0]))]
    return {
        "what": what, "count": found.count,
        "rows": [("Highest", gbp(found.highest)), ("Upper quartile (a quarter get more)", gbp(found.upper_quartile)),
                 ("Median (half get more, half less)", gbp(found.median)),
                 ("Lower quartile (a quarter get less)", gbp(found.lower_quartile)), ("Lowest", gbp(found.lowest))],
        "range": gbp(found.highest - found.lowest), "middle_half": gbp(found.upper_quartile - found.lower_quartile),
        "average": gbp(average) if average is not None else "Not known",
        "ranked": ranked,
    }


SORT_KEYS = {
    "name": lambda r: (r.pcn.name.lower(), r.pcn.code),
    "registered": lambda r: (r.registered, r.pcn.name),
    "total": lambda r: (r.total, r.pcn.name),
    "arrs": lambda r: (r.arrs, r.pcn.name),
    "per_head": lambda r: (r.per_head if r.per_head is not None else Decimal(-1), r.pcn.name),
}


def _sorted_rows(rows: list[services.PcnMoney], sort: str) -> list[services.PcnMoney]:
    key = sort.lstrip("-")
    return sorted(rows, key=SORT_KEYS[key], reverse=sort.startswith("-"))


def _headers(query, sort: str) -> list[dict]:
    """Sortable column headers: each links to its sort (toggling the direction of the current one)."""
    out = []
    active, descending = sort.lstrip("-"), sort.startswith("-")
    for key, label in SORTS.items():
        if key == active:
            target = key if descending else f"-{key}"
            aria = "descending" if descending else "ascending"
        else:
            target = key if key == "name" else f"-{key}"
            aria = "none"
        params = query.copy()
        params["sort"] = target
        for name in ("format", "table"):
            params.pop(name, None)
        out.append({"key": key, "label": label, "aria": aria, "href": "?" + params.urlencode(),
                    "numeric": key != "name"})
    return out


def _area_table(area, money: services.AreaMoney, rows) -> exports.Table:
    return exports.Table(
        f"money-{area.code}-{money.year.slug}",
        ["PCN code", "PCN name", "ICB", "Member practices", "Registered patients", "Total (GBP)", "To the PCN (GBP)",
         "To member practices (GBP)", "ARRS sum (GBP)", "Per registered patient (GBP)", "Payments not known",
         "Investment and Impact Fund", "ICB overrides used", "List sizes dated"],
        [[r.pcn.code, r.pcn.name, r.icb.code if r.icb else None, len(r.members), r.registered, _number(r.total),
          _number(r.to_pcn), _number(r.to_practices), _number(r.arrs), _number(r.per_head), "; ".join(r.not_known),
          r.iif_text, "; ".join(sorted(r.overrides)), r.as_of] for r in rows]
        + [["", f"Total for {area.name}", "", money.practices, money.registered, _number(money.total),
            _number(money.to_pcn), _number(money.to_practices), _number(money.arrs), _number(money.per_head),
            "", "", "", None]],
    )


@require_GET
@page
def area_money(request: HttpRequest, code: str) -> HttpResponse:
    area = permissions.money_area(request.scope, code)
    form = query_form(request, AreaYearForm, year_default(request))
    year, sort = form.cleaned_data["year"], form.cleaned_data["sort"]
    money = services.area_entitlements(area, year)
    rows = _sorted_rows(money.rows, sort)
    download = download_response(request, {"pcns": lambda: _area_table(area, money, rows)})
    if download:
        return download
    by_head = sorted((r for r in money.rows if r.per_head is not None), key=lambda r: r.per_head)
    chart = {
        "kind": "hbar",
        "title": f"Network Contract payments per registered patient, PCNs of {area.name}, {year}",
        "labels": [r.pcn.name for r in by_head],
        "values": [float(r.per_head) for r in by_head],
        "average": _number(money.per_head),
        "average_label": f"{area.name} average",
    }
    uncertain = sorted({name for r in money.rows for name in r.uncertain})
    whole = money.whole
    context = {
        "query": form.data,
        "form": form,
        "area": area,
        "year": year,
        "money": money,
        "rows": [{"money": r, "total": gbp_whole(w.total), "to_pcn": gbp_whole(w.to_pcn),
                  "to_practices": gbp_whole(w.to_practices), "arrs": gbp_whole(w.arrs),
                  "per_head": gbp(r.per_head) if r.per_head is not None else "Not known",
                  "place": position(r.per_head, money.heads) if r.per_head is not None else None}
                 for r, w in ((r, r.whole) for r in rows)],
        "totals": {"total": gbp_whole(whole.total), "to_pcn": gbp_whole(whole.to_pcn),
                   "to_practices": gbp_whole(whole.to_practices), "arrs": gbp_whole(whole.arrs),
                   "per_head": gbp(money.per_head) if money.per_head is not None else "Not known"},
        "rounding_note": ROUNDING_NOTE,
        "spread": _spread_view(money.heads, money.per_head, f"the {len(money.heads)} PCNs of {area.name}",
                               [(r.pcn.name, r.per_head) for r in money.rows if r.per_head is not None]),
        "headers": _headers(form.data, sort),
        "sort": sort,
        "chart": chart,
        "uncertain": uncertain,
        "not_known": sorted({name for r in money.rows for name in r.not_known}),
        "iif_summary": services.iif_summary(money.iif_counted, money.iif_not_counted, len(money.rows)),
        "overrides": sorted({(r.icb.code, r.icb.name, key) for r in money.rows if r.icb for key in r.overrides}),
        "is_icb": area.kind == OrgKind.ICB,
        "can_override": permissions.can_override_rates(request.scope, area),
    }
    return render(request, "finance/money_area.html", context)


# --- England -----------------------------------------------------------------------------------


@require_GET
@page
def england_money(request: HttpRequest) -> HttpResponse:
    """All ICBs and England (analysts and administrators); others go to their own ICB or PCN."""
    scope = request.scope
    if not scope.unrestricted:
        suffix = f"?year={request.GET['year']}" if request.GET.get("year") else ""
        if scope.role == Role.ICB and scope.organisation is not None:
            return redirect(reverse("finance:area", args=[scope.organisation.code]) + suffix)
        if scope.role == Role.PCN and scope.organisation is not None:
            return redirect(reverse("finance:pcn", args=[scope.organisation.code]) + suffix)
        raise PermissionDenied(f"Your role ({scope.role_label}) does not give access to network money.")
    form = query_form(request, YearForm, year_default(request))
    year = form.cleaned_data["year"]
    figures = services.england_figures(year)  # the totals by ICB (cached); each PCN only for its download
    groups, money = figures.groups, figures.england
    icbs = list(Organisation.objects.filter(kind=OrgKind.ICB, code__in=[g.code for g in groups if g.code])
                .order_by("name"))
    chosen = pickers.chosen(request, icbs, lambda code: reverse("finance:area", args=[code]) + f"?year={year.slug}")
    if chosen:
        return chosen
    download = download_response(request, {
        "icbs": lambda: exports.Table(
            f"money-england-{year.slug}",
            ["ICB code", "ICB name", "PCNs", "Member practices", "Registered patients", "Total (GBP)",
             "To PCNs (GBP)", "To member practices (GBP)", "ARRS sum (GBP)", "Per registered patient (GBP)"],
            [[g.code, g.name, g.pcns, g.practices, g.registered, _number(g.total), _number(g.to_pcn),
              _number(g.to_practices), _number(g.arrs), _number(g.per_head)] for g in groups]
            + [["", "England", money.pcns, money.practices, money.registered,
                _number(money.total), _number(money.to_pcn), _number(money.to_practices), _number(money.arrs),
                _number(money.per_head)]],
        ),
        "pcns": lambda: exports.Table(
            f"money-england-pcns-{year.slug}",
            ["ICB code", "PCN code", "PCN name", "Registered patients", "Total (GBP)", "To the PCN (GBP)",
             "To member practices (GBP)", "ARRS sum (GBP)", "Per registered patient (GBP)", "ICB overrides used"],
            [[g.area.code if g.area else None, r.pcn.code, r.pcn.name, r.registered, _number(r.total),
              _number(r.to_pcn), _number(r.to_practices), _number(r.arrs), _number(r.per_head),
              "; ".join(sorted(r.overrides))] for g in services.england_entitlements(year).groups for r in g.rows],
        ),
    })
    if download:
        return download
    by_head = sorted((g for g in groups if g.per_head is not None and g.code), key=lambda g: g.per_head)
    context = {
        "query": form.data,
        "form": form,
        "year": year,
        "money": money,
        "groups": [{"group": g, "total": gbp_whole(g.whole.total), "arrs": gbp_whole(g.whole.arrs),
                    "per_head": gbp(g.per_head) if g.per_head is not None else "Not known"} for g in groups],
        "totals": {"total": gbp_whole(money.whole.total), "to_pcn": gbp_whole(money.whole.to_pcn),
                   "to_practices": gbp_whole(money.whole.to_practices), "arrs": gbp_whole(money.whole.arrs),
                   "per_head": gbp(money.per_head) if money.per_head is not None else "Not known",
                   "pcns": money.pcns, "practices": money.practices},
        "rounding_note": ROUNDING_NOTE,
        "spread": _spread_view(list(money.heads), money.per_head, f"the {len(money.heads)} PCNs in England"),
        "icb_spread": _spread_view([g.per_head for g in by_head], money.per_head,
                                   f"the {len(by_head)} ICBs", [(g.name, g.per_head) for g in by_head]),
        "iif_summary": money.iif_summary,
        "area_groups": pickers.grouped_on_page(request, icbs),
        "picker_hidden": [("year", year.slug)],
        "chart": {
            "kind": "hbar",
            "title": f"Network Contract payments per registered patient by ICB, {year}",
            "labels": [g.name for g in by_head],
            "values": [float(g.per_head) for g in by_head],
            "average": _number(money.per_head),
            "average_label": "England average",
        },
    }
    return render(request, "finance/money_england.html", context)


# --- Rate overrides ----------------------------------------------------------------------------


def _history(icb) -> list[dict]:
    rows = []
    for row in RateOverride.objects.filter(icb=icb).select_related("created_by").order_by("-created_at", "-id"):
        try:
            rates = year_rates(FinancialYear.parse(row.year))
        except ValueError:
            rates = None
        payment = rates.payment(row.payment) if rates else None
        catalogue = rates.catalogue_rate(payment)[0] if payment else None
        basis = payment.basis if payment else c.REGISTERED
        rows.append({
            "row": row,
            "when": timezone.localtime(row.created_at),
            "who": services.who(row.created_by),
            "year": row.year,
            "payment": payment.name if payment else row.payment,
            "catalogue": rate_text(catalogue, basis) if payment else "Not in the catalogue",
            "catalogue_rate": catalogue,
            "rate": rate_text(row.rate, basis) if row.rate is not None else "Withdrawn",
        })
    return rows


def _overrides_page(request: HttpRequest, icb, year: FinancialYear, form=None, status: int = 200) -> HttpResponse:
    can_override = permissions.can_override_rates(request.scope, icb)
    history = _history(icb)
    download = download_response(request, {
        "history": lambda: exports.Table(
            f"rate-overrides-{icb.code}",
            ["When", "Who", "Year", "Payment", "Catalogue rate (GBP)", "New rate (GBP)", "Reason"],
            [[h["when"].replace(tzinfo=None), h["who"], h["year"], h["payment"], _number(h["catalogue_rate"]),
              _number(h["row"].rate), h["row"].reason] for h in history],
        ),
    })
    if download:
        return download
    if can_override and form is None:
        form = OverrideForm(icb=icb, year=year, user=request.user)
    rates = year_rates(year)
    in_force = []
    for key, override in services.overrides_for(icb, rates).items():
        payment = rates.payment(key)
        catalogue, _, _ = rates.catalogue_rate(payment)
        in_force.append({"key": key, "payment": payment.name, "catalogue": rate_text(catalogue, payment.basis),
                         "rate": rate_text(override.rate, payment.basis), "describe": override.describe()})
    context = {
        "query": request.GET,
        "year_form": query_form(request, YearForm, year_default(request)),
        "icb": icb,
        "year": year,
        "form": form if can_override else None,
        "can_override": can_override,
        "in_force": in_force,
        "history": history,
    }
    return render(request, "finance/money_overrides.html", context, status=status)


@require_http_methods(["GET", "POST"])
@page
def overrides(request: HttpRequest, code: str) -> HttpResponse:
    """An ICB's rate overrides: those in force for the year, the form to add one, and the history."""
    icb = permissions.money_area(request.scope, code)
    if icb.kind != OrgKind.ICB:
        raise Http404(f"Rates are overridden by an ICB; {icb.code} is a {icb.get_kind_display()}.")
    _, year = query_year(request)
    if request.method == "GET":
        return _overrides_page(request, icb, year)
    if not permissions.can_override_rates(request.scope, icb):
        raise PermissionDenied(
            f"Your role ({request.scope.role_label}) does not allow overriding the rates of {icb.code}."
        )
    url = page_url("finance:overrides", [icb.code], year=year.label)
    if request.POST.get("action") == "withdraw":
        withdraw = WithdrawForm(request.POST, icb=icb, year=year, user=request.user)
        if not withdraw.is_valid():
            messages.error(request, "; ".join(e for errors in withdraw.errors.values() for e in errors))
            return redirect(url)
        return done(request, withdraw.save(), url)
    form = OverrideForm(request.POST, icb=icb, year=year, user=request.user)
    return saved(request, form, url) or _overrides_page(request, icb, year, form)
