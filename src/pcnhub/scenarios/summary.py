"""Several scenarios side by side: what each does to the networks it touches, in a few figures.

Each figure is the sum over the networks a scenario touches (after less before), from its comparison
(:func:`pcnhub.scenarios.compare.compare`): nothing here is computed any other way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pcnhub.domain import rules
from pcnhub.scenarios import compare


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: Any
    text: str


def _sum(sides, get: Callable[[compare.Side], Any]) -> Any:
    values = [get(s) for s in sides]
    if any(v is None for v in values):
        return None
    return sum(values, Decimal(0) if values and isinstance(values[0], Decimal) else 0)


def _pounds(value: Decimal | None) -> str:
    if value is None:
        return "Not known"
    whole = int(value.quantize(Decimal(1)))
    return f"{'−' if whole < 0 else '+' if whole > 0 else ''}£{abs(whole):,}"


def _signed(value: int | None, unit: str = "") -> str:
    if value is None:
        return "Not known"
    return f"{'−' if value < 0 else '+' if value > 0 else ''}{abs(value):,}{unit}"


def figures(found: compare.Comparison) -> list[Figure]:
    """The scenario's figures, in the order a side-by-side table shows them."""
    before = [r.before for r in found.rows if r.before is not None]
    after = [r.after for r in found.rows if r.after is not None]
    moved = sum(1 for before_key, after_key in found.outcome.moves.values() if before_key and after_key)
    outside_band = sum(1 for s in after if s.placing != rules.WITHIN)
    errors_before = sum(s.errors for s in before) + sum(1 for f in found.area_before if f.severity == rules.ERROR)
    errors_after = sum(s.errors for s in after) + sum(1 for f in found.area_after if f.severity == rules.ERROR)
    money_before = _sum(before, lambda s: s.total)
    money_after = _sum(after, lambda s: s.total)
    money = None if money_before is None or money_after is None else money_after - money_before
    headroom_before = _sum(before, lambda s: s.arrs.headroom if s.arrs else None)
    headroom_after = _sum(after, lambda s: s.arrs.headroom if s.arrs else None)
    headroom = None if headroom_before is None or headroom_after is None else headroom_after - headroom_before
    outside = sum(len(s.arrs.outside) for s in after if s.arrs)
    short_before = _sum(before, lambda s: s.access.shortfall)
    short_after = _sum(after, lambda s: s.access.shortfall)
    shortfall = None if short_before is None or short_after is None else short_after - short_before
    spread = max((s.spread.farthest_km for s in after if s.spread is not None), default=None)
    drive = max((s.spread.farthest_drive_minutes for s in after
                 if s.spread is not None and s.spread.farthest_drive_minutes is not None), default=None)
    sizes = [s.list_size for s in after]
    return [
        Figure("changes", "Changes", len(found.changes), f"{len(found.changes):,}"),
        Figure("networks", "Networks touched", len(found.rows), f"{len(found.rows):,}"),
        Figure("moved", "Practices changing network", moved, f"{moved:,}"),
        Figure("ended", "Networks that end", len(found.outcome.ended), f"{len(found.outcome.ended):,}"),
        Figure("new", "Networks made", len(found.outcome.new), f"{len(found.outcome.new):,}"),
        Figure("smallest", "Smallest network after", min(sizes, default=None),
               f"{min(sizes):,} patients" if sizes else "None"),
        Figure("largest", "Largest network after", max(sizes, default=None),
               f"{max(sizes):,} patients" if sizes else "None"),
        Figure("outside_band", "Networks after outside the list-size band", outside_band, f"{outside_band:,}"),
        Figure("errors", "Rule errors, before to after", (errors_before, errors_after),
               f"{errors_before:,} to {errors_after:,}"),
        Figure("money", f"Network money {found.year}, after less before", money, _pounds(money)),
        Figure("headroom", "ARRS headroom, after less before", headroom, _pounds(headroom)),
        Figure("outside_sum", "ARRS posts outside the sum after", outside, f"{outside:,}"),
        Figure("shortfall", "Access shortfall, after less before (minutes a week)", shortfall, _signed(shortfall)),
        Figure("spread", "Farthest apart, in any network after (km)", spread,
               "Not known" if spread is None else f"{spread:,.1f} km"),
        Figure("drive", "Longest drive between two practices, in any network after (estimate)", drive,
               "Not known" if drive is None else f"About {drive:,} min"),
    ]
