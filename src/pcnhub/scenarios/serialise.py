"""A scenario's comparison as JSON: :func:`comparison_dict` for the API and ``pcnhub scenario --json``.

Everything :class:`~pcnhub.scenarios.compare.Comparison` shows, key for key: the area, date and year, the changes
in words, the notes, the area's findings before and after, and for every network touched its fate and both sides
(``null`` for a side that does not exist: a network the scenario makes has no before, one that ends no after), with
a ``difference`` block (after minus before; ``null`` where either side, or the figure on it, is missing).

Money in pounds as numbers rounded to the penny, dates ISO (YYYY-MM-DD).  Figures from patient data (risk tiers,
cohorts, patients) are disclosure-controlled as the pages show them: a number, or the text the pages show for a
suppressed count (:data:`pcnhub.phm.services.SUPPRESSED`), never the number behind it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pcnhub.domain import rules
from pcnhub.domain.money.entitlements import Entitlement
from pcnhub.phm.services import Shown
from pcnhub.scenarios.compare import Comparison, People, Row, Side


def money(value: Decimal | None) -> float | None:
    """Pounds to the penny, as a JSON number (None stays None)."""
    return None if value is None else round(float(value), 2)


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def finding_dict(finding: rules.Finding) -> dict[str, Any]:
    return {"rule": finding.rule, "severity": finding.severity, "message": finding.message,
            "practices": list(finding.practices)}


def shown(value: Shown | None) -> int | float | str | None:
    """A disclosure-controlled figure: its number, the pages' text when suppressed, None when not known."""
    if value is None or (value.number is None and not value.suppressed):
        return None
    if value.suppressed:
        return value.text
    return int(value.number) if value.kind == "count" else value.number


def _money_dict(entitlement: Entitlement | None) -> dict[str, Any] | None:
    if entitlement is None:
        return None
    return {
        "total": money(entitlement.total),
        "lines": [{"key": line.payment.key, "name": line.payment.name, "quantity": line.quantity,
                   "rate": None if line.rate is None else float(line.rate), "amount": money(line.amount),
                   "counted": line.counted} for line in entitlement.lines],
    }


def _people_dict(people: People) -> dict[str, Any]:
    return {
        "registered": people.registered,
        "weighted": people.weighted,
        "adjusted": people.adjusted,
        "ages": {label: round(share, 4) for label, share in people.ages.items()},
        "ages_date": _date(people.ages_date),
        "ages_from": people.ages_from,
        "patients": shown(people.patients),
        "tiers": {label: shown(value) for label, value in people.tiers.items()},
        "cohorts": {name: shown(value) for name, value in people.cohorts.items()},
    }


def side_dict(side: Side | None) -> dict[str, Any] | None:
    """One network on one side of the comparison (None: the side does not exist)."""
    if side is None:
        return None
    arrs = side.arrs
    return {
        "key": side.key,
        "name": side.name,
        "code": side.code,
        "practices": [{"code": p.code, "name": p.name, "list_size": p.list_size} for p in side.practices],
        "list_size": side.list_size,
        "placing": side.placing,
        "band": {"lower": side.band.lower, "upper": side.band.upper, "upper_binds": side.band.upper_binds},
        "findings": [finding_dict(f) for f in side.findings],
        "errors": side.errors,
        "money": _money_dict(side.money),
        "arrs": None if arrs is None else {
            "sum": money(arrs.sum), "claims": money(arrs.claims), "headroom": money(arrs.headroom),
            "outside": list(arrs.outside),
            "posts": [{"label": label, "start": _date(start), "claims": money(claims)}
                      for label, start, claims in arrs.posts],
        },
        "access": {"required": side.access.required, "planned": side.access.planned,
                   "shortfall": side.access.shortfall, "basis": side.access.basis},
        "development": {
            "steps": [{"domain": domain, "step": step, "label": side.development.labels.get(domain, "")}
                      for domain, step in side.development.steps.items()],
            "carried_from": list(side.development.carried_from),
        },
        "people": _people_dict(side.people),
        "spread": None if side.spread is None else {
            "farthest_km": side.spread.farthest_km, "mean_from_centre_km": side.spread.mean_from_centre_km,
            "mean_between_km": side.spread.mean_between_km, "located": side.spread.located,
            "farthest_drive_minutes": side.spread.farthest_drive_minutes,
            "mean_between_drive_minutes": side.spread.mean_between_drive_minutes},
        "measures": [{"id": m.id, "title": m.title, "unit": m.unit, "direction": m.direction,
                      "value": None if m.value is None else round(m.value, 4), "text": m.text,
                      "percentile": None if m.percentile is None else round(m.percentile, 1)}
                     for m in side.measures],
    }


def _minus(after: Decimal | int | None, before: Decimal | int | None) -> Decimal | int | None:
    return None if after is None or before is None else after - before


def difference_dict(row: Row) -> dict[str, Any]:
    """After minus before for the figures a reader compares first (None when either side or figure is missing)."""
    before, after = row.before, row.after
    if before is None or after is None:
        return {"list_size": None, "total": None, "arrs_headroom": None, "access_shortfall": None, "errors": None}
    headroom = _minus(after.arrs.headroom if after.arrs else None, before.arrs.headroom if before.arrs else None)
    return {
        "list_size": after.list_size - before.list_size,
        "total": money(_minus(after.total, before.total)),
        "arrs_headroom": money(headroom),
        "access_shortfall": _minus(after.access.shortfall, before.access.shortfall),
        "errors": after.errors - before.errors,
    }


def row_dict(row: Row) -> dict[str, Any]:
    return {"key": row.key, "fate": row.fate, "before": side_dict(row.before), "after": side_dict(row.after),
            "difference": difference_dict(row)}


def comparison_dict(found: Comparison) -> dict[str, Any]:
    """The whole comparison, JSON-ready (see the module docs)."""
    outcome = found.outcome
    return {
        "area": {"code": found.area.code, "name": found.area.name},
        "date": found.date.isoformat(),
        "year": found.year.label,
        "year_known": found.year_known,
        "changes": list(found.changes),
        "notes": list(found.notes),
        "travel_basis": found.travel_basis,
        "measures_month": found.measures_month.isoformat() if found.measures_month else None,
        "seconds": found.seconds,
        "area_findings": {"before": [finding_dict(f) for f in found.area_before],
                          "after": [finding_dict(f) for f in found.area_after]},
        "outcome": {"ended": list(outcome.ended), "new": list(outcome.new), "closed": list(outcome.closed),
                    "opened": dict(outcome.opened),
                    "moves": [{"practice": code, "from_pcn": was, "to_pcn": now}
                              for code, (was, now) in sorted(outcome.moves.items())]},
        "rows": [row_dict(row) for row in found.rows],
    }
