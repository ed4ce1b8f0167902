"""Disclosure control, funnel limits, percentiles among PCNs, deciles and change over a year, against
hand-computed values, on DuckDB and Spark."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from pcnhub.analytics import engines
from pcnhub.analytics.measures import compile as compiler
from pcnhub.analytics.measures import levels
from pcnhub.analytics.pipeline.variation import Z95, Z998
from pcnhub.reference.measures import parse_measure

PERCENT = parse_measure('''
id = "share"
title = "t"
why = "w"
direction = "lower"
unit = "percent"
serves = ["s"]
source = "s"
status = "uncertain"
[numerator]
count = "patients"
within_denominator = true
where = [{ sex = "F" }]
[denominator]
count = "patients"
''', "measures/share.toml")
PER_1000 = parse_measure('''
id = "rate"
title = "t"
why = "w"
direction = "lower"
unit = "per_1000"
serves = ["s"]
source = "s"
status = "uncertain"
[numerator]
count = "hospital"
kinds = ["ae"]
[denominator]
count = "patients"
''', "measures/rate.toml")
OBSERVED_TO_EXPECTED = parse_measure('''
id = "oe"
title = "t"
why = "w"
direction = "higher"
unit = "ratio"
serves = ["s"]
source = "s"
status = "uncertain"
[numerator]
count = "patients"
where = [{ age = [15] }, { events = "hypertension" }]
[denominator]
count = "patients"
weight = "hypertension-expected-fph-2003"
where = [{ age = [15] }]
''', "measures/oe.toml")
COST = parse_measure('''
id = "cost"
title = "t"
why = "w"
direction = "lower"
unit = "gbp"
serves = ["s"]
source = "s"
status = "uncertain"
[numerator]
count = "medications"
sum = "cost"
[denominator]
count = "patients"
weight = "astro-pu-2013-cost"
''', "measures/cost.toml")
STAY = parse_measure('''
id = "stay"
title = "t"
why = "w"
direction = "lower"
unit = "ratio"
serves = ["s"]
source = "s"
status = "uncertain"
[numerator]
count = "hospital"
kinds = ["emergency_admission"]
sum = "stay_days"
within_denominator = true
[denominator]
count = "hospital"
kinds = ["emergency_admission"]
''', "measures/stay.toml")
MONTHS = compiler.months(dt.date(2024, 3, 31), 13)  # March 2023 to March 2024
MAR23, MAR24 = MONTHS[0].start, MONTHS[-1].start

# measure, level, org, month, numerator, denominator (unrounded), and the patients behind a weighted denominator
WEIGHTED = [
    ("oe", "england", "ENG", MAR24, 500.0, 1000.0, 3000),
    ("oe", "pcn", "P1", MAR24, 40.0, 80.4, 200),  # 40 / 80 (rounded), Poisson limits for 80
    ("oe", "pcn", "P2", MAR24, 10.0, 12.3, 5),  # 5 patients: suppressed although 12 is not a small count
    ("oe", "pcn", "P3", MAR24, 0.0, 5.2, 40),  # a weighted sum of 5: suppressed as a count of 5 would be
    ("cost", "england", "ENG", MAR24, 1234.567, 2000.0, 600),
    ("cost", "pcn", "P1", MAR24, 20.004, 29.6, 10),  # GBP 20.00 / 30; a sum has no limits
]
# measure, level, org, month, numerator, denominator (unrounded)
COUNTS = [
    ("share", "england", "ENG", MAR24, 300.0, 1000),
    ("share", "pcn", "P1", MAR24, 12.0, 40),  # rounded 10 / 40
    ("share", "pcn", "P2", MAR24, 5.0, 20),  # numerator 5: suppressed
    ("share", "pcn", "P3", MAR24, 0.0, 30),  # 0 is not suppressed
    ("share", "pcn", "P4", MAR24, 3.0, 0),  # no denominator: no row
    ("share", "england", "ENG", MAR23, 200.0, 1000),
    ("share", "pcn", "P1", MAR23, 8.0, 40),  # rounded 10 / 40 a year before: change 0
    ("share", "pcn", "P3", MAR23, 20.0, 30),  # rounded 20 / 30 a year before
    ("rate", "england", "ENG", MAR24, 50.0, 10_000),
    ("rate", "pcn", "P1", MAR24, 9.0, 1_000),
    ("stay", "england", "ENG", MAR24, 5_000.5, 1_000),  # a sum (stay days): 5.0005 days an admission
    ("stay", "pcn", "P1", MAR24, 230.25, 40),
]


DEFINED = [PERCENT, PER_1000, STAY, OBSERVED_TO_EXPECTED, COST]


def _computed(backend, numbered: bool = False):
    """Values and deciles of the rows above, keyed by measure id or (``numbered``) by number."""
    number = {m.id: i for i, m in enumerate(DEFINED)}
    rows = [(*row[:5], float(row[5]), row[5]) for row in COUNTS] + WEIGHTED  # counted: the count itself
    if numbered:
        rows = [(number[row[0]], *row[1:]) for row in rows]
    counts = engines.memtable(
        {name: [row[i] for row in rows] for i, name in enumerate(
            ("measure", "level", "org_code", "month", "numerator", "denominator", "counted"))},
        {"measure": "int64" if numbered else "string", "level": "string", "org_code": "string", "month": "date",
         "numerator": "float64", "denominator": "float64", "counted": "int64"})
    measures = levels.measure_table(DEFINED, numbered=numbered)
    values = engines.to_arrow(backend, levels.values(counts, measures, compiler.month_table(MONTHS))).to_pylist()
    deciles = engines.to_arrow(backend, levels.deciles(counts, measures)).to_pylist()
    return {(r["measure"], r["org_code"], r["month"]): r for r in values}, deciles


@pytest.fixture(scope="module")
def computed(backend):
    return _computed(backend)


def test_counts_keyed_by_number_give_the_ids(backend, computed):
    """The run keys each measure's counts by its number (levels.numbered); the outputs give the ids, the same."""
    values, deciles = _computed(backend, numbered=True)
    assert values == computed[0]
    assert sorted(deciles, key=str) == sorted(computed[1], key=str)
    assert {key[0] for key in values} == {"share", "rate", "stay", "oe", "cost"}


def test_disclosure_control(computed):
    values = computed[0]
    p1 = values[("share", "P1", MAR24)]
    assert (p1["numerator"], p1["denominator"], p1["value"], p1["suppressed"]) == (10.0, 40, 25.0, False)
    p2 = values[("share", "P2", MAR24)]
    assert p2["suppressed"] and p2["numerator"] is p2["denominator"] is p2["value"] is p2["percentile"] is None
    assert p2["lower95"] is None
    p3 = values[("share", "P3", MAR24)]
    assert (p3["numerator"], p3["denominator"], p3["value"], p3["suppressed"]) == (0.0, 30, 0.0, False)
    assert ("share", "P4", MAR24) not in values


def test_funnel_limits_around_england(computed):
    values = computed[0]
    p1 = values[("share", "P1", MAR24)]
    spread = math.sqrt(0.3 * 0.7 / 40)
    assert p1["england_value"] == pytest.approx(30.0)
    assert (p1["lower95"], p1["upper95"]) == pytest.approx((100 * (0.3 - Z95 * spread), 100 * (0.3 + Z95 * spread)))
    assert (p1["lower998"], p1["upper998"]) == pytest.approx(
        (100 * (0.3 - Z998 * spread), 100 * (0.3 + Z998 * spread)))
    rate = values[("rate", "P1", MAR24)]  # Poisson around 5 per 1,000; 9 rounds to 10
    assert (rate["value"], rate["england_value"]) == pytest.approx((10.0, 5.0))
    assert (rate["lower95"], rate["upper95"]) == pytest.approx(
        (1000 * max(0.0, 0.005 - Z95 * math.sqrt(0.005 / 1000)), 1000 * (0.005 + Z95 * math.sqrt(0.005 / 1000))))


def test_a_sum_has_no_funnel_limits(computed):
    """A summed numerator (stay days, cost) is not a count of events: neither limit, not a lower limit of 0."""
    values = computed[0]
    stay = values[("stay", "P1", MAR24)]
    assert (stay["numerator"], stay["denominator"]) == (230.25, 40)  # the sum to the penny, the count rounded
    assert stay["value"] == pytest.approx(230.25 / 40) and stay["england_value"] == pytest.approx(5.0005)
    assert [stay[k] for k in ("lower95", "upper95", "lower998", "upper998")] == [None] * 4
    england = values[("stay", "ENG", MAR24)]
    assert [england[k] for k in ("lower95", "upper95", "lower998", "upper998")] == [None] * 4


def test_a_weighted_denominator(computed):
    values = computed[0]
    p1 = values[("oe", "P1", MAR24)]
    assert (p1["numerator"], p1["denominator"], p1["value"], p1["suppressed"]) == (40.0, 80, 0.5, False)
    spread = math.sqrt(0.5 / 80)  # England's ratio 0.5, the expected number as the exposure
    assert (p1["lower95"], p1["upper95"]) == pytest.approx((0.5 - Z95 * spread, 0.5 + Z95 * spread))
    for org in ("P2", "P3"):
        hidden = values[("oe", org, MAR24)]
        assert hidden["suppressed"] and hidden["denominator"] is hidden["value"] is hidden["lower95"] is None
    cost = values[("cost", "P1", MAR24)]
    assert (cost["numerator"], cost["denominator"], cost["suppressed"]) == (20.0, 30, False)
    assert cost["value"] == pytest.approx(20.0 / 30)
    assert cost["england_value"] == pytest.approx(1234.567 / 2000.0)
    assert cost["lower95"] is cost["upper95"] is cost["lower998"] is cost["upper998"] is None


def test_percentiles_among_pcns_and_change_over_a_year(computed):
    values = computed[0]
    # unrounded values: P3 0, P2 0.25, P1 0.3 -> percent ranks 0, 50 (suppressed: not shown), 100
    assert values[("share", "P1", MAR24)]["percentile"] == pytest.approx(100.0)
    assert values[("share", "P3", MAR24)]["percentile"] == pytest.approx(0.0)
    assert values[("share", "ENG", MAR24)]["percentile"] is None  # PCNs only
    assert values[("share", "P1", MAR24)]["change_12m"] == pytest.approx(0.0)
    assert values[("share", "P3", MAR24)]["change_12m"] == pytest.approx(0.0 - 100 * 20 / 30)
    assert values[("share", "ENG", MAR24)]["change_12m"] == pytest.approx(10.0)
    assert values[("share", "P1", MAR23)]["change_12m"] is None


def test_deciles_interpolate_like_numpy(computed):
    deciles = {(r["measure"], r["month"], r["percentile"]): r["value"] for r in computed[1]}
    pcns = [0.0, 25.0, 30.0]  # P3, P2, P1 (unrounded; P4 has no denominator)
    for p in levels.PERCENTILES:
        assert deciles[("share", MAR24, p)] == pytest.approx(float(np.percentile(pcns, p)))
    assert deciles[("share", MAR24, 10)] == pytest.approx(5.0)
    assert deciles[("share", MAR24, 90)] == pytest.approx(29.0)
    assert deciles[("rate", MAR24, 50)] == pytest.approx(9.0)  # one PCN: every decile is its value


def test_months_end_with_the_last_whole_month():
    assert [m.start for m in compiler.months(dt.date(2024, 4, 1), 2)] == [dt.date(2024, 2, 1), dt.date(2024, 3, 1)]
    assert compiler.months(dt.date(2024, 3, 31), 1)[0].end == dt.date(2024, 3, 31)
    assert compiler.months(dt.date(2024, 3, 1), 1)[0].end == dt.date(2024, 2, 29)
    with pytest.raises(ValueError):
        compiler.months(dt.date(2024, 3, 1), 0)
