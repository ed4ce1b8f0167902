"""Variation between practices: standardised ratios and funnel plot limits, ``variation.parquet``.

For each measure of :data:`MEASURES` (the rates of :mod:`.aggregates`) and practice:

* ``denominator`` and ``observed``: the practice's denominator and numerator, **rounded to the nearest
  5**; a practice with either count 1 to 6 is left out (disclosure control, as in the aggregates).
  No unrounded count is written.
* ``expected``: indirect standardisation by age band and sex: the sum over the practice's strata of
  its (unrounded) denominator in the stratum times the stratum's rate across all practices of the
  dataset.
* ``ratio`` = observed / expected (the standardised ratio; null when nothing is expected);
  ``rate`` = observed / denominator (crude); ``standardised_rate`` = ratio x the overall rate (the
  indirectly standardised rate, on the same scale as the limits).
* funnel limits around the overall rate ``p`` (all practices' numerators over all their denominators,
  unrounded: a ratio of sums) for the practice's (rounded) denominator ``n``, by the normal
  approximation to the binomial: ``p -/+ z * sqrt(p * (1 - p) / n)`` with z = 1.959964 (95%) and
  3.090232 (99.8%), kept within 0 and 1.
* ``outlier``: ``high`` when the standardised rate is above the 99.8% upper limit, ``low`` when below
  the lower one, else ``''`` (so age and sex do not make a practice an outlier; between the 95% and
  99.8% limits is the usual "alert" zone that is not flagged).  Plot ``standardised_rate`` (or
  ``rate`` for the crude picture) against ``denominator`` with the limits.

The work follows the output (issue 18): one aggregation of the patients by practice, age band and sex
for every measure, the stratum rates and the practices' sums side by side in wide rows, and one row per
measure and practice made only at the end.
"""

from __future__ import annotations

from typing import Final

import ibis
import ibis.expr.types as ir

from pcnhub.analytics.pipeline.aggregates import counted, rounded, small
from pcnhub.analytics.pipeline.portable import exact_sum
from pcnhub.analytics.pipeline.cohorts import COHORTS

MEASURES: Final = ("efi_moderate_severe", "polypharmacy_10plus", "qrisk3_10plus", *COHORTS)
Z95: Final = 1.959963984540054
Z998: Final = 3.090232306167813

SCHEMA: Final = ibis.schema(
    {
        "measure": "string",
        "practice_code": "string",
        "pcn_code": "string",
        "denominator": "int64",
        "observed": "int64",
        "expected": "float64",
        "ratio": "float64",
        "rate": "float64",
        "standardised_rate": "float64",
        "lower95": "float64",
        "upper95": "float64",
        "lower998": "float64",
        "upper998": "float64",
        "outlier": "string",
    }
)


def strata(features: ir.Table) -> tuple[ir.Table, dict[str, tuple[str, str]]]:
    """Unrounded counts by practice, age band and sex, wide (one aggregation of the patients for every
    measure, each count once): ``practice_code, pcn_code, age_band, sex`` and the count columns, and
    ``{measure: (numerator column, denominator column)}``."""
    columns, pairs = counted(features)
    pairs = {m: pairs[m] for m in MEASURES}
    used = {name for pair in pairs.values() for name in pair}
    table = features.group_by("practice_code", "pcn_code", "age_band", "sex").aggregate(
        **{name: value.sum() for name, value in columns.items() if name in used}
    )
    return table, pairs


def variation(features: ir.Table) -> ir.Table:
    """``variation.parquet`` from ``patient_features``: :data:`SCHEMA`, one row per measure and practice
    (practices with a count of 1 to 6 left out).

    Every measure side by side in wide rows (strata, then practices) until the last projection, which makes
    one row per measure and practice; a stratum counts for a measure where its denominator is above 0."""
    cells, pairs = strata(features)
    numerator = {m: cells[n] for m, (n, _) in pairs.items()}
    denominator = {m: cells[d] for m, (_, d) in pairs.items()}
    rates = cells.group_by("age_band", "sex").aggregate(**{
        f"_rate_{m}": numerator[m].sum(where=denominator[m] > 0).cast("float64")
        / denominator[m].sum(where=denominator[m] > 0).cast("float64")
        for m in MEASURES
    })
    joined = cells.join(rates, ["age_band", "sex"])
    practices = joined.group_by("practice_code", "pcn_code").aggregate(**{
        name: value
        for m, (n, d) in pairs.items()
        for name, value in (
            (f"_observed_{m}", joined[n].sum(where=joined[d] > 0)),
            (f"_denominator_{m}", joined[d].sum(where=joined[d] > 0)),
            # summed exactly (:func:`.portable.exact_sum`): a sum of doubles depends on the order the engine adds
            # them in (which varies from run to run with its threads), an exact sum does not, so ``expected``,
            # ``ratio`` and ``standardised_rate`` are the same to the bit on every run and on every engine
            (f"_expected_{m}", exact_sum(joined[d].cast("float64") * joined[f"_rate_{m}"], where=joined[d] > 0)),
        )
    })
    overall = practices.aggregate(**{
        f"_p_{m}": practices[f"_observed_{m}"].sum().cast("float64")
        / practices[f"_denominator_{m}"].sum().cast("float64")
        for m in MEASURES
    })
    practices = practices.cross_join(overall)
    array = ibis.array([
        ibis.struct({
            "measure": ibis.literal(m),
            "observed": practices[f"_observed_{m}"],
            "denominator": practices[f"_denominator_{m}"],
            "expected": practices[f"_expected_{m}"],
            "p": practices[f"_p_{m}"],
        })
        for m in MEASURES
    ])
    long = practices.select("practice_code", "pcn_code", _m=array.unnest())
    practices = long.select(
        "practice_code", "pcn_code",
        measure=long._m.measure, _observed=long._m.observed, _denominator=long._m.denominator,
        expected=long._m.expected, _p=long._m.p,
    )
    # a practice none of whose strata count for the measure has no row for it
    practices = practices.filter(practices._denominator.notnull())
    practices = practices.filter(~small(practices._observed) & ~small(practices._denominator))
    observed = rounded(practices._observed)
    denominator = rounded(practices._denominator)
    p = practices._p
    ratio = ibis.ifelse(practices.expected > 0, observed.cast("float64") / practices.expected, ibis.null("float64"))
    spread = (p * (1.0 - p) / denominator.cast("float64")).sqrt()

    def limit(z: float, sign: int) -> ir.FloatingValue:
        return ibis.greatest(ibis.least(p + sign * z * spread, 1.0), 0.0)

    out = practices.select(
        "measure",
        "practice_code",
        "pcn_code",
        denominator=denominator,
        observed=observed,
        expected=practices.expected,
        ratio=ratio,
        rate=observed.cast("float64") / denominator.cast("float64"),
        standardised_rate=ratio * p,
        lower95=limit(Z95, -1),
        upper95=limit(Z95, 1),
        lower998=limit(Z998, -1),
        upper998=limit(Z998, 1),
    )
    outlier = ibis.cases(
        (out.standardised_rate > out.upper998, "high"),
        (out.standardised_rate < out.lower998, "low"),
        else_="",
    )
    result = out.mutate(outlier=outlier)
    return result.select(*[result[name].cast(dtype).name(name) for name, dtype in SCHEMA.items()]).order_by(
        "measure", "practice_code"
    )
