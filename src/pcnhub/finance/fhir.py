"""The Investment and Impact Fund as FHIR R4: each year's indicators as Measure, each PCN's achievement as
MeasureReport, for :mod:`pcnhub.fhir.server` (beside the measures' own types, :mod:`pcnhub.measures.fhir`).

**Measure** ``iif-<year>-<indicator>`` (``iif-2024-25-CAN-02``): one indicator of one year's catalogue
(``reference/iif``), its name, description, scoring (proportion for a percentage), improvement notation (the
direction), thresholds and points in ``guidance``, the numerator and denominator as populations, and the pcnhub
measure it is computed from (``relatedArtifact`` composed-of), when it is.

**MeasureReport** ``<PCN>.iif-<year>-<indicator>``: a PCN's achievement of a computed indicator over the IIF year to
date, from the measures output (``pcnhub measures run``), whose counts are disclosure-controlled (rounded to 5,
1 to 6 suppressed), so the achievement is approximate as the IIF page says: ``period`` April to the end of the last
month counted, the year-to-date numerator and denominator, ``measureScore`` the achievement (%), and the points
and GBP so far as extensions.  A user sees the reports of the PCNs whose money they may see
(:func:`pcnhub.finance.permissions`'s rules for a PCN's IIF page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from pcnhub.domain import iif as d
from pcnhub.fhir import search as s
from pcnhub.fhir.server import Page
from pcnhub.finance import iif_output
from pcnhub.finance import iif as service
from pcnhub.fhir.codes import IMPROVEMENT_SYSTEM, POPULATION_SYSTEM, SCORING_SYSTEM
from pcnhub.fhir.codes import measure_canonical as measure_url
from pcnhub.reference import iif as reference
from pcnhub.register.fhir import reference as organisation_reference
from pcnhub.register.models import Organisation, OrgKind

IIF_SYSTEM: Final = "urn:pcnhub:iif"
POINTS: Final = "urn:pcnhub:extension:iif-points"
GBP: Final = "urn:pcnhub:extension:iif-gbp"
COUNTS: Final = "urn:pcnhub:extension:iif-counts"
IMPROVEMENT: Final = {d.UP: "increase", d.DOWN: "decrease"}
CRITERIA_LANGUAGE: Final = "text/x-pcnhub-iif-indicator"


def measure_id(year: d.IIFYear, indicator: d.Indicator) -> str:
    return f"iif-{year.year.label.replace('/', '-')}-{indicator.id}"


def canonical(year: d.IIFYear, indicator: d.Indicator) -> str:
    return f"{IIF_SYSTEM}:{year.year.label}:{indicator.id}"


def _number(value: Decimal | None) -> str:
    return "not known" if value is None else f"{value.normalize():f}"


def _changed() -> str:
    return s.instant(reference.changed())


def measure(year: d.IIFYear, indicator: d.Indicator, last_updated: str) -> dict:
    where = f"reference/iif/{year.year.label.replace('/', '-')}.toml [{indicator.id}]"
    resource: dict[str, Any] = {
        "resourceType": "Measure",
        "id": measure_id(year, indicator),
        "meta": {"lastUpdated": last_updated},
        "url": canonical(year, indicator),
        "identifier": [{"system": IIF_SYSTEM, "value": f"{year.year.label}|{indicator.id}"}],
        "version": year.year.label,
        "title": f"IIF {year.year.label} {indicator.id}: {indicator.name}",
        "status": "active",
        "description": indicator.description or indicator.name,
        "scoring": {"coding": [{"system": SCORING_SYSTEM,
                                "code": "proportion" if indicator.unit == d.PERCENT else "ratio"}]},
        "improvementNotation": {"coding": [{"system": IMPROVEMENT_SYSTEM, "code": IMPROVEMENT[indicator.direction]}]},
        "guidance": (f"Points: {_number(indicator.points)}; lower threshold {_number(indicator.lower)}, upper "
                     f"threshold {_number(indicator.upper)} ({indicator.unit}). Source: {indicator.source} "
                     f"(pcnhub status: {indicator.status})."),
        "group": [{"population": [
            {"code": {"coding": [{"system": POPULATION_SYSTEM, "code": code}]},
             "criteria": {"language": CRITERIA_LANGUAGE, "expression": where}}
            for code in ("numerator", "denominator")]}],
    }
    if indicator.denominator:
        resource["group"][0]["population"][1]["description"] = indicator.denominator
    if indicator.measure:
        resource["relatedArtifact"] = [{"type": "composed-of", "display": "computed from the pcnhub measure",
                                        "resource": measure_url(indicator.measure)}]
    else:
        resource["purpose"] = f"Not computed by pcnhub: {indicator.measure_note}"
    return resource


def _indicators() -> dict[str, tuple[d.IIFYear, d.Indicator]]:
    return {measure_id(year, i): (year, i) for year in reference.all_years() for i in year.indicators}


def indicator_ids() -> set[str]:
    return set(_indicators())


def read_measure(request, resource_id: str) -> dict | None:
    found = _indicators().get(resource_id)
    return None if found is None else measure(*found, _changed())


def measures(filters: Mapping[str, list[Any]]) -> list[dict]:
    changed = _changed()
    found = [measure(year, i, changed) for year, i in _indicators().values()]
    for wanted in filters.get("_id", ()):
        found = [m for m in found if m["id"] == wanted]
    for token in filters.get("identifier", ()):
        found = [m for m in found if token.system in (None, IIF_SYSTEM)
                 and token.value in (None, m["identifier"][0]["value"])]
    for url in filters.get("url", ()):
        found = [m for m in found if m["url"] == url]
    for text in filters.get("title", ()):
        found = [m for m in found if s.text_matches(text, m["title"])]
    return found


# --- MeasureReport -------------------------------------------------------------------------------------


def _month_end(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1) - dt.timedelta(days=1)


def report(result: service.PCNAchievement, row: d.Achievement, org: Organisation | None, last_updated: str) -> dict:
    year, indicator = result.year, row.indicator
    last = max((m.month for m in row.months), default=None)
    group: dict[str, Any] = {}
    populations = [{"code": {"coding": [{"system": POPULATION_SYSTEM, "code": code}]}, "count": int(value)}
                   for code, value in (("numerator", row.numerator), ("denominator", row.denominator))
                   if value is not None and value == int(value)]
    if populations:
        group["population"] = populations
    if row.achievement is not None:
        group["measureScore"] = {"value": float(row.achievement), "unit": "%"}
    extension = [{"url": COUNTS, "valueString": result.source}]
    if row.points is not None:
        extension.append({"url": POINTS, "valueDecimal": float(row.points)})
    if row.gbp is not None:
        extension.append({"url": GBP, "valueMoney": {"value": float(row.gbp), "currency": "GBP"}})
    resource: dict[str, Any] = {
        "resourceType": "MeasureReport",
        "id": f"{result.pcn_code}.{measure_id(year, indicator)}",
        "meta": {"lastUpdated": last_updated},
        "extension": extension,
        "status": "complete",
        "type": "summary",
        "measure": canonical(year, indicator),
        "period": {"start": d.year_months(year.year)[0].isoformat(),
                   "end": _month_end(last).isoformat() if last else d.year_months(year.year)[0].isoformat()},
    }
    if group:
        resource["group"] = [group]
    if org is not None:
        resource["reporter"] = organisation_reference(org)
    return resource


def reports(request, filters: Mapping[str, list[Any]], may_see) -> list[dict]:
    """Every IIF report the user may see (``may_see(org)``), in order: year, PCN, indicator."""
    folder = iif_output.measures_folder()
    if not iif_output.fingerprint(folder):
        return []
    stamp = s.file_written(folder / service.VALUES_FILE)
    if not s.updated_within(filters, stamp):
        return []
    wanted = set(filters.get("measure", ()))
    years = [y for y in reference.all_years() if any(
        not wanted or canonical(y, i) in wanted or measure_id(y, i) in wanted for i in y.indicators)]
    pcns = {o.code: o for o in Organisation.objects.filter(kind=OrgKind.PCN)}
    found = []
    for year in years:
        for code, result in sorted(iif_output.year_achievements(year.year, folder).items()):
            org = pcns.get(code)
            if org is None or not may_see(org):
                continue
            if any(reporter != code for reporter in filters.get("reporter", ())):
                continue
            for row in result.rows:
                resource = report(result, row, org, stamp)
                if wanted and not ({resource["measure"], measure_id(year, row.indicator)} & wanted):
                    continue
                period = filters.get("period", ())
                if period and not all(_period_matches(p, resource["period"]) for p in period):
                    continue
                found.append(resource)
    return found


def _period_matches(search: s.DateRange, period: dict) -> bool:
    start = dt.date.fromisoformat(period["start"])
    end = dt.date.fromisoformat(period["end"]) + dt.timedelta(days=1)
    return s.matches(search, *(dt.datetime(x.year, x.month, x.day, tzinfo=dt.timezone.utc) for x in (start, end)))


def read_report(request, resource_id: str, may_see) -> dict | None:
    code, _, indicator = resource_id.partition(".")
    if not indicator.startswith("iif-"):
        return None
    org = Organisation.objects.filter(code=code, kind=OrgKind.PCN).first()
    if org is not None and not may_see(org):
        request.scope.refuse(f"MeasureReport/{resource_id}")
    found = [r for r in reports(request, {"reporter": [code]}, may_see) if r["id"] == resource_id]
    if not found:
        raise s.FhirError(404, "not-found", f"MeasureReport/{resource_id} is not in the measures output")
    return found[0]


def paged(items: list[dict], offset: int, count: int) -> Page:
    return Page(items[offset: offset + count], len(items))

