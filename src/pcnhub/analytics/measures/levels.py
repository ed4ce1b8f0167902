"""From practice counts to every level: ratio of sums, disclosure control, funnel limits, percentiles among
PCNs, deciles and change over a year (Ibis; the same on every engine).

:func:`level_counts` sums the practices' numerators and denominators to each ``practice``, ``pcn``,
``sub_icb``, ``icb`` and ``england`` (org ``ENG``) for each measure and month; a practice with no PCN (or
sub-ICB, ICB) in the map counts only at the levels it has, and always for England.  :func:`values` then
writes :data:`VALUES` and :func:`deciles` :data:`DECILES`:

* disclosure control as in the population health aggregates (:mod:`pcnhub.analytics.pipeline.aggregates`):
  a count of 1 to 6 is suppressed (numerator, denominator, value, percentile and change null,
  ``suppressed`` true); other counts are rounded to the nearest 5 and the value is the rounded
  numerator over the rounded denominator, times the unit's multiplier.  A summed numerator (cost) is
  not a count: it is rounded to the penny, and only its denominator is checked for small counts.  A
  weighted denominator (ASTRO-PUs, an expected number) is not a count either: the patients weighed
  (``counted``) are checked for small counts, and the weighted sum, to the nearest whole number, is checked
  and rounded to 5 as a count would be;
* ``england_value``: England's value that month (unrounded: a ratio of every practice's sums; null, with
  the funnel limits, when England's own counts are suppressed);
* funnel limits around England's value ``p`` for the row's (rounded) denominator ``n``: binomial
  ``p -/+ z sqrt(p (1 - p) / n)`` kept within 0 and 1, or Poisson ``p -/+ z sqrt(p / n)`` kept at 0 or
  more (z = 1.96 for 95%, 3.09 for 99.8%), times the multiplier; none for a summed numerator.  For a count
  over a weighted denominator the Poisson limits take the weighted sum as the exposure (for an expected
  number, the usual limits of an observed-to-expected ratio, the expected number taken as known);
* ``percentile`` (PCNs only): the PCN's percent rank (0 to 100) among all PCNs with a denominator that
  month, on unrounded values, as OpenPrescribing's percentiles;
* ``change_12m``: the value minus the same organisation's value 12 months before (null if either is
  suppressed or missing);
* :func:`deciles`: the 10th, 20th, ... 90th percentiles of the PCNs' unrounded values each month
  (linear interpolation between order statistics, numpy's default), OpenPrescribing's deciles chart.
"""

from __future__ import annotations

from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.engines import memtable
from pcnhub.analytics.pipeline.aggregates import rounded, small
from pcnhub.analytics.pipeline.portable import exact_sum, int64_sum
from pcnhub.analytics.pipeline.variation import Z95, Z998
from pcnhub.reference.measures import Measure

LEVELS: Final = ("practice", "pcn", "sub_icb", "icb", "england")
ENGLAND: Final = "ENG"
PERCENTILES: Final = tuple(range(10, 100, 10))

VALUES: Final = ibis.schema({
    "measure": "string", "level": "string", "org_code": "string", "month": "date",
    "numerator": "float64", "denominator": "int64", "value": "float64", "suppressed": "boolean",
    "england_value": "float64", "lower95": "float64", "upper95": "float64", "lower998": "float64",
    "upper998": "float64", "percentile": "float64", "change_12m": "float64",
})
DECILES: Final = ibis.schema({"measure": "string", "month": "date", "percentile": "int64", "value": "float64"})


def geography_table(geography: dict[str, tuple[str | None, str | None, str | None]] | None) -> ir.Table:
    """``practice_code, pcn_code, sub_icb_code, icb_code`` from ``{practice: (pcn, sub_icb, icb)}``."""
    rows = sorted((geography or {}).items())
    return memtable(
        {"practice_code": [p for p, _ in rows], "pcn_code": [g[0] for _, g in rows],
         "sub_icb_code": [g[1] for _, g in rows], "icb_code": [g[2] for _, g in rows]},
        {"practice_code": "string", "pcn_code": "string", "sub_icb_code": "string", "icb_code": "string"},
    )


def measure_table(measures: list[Measure], *, numbered: bool = False) -> ir.Table:
    """``measure, measure_id, multiplier, funnel, summed``: what the later steps need of each definition.

    ``measure`` is the key the counts carry: the measure's id, or with ``numbered`` its position in
    ``measures`` (:func:`numbered`).  Counts keyed by number are summed, joined and ranked on a small integer
    rather than on ids of up to 50 characters (every practice row hashed and compared by it several times:
    a tenth of the levels step's time at 1,000,000 patients); the outputs give the id (:func:`named`)."""
    return memtable(
        {"measure": list(range(len(measures))) if numbered else [m.id for m in measures],
         "measure_id": [m.id for m in measures], "multiplier": [m.multiplier for m in measures],
         "funnel": [m.funnel for m in measures], "summed": [m.numerator.sum is not None for m in measures]},
        {"measure": "int64" if numbered else "string", "measure_id": "string", "multiplier": "float64",
         "funnel": "string", "summed": "boolean"},
    )


def numbered(counts: ir.Table, number: int) -> ir.Table:
    """One measure's practice counts keyed by its ``number`` (see :func:`measure_table`)."""
    return counts.mutate(measure=ibis.literal(number, "int64"))


def named(rows: ir.Table, measures: ir.Table) -> ir.Table:
    """``rows`` with their measure key replaced by the measure's id (the columns in the same order); rows keyed
    by id already are returned as they are."""
    if rows.measure.type().is_string():
        return rows
    ids = measures.select(_key=measures.measure, _id=measures.measure_id)
    joined = rows.join(ids, rows.measure == ids._key)
    return joined.select(*[joined._id.name("measure") if c == "measure" else joined[c] for c in rows.columns])


def definitions(measures: ir.Table) -> ir.Table:
    """:func:`measure_table` without the ids, to join to the counts by key."""
    return measures.drop("measure_id")


def level_counts(practices: ir.Table, geography: ir.Table) -> ir.Table:
    """``measure, level, org_code, month, numerator, denominator, counted``: sums at every level (unrounded)."""
    # each practice's area (its PCN, sub-ICB and ICB together) as a number from the small geography table, so
    # that the practice sums are grouped by a number rather than by three codes (0.7 s of 1.3 at 1,000,000
    # patients: 4.3 million practice rows of 27 measures)
    keys = ["pcn_code", "sub_icb_code", "icb_code"]
    numbered = geography.mutate(_area=ibis.dense_rank().over(order_by=keys))
    joined = practices.left_join(numbered.select("practice_code", "_area"), "practice_code")
    rows = joined.select(practices.measure, practices.practice_code, practices.month, practices.numerator,
                         practices.denominator, practices.counted, joined._area)
    columns = ("measure", "level", "org_code", "month", "numerator", "denominator", "counted")
    # a practice's row is its own (one a measure and month); the areas are summed from the practices' sums by
    # area (a few thousand groups a month), not each level from every practice row again
    parts = [rows.select("measure", ibis.literal("practice").name("level"), org_code=rows.practice_code,
                         month=rows.month, numerator=rows.numerator, denominator=rows.denominator,
                         counted=rows.counted.cast("int64"))]
    summed = rows.group_by("measure", "month", "_area").aggregate(
        numerator=exact_sum(rows.numerator), denominator=exact_sum(rows.denominator), counted=int64_sum(rows.counted))
    named = summed.left_join(numbered.select("_area", *keys).distinct(), "_area")
    areas = named.select(summed.measure, summed.month, summed.numerator, summed.denominator, summed.counted,
                         *[named[k] for k in keys])
    for level, column in (("pcn", "pcn_code"), ("sub_icb", "sub_icb_code"), ("icb", "icb_code"), ("england", None)):
        chosen = areas if column is None else areas.filter(areas[column].notnull())
        org = ibis.literal(ENGLAND) if column is None else chosen[column]
        grouped = chosen.group_by(measure=chosen.measure, org_code=org, month=chosen.month).aggregate(
            numerator=exact_sum(chosen.numerator), denominator=exact_sum(chosen.denominator),
            counted=int64_sum(chosen.counted))
        parts.append(grouped.select(*[ibis.literal(level).name("level") if c == "level" else c for c in columns]))
    return ibis.union(*parts)


def hidden_counts(rows: ir.Table) -> ir.BooleanValue:
    """Whether disclosure control hides a row of counts (``numerator, denominator, counted`` and the measure's
    ``summed``): a denominator (to the nearest whole number), the patients or rows behind it, or a counted
    numerator of 1 to 6."""
    return (small(rows.denominator.round().cast("int64")) | small(rows.counted)
            | (~rows.summed & small(rows.numerator.round().cast("int64"))))


def _limits(p: ir.FloatingValue, n: ir.IntegerValue, funnel: ir.StringValue, z: float) -> tuple:
    n = n.cast("float64")
    binomial = z * (p * (1 - p) / n).sqrt()
    poisson = z * (p / n).sqrt()
    spread = ibis.cases((funnel == "binomial", binomial), else_=poisson)
    lower = ibis.greatest(p - spread, 0.0)
    upper = ibis.ifelse(funnel == "binomial", ibis.least(p + spread, 1.0), p + spread)
    # A sum (funnel "none") has no limits at all: not a lower limit of 0 (GREATEST skips a null on both engines)
    ok = funnel.isin(["binomial", "poisson"]) & (n > 0) & p.notnull()
    return ibis.ifelse(ok, lower, ibis.null("float64")), ibis.ifelse(ok, upper, ibis.null("float64"))


def values(counts: ir.Table, measures: ir.Table, periods: ir.Table) -> ir.Table:
    """:data:`VALUES` from :func:`level_counts` (``periods``: ``month, month_index``; ``measures``:
    :func:`measure_table`)."""
    counts = counts.filter(counts.denominator > 0)
    joined = counts.join(definitions(measures), "measure").join(periods.select("month", "month_index"), "month")
    national = joined.filter(joined.level == "england")
    hidden = hidden_counts(national)
    england = national.select(  # England's own counts small: its value (and the limits around it) not shown
        "measure", "month",
        _p=ibis.ifelse(hidden, ibis.null("float64"), national.numerator / national.denominator.cast("float64")))
    rows = joined.join(england, ["measure", "month"])
    # percentiles are of PCNs only: ranked apart from the other levels, whose rows are not sorted for it (3.5
    # million practice rows of 27 measures at 1,000,000 patients: 2.2 s of the step's 3.2)
    pcns = rows.filter(rows.level == "pcn")
    rank = ibis.percent_rank().over(group_by=[pcns.measure, pcns.month],
                                    order_by=pcns.numerator / pcns.denominator.cast("float64"))
    out = ibis.union(_shown(pcns, rank), _shown(rows.filter(rows.level != "pcn"), None))
    earlier = out.view()  # a self-join needs a view of its own
    # only a value shown 12 months before a month measured can be a change's start: half the months of two years
    last = periods.month_index.max().as_scalar()
    earlier = earlier.filter(earlier.value.notnull() & (earlier.month_index <= last - 12))
    before = earlier.select(measure=earlier.measure, level=earlier.level, org_code=earlier.org_code,
                            _index=earlier.month_index + 12, _before=earlier.value)
    changed = out.left_join(before, [out.measure == before.measure, out.level == before.level,
                                     out.org_code == before.org_code, out.month_index == before._index])
    return named(changed.select(
        *[changed[c] for c in VALUES.names if c != "change_12m"],
        change_12m=(changed.value - changed._before),
    ), measures)


def _shown(rows: ir.Table, rank: ir.FloatingValue | None) -> ir.Table:
    """The rows of :func:`values` before the change over a year: disclosure control, limits and (``rank``, of
    PCNs) the percentile."""
    count_numerator = rows.numerator.round().cast("int64")
    suppressed = hidden_counts(rows)
    denominator = rounded(rows.denominator.round().cast("int64"))
    numerator = ibis.ifelse(rows.summed, rows.numerator.round(2), rounded(count_numerator).cast("float64"))
    value = numerator / denominator.cast("float64") * rows.multiplier
    lower95, upper95 = _limits(rows._p, denominator, rows.funnel, Z95)
    lower998, upper998 = _limits(rows._p, denominator, rows.funnel, Z998)
    null = ibis.null("float64")
    return rows.select(
        "measure", "level", "org_code", "month", "month_index",
        numerator=ibis.ifelse(suppressed, null, numerator),
        denominator=ibis.ifelse(suppressed, ibis.null("int64"), denominator),
        value=ibis.ifelse(suppressed | (denominator == 0), null, value),
        suppressed=suppressed,
        england_value=rows._p * rows.multiplier,
        # limits show the denominator they are for: not for a suppressed row
        lower95=ibis.ifelse(suppressed, null, lower95 * rows.multiplier),
        upper95=ibis.ifelse(suppressed, null, upper95 * rows.multiplier),
        lower998=ibis.ifelse(suppressed, null, lower998 * rows.multiplier),
        upper998=ibis.ifelse(suppressed, null, upper998 * rows.multiplier),
        percentile=null if rank is None else ibis.ifelse(suppressed, null, rank * 100.0),
    )


def deciles(counts: ir.Table, measures: ir.Table) -> ir.Table:
    """:data:`DECILES`: the 10th to 90th percentiles of the PCNs' values each month (unrounded values, linear
    interpolation between the order statistics)."""
    pcns = counts.filter((counts.level == "pcn") & (counts.denominator > 0)).join(definitions(measures), "measure")
    pcns = pcns.select("measure", "month", _v=pcns.numerator / pcns.denominator.cast("float64") * pcns.multiplier)
    window = ibis.window(group_by=[pcns.measure, pcns.month])
    ranked = pcns.mutate(
        _r=ibis.row_number().over(group_by=[pcns.measure, pcns.month], order_by=pcns._v),
        _n=pcns._v.count().over(window),
    )
    points = memtable({"percentile": list(PERCENTILES)}, {"percentile": "int64"})
    # each PCN's value counts towards a percentile with the weight linear interpolation gives its order
    # statistic: one cross join with the nine percentiles and a sum, no self-join
    rows = ranked.cross_join(points)
    position = (rows._n - 1).cast("float64") * rows.percentile.cast("float64") / 100.0
    low = position.floor().cast("int64")
    fraction = position - low.cast("float64")
    high = ibis.least(low + 1, rows._n - 1)
    weight = (ibis.ifelse(rows._r == low, 1.0 - fraction, 0.0)
              + ibis.ifelse(rows._r == high, fraction, 0.0)).cast("float64")
    rows = rows.mutate(_w=weight)
    rows = rows.filter(rows._w != 0)
    return named(rows.group_by("measure", "month", "percentile").aggregate(value=(rows._w * rows._v).sum()), measures)
