"""Weights by age band and sex: the packaged tables hold the published figures, and the loader rejects a bad
file naming file, row and field."""

from __future__ import annotations

import pytest

from pcnhub.reference import weights as w
from pcnhub.reference.weights import WeightError, parse_weights

#: The ASTRO-PU cost-based weightings as the HSCIC spreadsheet shows them (1 decimal place), by band, M then F.
ASTRO_PU_ONE_DECIMAL = {
    "0-4": (1.0, 0.9), "5-14": (0.9, 0.7), "15-24": (1.2, 1.4), "25-34": (1.3, 1.8), "35-44": (1.8, 2.6),
    "45-54": (3.1, 3.7), "55-64": (5.3, 5.4), "65-74": (8.7, 7.6), "75+": (11.3, 9.9),
}
#: The Faculty of Public Health ready-reckoner's multipliers (tool H3), men then women.
FPH_READY_RECKONER = {
    "15-24": (0.06, 0.02), "25-34": (0.11, 0.05), "35-44": (0.20, 0.11), "45-54": (0.35, 0.23),
    "55-64": (0.51, 0.47), "65-74": (0.64, 0.64), "75+": (0.64, 0.75),
}


def _bands(table: w.WeightTable) -> dict[str, tuple[float, float]]:
    found: dict[str, dict[str, float]] = {}
    for row in table.rows:
        band = f"{row.age_from}+" if row.age_to is None else f"{row.age_from}-{row.age_to - 1}"
        found.setdefault(band, {})[row.sex] = row.weight
    return {band: (sexes["M"], sexes["F"]) for band, sexes in found.items()}


def test_the_packaged_tables():
    assert w.keys() == ["astro-pu-2013-cost", "hypertension-expected-fph-2003"]
    for table in w.weight_tables():
        assert table.source and table.note and table.status in w.STATUSES and table.weight
    astro = w.weight_table("astro-pu-2013-cost")
    assert {band: (round(m, 1), round(f, 1)) for band, (m, f) in _bands(astro).items()} == ASTRO_PU_ONE_DECIMAL
    assert (astro.weight_of("M", 80), astro.weight_of("F", 0), astro.min_age) == (11.3430752706509, 0.874764602225095, 0)
    fph = w.weight_table("hypertension-expected-fph-2003")
    assert _bands(fph) == FPH_READY_RECKONER
    assert (fph.status, fph.min_age, fph.weight_of("F", 14), fph.weight_of("F", 15)) == ("verified", 15, None, 0.02)


def test_an_unknown_table_is_named():
    with pytest.raises(WeightError, match="no weights table 'nope'; known: astro-pu-2013-cost"):
        w.weight_table("nope")


GOOD = "sex,age_from,age_to,weight\nM,0,10,1\nF,0,10,2\nM,10,,3\nF,10,,4\n"


@pytest.mark.parametrize(("text", "message"), [
    ("", "x.csv: the file is empty"),
    ("sex,from,to,weight\n", "x.csv row 1: the columns must be sex, age_from, age_to, weight"),
    ("sex,age_from,age_to,weight\n", "x.csv: the table has no rows"),
    (GOOD.replace("M,0,10,1", "X,0,10,1"), "x.csv row 2, field sex: 'X' is not one of F, M"),
    (GOOD.replace("M,0,10,1", "M,a,10,1"), "x.csv row 2, field age_from: 'a' is not a whole number of years"),
    (GOOD.replace("M,0,10,1", "M,0,0,1"), "x.csv row 2, field age_to: 0 is not above age_from 0"),
    (GOOD.replace("M,0,10,1", "M,0,10,-1"), "x.csv row 2, field weight: '-1' is not a number of 0 or more"),
    (GOOD.replace("M,0,10,1", "M,0,10,nan"), "x.csv row 2, field weight: 'nan' is not a number of 0 or more"),
    (GOOD.replace("M,0,10,1", "M,0,10"), "x.csv row 2: 3 fields, expected 4"),
    (GOOD.replace("M,0,10,1", "M,0,9,1"), "x.csv: sex M: the band from 0 is followed by one from 10"),
    (GOOD.replace("M,10,,3", "M,10,90,3"), "x.csv: sex M: the last band must be open"),
    (GOOD.replace("F,10,,4\n", ""), "x.csv: sex F: the last band must be open"),
    (GOOD.replace("F,0,10,2\nM,10,,3\nF,10,,4\n", "M,10,,3\n"), "x.csv: no rows for sex F"),
    (GOOD.replace("F,0,10,2", "F,0,12,2").replace("F,10,,4", "F,12,,4"), "x.csv: the age bands of F and M differ"),
])
def test_bad_files_are_rejected_naming_row_and_field(text, message):
    with pytest.raises(WeightError) as raised:
        parse_weights(text, "x.csv")
    assert message in str(raised.value)


def test_a_good_file_is_read_in_order():
    rows = parse_weights(GOOD, "x.csv")
    assert [(r.sex, r.age_from, r.age_to, r.weight) for r in rows] == [
        ("F", 0, 10, 2.0), ("F", 10, None, 4.0), ("M", 0, 10, 1.0), ("M", 10, None, 3.0)]
